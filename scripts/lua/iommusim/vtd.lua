-- iommusim.vtd - drive an Intel VT-d unit the way a guest driver does:
-- translation tables in guest RAM, registers through MMIO, invalidations
-- through registers or the invalidation queue, fault records.
--
-- Pure Lua on top of the binding's memory API: everything goes through an
-- AddressSpace as the CPU sees memory (as:ldq_le, as:stq_le, ...). The
-- whole API with examples is in docs/vtd.md.
--
--   local vtd = require "iommusim.vtd"
--   local tb  = vtd.tables(m, { aw = 48 })          -- m: machine or AddressSpace
--   tb:map("00:04.0", 0x1000, 0x300000, 0x1000, "rw")
--   local u   = vtd.enable(m, tb)                    -- RTADDR, SRTP, TE
--   ...
--   for _, f in ipairs(u:faults()) do print(f.bdf, f.reason_name) end
--
-- Facts follow the VT-d specification and QEMU 7.2 (hw/i386/intel_iommu.c,
-- checked against qemu-system-x86_64 7.2 by the traces of tests/qtest/vtd).
local M = {}

local KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
M.KiB, M.MiB, M.GiB = KiB, MiB, GiB
M.BASE = 0xfed90000

-- register offsets
M.reg = {
  VER = 0x00, CAP = 0x08, ECAP = 0x10, GCMD = 0x18, GSTS = 0x1c,
  RTADDR = 0x20, CCMD = 0x28, FSTS = 0x34, FECTL = 0x38, FEDATA = 0x3c,
  FEADDR = 0x40, FEUADDR = 0x44, AFLOG = 0x58, PMEN = 0x64, IQH = 0x80,
  IQT = 0x88, IQA = 0x90, ICS = 0x9c, IECTL = 0xa0, IEDATA = 0xa4,
  IEADDR = 0xa8, IEUADDR = 0xac, IRTA = 0xb8,
}
local R = M.reg

-- GCMD/GSTS bits
M.TE, M.SRTP, M.SFL, M.EAFL, M.WBF = 1 << 31, 1 << 30, 1 << 29, 1 << 28, 1 << 27
M.QIE, M.IRE, M.SIRTP, M.CFI = 1 << 26, 1 << 25, 1 << 24, 1 << 23

-- second-level entry bits
M.R, M.W, M.PS, M.SNP, M.TM = 1, 2, 1 << 7, 1 << 11, 1 << 62

-- fault reasons (the codes QEMU 7.2 reports)
M.fault_reasons = {
  [0x1] = "root entry not present",
  [0x2] = "context entry not present",
  [0x3] = "context entry invalid",
  [0x4] = "address beyond MGAW",
  [0x5] = "write",
  [0x6] = "read",
  [0x7] = "paging entry invalid",
  [0x8] = "root table invalid",
  [0x9] = "context table invalid",
  [0xa] = "root entry reserved",
  [0xb] = "context entry reserved",
  [0xc] = "paging entry reserved",
  [0xd] = "context entry translation type",
  [0xe] = "interrupt address",
  [0x58] = "PASID table invalid",
  [0x87] = "interrupt address (scalable)",
}
M.FR = {
  ROOT_ENTRY_P = 0x1, CONTEXT_ENTRY_P = 0x2, CONTEXT_ENTRY_INV = 0x3,
  ADDR_BEYOND_MGAW = 0x4, WRITE = 0x5, READ = 0x6, PAGING_ENTRY_INV = 0x7,
  ROOT_TABLE_INV = 0x8, CONTEXT_TABLE_INV = 0x9, ROOT_ENTRY_RSVD = 0xa,
  CONTEXT_ENTRY_RSVD = 0xb, PAGING_ENTRY_RSVD = 0xc, CONTEXT_ENTRY_TT = 0xd,
  INTERRUPT_ADDR = 0xe, PASID_TABLE_INV = 0x58, SM_INTERRUPT_ADDR = 0x87,
}
-- faults that fault-processing-disable (FPD) hides
local QUALIFIED = { [0x2] = true, [0x3] = true, [0x4] = true, [0x5] = true,
                    [0x6] = true, [0x7] = true, [0xc] = true, [0xd] = true,
                    [0xe] = true, [0x87] = true }

function M.fault_reason_name(code)
  return M.fault_reasons[code] or string.format("reason 0x%x", code)
end

-- ---------------------------------------------------------------- helpers
local function hex(v) return string.format("0x%x", v) end

-- the AddressSpace through which the CPU reaches memory
local function memory_of(m)
  if type(m) == "userdata" and m.ldq_le then return m end
  if type(m) == "table" then
    for _, k in ipairs({ "memory", "system_as", "as" }) do
      if m[k] ~= nil then return memory_of(m[k]) end
    end
    if m.ldq_le then return m end
  end
  error("iommusim.vtd: expected an AddressSpace or a machine with .memory", 3)
end
M.memory_of = memory_of

local function ldq(mem, a)
  local v, r = mem:ldq_le(a)
  return v, r
end

local function stq(mem, a, v)
  local r = mem:stq_le(a, v)
  if r ~= "ok" then
    error(string.format("iommusim.vtd: writing guest memory at %s failed: %s", hex(a), r), 3)
  end
end

-- "00:04.0", 0x0020, or a device (field/method bdf, or devfn [+ bus])
local function bdf_of(dev)
  local t = type(dev)
  if t == "number" then
    assert(math.type(dev) == "integer" and dev >= 0 and dev <= 0xffff, "bad BDF")
    return dev
  elseif t == "string" then
    local b, d, f = dev:match("^(%x%x):(%x%x)%.(%x)$")
    if not b then b, d, f = "0", dev:match("^(%x%x?)%.(%x)$") end
    assert(d, "iommusim.vtd: bad BDF '" .. dev .. "' (want BB:DD.F)")
    return (tonumber(b, 16) << 8) | (tonumber(d, 16) << 3) | tonumber(f, 16)
  elseif t == "table" or t == "userdata" then
    local v = dev.bdf
    if type(v) == "function" then v = v(dev) end
    if type(v) == "number" or type(v) == "string" then return bdf_of(v) end
    local devfn = dev.devfn
    if type(devfn) == "function" then devfn = devfn(dev) end
    if type(devfn) == "number" then
      local bus = dev.bus
      if type(bus) == "function" then bus = bus(dev) end
      return ((type(bus) == "number" and bus or 0) << 8) | devfn
    end
    if type(dev.sid) == "number" then return dev.sid end
  end
  error("iommusim.vtd: expected a BDF (\"00:04.0\" or a number) or a device", 3)
end
M.bdf = bdf_of

function M.bdf_string(bdf)
  return string.format("%02x:%02x.%x", bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7)
end

local function perm_of(p)
  if p == nil then return M.R | M.W end
  if type(p) == "number" then return p & 3 end
  local v = 0
  if p:find("r", 1, true) then v = v | M.R end
  if p:find("w", 1, true) then v = v | M.W end
  assert(not p:find("[^rw%-]"), "iommusim.vtd: permission is \"r\", \"w\", \"rw\" or \"\"")
  return v
end

local function level_shift(level) return 12 + 9 * (level - 1) end
local ADDR_MASK = 0x000ffffffffff000      -- bits 12..51 of an entry

-- ================================================================ tables
local Tables = {}
Tables.__index = Tables
local Domain = {}
Domain.__index = Domain

--- vtd.tables(m, opts) -> tables
-- opts: aw (39|48, the unit's aw-bits: default 39), scalable (scalable-mode
-- root/context/PASID tables), base/limit (guest RAM for tables, default
-- 16 MiB..32 MiB), levels (default 4 with aw 48, else 3), pt/dt/snoop
-- (the unit's pt, device-iotlb, snoop-control, for translate()).
function M.tables(m, opts)
  opts = opts or {}
  local self = setmetatable({}, Tables)
  self.mem = memory_of(m)
  self.aw = opts.aw or 39
  assert(self.aw == 39 or self.aw == 48, "iommusim.vtd: aw is 39 or 48")
  self.scalable = opts.scalable and true or false
  self.levels = opts.levels or (self.aw == 48 and 4 or 3)
  self.pt = opts.pt ~= false
  self.dt = opts.dt and true or false
  self.snoop = opts.snoop and true or false
  -- the unit's x-scalable-mode (the interrupt-range fault code follows it,
  -- not the table format)
  self.scalable_mode = opts.scalable_mode
  if self.scalable_mode == nil then self.scalable_mode = self.scalable end
  self.base = opts.base or 0x1000000
  self.next = self.base
  self.limit = opts.limit or (self.next + 0x1000000)
  self.next_did = 1
  self.ctx = {}          -- bdf -> { domain=, pasid_dir=, rid_pasid= }
  self.pasids = {}       -- "bdf:pasid" -> domain
  self.root = self:alloc(4 * KiB)
  return self
end

--- tb:alloc(size [, align]) -> address of zeroed guest RAM
function Tables:alloc(size, align)
  align = align or 4 * KiB
  local a = (self.next + align - 1) & ~(align - 1)
  if a + size > self.limit then
    error(string.format("iommusim.vtd: table memory %s..%s is full",
                        hex(self.base), hex(self.limit)), 2)
  end
  self.next = a + size
  local r = self.mem:set(a, 0, size)
  if r ~= "ok" then
    error(string.format("iommusim.vtd: table memory at %s is not RAM (%s)", hex(a), r), 2)
  end
  return a
end

function Tables:read(a) return (ldq(self.mem, a)) end
function Tables:write(a, v) stq(self.mem, a, v) end

--- tb:domain{did=, levels=} -> domain (second-level page tables)
function Tables:domain(o)
  o = o or {}
  local did = o.did
  if not did then did = self.next_did; self.next_did = self.next_did + 1 end
  local d = setmetatable({ tables = self, did = did, levels = o.levels or self.levels }, Domain)
  assert(d.levels == 3 or d.levels == 4, "iommusim.vtd: levels is 3 or 4")
  d.root = self:alloc(4 * KiB)
  return d
end

-- entry address of @iova at @level, creating tables down to it
function Domain:_walk(iova, stop, create)
  local tb = self.tables
  local table_ = self.root
  for level = self.levels, stop + 1, -1 do
    local ea = table_ + ((iova >> level_shift(level)) & 511) * 8
    local e = tb:read(ea)
    if (e & 3) == 0 or (e & M.PS) ~= 0 or (e & ADDR_MASK) == 0 then
      if not create then return nil end
      local nt = tb:alloc(4 * KiB)
      e = nt | M.R | M.W
      tb:write(ea, e)
    end
    table_ = e & ADDR_MASK
  end
  return table_ + ((iova >> level_shift(stop)) & 511) * 8
end

local PAGE_LEVEL = { [4 * KiB] = 1, [2 * MiB] = 2, [GiB] = 3 }

--- dom:map(iova, pa, size, perm [, opts]) -> number of leaf entries
-- Pages of 1 GiB and 2 MiB where iova, pa and the size allow, else 4 KiB
-- (opts.page forces one size; opts.bits adds bits to each leaf).
function Domain:map(iova, pa, size, perm, o)
  o = o or {}
  local p = perm_of(perm)
  assert(iova & 0xfff == 0 and pa & 0xfff == 0 and size & 0xfff == 0 and size > 0,
         "iommusim.vtd: map wants 4 KiB aligned iova, pa and size")
  local n, off = 0, 0
  while off < size do
    local a, t = iova + off, pa + off
    local ps = o.page
    if not ps then
      ps = 4 * KiB
      for _, c in ipairs({ GiB, 2 * MiB }) do
        if a % c == 0 and t % c == 0 and size - off >= c and PAGE_LEVEL[c] < self.levels + 1 then
          ps = c; break
        end
      end
    end
    local level = assert(PAGE_LEVEL[ps], "iommusim.vtd: page is 4K, 2M or 1G")
    local ea = self:_walk(a, level, true)
    local e = (t & ~(ps - 1)) | p | (o.bits or 0)
    if level > 1 then e = e | M.PS end
    self.tables:write(ea, e)
    n = n + 1
    off = off + ps - (a & (ps - 1))
  end
  return n
end

-- leaves over [iova, iova+size): calls fn(entry address, entry, page size)
function Domain:_leaves(iova, size, fn)
  local tb = self.tables
  local a, last = iova, iova + size - 1
  while true do
    local table_, level = self.root, self.levels
    local ps
    while true do
      local ea = table_ + ((a >> level_shift(level)) & 511) * 8
      local e = tb:read(ea)
      ps = 1 << level_shift(level)
      if (e & 3) == 0 and (e & ADDR_MASK) == 0 then break end   -- nothing here
      if level == 1 or (e & M.PS) ~= 0 then fn(ea, e, ps); break end
      table_, level = e & ADDR_MASK, level - 1
    end
    local nexta = (a & ~(ps - 1)) + ps
    if nexta == 0 or math.ult(last, nexta) then break end
    a = nexta
  end
end

--- dom:unmap(iova, size): clears the leaves over the range (large pages
-- that overlap it are removed whole)
function Domain:unmap(iova, size)
  local n = 0
  self:_leaves(iova, size, function(ea) self.tables:write(ea, 0); n = n + 1 end)
  return n
end

--- dom:protect(iova, size, perm): new R/W bits on the leaves of the range
function Domain:protect(iova, size, perm)
  local p = perm_of(perm)
  self:_leaves(iova, size, function(ea, e) self.tables:write(ea, (e & ~3) | p) end)
end

--- dom:entry(iova, level) -> address, value of the entry on the way
function Domain:entry(iova, level)
  local ea = self:_walk(iova, level, false)
  if not ea then return nil end
  return ea, self.tables:read(ea)
end

--- dom:set_bits(iova, level, set [, clear]) -> address
function Domain:set_bits(iova, level, set, clear)
  local ea = self:_walk(iova, level, false)
  assert(ea, "iommusim.vtd: no entry at that level for this IOVA")
  local e = self.tables:read(ea)
  self.tables:write(ea, (e & ~(clear or 0)) | (set or 0))
  return ea
end

-- ---------------------------------------------------------------- contexts
function Tables:root_entry_addr(bus) return self.root + bus * 16 end

function Tables:context_table(bdf)
  local bus, devfn = bdf >> 8, bdf & 0xff
  local upper = self.scalable and devfn >= 128
  local ra = self:root_entry_addr(bus) + (upper and 8 or 0)
  local e = self:read(ra)
  if e & 1 == 0 or e & ADDR_MASK == 0 then
    local ct = self:alloc(4 * KiB)
    self:write(ra, ct | 1)
    return ct
  end
  return e & ADDR_MASK
end

function Tables:context_entry_addr(bdf)
  local ct = self:context_table(bdf)
  local devfn = bdf & 0xff
  if self.scalable then return ct + (devfn & 0x7f) * 32 end
  return ct + devfn * 16
end

local TT = { translate = 0, ["dev-iotlb"] = 1, pt = 2, passthrough = 2 }

--- tb:context(dev, opts) -> context entry address
-- legacy: opts.domain (default: a new one), tt (0|1|2 or "translate",
-- "dev-iotlb", "pt"), did, aw (1: 3 levels, 2: 4 levels), fpd, present,
-- slptptr, lo/hi (bits or-ed in).
-- scalable: opts.rid_pasid (default 0), pdts, fpd, present, pasid_dir;
-- with opts.domain also the PASID entry of rid_pasid (opts.pgtt ...).
function Tables:context(dev, o)
  o = o or {}
  local bdf = bdf_of(dev)
  local c = self.ctx[bdf] or {}
  self.ctx[bdf] = c
  local ca = self:context_entry_addr(bdf)
  if self.scalable then
    c.pasid_dir = o.pasid_dir or c.pasid_dir or self:alloc(4 * KiB)
    c.rid_pasid = o.rid_pasid or c.rid_pasid or 0
    local v0 = c.pasid_dir | ((o.pdts or 0) << 9) | (o.fpd and 2 or 0) |
               ((o.present == false) and 0 or 1)
    local vals = { v0 | (o.lo or 0), c.rid_pasid | (o.hi or 0), o.v2 or 0, o.v3 or 0 }
    for i, v in ipairs(vals) do self:write(ca + 8 * (i - 1), v) end
    if o.domain then
      self:pasid(bdf, c.rid_pasid, { domain = o.domain, pgtt = o.pgtt, fpd = o.pasid_fpd,
                                    did = o.did, aw = o.aw })
    end
    return ca
  end
  local dom = o.domain or c.domain or self:domain{ did = o.did }
  c.domain = dom
  local tt = o.tt or 0
  if type(tt) == "string" then tt = assert(TT[tt], "iommusim.vtd: bad tt") end
  local aw = o.aw or (dom.levels - 2)
  local lo = (o.slptptr or dom.root) | (tt << 2) | (o.fpd and 2 or 0) |
             ((o.present == false) and 0 or 1) | (o.lo or 0)
  local hi = aw | ((o.did or dom.did) << 8) | (o.hi or 0)
  self:write(ca, lo)
  self:write(ca + 8, hi)
  return ca
end

local PGTT = { fl = 1, ["first-level"] = 1, sl = 2, ["second-level"] = 2,
               nested = 3, pt = 4, passthrough = 4 }

--- tb:pasid(dev, pasid, opts) -> PASID entry address (scalable mode)
-- opts.domain, pgtt (2 or "sl", 4 or "pt", 1 "fl", 3 "nested"), did, aw,
-- fpd, present, dir_fpd, slptptr.
function Tables:pasid(dev, pasid, o)
  assert(self.scalable, "iommusim.vtd: PASID tables need scalable tables")
  o = o or {}
  local bdf = bdf_of(dev)
  local c = self.ctx[bdf]
  if not c or not c.pasid_dir then
    self:context(bdf, { rid_pasid = (c and c.rid_pasid) or 0 })
    c = self.ctx[bdf]
  end
  assert(pasid >= 0 and pasid < (1 << 15), "iommusim.vtd: PASID below 2^15 (one directory page)")
  local da = c.pasid_dir + ((pasid >> 6) & 0x3fff) * 8
  local de = self:read(da)
  local pt = de & ADDR_MASK
  if pt == 0 then
    pt = self:alloc(4 * KiB)
  end
  self:write(da, pt | 1 | (o.dir_fpd and 2 or 0))
  local pa = pt + (pasid & 63) * 64
  local dom = o.domain or self.pasids[bdf .. ":" .. pasid] or self:domain{ did = o.did }
  self.pasids[bdf .. ":" .. pasid] = dom
  local pgtt = o.pgtt or 2
  if type(pgtt) == "string" then pgtt = assert(PGTT[pgtt], "iommusim.vtd: bad pgtt") end
  local aw = o.aw or (dom.levels - 2)
  local v0 = (o.slptptr or dom.root) | (pgtt << 6) | (aw << 2) | (o.fpd and 2 or 0) |
             ((o.present == false) and 0 or 1)
  self:write(pa, v0)
  self:write(pa + 8, o.did or dom.did)
  return pa
end

-- the domain a device translates with (created on first use)
function Tables:domain_of(dev)
  if getmetatable(dev) == Domain then return dev end
  local bdf = bdf_of(dev)
  local c = self.ctx[bdf]
  if self.scalable then
    if not c then self:context(bdf, {}); c = self.ctx[bdf] end
    local key = bdf .. ":" .. c.rid_pasid
    if not self.pasids[key] then self:pasid(bdf, c.rid_pasid, {}) end
    return self.pasids[key]
  end
  if not c or not c.domain then self:context(bdf, {}) end
  return self.ctx[bdf].domain
end

--- tb:map(dev or domain, iova, pa, size, perm [, opts]); unmap; protect
function Tables:map(dev, iova, pa, size, perm, o)
  return self:domain_of(dev):map(iova, pa, size, perm, o)
end
function Tables:unmap(dev, iova, size) return self:domain_of(dev):unmap(iova, size) end
function Tables:protect(dev, iova, size, perm) return self:domain_of(dev):protect(iova, size, perm) end

--- tb:set_reserved(dev, where, bits [, iova]) -> address changed
-- where: "root" (the entry's half used by dev), "root-hi" (the other
-- qword), "context" / "context-hi" (qword 0 / 1; scalable "context-2",
-- "context-3" too), "pasid-dir", "pasid" (PASID entry qword 0), or a
-- second-level level 1..4 (with iova). The bits are or-ed in.
function Tables:set_reserved(dev, where, bits, iova)
  local bdf = bdf_of(dev)
  local a
  if type(where) == "number" then
    return self:domain_of(dev):set_bits(assert(iova, "iommusim.vtd: iova needed"), where, bits)
  elseif where == "root" or where == "root-hi" then
    local upper = self.scalable and (bdf & 0xff) >= 128
    if where == "root-hi" then upper = not upper end
    a = self:root_entry_addr(bdf >> 8) + (upper and 8 or 0)
  elseif where:match("^context") then
    local q = ({ context = 0, ["context-hi"] = 1, ["context-2"] = 2, ["context-3"] = 3 })[where]
    a = self:context_entry_addr(bdf) + 8 * assert(q, "iommusim.vtd: bad place " .. where)
  elseif where == "pasid-dir" or where == "pasid" then
    local c = assert(self.ctx[bdf], "iommusim.vtd: no context for this device")
    local pasid = iova or c.rid_pasid
    local da = c.pasid_dir + ((pasid >> 6) & 0x3fff) * 8
    if where == "pasid-dir" then a = da
    else a = (self:read(da) & ADDR_MASK) + (pasid & 63) * 64 end
  else
    error("iommusim.vtd: bad place " .. tostring(where), 2)
  end
  self:write(a, self:read(a) | bits)
  return a
end

-- ---------------------------------------------------------------- walk
-- tb:translate(dev, iova, is_write) -> pa, perm ("r"/"w"/"rw"), page size
--   or nil, fault reason, suppressed (true when FPD hides it)
-- What the tables in memory say, walked as QEMU 7.2 walks them (same
-- checks in the same order), without any cache.
function Tables:translate(dev, iova, is_write)
  local bdf = bdf_of(dev)
  local mem, aw = self.mem, self.aw
  local haw = (1 << aw) - 1
  local bus, devfn = bdf >> 8, bdf & 0xff
  local sagaw = aw == 48 and { [3] = true, [4] = true } or { [3] = true }
  local function get(a)
    local v, r = mem:ldq_le(a)
    if r ~= "ok" then return nil end
    return v
  end
  local fpd = false
  local function fault(fr)
    return nil, fr, (fpd and QUALIFIED[fr]) or false
  end
  local rlo, rhi = get(self.root + bus * 16), get(self.root + bus * 16 + 8)
  if not rlo or not rhi then return fault(0x8) end
  local upper = self.scalable and devfn >= 128
  local re = upper and rhi or rlo
  if re & 1 == 0 then return fault(0x1) end
  local rrsvd = 0xffe | ~haw
  if (not self.scalable and (rhi ~= 0 or rlo & rrsvd ~= 0)) or
     (self.scalable and (rlo & rrsvd ~= 0 or rhi & rrsvd ~= 0)) then
    return fault(0xa)
  end
  local ct = re & ~0xfff
  local ce = {}
  local n = self.scalable and 4 or 2
  local idx = self.scalable and (devfn & 0x7f) * 32 or devfn * 16
  for i = 1, n do
    ce[i] = get(ct + idx + 8 * (i - 1))
    if not ce[i] then return fault(0x9) end
  end
  fpd = ce[1] & 2 ~= 0
  if ce[1] & 1 == 0 then return fault(0x2) end
  local levels, slpt, pass, agaw
  if not self.scalable then
    if ce[2] & 0xffffffffff000080 ~= 0 or ce[1] & (0xff0 | ~haw) ~= 0 then return fault(0xb) end
    levels = 2 + (ce[2] & 7)
    if not sagaw[levels] then return fault(0x3) end
    local tt = (ce[1] >> 2) & 3
    if tt == 3 or (tt == 2 and not self.pt) or (tt == 1 and not self.dt) then return fault(0x3) end
    pass = tt == 2
    slpt = ce[1] & ~0xfff
    agaw = 30 + (ce[2] & 7) * 9
  else
    if ce[1] & (0x1e0 | ~haw) ~= 0 or ce[2] & 0xffffffffffe00000 ~= 0 or
       ce[3] ~= 0 or ce[4] ~= 0 then
      return fault(0xb)
    end
    local pasid = ce[2] & 0xfffff
    local dir = ce[1] & ~0xfff
    local de = get(dir + ((pasid >> 6) & 0x3fff) * 8)
    if not de then return fault(0x58) end
    if de & 1 == 0 then return fault(0x58) end
    local pe0 = get((de & ~0xfff) + (pasid & 63) * 64)
    if not pe0 then return fault(0x58) end
    local pgtt = (pe0 >> 6) & 7
    if pgtt == 0 or pgtt > 4 or (pgtt == 4 and not self.pt) then return fault(0x58) end
    levels = 2 + ((pe0 >> 2) & 7)
    if not sagaw[levels] then return fault(0x58) end
    if pe0 & 1 == 0 then return fault(0x58) end
    fpd = fpd or de & 2 ~= 0 or pe0 & 2 ~= 0
    pass = pgtt == 4
    slpt = pe0 & ~0xfff
    agaw = 30 + ((pe0 >> 2) & 7) * 9
  end
  if pass then return iova, "rw", 4 * KiB end
  local limit = math.min(agaw, aw)
  if limit < 64 and iova >> limit ~= 0 then return fault(0x4) end
  local ign = 0xbff0000000000000
  local function rsvd(e, level)
    local large = (level == 2 or level == 3) and e & M.PS ~= 0
    local m
    if level == 1 then
      m = 0x800 | ~(haw | ign | (self.dt and M.TM or 0))
      if self.scalable or self.snoop then m = m & ~0x800 end
    elseif large then
      local low = level == 2 and 0x1ff800 or 0x3ffff800
      m = low | ~(haw | ign | (self.dt and M.TM or 0))
      if self.scalable or self.snoop then m = m & ~0x800 end
    elseif level == 4 then
      m = 0x880 | ~(haw | ign)
    else
      m = 0x800 | ~(haw | ign)
    end
    return e & m ~= 0
  end
  local r, w = true, true
  local table_, level = slpt, levels
  local e
  while true do
    e = get(table_ + ((iova >> level_shift(level)) & 511) * 8)
    if e == nil or e == -1 then
      return fault(level == levels and 0x3 or 0x7)
    end
    r = r and e & 1 ~= 0
    w = w and e & 2 ~= 0
    if e & (is_write and 2 or 1) == 0 then return fault(is_write and 0x5 or 0x6) end
    if rsvd(e, level) then return fault(0xc) end
    if level == 1 or e & M.PS ~= 0 then break end
    table_ = e & haw & ~0xfff
    level = level - 1
  end
  local size = 1 << level_shift(level)
  local pa = e & haw & ~0xfff & ~(size - 1)
  if not (math.ult(0xfeefffff, pa) or math.ult(pa + size - 1, 0xfee00000)) then
    return fault(self.scalable_mode and 0x87 or 0xe)
  end
  return pa | (iova & (size - 1)), (r and "r" or "") .. (w and "w" or ""), size
end

-- ================================================================ registers
local Unit = {}
Unit.__index = Unit

--- vtd.unit(m [, opts]) -> unit: the register file at opts.base (0xfed90000)
function M.unit(m, o)
  o = o or {}
  local self = setmetatable({ mem = memory_of(m), base = o.base or M.BASE }, Unit)
  -- the model's device object, when the machine lists one (for stats)
  if type(m) == "table" and type(m.devices) == "table" then
    for _, d in ipairs(m.devices) do
      if type(d) ~= "string" and d.name == "intel-iommu" then self.device = d end
    end
  end
  self.gcmd = 0          -- persistent command bits, as a driver keeps them
  self.status_addr = nil -- wait descriptor status word (queue memory)
  return self
end

function Unit:read32(off)
  local v, r = self.mem:ldl_le(self.base + off)
  if r ~= "ok" then error(string.format("iommusim.vtd: read of register %s: %s", hex(off), r), 2) end
  return v
end
function Unit:read64(off)
  local v, r = self.mem:ldq_le(self.base + off)
  if r ~= "ok" then error(string.format("iommusim.vtd: read of register %s: %s", hex(off), r), 2) end
  return v
end
function Unit:write32(off, v)
  local r = self.mem:stl_le(self.base + off, v & 0xffffffff)
  if r ~= "ok" then error(string.format("iommusim.vtd: write of register %s: %s", hex(off), r), 2) end
end
function Unit:write64(off, v)
  local r = self.mem:stq_le(self.base + off, v)
  if r ~= "ok" then error(string.format("iommusim.vtd: write of register %s: %s", hex(off), r), 2) end
end

--- u:cap(), u:ecap() -> decoded tables (raw value in .raw)
function Unit:cap()
  local v = self:read64(R.CAP)
  return {
    raw = v, nd = v & 7, cm = (v >> 7) & 1 == 1, sagaw = (v >> 8) & 0x1f,
    mgaw = ((v >> 16) & 0x3f) + 1, fro = ((v >> 24) & 0x3ff) * 16,
    sllps = (v >> 34) & 0xf, psi = (v >> 39) & 1 == 1, nfr = ((v >> 40) & 0xff) + 1,
    mamv = (v >> 48) & 0x3f, dwd = (v >> 54) & 1 == 1, drd = (v >> 55) & 1 == 1,
  }
end
function Unit:ecap()
  local v = self:read64(R.ECAP)
  return {
    raw = v, qi = (v >> 1) & 1 == 1, dt = (v >> 2) & 1 == 1, ir = (v >> 3) & 1 == 1,
    eim = (v >> 4) & 1 == 1, pt = (v >> 6) & 1 == 1, sc = (v >> 7) & 1 == 1,
    iro = ((v >> 8) & 0x3ff) * 16, mhmv = (v >> 20) & 0xf, srs = (v >> 31) & 1 == 1,
    pasid = (v >> 40) & 1 == 1, smts = (v >> 43) & 1 == 1, slts = (v >> 46) & 1 == 1,
  }
end

--- u:command(bit [, on]): GCMD = kept bits | bit (one-shot SRTP, SIRTP,
-- WBF) or with a persistent bit (TE, QIE, IRE) set/cleared; returns GSTS.
-- Raises when GSTS does not follow (wants = false skips the check).
function Unit:command(bit, on, wants)
  local oneshot = bit == M.SRTP or bit == M.SIRTP or bit == M.WBF or bit == M.SFL
  if oneshot then
    self:write32(R.GCMD, self.gcmd | bit)
  else
    if on == false then self.gcmd = self.gcmd & ~bit else self.gcmd = self.gcmd | bit end
    self:write32(R.GCMD, self.gcmd)
  end
  local gsts = self:read32(R.GSTS)
  if wants ~= false then
    local want = (oneshot or on ~= false)
    if ((gsts & bit) ~= 0) ~= want then
      error(string.format("iommusim.vtd: GCMD %s: GSTS is %s", hex(bit), hex(gsts)), 2)
    end
  end
  return gsts
end

--- u:set_root(tb or address [, smt]): RTADDR (with SMT for scalable
-- tables), then SRTP
function Unit:set_root(tb, smt)
  local root = tb
  if type(tb) == "table" then root, smt = tb.root, tb.scalable end
  self:write64(R.RTADDR, root | (smt and (1 << 10) or 0))
  return self:command(M.SRTP)
end

function Unit:enable() return self:command(M.TE, true) end

--- u:stats(): the model's counters (IOTLB hits/misses, walks, faults,
-- invalidations), when the machine has the intel-iommu device object
function Unit:stats()
  assert(self.device and self.device.stats, "iommusim.vtd: no intel-iommu device object")
  return self.device:stats()
end
function Unit:disable() return self:command(M.TE, false) end

--- vtd.enable(m, tb [, opts]) -> unit: root table pointer, SRTP, TE
function M.enable(m, tb, o)
  local u = M.unit(m, o)
  u:set_root(tb)
  u:enable()
  return u
end

-- ---------------------------------------------------------------- invalidation
local GRAN = { global = 1, domain = 2, device = 3, page = 3 }

M.desc = {}
--- descriptors (two qwords each): vtd.desc.context{granularity=, did=, sid=, fm=}
function M.desc.context(o)
  local g = GRAN[o.granularity or "global"] or o.granularity
  return { 1 | (g << 4) | ((o.did or 0) << 16) | ((o.sid or 0) << 32) | ((o.fm or 0) << 48), 0 }
end
--- vtd.desc.iotlb{granularity="global"|"domain"|"page", did=, addr=, am=, ih=, dr=, dw=}
function M.desc.iotlb(o)
  local g = GRAN[o.granularity or "global"] or o.granularity
  return { 2 | (g << 4) | ((o.dw or 0) << 6) | ((o.dr or 0) << 7) | ((o.did or 0) << 16),
           (o.addr or 0) | ((o.ih or 0) << 6) | (o.am or 0) }
end
--- vtd.desc.device_iotlb{sid=, addr=, size=}
function M.desc.device_iotlb(o)
  return { 3 | ((o.sid or 0) << 32), (o.addr or 0) | (o.size and 1 or 0) }
end
--- vtd.desc.iec{global=, index=, im=}
function M.desc.iec(o)
  o = o or {}
  return { 4 | ((o.global == false) and 0x10 or 0) | ((o.im or 0) << 27) | ((o.index or 0) << 32), 0 }
end
--- vtd.desc.wait{status=addr, data=, intr=, fence=}: status write (SW) when
-- status is given, else interrupt (IF); never both (QEMU 7.2 asserts)
function M.desc.wait(o)
  o = o or {}
  local lo = 5 | (o.fence and 0x40 or 0)
  if o.status then lo = lo | 0x20 | ((o.data or 1) << 32)
  else lo = lo | 0x10 end
  assert(not (o.status and o.intr), "iommusim.vtd: a wait descriptor has SW or IF, not both")
  return { lo, o.status or 0 }
end

--- u:qi_enable{tables=tb | base=addr, qs=0, dw=false}: the invalidation
-- queue (2^(qs+8) 128-bit or 2^(qs+7) 256-bit descriptors), IQA, IQT=0,
-- GCMD.QIE
function Unit:qi_enable(o)
  o = o or {}
  local qs = o.qs or 0
  local bytes = 4096 << qs
  local base = o.base
  if not base then
    local tb = assert(o.tables, "iommusim.vtd: qi_enable needs base or tables")
    base = tb:alloc(bytes, bytes)
    self.status_addr = tb:alloc(4096)
  end
  self.status_addr = o.status or self.status_addr
  self.qi = { base = base, qs = qs, dw = o.dw and true or false,
              entries = (1 << (qs + 8)) >> (o.dw and 1 or 0), tail = 0 }
  self:write64(R.IQA, base | (o.dw and 0x800 or 0) | qs)
  self:write64(R.IQT, 0)
  self:command(M.QIE, true)
  return base
end

function Unit:qi_disable() return self:command(M.QIE, false) end

--- u:qi_submit(desc, ...) -> IQH after processing; raises on FSTS.IQE
function Unit:qi_submit(...)
  local q = assert(self.qi, "iommusim.vtd: the invalidation queue is not enabled")
  local size = q.dw and 32 or 16
  for _, d in ipairs({ ... }) do
    local a = q.base + q.tail * size
    for i = 1, size // 8 do stq(self.mem, a + 8 * (i - 1), d[i] or 0) end
    q.tail = (q.tail + 1) % q.entries
  end
  self:write64(R.IQT, q.tail << (q.dw and 5 or 4))
  local fsts = self:read32(R.FSTS)
  if fsts & 0x10 ~= 0 then
    error(string.format("iommusim.vtd: invalidation queue error (FSTS %s, IQH %s)",
                        hex(fsts), hex(self:read64(R.IQH))), 2)
  end
  return self:read64(R.IQH)
end

--- u:qi_wait([data]): a wait descriptor with status write; checks the
-- status word arrived
function Unit:qi_wait(data)
  local st = assert(self.status_addr, "iommusim.vtd: no status word (qi_enable{status=})")
  data = data or 0x600d
  stq(self.mem, st, 0)
  self:qi_submit(M.desc.wait{ status = st, data = data })
  local v = self.mem:ldl_le(st)
  if v ~= data then
    error(string.format("iommusim.vtd: wait status %s, expected %s", hex(v), hex(data)), 2)
  end
end

--- u:invalidate_context{granularity="global"|"domain"|"device", did=, sid=
-- (or dev=), fm=}: CCMD, or a context-cache descriptor and a wait when the
-- queue is on. Returns CCMD after the write (register form).
function Unit:invalidate_context(o)
  o = o or {}
  local sid = o.sid or (o.dev and bdf_of(o.dev)) or 0
  local g = GRAN[o.granularity or "global"] or o.granularity
  if self.qi then
    self:qi_submit(M.desc.context{ granularity = g, did = o.did, sid = sid, fm = o.fm })
    if self.status_addr then self:qi_wait() end
    return
  end
  self:write64(R.CCMD, (1 << 63) | (g << 61) | ((o.fm or 0) << 32) | (sid << 16) | (o.did or 0))
  return self:read64(R.CCMD)
end

--- u:invalidate_iotlb{granularity="global"|"domain"|"page", did=, addr=,
-- am=, ih=}: IVA/IOTLB registers at ECAP.IRO, or an IOTLB descriptor and a
-- wait. am: 2^am pages (aligned). Returns the IOTLB register after.
function Unit:invalidate_iotlb(o)
  o = o or {}
  local g = GRAN[o.granularity or "global"] or o.granularity
  if self.qi then
    self:qi_submit(M.desc.iotlb{ granularity = g, did = o.did, addr = o.addr, am = o.am, ih = o.ih })
    if self.status_addr then self:qi_wait() end
    return
  end
  self.iro = self.iro or self:ecap().iro
  if g == 3 then
    self:write64(self.iro, (o.addr or 0) | ((o.ih or 0) << 6) | (o.am or 0))
  end
  self:write64(self.iro + 8, (1 << 63) | (g << 60) | ((o.did or 0) << 32))
  return self:read64(self.iro + 8)
end

--- u:invalidate_range(did, iova, size): page-selective invalidations with
-- the smallest address masks that cover the range
function Unit:invalidate_range(did, iova, size)
  local a, last = iova & ~0xfff, iova + size - 1
  local n = 0
  while true do
    local am = 0
    while am < 18 do
      local blk = 4096 << (am + 1)
      if a & (blk - 1) ~= 0 or math.ult(last, a + blk - 1) then break end
      am = am + 1
    end
    self:invalidate_iotlb{ granularity = "page", did = did, addr = a, am = am }
    n = n + 1
    local nexta = a + (4096 << am)
    if nexta == 0 or math.ult(last, nexta) then break end
    a = nexta
  end
  return n
end

--- u:flush(): global context-cache and IOTLB invalidation
function Unit:flush()
  self:invalidate_context{ granularity = "global" }
  self:invalidate_iotlb{ granularity = "global" }
end

-- ---------------------------------------------------------------- notifiers
--- vtd.dmar_region(dev) -> the device's DMAR IOMMU region ("vtd-DD.F-dmar"),
-- found from its bus-master address space (dev.as) through the aliases
function M.dmar_region(dev)
  local as = dev.as
  if type(as) == "function" then as = as(dev) end
  assert(as and as.root, "iommusim.vtd: the device has no address space (dev.as)")
  local queue, seen = { { as:root(), 0 } }, {}
  local i = 1
  while queue[i] do
    local r, depth = queue[i][1], queue[i][2]
    i = i + 1
    if not seen[r] then
      seen[r] = true
      if r:is_iommu() then return r end
      if depth < 4 then
        local t = r:alias()
        if t then queue[#queue + 1] = { t, depth + 1 } end
        for _, c in ipairs(r:children()) do queue[#queue + 1] = { c, depth + 1 } end
      end
    end
  end
  error("iommusim.vtd: no IOMMU region behind the device (translation not set up?)", 2)
end

--- vtd.watch(dev [, opts]) -> events, notifier: an IOMMU notifier on the
-- device's DMAR region (opts.flags "map|unmap" by default, opts.start,
-- opts["end"]); each event is appended to events as the binding gives it
-- ({type, iova, last, size, translated_addr, perm, ...}). MAP notifiers
-- need caching-mode=on, as in QEMU. notifier:unregister() stops it.
function M.watch(dev, o)
  local sim = require "iommusim"
  o = o or {}
  local events = {}
  local n = sim.iommu_notifier(M.dmar_region(dev), {
    flags = o.flags or "map|unmap", start = o.start, ["end"] = o["end"],
    fn = function(ev) events[#events + 1] = ev end,
  })
  return events, n
end

-- ---------------------------------------------------------------- faults
--- vtd.decode_fsts(v) -> {pfo=, ppf=, iqe=, ice=, ite=, fri=}
function M.decode_fsts(v)
  return { raw = v, pfo = v & 1 ~= 0, ppf = v & 2 ~= 0, iqe = v & 0x10 ~= 0,
           ice = v & 0x20 ~= 0, ite = v & 0x40 ~= 0, fri = (v >> 8) & 0xff }
end

function Unit:fsts() return M.decode_fsts(self:read32(R.FSTS)) end

--- vtd.decode_fault(lo, hi [, index]) -> fault record table
function M.decode_fault(lo, hi, index)
  local sid = hi & 0xffff
  local fr = (hi >> 32) & 0xff
  return {
    index = index, f = hi >> 63 ~= 0, sid = sid, bdf = M.bdf_string(sid),
    reason = fr, reason_name = M.fault_reason_name(fr), addr = lo & ~0xfff,
    write = (hi >> 62) & 1 == 0, pasid_present = (hi >> 31) & 1 == 1,
    pasid = (hi >> 40) & 0xfffff, lo = lo, hi = hi,
  }
end

--- u:faults([all]) -> the fault records with F set (all records with all)
function Unit:faults(all)
  local cap = self:cap()
  local out = {}
  for i = 0, cap.nfr - 1 do
    local off = cap.fro + 16 * i
    local lo, hi = self:read64(off), self:read64(off + 8)
    if all or hi >> 63 ~= 0 then out[#out + 1] = M.decode_fault(lo, hi, i) end
  end
  return out
end

--- u:clear_faults(): write 1 to F of every recorded fault, then PFO and
-- IQE in FSTS; returns the records cleared
function Unit:clear_faults()
  local cap = self:cap()
  local recs = self:faults()
  for _, f in ipairs(recs) do
    self:write32(cap.fro + 16 * f.index + 12, 0x80000000)
  end
  self:write32(R.FSTS, 0x11)
  return recs
end

return M
