-- Runs every ```lua block of a document (docs/lua-api.md, docs/vtd.md),
-- each in a fresh `iommusim run`, so that the documented examples keep
-- working (blocks marked ```lua no-run are shown, not run). The global
-- IOMMUSIM_SRC holds the source tree (the directory above DOC.md's), for
-- examples that load scripts/machines/q35.lua.
-- Usage: iommusim run doc-examples.lua IOMMUSIM DOC.md [MIN_EXAMPLES]
local prog, doc, min_blocks = arg[1], arg[2], tonumber(arg[3] or 10)
assert(prog and doc, "usage: iommusim run doc-examples.lua IOMMUSIM DOC.md [MIN_EXAMPLES]")
local src = (doc:match("^(.*)/[^/]*$") or ".") .. "/.."

local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local f = assert(io.open(doc, "rb"))
local text = f:read("a")
f:close()

local blocks, lineno, current, start = {}, 0, nil, nil
for line in (text .. "\n"):gmatch("(.-)\n") do
  lineno = lineno + 1
  if current then
    if line:match("^```%s*$") then
      blocks[#blocks + 1] = { line = start, code = table.concat(current, "\n") .. "\n" }
      current = nil
    else
      current[#current + 1] = line
    end
  elseif line:match("^```lua%s*$") then
    current, start = {}, lineno + 1
  end
end
assert(not current, "unterminated ```lua block at line " .. tostring(start))
assert(#blocks >= min_blocks, string.format("expected at least %d examples in %s, found %d",
                                           min_blocks, doc, #blocks))

local tmp = os.tmpname()
local failures = 0
for i, b in ipairs(blocks) do
  local path = tmp .. "-example" .. i .. ".lua"
  local out = assert(io.open(path, "w"))
  -- keep the line numbers of the document in error messages: the set-up
  -- goes on line 1
  out:write(string.format("IOMMUSIM_SRC = %q", src), string.rep("\n", b.line - 1),
            b.code)
  out:close()
  local p = io.popen(q(prog) .. " run --timeout 20 " .. q(path) .. " 2>&1")
  local output = p:read("a")
  local _, _, status = p:close()
  os.remove(path)
  if status ~= 0 then
    failures = failures + 1
    print(string.format("FAIL %s:%d (block %d): exit %s\n%s", doc, b.line, i,
                        tostring(status), output))
  else
    print(string.format("ok   %s:%d (block %d)", doc, b.line, i))
  end
end
os.remove(tmp)
assert(failures == 0, failures .. " of " .. #blocks .. " examples failed")
