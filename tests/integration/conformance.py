"""Walker conformance tables, generated (issue 23 item 11): every row is one
virtual address in one register setting, with what the architecture's manual
says it translates to, and what QEMU 7.2 does where it does not follow the
manual.  test_conformance.py runs each setting in a real guest and checks the
walker's answer against the row and QEMU's own translation against the row.

A row: va, expect (phys, size, flags) or an error fragment, and qemu: the
address gva2gpa must give ("Unmapped" for a fault).  `follows` is False on the
rows where QEMU 7.2 departs from the manual; README (vtop) names them."""

A64_RAM = 0x40000000
A64_TABLES = A64_RAM + 0x100000          # tables are allocated from here
A64_PAGE = A64_RAM + 0x2000000           # where pages point
MAX = (1 << 64) - 1


class Row:
    def __init__(self, name, level, desc, expect, qemu=None, follows=True, flags=None,
                 table_bits=0):
        self.name, self.level, self.desc = name, level, desc
        self.expect = expect       # int physical offset base, or an error fragment (str)
        self.qemu = qemu           # what gva2gpa gives when QEMU departs from the manual
        self.follows = follows
        self.flags = flags         # expected flags text ("rw, user, x"), or None
        self.table_bits = table_bits   # attributes for the table at the top level
        self.va = None
        self.size = None


class A64Config:
    """One TCR: both halves on one granule, T0SZ/T1SZ, DS, IPS, HPD0."""
    GRAN = {12: (0, 2), 14: (2, 1), 16: (1, 3)}   # TG0, TG1 encodings

    def __init__(self, shift, ds, ips_code, t0sz, t1sz, hpd0=0):
        self.shift, self.ds, self.ips_code, self.t0sz, self.t1sz = shift, ds, ips_code, t0sz, t1sz
        self.hpd0 = hpd0
        self.ips = [32, 36, 40, 42, 44, 48, 52, 52][ips_code]
        self.oa_bits = self.ips if (ds or shift == 16) else min(self.ips, 48)
        self.stride = shift - 3
        tg0, tg1 = self.GRAN[shift]
        self.tcr = t0sz | (tg0 << 14) | (t1sz << 16) | (tg1 << 30) | (ips_code << 32) | \
            (ds << 59) | (hpd0 << 41)
        self.writes = {}           # physical address -> 8-byte value
        self.next_table = A64_TABLES
        self.roots = {}
        self.rows = []

    def name(self):
        return "%dK DS=%d IPS=%d T0SZ=%d T1SZ=%d%s" % (1 << (self.shift - 10), self.ds, self.ips,
                                                       self.t0sz, self.t1sz,
                                                       " HPD0" if self.hpd0 else "")

    def in_range(self, tsz):
        low = 12 if (self.shift == 16 or self.ds) else 16
        return low <= tsz <= (47 if self.shift == 16 else 48)

    def geometry(self, tsz):
        va_bits = 64 - tsz
        levels = (va_bits - self.shift + self.stride - 1) // self.stride
        top = va_bits - self.shift - (levels - 1) * self.stride
        return va_bits, 4 - levels, top

    def level_shift(self, level):
        return self.shift + (3 - level) * self.stride

    def block_legal(self, level):
        if self.shift == 12:
            return level in (1, 2) or (level == 0 and self.ds)
        if self.shift == 14:
            return level == 2 or (level == 1 and self.ds)
        return level == 2 or (level == 1 and self.oa_bits == 52)

    def oa_field(self, oa):
        """The descriptor bits that hold output address oa, in this format."""
        if self.ds:
            return (oa & ((1 << 50) - 1)) | (((oa >> 50) & 3) << 8)
        if self.shift == 16 and self.oa_bits == 52:
            return (oa & ((1 << 48) - 1)) | (((oa >> 48) & 0xf) << 12)
        return oa

    def alloc_table(self):
        size = 1 << self.shift
        self.next_table = (self.next_table + size - 1) & ~(size - 1)
        addr = self.next_table
        self.next_table += size
        return addr

    def place(self, half, row):
        """Gives the row a virtual address whose walk ends at row.level in an
        entry of its own, building the tables on the way."""
        tsz = self.t1sz if half else self.t0sz
        va_bits, start, top = self.geometry(tsz)
        if row.level < start:
            return False
        if half not in self.roots:
            self.roots[half] = {"addr": self.alloc_table(), "entries": {}, "level": start}
        node, va = self.roots[half], 0
        for level in range(start, row.level + 1):
            count = 1 << (top if level == start else self.stride)
            used = node["entries"]
            if level == row.level:
                free = [i for i in range(count) if i not in used]
                if not free:
                    return False
                idx = free[0]
                used[idx] = ("leaf", row)
                va |= idx << self.level_shift(level)
                row.entry = node["addr"] + 8 * idx
                break
            tables = [i for i, e in used.items() if e[0] == "table" and
                      e[1].get("bits", 0) == (row.table_bits if level == start else 0)]
            idx = None
            for i in tables:    # a table with room below (checked lazily)
                idx = i
                break
            if idx is None:
                free = [i for i in range(count) if i not in used]
                if not free:
                    return False
                idx = free[0]
                child = {"addr": self.alloc_table(), "entries": {},
                         "bits": row.table_bits if level == start else 0}
                used[idx] = ("table", child)
                self.writes[node["addr"] + 8 * idx] = \
                    self.oa_field(child["addr"]) | 3 | (child["bits"] if level == start else 0)
            node = used[idx][1]
            va |= idx << self.level_shift(level)
        va |= 0x123 * 8 & ((1 << self.shift) - 1)   # an offset inside the page
        if half:
            va |= MAX ^ ((1 << va_bits) - 1)
        row.va, row.half = va, half
        self.writes[row.entry] = row.desc(self, row)
        return True


def _page(cfg, row, oa=None, bits=0):
    return cfg.oa_field(A64_PAGE if oa is None else oa) | 3 | 0x400 | bits


def a64_rows(cfg, half):
    """The rows of one half: descriptor kinds at every level, address size,
    52-bit outputs, and (in the permission settings) AP/UXN/PXN/tables."""
    tsz = cfg.t1sz if half else cfg.t0sz
    rows = []
    if not cfg.in_range(tsz):
        r = Row("TxSZ out of range", 3, lambda c, r: 0, "is out of range for a %dK granule" %
                (1 << (cfg.shift - 10)))
        r.va = (MAX ^ ((1 << 48) - 1)) | 0x1000 if half else 0x1000
        r.half = half
        return [r]
    _, start, _ = cfg.geometry(tsz)
    pg = 1 << cfg.shift
    rows.append(Row("page", 3, lambda c, r: _page(c, r), A64_PAGE, flags="rw, kernel, x"))
    rows.append(Row("block type at level 3 (reserved)", 3, lambda c, r: _page(c, r) & ~2,
                    "reserved descriptor (block type at the last level)"))
    rows.append(Row("invalid", 3, lambda c, r: 0, "(not valid)"))
    for level in range(start, 3):
        size = 1 << cfg.level_shift(level)
        oa = A64_RAM & ~(size - 1) if size <= (1 << 30) else 0
        def blk(c, r, oa=oa):
            return c.oa_field(oa) | 1 | 0x400
        if level < 0:
            continue      # no row: a level -1 block spans 256 TiB
        if cfg.block_legal(level):
            rows.append(Row("block at level %d" % level, level, blk, oa, flags="rw, kernel, x"))
        else:
            r = Row("block at level %d (reserved; QEMU 7.2 maps it)" % level, level, blk,
                    "reserved descriptor: the architecture", follows=False)
            r.qemu_oa = oa
            rows.append(r)
        rows[-1].size = size
    fmt_bits = 52 if (cfg.ds or (cfg.shift == 16 and cfg.oa_bits == 52)) else 48
    if cfg.oa_bits < fmt_bits:   # an output address beyond IPS: address size fault
        rows.append(Row("output beyond IPS", 3,
                        lambda c, r: _page(c, r, oa=A64_PAGE | (1 << c.oa_bits)),
                        "address size fault"))
    if cfg.oa_bits == 52 and (cfg.ds or cfg.shift == 16):
        high = A64_PAGE | (0xf << 48)
        rows.append(Row("52-bit output", 3, lambda c, r: _page(c, r, oa=high), high,
                        flags="rw, kernel, x"))
    if cfg.ds and cfg.ips < 52:
        # OA[51:50] in bits 9:8 beyond IPS: the manual faults; QEMU 7.2
        # ignores those bits (descaddr takes them only when outputsize > 48).
        r = Row("DS=1, bits 9:8 beyond IPS", 3, lambda c, r: _page(c, r) | 0x100,
                "address size fault", follows=False)
        r.qemu_oa = A64_PAGE
        rows.append(r)
    if cfg.perms:
        for ap in range(4):
            for uxn in (0, 1):
                for pxn in (0, 1):
                    bits = (ap << 6) | (uxn << 54) | (pxn << 53)
                    rows.append(Row("AP=%d%d UXN=%d PXN=%d" % (ap >> 1, ap & 1, uxn, pxn), 3,
                                    lambda c, r, bits=bits: _page(c, r, bits=bits), A64_PAGE,
                                    flags=a64_flags(ap, uxn, pxn, 0, False)))
        hpd = cfg.hpd0 if half == 0 else 0
        for name, tbits in (("APTable=10", 1 << 62), ("APTable=01", 1 << 61),
                            ("UXNTable", 1 << 60), ("PXNTable", 1 << 59)):
            rows.append(Row("%s%s" % (name, ", HPD" if hpd else ""), 3,
                            lambda c, r: _page(c, r, bits=1 << 6), A64_PAGE,
                            flags=a64_flags(1, 0, 0, 0 if hpd else tbits, True),
                            table_bits=tbits))
    for r in rows:
        if r.size is None:
            r.size = 1 << cfg.shift
    return rows


def a64_flags(ap, uxn, pxn, table, _el0):
    """The manual's permissions (D8.4): AP[2] read-only, AP[1] EL0 access,
    APTable[1] no write, APTable[0] no EL0, UXNTable/PXNTable; a region EL0 can
    write is never executable at EL1."""
    ro = (ap >> 1) or bool(table & (1 << 62))
    user = (ap & 1) and not table & (1 << 61)
    uxn = uxn or bool(table & (1 << 60))
    pxn = pxn or bool(table & (1 << 59)) or (user and not ro)
    text = ["ro" if ro else "rw", "user" if user else "kernel"]
    if uxn:
        text.append("uxn")
    if pxn:
        text.append("pxn")
    if not uxn and not pxn:
        text.append("x")
    return ", ".join(text)


def a64_configs():
    """Granule x DS x IPS x TxSZ at its boundaries (the other half one past
    them, where the manual faults every address) x half."""
    out = []
    for shift in (12, 14, 16):
        for ds in ((0, 1) if shift != 16 else (0,)):
            low = 12 if (shift == 16 or ds) else 16
            high = 47 if shift == 16 else 48
            for ips_code in (2, 5, 6):
                for t0, t1 in ((low, low - 1), (25, 25), (high, high + 1)):
                    cfg = A64Config(shift, ds, ips_code, t0, t1, hpd0=int(t0 == 25))
                    cfg.perms = t0 == 25 and ips_code == 5
                    for half in (0, 1):
                        for row in a64_rows(cfg, half):
                            if row.va is not None or cfg.place(half, row):
                                cfg.rows.append(row)
                    out.append(cfg)
    return out


# ---- x86-64 and riscv: one generic table builder ----

class Tables:
    """Page tables of `levels` levels of 2**index_bits entries of 8 bytes,
    built from `base` up; place() gives a row a virtual address whose walk
    ends at its level in an entry of its own."""

    def __init__(self, levels, index_bits, base, pointer, va_bits):
        self.levels, self.index_bits, self.va_bits = levels, index_bits, va_bits
        self.pointer = pointer            # (table address, bits) -> entry value
        self.next = base
        self.writes = {}
        self.root = {"addr": self.alloc(), "entries": {}}

    def alloc(self):
        addr = self.next
        self.next += 0x1000
        return addr

    def place(self, row, first_index=0, path_bits=None):
        """path_bits: {level: bits} for the table entries on the way."""
        path_bits = path_bits or {}
        node, va = self.root, 0
        for level in range(row.level + 1):
            shift = 12 + (self.levels - 1 - level) * self.index_bits
            used = node["entries"]
            low = first_index if level == 0 else 0
            if level == row.level:
                idx = next(i for i in range(low, 1 << self.index_bits) if i not in used)
                used[idx] = ("leaf", row)
                row.entry = node["addr"] + 8 * idx
                va |= idx << shift
                break
            bits = path_bits.get(level, 0)
            idx = next((i for i, e in used.items() if e[0] == "table" and e[2] == bits
                        and i >= low), None)
            if idx is None:
                idx = next(i for i in range(low, 1 << self.index_bits) if i not in used)
                child = {"addr": self.alloc(), "entries": {}}
                used[idx] = ("table", child, bits)
                self.writes[node["addr"] + 8 * idx] = self.pointer(child["addr"], bits)
            node = used[idx][1]
            va |= idx << shift
        va |= 0x918
        if va >> (self.va_bits - 1):          # canonical: sign-extend
            va |= MAX ^ ((1 << self.va_bits) - 1)
        row.va = va
        self.writes[row.entry] = row.desc(self, row)


X86_PAGE = 0x400000
P, RW, US, PS, NX = 1, 2, 4, 0x80, 1 << 63


def x86_flags(bits_on_path):
    rw = all(b & RW for b in bits_on_path)
    us = all(b & US for b in bits_on_path)
    nx = any(b & NX for b in bits_on_path)
    return "%s, %s, %s" % ("rw" if rw else "ro", "user" if us else "kernel",
                           "nx" if nx else "x")


def x86_rows(levels):
    """4K/2M/1G pages, not present at every level, R/W, U/S and NX at the
    leaf and on the way, both halves.  (Reserved bits: issue 17's table.)"""
    t = Tables(levels, 9, 0x100000, lambda a, bits: a | P | bits, 48 if levels == 4 else 57)
    leaf = levels - 1
    full = RW | US
    specs = []    # name, level, entry bits or value, expect, size, flags, {level: path bits}
    for rw in (0, RW):
        for us in (0, US):
            for nx in (0, NX):
                bits = rw | us | nx
                specs.append(("4K page RW=%d US=%d NX=%d" % (bool(rw), bool(us), bool(nx)),
                              leaf, X86_PAGE | P | bits, X86_PAGE, 0x1000,
                              x86_flags([full, bits]), {}))
    specs.append(("2M page", leaf - 1, 0x400000 | P | full | PS, 0x400000, 1 << 21,
                  "rw, user, x", {}))
    specs.append(("1G page", leaf - 2, 0x40000000 | P | full | PS, 0x40000000, 1 << 30,
                  "rw, user, x", {}))
    for lvl in range(levels):
        specs.append(("not present at level %d" % lvl, lvl, 0, "(not present)", 0x1000, None,
                      {}))
    for lvl, name, bits in ((0, "RW=0 at the top", US), (1, "US=0 at level 1", RW),
                            (2, "NX at level 2", full | NX)):
        specs.append((name, leaf, X86_PAGE | P | full, X86_PAGE, 0x1000,
                      x86_flags([bits, full]), {lvl: bits}))
    rows = []
    for half in (0, 1):
        for name, lvl, value, expect, size, flags, path in specs:
            r = Row(name, lvl, lambda t, r, value=value: value, expect, flags=flags)
            r.size, r.half = size, half
            bits = {k: full for k in range(levels)}
            bits.update(path)
            t.place(r, first_index=256 if half else 0, path_bits=bits)
            rows.append(r)
    return t, rows


RV_RAM = 0x80000000
RV_PAGE = RV_RAM + 0x400000
V, R, W, X, U, G, A, D = 1, 2, 4, 8, 16, 32, 64, 128


def rv_pte(addr, flags):
    return ((addr >> 12) << 10) | flags


def rv_rows(levels):
    """Sv39/48/57: a leaf at every level, aligned and misaligned superpages,
    every R/W/X combination with and without U, A and D, reserved W-without-R
    and a pointer at the last level."""
    t = Tables(levels, 9, RV_RAM + 0x100000, lambda a, bits: rv_pte(a, V), 12 + 9 * levels)
    leaf = levels - 1
    specs = []
    for rwx in (R, R | W, R | X, R | W | X, X):
        for u in (0, U):
            specs.append(("leaf %s%s" % ("".join(c for c, b in (("r", R), ("w", W), ("x", X))
                                                 if rwx & b), " U" if u else ""),
                          leaf, rv_pte(RV_PAGE, V | rwx | u | A | D), RV_PAGE, 0x1000,
                          "%s, %s, %s" % ("rw" if rwx & W else "ro", "user" if u else "kernel",
                                          "x" if rwx & X else "nx")))
    for ad in (0, A, A | D):
        specs.append(("A=%d D=%d" % (bool(ad & A), bool(ad & D)), leaf,
                      rv_pte(RV_PAGE, V | R | W | ad), RV_PAGE, 0x1000, "rw, kernel, nx"))
    for lvl in range(leaf):
        size = 1 << (12 + 9 * (leaf - lvl))
        oa = RV_RAM & ~(size - 1) if size <= (1 << 30) else 0
        specs.append(("superpage at level %d" % lvl, lvl, rv_pte(oa, V | R | W | X | A | D), oa,
                      size, "rw, kernel, x"))
        specs.append(("misaligned superpage at level %d" % lvl, lvl,
                      rv_pte(oa + 0x1000, V | R | W | X | A | D), "misaligned superpage", size,
                      None, oa + 0x1000))
    specs.append(("W without R", leaf, rv_pte(RV_PAGE, V | W | A | D), "reserved (W without R)",
                  0x1000, None, RV_PAGE))
    specs.append(("pointer at the last level", leaf, rv_pte(RV_PAGE, V),
                  "a pointer at the last level", 0x1000, None))
    specs.append(("not valid", leaf, 0, "(not valid)", 0x1000, None))
    rows = []
    for half in (0, 1):
        for name, lvl, value, expect, size, flags, *listed in specs:
            # listed: where QEMU's `info mem` (walk_pte, which checks neither
            # alignment nor W-without-R) lists what its translation faults.
            r = Row(name, lvl, lambda t, r, value=value: value, expect, flags=flags,
                    follows=not listed)
            r.qemu_oa = listed[0] if listed else None
            r.pte = value
            r.size, r.half = size, half
            t.place(r, first_index=256 if half else 0)
            rows.append(r)
    return t, rows
