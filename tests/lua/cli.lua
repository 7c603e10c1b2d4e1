-- The iommusim program from the outside: exit status and messages of
-- `run` (script errors, failing asserts, --timeout), `mtree`, `qtest -lspci`
-- and usage
-- errors. Run as: iommusim run cli.lua PATH-TO-IOMMUSIM DATA-DIR
local prog, data = arg[1], arg[2]
assert(prog and data, "usage: iommusim run cli.lua IOMMUSIM DATA-DIR")
local dir = arg[0]:match("^(.*)/[^/]*$") or "."

local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- run(args...) -> status, stdout, stderr
local tmp = os.tmpname()
local function run(...)
  local cmd = { q(prog) }
  for _, a in ipairs { ... } do cmd[#cmd + 1] = q(a) end
  local p = io.popen(table.concat(cmd, " ") .. " 2>" .. q(tmp))
  local out = p:read("a")
  local _, _, status = p:close()
  local f = io.open(tmp, "rb")
  local err = f:read("a")
  f:close()
  return status, out, err
end

local failures = 0
local function check(what, cond, detail)
  if cond then
    print("ok   " .. what)
  else
    failures = failures + 1
    print("FAIL " .. what .. "\n" .. (detail or ""))
  end
end

local function expect(what, want_status, pattern, ...)
  local status, out, err = run(...)
  local text = out .. err
  check(what, status == want_status and (not pattern or text:find(pattern)),
        string.format("  status %s (want %s)\n  stdout: %s\n  stderr: %s",
                      tostring(status), want_status, out, err))
  return out, err
end

local function script(name, body)
  local path = os.tmpname() .. "-" .. name .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write(body)
  f:close()
  return path
end

local scripts = {}
local function S(name, body)
  local p = script(name, body)
  scripts[#scripts + 1] = p
  return p
end

-- --timeout stops a script that never ends, with a clear message
local spin = S("spin", "while true do end\n")
local _, err = expect("--timeout stops `while true do end`", 1,
                      "spin%.lua:1: timeout: script ran longer than 0%.5 s", "run", "--timeout", "0.5", spin)
check("timeout message is one line", select(2, err:gsub("\n", "")) == 1, err)
-- ... also when the loop is in an MMIO callback and the script pcalls
local spin2 = S("spin2", [[
local sim = require "iommusim"
local sys = sim.container("s", sim.UINT64_MAX)
local as = sim.address_space(sys)
sys:add(0, sim.io("spin", 16, { read = function() while true do end end }))
while true do pcall(as.ld, as, 0, 4) end
]])
expect("--timeout through callbacks and pcall", 1, "timeout: script ran longer than 0%.3 s",
       "run", "--timeout", "0.3", spin2)
expect("--timeout=1 form and a quick script", 0, nil, "run", "--timeout=1", S("quick", "local x = 1\n"))
expect("--timeout rejects 0", 2, "not a positive number", "run", "--timeout", "0", spin)
expect("--timeout rejects junk", 2, "not a positive number", "run", "--timeout", "soon", spin)
expect("--timeout needs a value", 2, "Missing argument", "run", "--timeout")

-- script errors: file:line: message, exit 1
local failing = S("failing", "local x = 1\nassert(x == 2, 'x should be 2')\n")
_, err = expect("failing assert: file:line: message", 1, "failing%.lua:2: x should be 2", "run", failing)
check("no traceback by default", not err:find("traceback"), err)
expect("--traceback adds one", 1, "stack traceback:", "run", "--traceback", failing)
expect("error()", 1, "err%.lua:1: boom\n", "run", S("err", "error('boom')\n"))
expect("error with a table", 1, "error object is a table value", "run", S("tbl", "error({})\n"))
expect("syntax error", 1, "syntax%.lua:1: .*near", "run", S("syntax", "local = 1\n"))
expect("missing script", 1, "cannot open", "run", "/nonexistent/script.lua")
expect("errors from the API name the argument", 1,
       "api%.lua:2: bad argument #2 to '[%w.]*ram' %(size must not be 0%)", "run",
       S("api", "local sim = require 'iommusim'\nsim.ram('x', 0)\n"))
expect("a listener's error names the line that caused it", 1,
       "lst%.lua:5: listener region_add callback of 'lua%-listener': .*lst%.lua:4: no", "run",
       S("lst", "local sim = require 'iommusim'\nlocal s = sim.container('s', 4096)\n" ..
                "local as = sim.address_space(s)\nsim.listener(as, { region_add = function() error('no') end })\n" ..
                "s:add(0, sim.ram('r', 4096))\n"))
local nested = S("nested", "local sim = require 'iommusim'\nlocal s = sim.container('s', sim.UINT64_MAX)\n" ..
               "local as = sim.address_space(s)\ns:add(0, sim.io('d', 16, { read = function() error('deep') end }))\n" ..
               "print(as:ld(0, 4))\n")
expect("an MMIO callback's error names both lines", 1,
       "nested%.lua:5: MMIO read callback of 'd': .*nested%.lua:4: deep", "run", nested)

-- arguments and require without setup
local args = S("args", "local sim = require 'iommusim'\nprint(#arg, arg[0] ~= nil, arg[1], arg[2], arg[-1], select('#', ...), ...)\n")
local out = expect("script arguments in arg and ...", 0, nil, "run", args, "a b", "--not-an-option")
check("arg table", out:find("^2\ttrue\ta b\t%-%-not%-an%-option\trun\t2\ta b\t%-%-not%-an%-option\n"), out)
expect("-- ends the options", 0, nil, "run", "--", args)

-- usage errors exit 2
expect("no command", 2, "Usage:")
expect("unknown command", 2, "unknown command 'frobnicate'", "frobnicate")
expect("unknown option", 2, "unknown option '%-%-frob'", "--frob")
expect("run: unknown option", 2, "Unknown option %-%-bogus", "run", "--bogus", args)
expect("run: missing file", 2, "missing FILE%.lua", "run")
expect("mtree: missing dump", 2, "missing DUMP%.txt", "mtree")
expect("mtree: two dumps", 2, "unexpected argument", "mtree", "a.txt", "b.txt")
expect("--help", 0, "Usage: iommusim COMMAND", "--help")
expect("run --help", 0, "%-%-timeout", "run", "--help")
expect("mtree --help", 0, "%-%-hint", "mtree", "--help")
expect("--version", 0, "^iommusim %d+%.%d+%.%d+\n$", "--version")

-- mtree: a QEMU dump prints again; errors carry line numbers
local dump = data .. "/mtree/q35-256m.tree.txt"
local f = io.open(dump, "rb")
local dump_text = f:read("a")
f:close()
out = expect("mtree DUMP", 0, nil, "mtree", "-q", dump)
local function sorted_sections(text)
  local s = {}
  for sec in (text .. "\n\n"):gmatch("(.-)\n\n+") do if sec ~= "" then s[#s + 1] = sec end end
  table.sort(s)
  return table.concat(s, "\n\n")
end
check("mtree DUMP prints the same sections", sorted_sections(out) == sorted_sections(dump_text))
local json = expect("mtree --json -f: JSON lines", 0,
  '^{"view":0,"address_spaces":%[', "mtree", "-q", "--json", "-f", dump)
check("mtree --json -f: one object per line, pc.ram mapped",
      select(2, json:gsub("\n", "")) > 20 and json:find('"region":"pc.ram"', 1, true) ~= nil, json)
local _, hinted = expect("mtree -f --hint", 0, "FlatView #0", "mtree", "-f", "--hint",
                        data .. "/mtree/q35-256m.flat.txt", dump)
_, err = expect("mtree without hint warns on stderr", 0, nil, "mtree", dump)
check("warnings carry line numbers", err:find("warning: line %d+:"), err)
check("the hint settles guesses", #hinted < #err, hinted)
local bad = S("bad-dump", "address-space: memory\n" ..
              "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n" ..
              "    0000000000001000-000000000000zzzz (prio 0, ram): broken\n")
expect("malformed dump: line number, exit 1", 1, "bad%-dump%.lua: line 3: ", "mtree", bad)
local cut = S("cut-dump", dump_text:sub(1, 300))
expect("truncated dump: line number, exit 1", 1, "line %d+: ", "mtree", cut)
expect("missing dump file", 1, "No such file", "mtree", "/nonexistent/dump.txt")

-- qtest -lspci: the machine's devices as `lspci -nn` lists them in a guest
local listing = expect("qtest -lspci lists edu", 0,
  "00:04%.0 Unclassified device %[00ff%]: Device %[1234:11e8%] %(rev 10%)",
  "qtest", "-m", "256", "-device", "edu,addr=04.0", "-lspci")
check("qtest -lspci lists the host bridge first",
      listing:match("^00:00%.0 Host bridge %[0600%]: .*%[8086:29c0%]") ~= nil, listing)
expect("qtest -device help lists the models", 0, 'name "edu", bus PCI',
       "qtest", "-device", "help")
expect("qtest -lspci with a bad device", 1, "not a valid device model name",
       "qtest", "-device", "nodev", "-lspci")

for _, p in ipairs(scripts) do os.remove(p) end
os.remove(tmp)
assert(failures == 0, failures .. " check(s) failed")
