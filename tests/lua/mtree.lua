-- `info mtree` from Lua, and reading QEMU's dumps back (mtree import):
-- the captured QEMU 7.2 dumps in tests/data/mtree print again the same,
-- section for section (QEMU orders some sections by a hash table).
local sim = require "iommusim"
local t = require "testlib"

local data = os.getenv("IOMMUSIM_DATA") or
  (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/../data"
data = data .. "/mtree/"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- sections separated by empty lines, sorted; FlatView numbers dropped
local function sections(text, flat)
  local out = {}
  for sec in (text:gsub("\r\n", "\n") .. "\n\n"):gmatch("(.-)\n\n+") do
    if sec:find("%S") then
      if flat then sec = sec:gsub("^FlatView #%d+\n", "") end
      out[#out + 1] = sec
    end
  end
  table.sort(out)
  return out
end

-- 1. a tree built in Lua prints as QEMU prints it
local sys = sim.container("system", sim.UINT64_MAX)
local ram = sim.ram("pc.ram", 0x8000000)
sys:add(0, sim.alias("ram-below-4g", ram, 0, 0x8000000))
local pci = sim.container("pci", sim.UINT64_MAX)
sys:add(0, pci, -1)
local off = sim.io("off", 0x1000)
off:set_enabled(false)
sys:add(0xfed00000, off)
sim.address_space(sys, "memory")
local tree = sim.mtree { disabled = true }
t.eq(tree, table.concat({
  "address-space: memory",
  "  0000000000000000-ffffffffffffffff (prio 0, i/o): system",
  "    0000000000000000-0000000007ffffff (prio 0, ram): alias ram-below-4g @pc.ram 0000000000000000-0000000007ffffff",
  "    0000000000000000-ffffffffffffffff (prio -1, i/o): pci",
  "    00000000fed00000-00000000fed00fff (prio 0, i/o): off [disabled]",
  "",
  "memory-region: pc.ram",
  "  0000000000000000-0000000007ffffff (prio 0, ram): pc.ram",
  "", "" }, "\n"), "info mtree -D")
assert(not sim.mtree():find("off"), "without disabled, disabled regions are left out")
t.eq(sim.mtree { flat = true }, table.concat({
  "FlatView #0",
  ' AS "memory", root: system',
  " Root memory region: system",
  "  0000000000000000-0000000007ffffff (prio 0, ram): pc.ram",
  "", "" }, "\n"), "info mtree -f")
t.eq(pci:mtree(), "  0000000000000000-ffffffffffffffff (prio -1, i/o): pci\n", "region:mtree()")
t.expect_error("unknown option 'flatt'", sim.mtree, { flatt = true })

-- 2. QEMU dumps read back print the same
for _, name in ipairs { "q35-256m", "pc-6g", "q35-vtd" } do
  local tree_text = read(data .. name .. ".tree.txt")
  local flat_text = read(data .. name .. ".flat.txt")
  local before = #sim.address_spaces()
  local imp = sim.mtree_import(tree_text, flat_text)
  local spaces = imp:address_spaces()
  assert(#spaces > 0 and #sim.address_spaces() == before + #spaces)
  -- print only the imported ones: drop the Lua-built address space first
  -- (its sections would be in the way); easier: compare after filtering
  local got = sections(sim.mtree { disabled = true })
  local want = sections(tree_text)
  local wanted = {}
  for _, s in ipairs(want) do wanted[s] = true end
  local n = 0
  for _, s in ipairs(got) do if wanted[s] then n = n + 1 end end
  assert(n == #want, string.format("%s: %d of %d tree sections match", name, n, #want))
  local gotf = sections(sim.mtree { flat = true }, true)
  local wantf = sections(flat_text, true)
  wanted = {}
  for _, s in ipairs(wantf) do wanted[s] = true end
  n = 0
  for _, s in ipairs(gotf) do if wanted[s] then n = n + 1 end end
  assert(n == #wantf, string.format("%s: %d of %d flat views match", name, n, #wantf))
  -- the imported machine works: RAM reads back what is written
  local mem = imp:address_space("memory")
  assert(mem and mem:name() == "memory")
  assert(mem:write(0x1000, "imported") == "ok" and mem:read(0x1000, 8) == "imported")
  local pcram = imp:region("pc.ram")
  assert(pcram and pcram:ram_read(0x1000, 8) == "imported")
  assert(#imp:warnings() >= 0)
  imp:free()
  assert(#sim.address_spaces() == before, "free destroys the imported address spaces")
  assert(not mem:alive())
  t.expect_error("address space was destroyed", mem.read, mem, 0, 1)
  -- a region the script kept outlives the import
  assert(pcram:ram_read(0x1000, 8) == "imported")
  t.expect_error("import was freed", imp.region, imp, "pc.ram")
end

-- 3. without the hint the importer guesses and says so
local imp = sim.mtree_import(read(data .. "q35-256m.tree.txt"))
local w = imp:warnings()
assert(#w > 0 and w[1]:find("^line %d+: "), w[1])
imp:free()

-- 4. errors name the line
local bad = "address-space: memory\n  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n" ..
            "    0000000000001000-0000000000001fff (prio x, ram): broken\n"
t.expect_error("line 3: ", sim.mtree_import, bad)
t.expect_error("mtree_import: line 3", sim.mtree_import, bad)
local truncated = "address-space: memory\n  0000000000000000-ffffffffffffffff (prio 0, i/o): sys"
local e = t.expect_error("line ", sim.mtree_import, truncated .. "\n  00000000000")
t.expect_error("hint line", sim.mtree_import, read(data .. "q35-256m.tree.txt"), "FlatView #0\n garbage\n")
t.expect_error("No such file", sim.mtree_import_file, data .. "does-not-exist.txt")
t.expect_error("string expected", sim.mtree_import, 42)
print("mtree: ok")
