-- iommu.lua - the scripted IOMMU from Lua: table translation through
-- address_space_rw, faults, notifier event sequences, replay, refusal,
-- translate functions (good, failing, nonsense), get_iotlb_entry.
local sim = require "iommusim"
local t = require "testlib"

local sys = sim.container("sys", sim.UINT64_MAX)
local ram = sim.ram("ram", 0x100000)
sys:add(0, ram)
local mem = sim.address_space(sys, "memory")

local s = sim.scripted_iommu{ name = "siommu", size = sim.UINT64_MAX }
assert(tostring(s):find("ScriptedIOMMU 'siommu'"))
local dev_root = sim.container("dev", sim.UINT64_MAX)
dev_root:add(0, s:region())
local dev = sim.address_space(dev_root, "dev")
assert(s:region():is_iommu())
assert(sim.scripted_iommu_of(s:region()) == s)
assert(s:page_size() == 4096 and s:indexes() == 1 and s:name() == "siommu")

-- events
local evs = {}
local n = s:notifier{ flags = "map|unmap", fn = function(ev, self)
  assert(self:registered())
  evs[#evs + 1] = string.format("%s %x+%x>%x %s", ev.type, ev.iova,
                                ev.addr_mask, ev.translated_addr, ev.perm)
end }
assert(n:flags() == "unmap|map")
s:map(0x1000, mem, 0x21000, 0x7000, "rw")
t.eq(evs, { "map 1000+fff>21000 rw", "map 2000+1fff>22000 rw",
            "map 4000+3fff>24000 rw" }, "pow2 chunks")
evs = {}
s:map(0x2000, mem, 0x80000, 0x2000, "ro")
t.eq(evs, { "unmap 2000+1fff>22000 none", "map 2000+1fff>80000 ro" },
     "changed mapping: unmap then map")
evs = {}

-- accesses
assert(dev:write(0x1010, "hello") == "ok")
assert(mem:read(0x21010, 5) == "hello")
local data, res = dev:read(0x2000, 4)
assert(res == "ok")
assert(dev:write(0x2000, "x") == "decode-error", "write to ro")
local f = s:last_fault()
assert(f.reason == "permission" and f.iova == 0x2000 and f.access == "wo", t.show(f))
data, res = dev:read(0x100000, 4)
assert(res == "decode-error" and data == "\0\0\0\0")
assert(s:last_fault().reason == "unmapped")
local st = s:stats()
assert(st.faults == 2 and st.maps == 2 and st.map_events == 4 and st.unmap_events == 1, t.show(st))
assert(st.notifier_flags == "unmap|map")
assert(st.iotlb_hits >= 0 and st.translations >= 3)

-- get_iotlb_entry
local e = dev:get_iotlb_entry(0x1234)
assert(e and e.target_as == mem and e.iova == 0x1000 and e.translated_addr == 0x21000
       and e.addr_mask == 0xfff and e.perm == "rw", t.show(e))
assert(dev:get_iotlb_entry(0x2000, true) == nil)
assert(sim.get_iotlb_entry(dev, 0x2000, false).translated_addr == 0x80000)
e = mem:get_iotlb_entry(0x5555)
assert(e.iova == 0x5000 and e.addr_mask == 0xfff and e.target_as == mem)

-- mappings, translate
local maps = s:mappings()
assert(#maps == 3, t.show(maps))
assert(maps[2].iova == 0x2000 and maps[2].perm == "ro" and maps[2].target_as == mem)
e = s:translate(0x4321)
assert(e.translated_addr == 0x24000 and e.perm == "rw")
assert(s:translate(0x9000).perm == "none")

-- replay to a second notifier, cropped to its range
local rep = {}
local n2 = s:notifier{ flags = "map", start = 0x3000, ["end"] = 0x4fff,
  fn = function(ev) rep[#rep + 1] = string.format("%x+%x", ev.iova, ev.addr_mask) end }
s:replay(n2)
t.eq(rep, { "3000+fff", "4000+fff" }, "replay cropped")
rep = {}
n2:replay()
assert(#rep == 2)
-- unmap everything: cost follows the maps
s:unmap(0, sim.UINT64_MAX)
t.eq(evs, { "unmap 1000+fff>21000 none", "unmap 2000+1fff>80000 none",
            "unmap 4000+3fff>24000 none" }, "unmap all")
assert(#s:mappings() == 0)
-- a notifier that unregisters itself from inside its callback
evs = {}
local once = s:notifier{ flags = "map", fn = function(ev, self) evs[#evs + 1] = "once"; self:unregister() end }
s:map(0, mem, 0, 0x1000, "rw")
s:map(0x1000, mem, 0, 0x1000, "rw")
assert(not once:registered())
local c = 0
for _, v in ipairs(evs) do if v == "once" then c = c + 1 end end
assert(c == 1, t.show(evs))
evs = {}
n:unmap_range()
t.eq(evs, { "unmap 0+ffffffffffffffff>0 none" }, "unmap_range")
n:unregister()
t.expect_error("not registered", n.unregister, n)
n2:unregister()

-- argument errors
t.expect_error("page size", s.map, s, 0x1001, mem, 0, 0x1000, "rw")
t.expect_error("permission", s.map, s, 0x1000, mem, 0, 0x1000, "rx")
t.expect_error("must not be \"none\"", s.map, s, 0x1000, mem, 0, 0x1000, "none")
t.expect_error("IOMMU index", s.map, s, 0x1000, mem, 0, 0x1000, "rw", 1)
t.expect_error("field 'flags'", s.notifier, s, { flags = "mop", fn = print })
t.expect_error("field 'fn'", s.notifier, s, { flags = "map" })
t.expect_error("unknown option", sim.scripted_iommu, { nmae = "x" })
t.expect_error("page_size", sim.scripted_iommu, { page_size = 0x1800 })
t.expect_error("above its end", s.notifier, s, { start = 0x2000, ["end"] = 0x1000, fn = print })
t.expect_error("not an IOMMU region", sim.iommu_notifier, ram, { fn = print })

-- refusal
local strict = sim.scripted_iommu{ name = "strict", size = 0x100000, refuse_map = true }
t.expect_error("refuses MAP", strict.notifier, strict, { flags = "map|unmap", fn = print })
assert(strict:stats().notifier_flags == "none")
local un = strict:notifier{ flags = "unmap", fn = print }
assert(un:registered())
-- through an alias
local al = sim.alias("al", strict:region(), 0x1000, 0x1000)
local an = sim.iommu_notifier(al, { flags = "unmap", fn = print })
assert(an:region() == strict:region())
an:unregister()
un:unregister()

-- translate functions
local calls = 0
local lua_iommu = sim.scripted_iommu{ name = "lua", size = 0x100000,
  translate = function(iova, is_write, idx, access)
    calls = calls + 1
    if iova >= 0x80000 then error("boom at " .. string.format("%x", iova)) end
    if iova >= 0x40000 then return { target_as = mem, addr = 0, mask = 0x1234 } end
    if iova >= 0x20000 then return 42 end
    if iova >= 0x10000 then return nil end
    return { target_as = mem, addr = 0x30000 + (iova & ~0xfff), perm = "rw" }
  end }
local lroot = sim.container("lroot", sim.UINT64_MAX)
lroot:add(0, lua_iommu:region())
local las = sim.address_space(lroot, "las")
assert(las:write(0x123, "abc") == "ok")
assert(mem:read(0x30123, 3) == "abc")
assert(select(2, las:read(0x10000, 1)) == "decode-error")
assert(lua_iommu:last_fault().reason == "unmapped")
t.expect_error("instead of a table", las.read, las, 0x20000, 1)
assert(lua_iommu:last_fault().reason == "callback")
t.expect_error("2^k - 1", las.read, las, 0x40000, 1)
local msg = t.expect_error("boom at 80000", las.read, las, 0x80000, 1)
assert(msg:find("IOMMU translate function of 'lua'", 1, true), msg)
assert(lua_iommu:stats().faults == 4, t.show(lua_iommu:stats()))
-- a failing access still returns when pcall'd, and the model keeps working
assert(las:write(0x1000, "z") == "ok")

-- a self-targeting translate: bounded
local loop
loop = sim.scripted_iommu{ name = "loop", size = sim.UINT64_MAX,
  translate = function(iova) return { target_as = sim.address_spaces()[#sim.address_spaces()], addr = iova } end }
local lproot = sim.container("lp", sim.UINT64_MAX)
lproot:add(0, loop:region())
local lpas = sim.address_space(lproot, "lp")
assert(select(2, lpas:read(0, 1)) == "decode-error")
assert(lpas:get_iotlb_entry(0) == nil)

-- indexes via attrs_to_index
local two = sim.scripted_iommu{ name = "two", size = 0x100000, indexes = 2,
  attrs_to_index = function(attrs) return attrs.requester_id or 0 end }
local troot = sim.container("troot", sim.UINT64_MAX)
troot:add(0, two:region())
local tas = sim.address_space(troot, "tas")
two:map(0x1000, mem, 0x5000, 0x1000, "rw", 1)
assert(tas:write(0x1000, "q", { requester_id = 1 }) == "ok")
assert(tas:write(0x1000, "q") == "decode-error")
assert(tas:write(0x1000, "q", { requester_id = 7 }) == "decode-error")
assert(two:last_fault().reason == "bad-index")
print("iommu.lua: all passed")
