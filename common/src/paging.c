/* The page-table walker: virtual to physical over the core's own physical
 * reads, after WinDbg's VirtualToPhysical.  A paging mode is a row of
 * parameters (levels, index bits, entry size, page shift); one loop walks
 * every mode, and each architecture decodes its entries in one function.
 * Modes: x86-64 4- and 5-level, i386 PAE and non-PAE, aarch64 stage 1 at
 * EL1 (4K/16K/64K granules, 52-bit output where the registers say so),
 * riscv Sv32/Sv39/Sv48/Sv57. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum entry_kind { E_INVALID, E_TABLE, E_LEAF, E_RESERVED };

struct geometry;

/* What one entry says, decoded by its architecture. */
typedef struct decoded {
    const struct geometry *geo; /* in: the walk's geometry (aarch64: the half's) */
    uint64_t va;                /* in: the address walked */
    int kind;
    uint64_t next;       /* E_TABLE: the next table; E_LEAF: the frame's base */
    unsigned deny_write; /* the bits this entry takes away */
    unsigned deny_user;
    unsigned deny_exec;
    unsigned deny_kernel_exec;
    const char *why; /* E_INVALID / E_RESERVED: what is wrong */
    char text[240];  /* room for a `why` that names addresses */
} decoded;

/* The geometry of one walk: for aarch64 it depends on the half and TCR. */
typedef struct geometry {
    unsigned levels, index_bits, top_bits, page_shift, va_bits;
    uint64_t root;
    const char *half; /* aarch64: "TTBR0" / "TTBR1" */
    /* aarch64, each half decoded on its own (TGx, DS, IPS, HPDx): */
    int ds;            /* the effective TCR.DS (4K/16K only): OA[51:50] in bits 9:8 */
    unsigned oa_bits;  /* the effective output size (IPS, 48 at most without DS or 64K) */
    int hpd;           /* TCR.HPDx: APTable/UXNTable/PXNTable ignored */
    unsigned ips_bits; /* what TCR.IPS says, before the 48-bit cap */
} geometry;

static uint64_t bits(uint64_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((hi - lo == 63) ? UINT64_MAX : (((uint64_t)1 << (hi - lo + 1)) - 1));
}

/* ---- x86 ---- */

/* A reserved bit makes the CPU fault (#PF with RSVD set) whatever the
 * rest of the entry says; the message names the lowest one set. */
static void x86_reserved(decoded *d, uint64_t e, uint64_t mask, const char *rule)
{
    unsigned bit = 0;
    while (bit < 63 && !((e & mask) >> bit & 1))
        bit++;
    snprintf(d->text, sizeof d->text, "reserved bit %u set (%s): the CPU takes a page fault",
             bit, rule);
    d->kind = E_RESERVED;
    d->why = d->text;
}

static uint64_t bit_range(unsigned hi, unsigned lo)
{
    return hi < lo ? 0
                   : (hi == 63 ? UINT64_MAX : ((uint64_t)1 << (hi + 1)) - 1) &
                         ~(((uint64_t)1 << lo) - 1);
}

/* The SDM's rules (vol. 3A, 4.3-4.5, tables 4-4 to 4-20): which bits are
 * reserved depends on the mode, the level, PS, EFER.NXE, MAXPHYADDR and
 * whether the CPU has 1 GiB pages. */
static void decode_x86(const wp_paging *p, unsigned level, unsigned levels, unsigned shift,
                       uint64_t e, decoded *d)
{
    int pae = p->mode != WP_PAGING_X86_32;
    int long_mode = p->mode == WP_PAGING_X86_64_4 || p->mode == WP_PAGING_X86_64_5;
    unsigned maxphy = p->phys_bits >= 32 && p->phys_bits <= 52 ? p->phys_bits : 52;
    int nxe = (p->efer >> 11) & 1;
    if (!(e & 1)) {
        d->kind = E_INVALID;
        d->why = "not present";
        return;
    }
    unsigned from_leaf = levels - 1 - level;
    uint64_t addr_mask = pae ? bit_range(51, 12) : 0xfffff000ull;
    if (p->mode == WP_PAGING_X86_PAE && level == 0) {
        /* PAE's 4 PDPTEs have no RW/US/NX bits; those are reserved. */
        uint64_t rsvd = 0x1e6ull | bit_range(63, maxphy);
        if (e & rsvd)
            return x86_reserved(d, e, rsvd,
                                "a PAE PDPTE keeps bits 2:1, 8:5 and 63:MAXPHYADDR "
                                "zero");
        d->kind = E_TABLE;
        d->next = e & addr_mask;
        return;
    }
    if (pae) {
        uint64_t above = bit_range(long_mode ? 51 : 62, maxphy);
        if (e & above) {
            char rule[64];
            snprintf(rule, sizeof rule, "above the CPU's %u physical-address bits%s", maxphy,
                     p->phys_bits ? "" : ", the most x86 has");
            return x86_reserved(d, e, above, rule);
        }
        if ((e >> 63) && !nxe)
            return x86_reserved(d, e, 1ull << 63, "XD while EFER.NXE=0");
    }
    d->deny_write = !(e & 2);
    d->deny_user = !(e & 4);
    d->deny_exec = pae && nxe && (e >> 63);
    d->deny_kernel_exec = d->deny_exec;
    int ps = (e >> 7) & 1;
    /* 32-bit paging with CR4.PSE=0: the CPU ignores PS, the PDE points to a
     * page table. */
    if (ps && from_leaf == 1 && !pae && !(p->cr4 & (1u << 4)))
        ps = 0;
    if (ps && from_leaf > 0) {
        if (from_leaf >= 3 || (from_leaf == 2 && !long_mode))
            return x86_reserved(d, e, 1ull << 7, "PS in a PML4E or PML5E");
        if (from_leaf == 2 && p->pages_1g == 0)
            return x86_reserved(d, e, 1ull << 7, "PS in a PDPTE on a CPU without 1 GiB pages");
        uint64_t rsvd;
        if (!pae) {
            /* 4 MiB: PSE-36 keeps physical bits 39:32 in bits 20:13, up to
             * MAXPHYADDR (at most 40); bit 21 is always reserved. */
            unsigned m = maxphy < 40 ? maxphy : 40;
            rsvd = bit_range(21, 21) | bit_range(20, 13 + (m - 32));
        } else {
            rsvd = bit_range(from_leaf == 1 ? 20 : 29, 13); /* below the page's frame */
        }
        if (e & rsvd)
            return x86_reserved(d, e, rsvd,
                                !pae             ? "a 4 MiB page keeps bit 21 and the bits of "
                                                   "20:13 above MAXPHYADDR zero"
                                : from_leaf == 1 ? "a 2 MiB page keeps bits 20:13 zero"
                                                 : "a 1 GiB page keeps bits 29:13 zero");
        d->kind = E_LEAF;
        uint64_t size_bits = shift + from_leaf * (pae ? 9 : 10);
        if (!pae) /* 4 MiB page: bits 31:22, and PSE-36's 39:32 in bits 20:13 */
            d->next = (e & 0xffc00000ull) | (bits(e, 20, 13) << 32);
        else /* bit 12 is PAT in a large page */
            d->next = e & addr_mask & ~(((uint64_t)1 << size_bits) - 1);
        return;
    }
    d->kind = from_leaf == 0 ? E_LEAF : E_TABLE;
    d->next = e & addr_mask;
}

/* ---- aarch64 ---- */

/* The output address field of a descriptor, as the half's format puts it:
 * bits 47:granule; with 64K and 52-bit outputs OA[51:48] in bits 15:12;
 * with DS=1 (4K/16K, FEAT_LPA2) bits 49:granule and OA[51:50] in bits 9:8,
 * where the other formats keep SH[1:0]. */
static uint64_t arm_oa(const geometry *g, uint64_t e)
{
    uint64_t low = ~(((uint64_t)1 << g->page_shift) - 1);
    if (g->ds)
        return (e & 0x0003ffffffffffffull & low) | bits(e, 9, 8) << 50;
    uint64_t oa = e & 0x0000ffffffffffffull & low;
    if (g->page_shift == 16 && g->oa_bits == 52)
        oa |= bits(e, 15, 12) << 48;
    return oa;
}

/* Whether the architecture has blocks at this level (-1..3) for the half. */
static int arm_block_level(const geometry *g, int level)
{
    switch (g->page_shift) {
    case 12: return level == 1 || level == 2 || (level == 0 && g->ds);
    case 14: return level == 2 || (level == 1 && g->ds);
    default: return level == 2 || (level == 1 && g->oa_bits == 52); /* 64K: FEAT_LPA */
    }
}

static void decode_arm(const wp_paging *p, unsigned level, unsigned levels, unsigned shift,
                       uint64_t e, decoded *d)
{
    const geometry *g = d->geo;
    unsigned from_leaf = levels - 1 - level;
    int arch_level = 4 - (int)levels + (int)level; /* -1 (5 levels, 4K with DS) to 3 */
    unsigned type = (unsigned)(e & 3);
    if (!(type & 1)) {
        d->kind = E_INVALID;
        d->why = "not valid";
        return;
    }
    uint64_t oa = arm_oa(g, e);
    if (g->oa_bits < 64 && (oa >> g->oa_bits)) {
        /* The architecture's Address size fault (QEMU 7.2 raises it too). */
        snprintf(d->text, sizeof d->text,
                 "address size fault: the output address 0x%llx is wider than the %u bits "
                 "of TCR_EL1.IPS",
                 (unsigned long long)oa, g->oa_bits);
        d->kind = E_RESERVED;
        d->why = d->text;
        return;
    }
    if (type == 3 && from_leaf > 0) {
        d->kind = E_TABLE;
        d->next = oa;
        /* APTable, UXNTable, PXNTable limit every level below, unless
         * hierarchical permissions are disabled (TCR_EL1.HPDx). */
        if (!g->hpd) {
            d->deny_write = (e >> 62) & 1;
            d->deny_user = (e >> 61) & 1;
            d->deny_exec = (e >> 60) & 1;
            d->deny_kernel_exec = (e >> 59) & 1;
        }
        return;
    }
    if (type == 1 && from_leaf == 0) {
        d->kind = E_RESERVED;
        d->why = "reserved descriptor (block type at the last level)";
        return;
    }
    unsigned size_bits = shift + from_leaf * (shift - 3);
    if (type == 1 && !arm_block_level(g, arch_level)) {
        /* QEMU 7.2 (get_phys_addr_lpae) faults only the level-3 form and
         * maps any other block: the block's size from its level, its base
         * from the descriptor's address field. */
        uint64_t size = size_bits >= 64 ? 0 : (uint64_t)1 << size_bits;
        uint64_t qemu = size ? (oa & ~(size - 1)) | (d->va & (size - 1)) : d->va;
        const char *needs = NULL; /* what would make this level's block legal */
        if (arch_level == 0 && shift == 12)
            needs = "TCR_EL1.DS=1 (FEAT_LPA2)";
        else if (arch_level == 1 && shift == 14)
            needs = "TCR_EL1.DS=1 (FEAT_LPA2)";
        else if (arch_level == 1 && shift == 16)
            needs = "52-bit outputs (TCR_EL1.IPS=0b110, FEAT_LPA)";
        char sz[32];
        wp_format_size(sz, sizeof sz, size);
        snprintf(d->text, sizeof d->text,
                 "reserved descriptor: the architecture %s%s; QEMU 7.2 maps it anyway, as a "
                 "%s block to physical 0x%llx",
                 needs ? "allows a block at this level only with "
                       : "has no block at this level",
                 needs ? needs : "", sz, (unsigned long long)qemu);
        d->kind = E_RESERVED;
        d->why = d->text;
        return;
    }
    d->kind = E_LEAF;
    d->next = oa & ~(((uint64_t)1 << size_bits) - 1);
    /* AP[2]: read-only; but with TCR_EL1.HA and HD (FEAT_HAFDBS) the CPU
     * itself clears AP[2] on the first write to an entry with DBM (bit 51)
     * set: writable, still clean.  Linux keeps its clean writable pages so
     * (QEMU 7.2's -cpu max has the feature). */
    int hw_dirty = ((p->tcr >> 39) & 1) && ((p->tcr >> 40) & 1);
    d->deny_write = ((e >> 7) & 1) && !(hw_dirty && ((e >> 51) & 1));
    d->deny_user = !((e >> 6) & 1);
    d->deny_exec = (e >> 54) & 1;
    d->deny_kernel_exec = (e >> 53) & 1;
}

/* ---- riscv ---- */

static void decode_riscv(const wp_paging *p, unsigned level, unsigned levels, unsigned shift,
                         uint64_t e, decoded *d)
{
    unsigned from_leaf = levels - 1 - level;
    int sv32 = p->mode == WP_PAGING_SV32;
    if (!(e & 1)) {
        d->kind = E_INVALID;
        d->why = "not valid";
        return;
    }
    unsigned r = (e >> 1) & 1, w = (e >> 2) & 1, x = (e >> 3) & 1;
    if (w && !r) {
        d->kind = E_RESERVED;
        d->why = "reserved (W without R)";
        return;
    }
    if (!sv32 && bits(e, 63, 54)) {
        d->kind = E_RESERVED;
        d->why = "reserved bits 63:54 set";
        return;
    }
    uint64_t ppn = sv32 ? bits(e, 31, 10) : bits(e, 53, 10);
    if (!(r || x)) {
        if (from_leaf == 0) {
            d->kind = E_INVALID;
            d->why = "a pointer at the last level";
            return;
        }
        d->kind = E_TABLE;
        d->next = ppn << 12;
        return;
    }
    unsigned idx_bits = sv32 ? 10 : 9;
    if (from_leaf && (ppn & (((uint64_t)1 << (from_leaf * idx_bits)) - 1))) {
        d->kind = E_RESERVED;
        d->why = "misaligned superpage";
        return;
    }
    (void)shift;
    d->kind = E_LEAF;
    d->next = ppn << 12;
    d->deny_write = !w;
    d->deny_user = !((e >> 4) & 1);
    d->deny_exec = !x;
    d->deny_kernel_exec = !x;
}

/* ---- the modes, as rows ---- */

static const struct mode_row {
    int mode;
    const char *name;
    unsigned levels, index_bits, entry_size, page_shift, va_bits;
    const char *const *level_names;
    void (*decode)(const wp_paging *, unsigned, unsigned, unsigned, uint64_t, decoded *);
} modes[] = {
    {WP_PAGING_X86_32, "i386 2-level", 2, 10, 4, 12, 32, (const char *const[]){"PD", "PT"},
     decode_x86},
    {WP_PAGING_X86_PAE, "i386 PAE", 3, 9, 8, 12, 32, (const char *const[]){"PDPT", "PD", "PT"},
     decode_x86},
    {WP_PAGING_X86_64_4, "x86-64 4-level", 4, 9, 8, 12, 48,
     (const char *const[]){"PML4", "PDPT", "PD", "PT"}, decode_x86},
    {WP_PAGING_X86_64_5, "x86-64 5-level", 5, 9, 8, 12, 57,
     (const char *const[]){"PML5", "PML4", "PDPT", "PD", "PT"}, decode_x86},
    {WP_PAGING_SV32, "riscv Sv32", 2, 10, 4, 12, 32, (const char *const[]){"L1", "L0"},
     decode_riscv},
    {WP_PAGING_SV39, "riscv Sv39", 3, 9, 8, 12, 39, (const char *const[]){"L2", "L1", "L0"},
     decode_riscv},
    {WP_PAGING_SV48, "riscv Sv48", 4, 9, 8, 12, 48,
     (const char *const[]){"L3", "L2", "L1", "L0"}, decode_riscv},
    {WP_PAGING_SV57, "riscv Sv57", 5, 9, 8, 12, 57,
     (const char *const[]){"L4", "L3", "L2", "L1", "L0"}, decode_riscv},
    /* aarch64: levels and sizes come from TCR; these rows give the decoder. */
    {WP_PAGING_ARM64, "aarch64", 0, 0, 8, 0, 0,
     (const char *const[]){"L-1", "L0", "L1", "L2", "L3"}, decode_arm},
};

static const struct mode_row *find_mode(int mode)
{
    for (size_t i = 0; i < WP_ARRAY_LEN(modes); i++)
        if (modes[i].mode == mode)
            return &modes[i];
    return NULL;
}

static int arm_geometry(const wp_paging *p, uint64_t va, geometry *g, wp_error *err)
{
    int upper = (va >> 55) & 1;
    unsigned tsz = upper ? (unsigned)bits(p->tcr, 21, 16) : (unsigned)bits(p->tcr, 5, 0);
    unsigned tg = upper ? (unsigned)bits(p->tcr, 31, 30) : (unsigned)bits(p->tcr, 15, 14);
    unsigned epd = upper ? (unsigned)bits(p->tcr, 23, 23) : (unsigned)bits(p->tcr, 7, 7);
    /* TG0: 0 4K, 1 64K, 2 16K; TG1: 1 16K, 2 4K, 3 64K. */
    unsigned shift = upper ? (tg == 1   ? 14
                              : tg == 2 ? 12
                              : tg == 3 ? 16
                                        : 0)
                           : (tg == 0   ? 12
                              : tg == 1 ? 16
                              : tg == 2 ? 14
                                        : 0);
    if (!shift)
        return wp_fail(err, WP_EINVAL, "TCR_EL1 gives a reserved granule (TG%d=%u)", upper, tg);
    if (epd)
        return wp_fail(err, WP_EREFUSED, "walks through TTBR%d are disabled (TCR_EL1.EPD%d)",
                       upper, upper);
    /* Each half has its own format: DS counts for 4K and 16K only, and the
     * output size is IPS, capped at 48 bits unless DS=1 or 64K. */
    static const unsigned ips_map[8] = {32, 36, 40, 42, 44, 48, 52, 52};
    g->ds = shift != 16 && ((p->tcr >> 59) & 1);
    g->ips_bits = ips_map[bits(p->tcr, 34, 32)];
    g->oa_bits = (g->ds || shift == 16) ? g->ips_bits : (g->ips_bits < 48 ? g->ips_bits : 48);
    g->hpd = upper ? (p->tcr >> 42) & 1 : (p->tcr >> 41) & 1;
    /* TxSZ: at least 16, or 12 with 64K (FEAT_LVA) or DS=1 (FEAT_LPA2); at
     * most 48, 47 with 64K (FEAT_TTST).  Out of range is a Translation
     * fault (QEMU 7.2 raises it too). */
    unsigned min_tsz = (shift == 16 || g->ds) ? 12 : 16;
    unsigned max_tsz = shift == 16 ? 47 : 48;
    if (tsz < min_tsz || tsz > max_tsz)
        return wp_fail(err, WP_EINVAL,
                       "TCR_EL1.T%dSZ=%u is out of range for a %uK granule%s (%u to %u): the "
                       "CPU faults every address of TTBR%d",
                       upper, tsz, 1u << (shift - 10),
                       shift == 16 ? ""
                       : g->ds     ? " with TCR_EL1.DS=1"
                                   : " with TCR_EL1.DS=0",
                       min_tsz, max_tsz, upper);
    g->va_bits = 64 - tsz;
    uint64_t high = va >> g->va_bits;
    uint64_t want = upper ? (UINT64_MAX >> g->va_bits) : 0;
    /* TBI: bits 63:56 may carry a tag when TCR.TBIx is set. */
    int tbi = upper ? (p->tcr >> 38) & 1 : (p->tcr >> 37) & 1;
    if (tbi) {
        high &= (((uint64_t)1 << (56 - g->va_bits)) - 1);
        want &= (((uint64_t)1 << (56 - g->va_bits)) - 1);
    }
    if (high != want)
        return wp_fail(err, WP_EINVAL,
                       "0x%llx is outside the %u-bit range of TTBR%d (TCR_EL1.T%dSZ=%u)",
                       (unsigned long long)va, g->va_bits, upper, upper, tsz);
    g->page_shift = shift;
    g->index_bits = shift - 3;
    /* 1 to 5 levels: 5 only for 4K with DS=1 and TxSZ below 16. */
    g->levels = (g->va_bits - shift + g->index_bits - 1) / g->index_bits;
    g->top_bits = g->va_bits - shift - (g->levels - 1) * g->index_bits;
    uint64_t ttbr = upper ? p->ttbr1 : p->ttbr0;
    g->root = ttbr & 0x0000fffffffffffeull;
    /* BADDR[51:48] in TTBR bits 5:2 with 52-bit formats (64K with IPS=52,
     * or DS=1); the table is then 64-byte aligned at least. */
    if (g->ds || (shift == 16 && g->oa_bits == 52))
        g->root = (ttbr & 0x0000ffffffffffc0ull) | (bits(ttbr, 5, 2) << 48);
    if (g->oa_bits < 64 && (g->root >> g->oa_bits))
        return wp_fail(err, WP_EREFUSED,
                       "TTBR%d_EL1's table address 0x%llx is wider than the %u bits of "
                       "TCR_EL1.IPS (an address size fault at level 0)",
                       upper, (unsigned long long)g->root, g->oa_bits);
    g->half = upper ? "TTBR1" : "TTBR0";
    return WP_OK;
}

static int geometry_of(const wp_paging *p, const struct mode_row *m, uint64_t va, geometry *g,
                       wp_error *err)
{
    memset(g, 0, sizeof *g);
    if (m->mode == WP_PAGING_ARM64)
        return arm_geometry(p, va, g, err);
    g->levels = m->levels;
    g->index_bits = m->index_bits;
    g->page_shift = m->page_shift;
    g->va_bits = m->va_bits;
    g->top_bits = m->mode == WP_PAGING_X86_PAE ? 2 : m->index_bits;
    g->root = p->root;
    if (m->va_bits < 64 && m->va_bits > 32) {
        /* Canonical: the bits above the top one copy it. */
        uint64_t top = va >> (m->va_bits - 1);
        if (top != 0 && top != (UINT64_MAX >> (m->va_bits - 1)))
            return wp_fail(err, WP_EINVAL,
                           "0x%llx is not canonical for %s (bits 63:%u must copy bit %u)",
                           (unsigned long long)va, m->name, m->va_bits, m->va_bits - 1);
    } else if (m->va_bits == 32 && (va >> 32))
        return wp_fail(err, WP_EINVAL, "0x%llx is beyond the 32-bit space of %s",
                       (unsigned long long)va, m->name);
    return WP_OK;
}

const char *wp_paging_mode_name(int mode)
{
    const struct mode_row *m = find_mode(mode);
    return m ? m->name : "unknown";
}

/* One cached entry per level: a range of pages reads each table entry once. */
void wp_walker_reset(wp_walker *w)
{
    memset(w->cache, 0, sizeof w->cache);
}

static int read_entry(wp_route_handle *h, wp_walker *w, unsigned level, uint64_t addr,
                      unsigned size, uint64_t *value, wp_error *err)
{
    int order = w->paging.big_endian ? WP_ORDER_BIG : WP_ORDER_LITTLE;
    uint64_t block = addr & ~(uint64_t)(WP_TABLE_BLOCK - 1);
    if (w->cache[level].valid && w->cache[level].whole && w->cache[level].addr == block) {
        *value = wp_decode_unit(w->cache[level].block + (addr - block), size, order);
        return WP_OK;
    }
    if (w->cache[level].valid && !w->cache[level].whole && w->cache[level].addr == addr) {
        *value = w->cache[level].value;
        return WP_OK;
    }
    size_t got = 0;
    wp_error why = {0};
    int rc;
    if (w->whole_tables) {
        rc = wp_route_read(h, block, w->cache[level].block, WP_TABLE_BLOCK, &got, &why);
        if (rc == WP_OK) {
            w->cache[level].valid = w->cache[level].whole = 1;
            w->cache[level].addr = block;
            w->reads++;
            *value = wp_decode_unit(w->cache[level].block + (addr - block), size, order);
            return WP_OK;
        }
        if (rc == WP_EINTR || rc == WP_EHOST)
            return wp_fail(err, rc,
                           "cannot read the level-%u table entry at physical 0x%llx: %s", level,
                           (unsigned long long)addr, why.message);
        /* The block may reach past what the map lets us read: the entry alone. */
    }
    uint8_t raw[8] = {0};
    rc = wp_route_read(h, addr, raw, size, &got, &why);
    if (rc)
        return wp_fail(err, rc, "cannot read the level-%u table entry at physical 0x%llx: %s",
                       level, (unsigned long long)addr, why.message);
    *value = wp_decode_unit(raw, size, order);
    w->cache[level].valid = 1;
    w->cache[level].whole = 0;
    w->cache[level].addr = addr;
    w->cache[level].value = *value;
    w->reads++;
    return WP_OK;
}

int wp_walk(wp_route_handle *h, wp_walker *w, uint64_t va, wp_translation *t, wp_error *err)
{
    memset(t, 0, sizeof *t);
    t->virt = va;
    const wp_paging *p = &w->paging;
    const struct mode_row *m = find_mode(p->mode);
    if (!m)
        return wp_fail(err, WP_EINVAL, "no paging mode to walk");
    geometry g;
    int rc = geometry_of(p, m, va, &g, err);
    if (rc)
        return rc;
    snprintf(t->mode, sizeof t->mode, "%s%s%s", m->name, g.half ? " " : "",
             g.half ? g.half : "");
    if (m->mode == WP_PAGING_ARM64)
        snprintf(t->mode, sizeof t->mode, "aarch64 %uK %s", 1u << (g.page_shift - 10), g.half);
    unsigned deny_write = 0, deny_user = 0, deny_exec = 0, deny_kexec = 0;
    uint64_t table = g.root;
    for (unsigned level = 0; level < g.levels; level++) {
        unsigned idx_bits = level == 0 ? g.top_bits : g.index_bits;
        unsigned lo = g.page_shift + (g.levels - 1 - level) * g.index_bits;
        unsigned index = (unsigned)((va >> lo) & (((uint64_t)1 << idx_bits) - 1));
        uint64_t entry_addr = table + (uint64_t)index * m->entry_size;
        wp_walk_step *step = &t->steps[t->nsteps++];
        const char *const *names = m->level_names;
        step->name = names[m->mode == WP_PAGING_ARM64 ? 5 - g.levels + level : level];
        step->table = table;
        step->index = index;
        step->entry_addr = entry_addr;
        rc = read_entry(h, w, level, entry_addr, m->entry_size, &step->entry, err);
        if (rc)
            return rc;
        decoded d = {.geo = &g, .va = va};
        m->decode(p, level, g.levels, g.page_shift, step->entry, &d);
        deny_write |= d.deny_write;
        deny_user |= d.deny_user;
        deny_exec |= d.deny_exec;
        deny_kexec |= d.deny_kernel_exec;
        if (d.kind == E_INVALID || d.kind == E_RESERVED) {
            t->stopped = 1;
            return wp_fail(err, WP_EREFUSED,
                           "0x%llx is not mapped: the walk stopped at %s entry %u at physical "
                           "0x%llx = 0x%0*llx (%s)",
                           (unsigned long long)va, step->name, index,
                           (unsigned long long)entry_addr, (int)m->entry_size * 2,
                           (unsigned long long)step->entry, d.why);
        }
        if (d.kind == E_LEAF) {
            t->page_size = (uint64_t)1 << lo;
            t->phys = d.next + (va & (t->page_size - 1));
            t->flags = (deny_write ? 0 : WP_PAGE_WRITE) | (deny_user ? 0 : WP_PAGE_USER) |
                       (deny_exec ? 0 : WP_PAGE_EXEC);
            /* aarch64: a region EL0 can write is never executable at EL1. */
            if (m->mode == WP_PAGING_ARM64 && !deny_kexec && (deny_write || deny_user))
                t->flags |= WP_PAGE_KERNEL_EXEC;
            return WP_OK;
        }
        table = d.next;
    }
    return wp_fail(err, WP_EPROTO, "internal: the walk ran past the last level");
}

/* The registers that give the mode and the root, read through the host. */
static int paging_x86(wp_session *s, wp_paging *p, wp_error *err)
{
    uint64_t cr0, cr3, cr4, efer = 0;
    int rc = wp_session_register(s, "cr0", &cr0, err);
    if (!rc)
        rc = wp_session_register(s, "cr3", &cr3, err);
    if (!rc)
        rc = wp_session_register(s, "cr4", &cr4, err);
    if (rc)
        return rc;
    if (!(cr0 & (1u << 31)))
        return wp_fail(err, WP_EREFUSED, "paging is off (CR0.PG=0): physical equals virtual");
    p->cr4 = cr4;
    if (cr4 & (1u << 5)) {
        rc = wp_session_register(s, "efer", &efer, err);
        if (rc)
            return rc;
    }
    p->efer = efer;
    /* Which bits are reserved depends on the CPU: QEMU says, else the
     * architecture's widest (52 bits, 1 GiB pages). */
    wp_qemu_x86_cpu(s, &p->phys_bits, &p->pages_1g);
    if (!(cr4 & (1u << 5))) {
        p->mode = WP_PAGING_X86_32;
        p->root = cr3 & 0xfffff000ull;
    } else if (efer & (1u << 10)) { /* LMA */
        p->mode = (cr4 & (1u << 12)) ? WP_PAGING_X86_64_5 : WP_PAGING_X86_64_4;
        p->root = cr3 & 0x000ffffffffff000ull; /* PCID and flags off */
    } else {
        p->mode = WP_PAGING_X86_PAE;
        p->root = cr3 & 0xffffffe0ull;
    }
    return WP_OK;
}

static int paging_arm(wp_session *s, wp_paging *p, wp_error *err)
{
    uint64_t cpsr, sctlr;
    int rc = wp_session_register(s, "cpsr", &cpsr, err);
    if (rc)
        return rc;
    unsigned el = (unsigned)(cpsr >> 2) & 3;
    if (el > 1)
        return wp_fail(err, WP_EINVAL,
                       "the CPU is at EL%u; the walker knows EL1&0 stage 1 only", el);
    /* QEMU 7.2 lists SCTLR_EL1 as "SCTLR". */
    if (wp_session_register(s, "SCTLR_EL1", &sctlr, err) &&
        (rc = wp_session_register(s, "SCTLR", &sctlr, err)))
        return rc;
    if (!(sctlr & 1))
        return wp_fail(err, WP_EREFUSED,
                       "the MMU is off (SCTLR_EL1.M=0): physical equals virtual");
    rc = wp_session_register(s, "TCR_EL1", &p->tcr, err);
    if (!rc)
        rc = wp_session_register(s, "TTBR0_EL1", &p->ttbr0, err);
    if (!rc)
        rc = wp_session_register(s, "TTBR1_EL1", &p->ttbr1, err);
    if (rc)
        return rc;
    p->mode = WP_PAGING_ARM64;
    /* The output format (DS, IPS) is decided per half, from its granule,
     * by the walk (arm_geometry); oa52 stays 0. */
    p->oa52 = 0;
    p->big_endian = (sctlr >> 25) & 1; /* EE */
    return WP_OK;
}

static int paging_riscv(wp_session *s, const char *arch, wp_paging *p, wp_error *err)
{
    uint64_t satp, priv;
    if (wp_session_register(s, "priv", &priv, err) == WP_OK && priv == 3)
        return wp_fail(err, WP_EREFUSED,
                       "the hart runs in M-mode, which does not translate: physical equals "
                       "virtual");
    int rc = wp_session_register(s, "satp", &satp, err);
    if (rc)
        return rc;
    if (strstr(arch, "32")) {
        if (!(satp >> 31))
            return wp_fail(err, WP_EREFUSED,
                           "paging is off (satp mode Bare): physical "
                           "equals virtual");
        p->mode = WP_PAGING_SV32;
        p->root = (satp & 0x3fffff) << 12;
        return WP_OK;
    }
    unsigned mode = (unsigned)(satp >> 60);
    p->root = (satp & 0xfffffffffffull) << 12;
    switch (mode) {
    case 0:
        return wp_fail(err, WP_EREFUSED,
                       "paging is off (satp mode Bare): physical equals "
                       "virtual");
    case 8: p->mode = WP_PAGING_SV39; return WP_OK;
    case 9: p->mode = WP_PAGING_SV48; return WP_OK;
    case 10: p->mode = WP_PAGING_SV57; return WP_OK;
    default:
        return wp_fail(err, WP_EINVAL,
                       "satp mode %u is not one this walker knows (Sv39, "
                       "Sv48, Sv57)",
                       mode);
    }
}

/* Applies --root: the root of another address space, in the form of the
 * register it replaces (CR3, satp, or the TTBR of the address's half). */
static void apply_root(wp_paging *p, uint64_t root, uint64_t va)
{
    switch (p->mode) {
    case WP_PAGING_ARM64:
        if ((va >> 55) & 1)
            p->ttbr1 = root;
        else
            p->ttbr0 = root;
        break;
    case WP_PAGING_SV39:
    case WP_PAGING_SV48:
    case WP_PAGING_SV57: {
        unsigned mode = (unsigned)(root >> 60);
        if (mode >= 8 && mode <= 10)
            p->mode = mode == 8 ? WP_PAGING_SV39 : mode == 9 ? WP_PAGING_SV48 : WP_PAGING_SV57;
        p->root = (root & 0xfffffffffffull) << 12;
        break;
    }
    case WP_PAGING_SV32: p->root = (root & 0x3fffff) << 12; break;
    case WP_PAGING_X86_32: p->root = root & 0xfffff000ull; break;
    case WP_PAGING_X86_PAE: p->root = root & 0xffffffe0ull; break;
    default: p->root = root & 0x000ffffffffff000ull; break;
    }
}

int wp_paging_from_target(wp_session *s, const uint64_t *root, uint64_t va, wp_paging *p,
                          wp_error *err)
{
    memset(p, 0, sizeof *p);
    wp_target_info info;
    int rc = wp_session_target_info(s, &info, err);
    if (rc)
        return rc;
    const char *arch = wp_session_family(s, info.arch);
    if (strstr(arch, "86"))
        rc = paging_x86(s, p, err);
    else if (strstr(arch, "aarch64"))
        rc = paging_arm(s, p, err);
    else if (strstr(arch, "riscv"))
        rc = paging_riscv(s, arch, p, err);
    else
        return wp_fail(err, WP_EINVAL,
                       "architecture '%s' has no page walker (x86-64, i386, aarch64 and "
                       "riscv have)",
                       arch[0] ? arch : "unknown");
    if (!rc && root)
        apply_root(p, *root, va);
    return rc;
}

/* The bits of an entry by name, for `vtop --walk`. */
void wp_describe_entry(int mode, uint64_t e, char *buf, size_t cap)
{
    static const struct bit_name {
        int family; /* 0 x86, 1 arm, 2 riscv */
        unsigned bit;
        const char *name;
    } names[] = {
        {0, 0, "P"},     {0, 1, "RW"},    {0, 2, "US"},    {0, 3, "PWT"},  {0, 4, "PCD"},
        {0, 5, "A"},     {0, 6, "D"},     {0, 7, "PS"},    {0, 8, "G"},    {0, 63, "NX"},
        {1, 0, "V"},     {1, 1, "T"},     {1, 6, "AP1"},   {1, 7, "AP2"},  {1, 10, "AF"},
        {1, 11, "nG"},   {1, 51, "DBM"},  {1, 53, "PXN"},  {1, 54, "UXN"}, {1, 59, "PXNT"},
        {1, 60, "UXNT"}, {1, 61, "APT1"}, {1, 62, "APT2"}, {2, 0, "V"},    {2, 1, "R"},
        {2, 2, "W"},     {2, 3, "X"},     {2, 4, "U"},     {2, 5, "G"},    {2, 6, "A"},
        {2, 7, "D"},
    };
    int family = mode == WP_PAGING_ARM64 ? 1 : mode >= WP_PAGING_SV32 ? 2 : 0;
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < WP_ARRAY_LEN(names); i++)
        if (names[i].family == family && ((e >> names[i].bit) & 1) && n + 8 < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " " : "", names[i].name);
}

/* ---- every mapping: a depth-first walk over every present entry ---- */

/* The flags of a leaf from the bits its path took away, as wp_walk sets them. */
static unsigned leaf_flags(int mode, unsigned dw, unsigned du, unsigned dx, unsigned dkx)
{
    unsigned f = (dw ? 0 : WP_PAGE_WRITE) | (du ? 0 : WP_PAGE_USER) | (dx ? 0 : WP_PAGE_EXEC);
    if (mode == WP_PAGING_ARM64 && !dkx && (dw || du))
        f |= WP_PAGE_KERNEL_EXEC;
    return f;
}

typedef struct each_state {
    wp_session *s;
    wp_route_handle *h;
    wp_walker *w;
    const struct mode_row *m;
    const geometry *g;
    uint64_t lo, hi;   /* the virtual range asked for, inclusive */
    uint64_t va_base;  /* aarch64 TTBR1: the half's lowest address */
    unsigned sign_bit; /* x86-64, riscv: va_bits, whose top bit is copied above */
    uint8_t *buf[6];   /* one table per level */
    uint64_t held[6];  /* the physical address of the table in buf[level] */
    size_t held_bytes[6];
    unsigned long visits;
    wp_leaf_fn fn;
    void *ctx;
} each_state;

/* At most this many tables a command: a table that points back at its own
 * level (a self-map, or a hostile one) would otherwise be walked without end. */
#define WP_WALK_MAX_TABLES 65536ul

static int each_table(each_state *st, unsigned level, uint64_t table, uint64_t va_prefix,
                      unsigned dw, unsigned du, unsigned dx, unsigned dkx, wp_error *err)
{
    const geometry *g = st->g;
    const struct mode_row *m = st->m;
    unsigned idx_bits = level == 0 ? g->top_bits : g->index_bits;
    unsigned lo_bit = g->page_shift + (g->levels - 1 - level) * g->index_bits;
    size_t n = (size_t)1 << idx_bits;
    size_t bytes = n * m->entry_size;
    if (++st->visits > WP_WALK_MAX_TABLES)
        return wp_fail(err, WP_EREFUSED,
                       "stopped after %lu tables: the tables point back at themselves (a "
                       "self-map)",
                       WP_WALK_MAX_TABLES);
    if (wp_session_interrupted(st->s))
        return wp_fail(err, WP_EINTR, "interrupted after %u table pages read", st->w->reads);
    /* A table that the entry before pointed at too (Linux's ESPFIX maps
     * one page table from every entry of a PMD, thousands of times) is
     * still in this level's buffer: the guest is stopped, nothing changed. */
    int rc;
    if (st->held_bytes[level] != bytes || st->held[level] != table) {
        size_t got = 0;
        wp_error why = {0};
        st->held_bytes[level] = 0;
        rc = wp_route_read(st->h, table, st->buf[level], bytes, &got, &why);
        if (rc)
            return wp_fail(err, rc, "cannot read the level-%u table at physical 0x%llx: %s",
                           level, (unsigned long long)table, why.message);
        st->w->reads += (unsigned)((bytes + WP_TABLE_BLOCK - 1) / WP_TABLE_BLOCK);
        st->held[level] = table;
        st->held_bytes[level] = bytes;
    }
    int order = st->w->paging.big_endian ? WP_ORDER_BIG : WP_ORDER_LITTLE;
    uint64_t span = lo_bit >= 64 ? 0 : (uint64_t)1 << lo_bit;
    for (size_t i = 0; i < n; i++) {
        uint64_t va = va_prefix | ((uint64_t)i << lo_bit);
        if (level == 0) {
            va |= st->va_base;
            if (st->sign_bit && ((va >> (st->sign_bit - 1)) & 1))
                va |= UINT64_MAX << st->sign_bit;
        }
        uint64_t last = va + (span - 1);
        if (last < st->lo || va > st->hi)
            continue;
        uint64_t e = wp_decode_unit(st->buf[level] + i * m->entry_size, m->entry_size, order);
        decoded d = {.geo = g, .va = va};
        m->decode(&st->w->paging, level, g->levels, g->page_shift, e, &d);
        if (d.kind == E_INVALID || d.kind == E_RESERVED)
            continue;
        unsigned ndw = dw | d.deny_write, ndu = du | d.deny_user, ndx = dx | d.deny_exec,
                 ndkx = dkx | d.deny_kernel_exec;
        if (d.kind == E_LEAF) {
            wp_leaf leaf = {va, d.next, span, leaf_flags(m->mode, ndw, ndu, ndx, ndkx)};
            rc = st->fn(st->ctx, &leaf, err);
        } else {
            rc = each_table(st, level + 1, d.next, va, ndw, ndu, ndx, ndkx, err);
        }
        if (rc)
            return rc;
    }
    return WP_OK;
}

int wp_walk_each(wp_session *s, wp_route_handle *h, wp_walker *w, uint64_t lo, uint64_t hi,
                 wp_leaf_fn fn, void *ctx, char *mode, size_t mode_cap, wp_error *err)
{
    const wp_paging *p = &w->paging;
    const struct mode_row *m = find_mode(p->mode);
    if (!m)
        return wp_fail(err, WP_EINVAL, "no paging mode to walk");
    /* The halves of the space: aarch64 TTBR0 and TTBR1, else one. */
    uint64_t probes[2] = {0, UINT64_MAX};
    int halves = m->mode == WP_PAGING_ARM64 ? 2 : 1;
    int walked = 0;
    int rc = WP_OK;
    each_state st = {.s = s, .h = h, .w = w, .m = m, .lo = lo, .hi = hi, .fn = fn, .ctx = ctx};
    for (int i = 0; i < 6; i++) {
        st.buf[i] = malloc((size_t)1 << 16);
        if (!st.buf[i])
            rc = wp_fail(err, WP_ENOMEM, "out of memory");
    }
    if (mode && mode_cap)
        snprintf(mode, mode_cap, "%s", m->name);
    for (int half = 0; !rc && half < halves; half++) {
        geometry g;
        wp_error why = {0};
        if (geometry_of(p, m, probes[half], &g, &why)) {
            if (why.status == WP_EREFUSED) /* EPDx: that half has no walks */
                continue;
            rc = wp_fail(err, why.status, "%s", why.message);
            break;
        }
        st.g = &g;
        st.va_base = 0;
        st.sign_bit = 0;
        if (m->mode == WP_PAGING_ARM64) {
            /* A half outside the range asked for: not one table read. */
            uint64_t first = half ? UINT64_MAX << g.va_bits : 0;
            uint64_t last = half ? UINT64_MAX : UINT64_MAX >> (64 - g.va_bits);
            if (last < lo || first > hi)
                continue;
            st.va_base = first; /* TTBR1: the top of the space */
        } else if (m->mode != WP_PAGING_ARM64 && g.va_bits > 32 && g.va_bits < 64)
            st.sign_bit = g.va_bits; /* canonical: the bits above copy the top one */
        rc = each_table(&st, 0, g.root, 0, 0, 0, 0, 0, err);
        if (mode && mode_cap && m->mode == WP_PAGING_ARM64)
            snprintf(mode, mode_cap, "aarch64 %uK %s", 1u << (g.page_shift - 10),
                     walked++ ? "TTBR0+TTBR1" : g.half);
    }
    for (int i = 0; i < 6; i++)
        free(st.buf[i]);
    return rc;
}
