-- testlib.lua - small helpers shared by the Lua scenario tests.
--
-- Tests run with `iommusim run`; meson puts tests/lua on LUA_PATH.
local M = {}

-- expect_error(pattern, fn, ...): fn(...) must raise an error whose
-- message contains `pattern` (a plain substring). Returns the message.
function M.expect_error(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error containing '" .. pattern .. "', got success")
  err = tostring(err)
  if not err:find(pattern, 1, true) then
    error(string.format("expected an error containing '%s', got: %s", pattern, err), 2)
  end
  return err
end

-- eq(a, b): deep comparison with a readable failure message
local function show(v, indent)
  indent = indent or ""
  if type(v) == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
    local parts = {}
    for _, k in ipairs(keys) do
      parts[#parts + 1] = indent .. "  " .. tostring(k) .. " = " .. show(v[k], indent .. "  ")
    end
    return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
  elseif type(v) == "number" and math.type(v) == "integer" then
    return string.format("0x%x", v)
  elseif type(v) == "string" then
    return string.format("%q", v)
  end
  return tostring(v)
end
M.show = show

local function deq(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not deq(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

function M.eq(got, want, what)
  if not deq(got, want) then
    error(string.format("%s:\n got  %s\n want %s", what or "mismatch",
                        show(got), show(want)), 2)
  end
end

-- flat(as): the flat view as compact strings "START-LAST NAME[@OFF][ rom]"
function M.flat(as)
  local out = {}
  for _, r in ipairs(as:flatview()) do
    local s = string.format("%x-%x %s", r.start, r.last, r.name)
    if r.offset ~= 0 then s = s .. string.format("@%x", r.offset) end
    if r.readonly then s = s .. " ro" end
    out[#out + 1] = s
  end
  return out
end

-- an MMIO region whose reads return `value` (default: a tag per region)
function M.mmio(sim, name, size, value)
  return sim.io(name, size, {
    read = function(addr, sz) return value or 0 end,
    write = function() end,
  })
end

-- events(log): a listener spec that appends "event name addr" to log
function M.recorder(log, tag, extra)
  local function rec(ev)
    return function(s, ...)
      local e = (tag and (tag .. ":") or "") .. ev
      if s then e = e .. string.format(" %s %x+%x", s.name, s.addr, s.size) end
      local more = { ... }
      if #more > 0 then e = e .. " " .. table.concat(more, ",") end
      log[#log + 1] = e
    end
  end
  local spec = {}
  for _, ev in ipairs { "begin", "commit", "region_add", "region_del", "region_nop",
                        "log_start", "log_stop", "log_sync", "log_global_start",
                        "log_global_stop" } do
    spec[ev] = rec(ev)
  end
  for k, v in pairs(extra or {}) do spec[k] = v end
  return spec
end

-- clear(t): empty a list in place
function M.clear(t)
  for i = #t, 1, -1 do t[i] = nil end
end

return M
