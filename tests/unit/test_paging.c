/* The page walker against page tables built in the fake's physical memory:
 * every architecture, mode, page size and granule; entries at the top and
 * bottom index; non-present entries at every level; reserved bits; a table
 * that points at itself; and the errors a user meets. */
#include <stdio.h>

#include "fake_target.h"
#include "internal.h"
#include "test_util.h"

static fake_target T;
static wp_session *S;
static const wp_route_options QEMU = {"qemu", 0, 0, 0};

static void setup(const char *arch)
{
    CU_ASSERT_EQUAL(T.unexpected, 0);
    wp_session_free(S);
    fake_init(&T);
    T.arch = arch;
    wp_host h = fake_host(&T);
    S = wp_session_new(&h, NULL);
}

static void set_reg(int i, const char *name, uint64_t value)
{
    T.regs[i].name = name;
    T.regs[i].value = value;
}

static void put64(uint64_t addr, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        T.ram[addr + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint64_t addr, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        T.ram[addr + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

/* Translates va and checks the physical address and page size (0: the
 * walk must fail with a message holding `part`). */
static void expect(uint64_t va, uint64_t phys, uint64_t size, const char *part)
{
    wp_translation t;
    wp_error err = {0};
    int rc = wp_virtual_to_physical(S, &QEMU, NULL, va, &t, &err);
    if (size) {
        if (rc || t.phys != phys || t.page_size != size)
            fprintf(stderr, "\n  0x%llx -> 0x%llx (%llu) rc %d '%s'\n", (unsigned long long)va,
                    (unsigned long long)t.phys, (unsigned long long)t.page_size, rc,
                    err.message);
        CU_ASSERT_EQUAL(rc, WP_OK);
        CU_ASSERT_EQUAL(t.phys, phys);
        CU_ASSERT_EQUAL(t.page_size, size);
    } else {
        if (!strstr(err.message, part))
            fprintf(stderr, "\n  0x%llx said '%s'\n", (unsigned long long)va, err.message);
        CU_ASSERT_NOT_EQUAL(rc, WP_OK);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, part));
    }
    CU_ASSERT_EQUAL(T.mode, 0); /* the stub's mode is restored */
}

#define P  1ull
#define RW 2ull
#define US 4ull
#define PS 0x80ull
#define NX (1ull << 63)

/* x86-64 4-level: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
static void build_x86_64(void)
{
    put64(0x1000 + 0 * 8, 0x2000 | P | RW | US);
    put64(0x2000 + 0 * 8, 0x3000 | P | RW | US);
    put64(0x3000 + 0 * 8, 0x4000 | P | RW | US);
    put64(0x4000 + 5 * 8, 0x50000 | P | RW | US);    /* 0x5000 -> 0x50000, 4 KiB */
    put64(0x4000 + 6 * 8, 0x51000 | P | US | NX);    /* read-only, nx */
    put64(0x3000 + 1 * 8, 0x40000000 | P | RW | PS); /* 2 MiB at 0x200000 */
    put64(0x2000 + 1 * 8, 0x80000000 | P | RW | PS); /* 1 GiB at 0x40000000 */
    put64(0x2000 + 2 * 8, 0);                        /* not present (PDPT) */
    put64(0x1000 + 1 * 8, 0x2000 | P | RW | PS);     /* PS in a PML4E: reserved */
    /* Top index at every level, and PML4[511] pointing at the PML4 itself. */
    put64(0x1000 + 511 * 8, 0x1000 | P | RW);
}

static void test_x86_64_four_level(void)
{
    setup("i386:x86-64");
    build_x86_64();
    set_reg(0, "cr0", 0x80000011);
    set_reg(1, "cr3", 0x1000 | 0x123); /* PCID bits are not part of the root */
    set_reg(2, "cr4", 0x20);           /* PAE */
    set_reg(3, "efer", 0xd00);         /* LME, LMA, NXE */
    expect(0x5123, 0x50123, 0x1000, NULL);
    expect(0x200000 + 0x1234, 0x40001234, 0x200000, NULL);
    expect(0x40000000 + 0x12345678 - 0x10000000, 0x80000000 + 0x02345678, 0x40000000, NULL);
    expect(0x80000000, 0, 0,
           "PDPT entry 2 at physical 0x2010 = 0x0000000000000000 (not "
           "present)");
    expect(0x7000, 0, 0, "PT entry 7");
    expect(0x8000000000ull, 0, 0, "reserved bit 7 set (PS in a PML4E or PML5E)");
    expect(0x0000800000000000ull, 0, 0, "is not canonical for x86-64 4-level");
    /* PML4[511] -> PML4 at every level: the walk ends on the PML4 page. */
    expect(0xfffffffffffff008ull, 0x1008, 0x1000, NULL);
    /* Flags: rw/user/x, and ro/nx; the walk lists every level. */
    wp_translation t;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x6000, &t, &err), WP_OK);
    CU_ASSERT_EQUAL(t.flags, WP_PAGE_USER);
    CU_ASSERT_EQUAL(t.nsteps, 4);
    CU_ASSERT_STRING_EQUAL(t.steps[3].name, "PT");
    CU_ASSERT_EQUAL(t.steps[3].entry_addr, 0x4000 + 6 * 8);
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x5000, &t, &err), WP_OK);
    CU_ASSERT_EQUAL(t.flags, WP_PAGE_WRITE | WP_PAGE_USER | WP_PAGE_EXEC);
    CU_ASSERT_STRING_EQUAL(t.mode, "x86-64 4-level");
    /* --root walks another address space: an empty PML4 at 0x9000. */
    uint64_t other = 0x9000;
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, &other, 0x5000, &t, &err), WP_EREFUSED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "PML4 entry 0 at physical 0x9000"));
}

static void test_x86_64_five_level(void)
{
    setup("i386:x86-64");
    build_x86_64();
    put64(0x6000 + 0 * 8, 0x1000 | P | RW | US); /* PML5[0] -> the PML4 */
    put64(0x6000 + 256 * 8, 0);                  /* the upper half: not present */
    set_reg(0, "cr0", 0x80000011);
    set_reg(1, "cr3", 0x6000);
    set_reg(2, "cr4", 0x20 | 0x1000); /* PAE, LA57 */
    set_reg(3, "efer", 0xd00);        /* NXE: the tables hold NX entries */
    expect(0x5123, 0x50123, 0x1000, NULL);
    expect(0x0000800000000000ull, 0x0, 0, "PML4 entry"); /* canonical at 57 bits */
    expect(0xff00000000000000ull, 0, 0, "PML5 entry 256");
    expect(0x0100000000000000ull, 0, 0, "is not canonical for x86-64 5-level");
}

static int run_line(const char *name, const char *args, char *out, size_t cap);

static void test_i386(void)
{
    /* Non-PAE: PD 0x1000 (4-byte entries), PT 0x2000; 4 MiB pages with PSE. */
    setup("i386");
    put32(0x1000 + 0 * 4, 0x2000 | P | RW);
    put32(0x2000 + 3 * 4, 0x7000 | P);
    put32(0x1000 + 1 * 4, 0x00c00000 | P | RW | PS);
    put32(0x1000 + 1023 * 4, 0x1000 | P | RW); /* the PD maps itself */
    set_reg(0, "cr0", 0x80000011);
    set_reg(1, "cr3", 0x1000);
    set_reg(2, "cr4", 0x10); /* PSE */
    expect(0x3abc, 0x7abc, 0x1000, NULL);
    expect(0x400000 + 0x12345, 0xc12345, 0x400000, NULL);
    expect(0xfffff004, 0x1004, 0x1000, NULL);
    expect(0x100000000ull, 0, 0, "beyond the 32-bit space");
    expect(0x800000, 0, 0, "PD entry 2");
    /* PAE: PDPT 0x3000 (4 entries), PD 0x4000, PT 0x5000; 2 MiB pages. */
    setup("i386");
    put64(0x3000 + 1 * 8, 0x4000 | P);
    put64(0x4000 + 0 * 8, 0x5000 | P | RW);
    put64(0x5000 + 2 * 8, 0x60000 | P | RW | NX);
    put64(0x4000 + 511 * 8, 0x00e00000 | P | RW | PS);
    set_reg(0, "cr0", 0x80000011);
    set_reg(1, "cr3", 0x3000);
    set_reg(2, "cr4", 0x20);
    set_reg(3, "efer", 0x800); /* NXE, no LMA */
    expect(0x40002010, 0x60010, 0x1000, NULL);
    expect(0x7fe00000 + 0x42, 0xe00042, 0x200000, NULL);
    expect(0xc0000000, 0, 0, "PDPT entry 3");
    wp_translation t;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x40002000, &t, &err), WP_OK);
    CU_ASSERT_EQUAL(t.flags, WP_PAGE_WRITE);
    CU_ASSERT_STRING_EQUAL(t.mode, "i386 PAE");
    /* ptdump over PAE's four PDPTEs (one 32-byte table), then non-PAE. */
    char out[4096];
    CU_ASSERT_EQUAL(run_line("ptdump", "", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out,
                           "0x40002000-0x40002fff -> 0x60000-0x60fff  4 KiB  rw kernel nx\n"
                           "0x7fe00000-0x7fffffff -> 0xe00000-0xffffff  2 MiB  rw kernel x\n"
                           "ptdump: 2 ranges (0x201000 bytes mapped), 3 table pages read "
                           "(i386 PAE)\n");
    setup("i386");
    put32(0x1000 + 0 * 4, 0x2000 | P | RW | US);
    put32(0x2000 + 3 * 4, 0x7000 | P | US);
    put32(0x1000 + 1 * 4, 0x00c00000 | P | RW | PS);
    set_reg(0, "cr0", 0x80000011);
    set_reg(1, "cr3", 0x1000);
    set_reg(2, "cr4", 0x10);
    CU_ASSERT_EQUAL(run_line("ptdump", "", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x3000-0x3fff -> 0x7000-0x7fff  4 KiB  ro user x\n"
                                "0x400000-0x7fffff -> 0xc00000-0xffffff  4 MiB  rw kernel x\n"
                                "ptdump: 2 ranges (0x401000 bytes mapped), 2 table pages read "
                                "(i386 2-level)\n");
}

/* The SDM's reserved bits (vol. 3A, tables 4-6, 4-8 to 4-11, 4-15 to 4-20),
 * row by row: the entry under test, the registers and the CPU, and what a
 * CPU does (translate, or fault naming the bit).  QEMU's debug walk
 * (gva2gpa) is lax on most of these, so the manual is the oracle. */
static void test_x86_reserved_bits_follow_the_manual(void)
{
    static const struct {
        const char *what;
        int mode; /* 32 non-PAE, 3 PAE, 4 4-level */
        uint64_t cr4, efer;
        unsigned phys_bits;
        int pages_1g;
        uint64_t entry_at, entry; /* patched over the tables below */
        uint64_t va, phys;        /* phys 0: must fault */
        const char *says;
    } rows[] = {
        {"32-bit, PSE=0: PS ignored, the PDE points to a page table", 32, 0, 0, 40, 1,
         0x1000 + 1 * 4, 0x2000 | P | RW | PS, 0x403abc, 0x7abc, NULL},
        {"32-bit, PSE=1: a 4 MiB page", 32, 0x10, 0, 40, 1, 0x1000 + 1 * 4,
         0x00c00000 | P | RW | PS, 0x412345, 0xc12345, NULL},
        {"32-bit 4 MiB page: bit 21 is reserved", 32, 0x10, 0, 40, 1, 0x1000 + 1 * 4,
         0x00c00000 | (1u << 21) | P | PS, 0x400000, 0, "reserved bit 21 set"},
        {"32-bit 4 MiB page, MAXPHYADDR 36: bits 20:17 reserved", 32, 0x10, 0, 36, 1,
         0x1000 + 1 * 4, 0x00c00000 | (1u << 17) | P | PS, 0x400000, 0, "reserved bit 17 set"},
        {"32-bit 4 MiB page, MAXPHYADDR 36: PSE-36 bit 16 (physical bit 35) is an address", 32,
         0x10, 0, 36, 1, 0x1000 + 1 * 4, 0x00c00000 | (1u << 16) | P | PS, 0x400000,
         0x800c00000ull, NULL},
        {"PAE PDPTE: bit 1 (RW) is reserved", 3, 0x20, 0x800, 40, 1, 0x3000 + 1 * 8,
         0x4000 | P | RW, 0x40002010, 0, "reserved bit 1 set (a PAE PDPTE"},
        {"PAE PTE: XD with EFER.NXE=0", 3, 0x20, 0, 40, 1, 0x5000 + 2 * 8, 0x60000 | P | NX,
         0x40002010, 0, "reserved bit 63 set (XD while EFER.NXE=0)"},
        {"PAE PTE: bit 50, above MAXPHYADDR 40", 3, 0x20, 0x800, 40, 1, 0x5000 + 2 * 8,
         0x60000 | P | (1ull << 50), 0x40002010, 0, "reserved bit 50 set (above the CPU's 40"},
        {"4-level 2 MiB page: bit 13 is reserved", 4, 0x20, 0xd00, 40, 1, 0x3000 + 1 * 8,
         0x40000000 | (1u << 13) | P | RW | PS, 0x200000, 0,
         "reserved bit 13 set (a 2 MiB page keeps bits 20:13 zero)"},
        {"4-level 2 MiB page: bit 12 is PAT, not reserved", 4, 0x20, 0xd00, 40, 1,
         0x3000 + 1 * 8, 0x40000000 | (1u << 12) | P | RW | PS, 0x201234, 0x40001234, NULL},
        {"4-level 1 GiB page: bit 13 is reserved", 4, 0x20, 0xd00, 40, 1, 0x2000 + 1 * 8,
         0x80000000 | (1u << 13) | P | RW | PS, 0x40000000, 0,
         "reserved bit 13 set (a 1 GiB page keeps bits 29:13 zero)"},
        {"4-level 1 GiB page on a CPU without them", 4, 0x20, 0xd00, 40, 0, 0x2000 + 1 * 8,
         0x80000000 | P | RW | PS, 0x40000000, 0,
         "reserved bit 7 set (PS in a PDPTE on a CPU without 1 GiB pages)"},
        {"4-level PTE: NX with EFER.NXE=0", 4, 0x20, 0x500, 40, 1, 0x4000 + 6 * 8,
         0x51000 | P | US | NX, 0x6000, 0, "reserved bit 63 set (XD while EFER.NXE=0)"},
        {"4-level PTE: NX with EFER.NXE=1 is a permission", 4, 0x20, 0xd00, 40, 1,
         0x4000 + 6 * 8, 0x51000 | P | US | NX, 0x6000, 0x51000, NULL},
        {"4-level PTE: bit 45, above MAXPHYADDR 40", 4, 0x20, 0xd00, 40, 1, 0x4000 + 5 * 8,
         0x50000 | (1ull << 45) | P, 0x5000, 0, "reserved bit 45 set (above the CPU's 40"},
        {"4-level PTE: bit 45 with MAXPHYADDR 46 is an address", 4, 0x20, 0xd00, 46, 1,
         0x4000 + 5 * 8, 0x50000 | (1ull << 45) | P, 0x5000, 0x200000050000ull, NULL},
        {"4-level PTE: bits 62:52 are ignored", 4, 0x20, 0xd00, 40, 1, 0x4000 + 5 * 8,
         0x50000 | (0x7ffull << 52) | P, 0x5000, 0x50000, NULL},
        {"4-level PDE: bit 51 with the CPU unknown (52 bits) is an address", 4, 0x20, 0xd00, 0,
         -1, 0x4000 + 5 * 8, 0x50000 | (1ull << 51) | P, 0x5000, 0x8000000050000ull, NULL},
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(rows); i++) {
        setup(rows[i].mode == 4 ? "i386:x86-64" : "i386");
        T.phys_bits = rows[i].phys_bits;
        T.pages_1g = rows[i].pages_1g;
        if (rows[i].pages_1g < 0)
            T.cpu_type = "a-device"; /* not a CPU: nothing known */
        if (rows[i].mode == 4) {
            build_x86_64();
            set_reg(1, "cr3", 0x1000);
        } else if (rows[i].mode == 32) {
            put32(0x1000 + 0 * 4, 0x2000 | P | RW);
            put32(0x2000 + 3 * 4, 0x7000 | P);
            set_reg(1, "cr3", 0x1000);
        } else {
            put64(0x3000 + 1 * 8, 0x4000 | P);
            put64(0x4000 + 0 * 8, 0x5000 | P | RW);
            set_reg(1, "cr3", 0x3000);
        }
        if (rows[i].mode == 32)
            put32(rows[i].entry_at, (uint32_t)rows[i].entry);
        else
            put64(rows[i].entry_at, rows[i].entry);
        set_reg(0, "cr0", 0x80000011);
        set_reg(2, "cr4", rows[i].cr4);
        set_reg(3, "efer", rows[i].efer);
        wp_translation t;
        wp_error err = {0};
        int rc = wp_virtual_to_physical(S, &QEMU, NULL, rows[i].va, &t, &err);
        int ok = rows[i].phys ? rc == WP_OK && t.phys == rows[i].phys
                              : rc == WP_EREFUSED && strstr(err.message, rows[i].says);
        if (!ok)
            fprintf(stderr, "\n  row '%s': rc %d phys 0x%llx '%s'\n", rows[i].what, rc,
                    (unsigned long long)t.phys, err.message);
        CU_ASSERT(ok);
    }
}

static void test_x86_paging_off_and_missing_registers(void)
{
    setup("i386:x86-64");
    set_reg(0, "cr0", 0x11);
    set_reg(1, "cr3", 0);
    set_reg(2, "cr4", 0);
    expect(0x1000, 0, 0, "paging is off (CR0.PG=0): physical equals virtual");
    setup("i386:x86-64");
    set_reg(0, "cr0", 0x80000011);
    expect(0x1000, 0, 0, "the stub does not expose register cr3");
    setup("sparc");
    expect(0x1000, 0, 0, "architecture 'sparc' has no page walker");
}

/* aarch64 descriptors: table 0b11, block 0b01, page 0b11 at the last level. */
#define AF     (1ull << 10)
#define TBL    3ull
#define BLK    1ull
#define PAGE   3ull
#define AP_RO  (1ull << 7)
#define AP_EL0 (1ull << 6)
#define UXN    (1ull << 54)
#define PXN    (1ull << 53)

static void arm_regs(uint64_t tcr, uint64_t ttbr0, uint64_t ttbr1)
{
    set_reg(0, "cpsr", 0x3c5);       /* EL1h */
    set_reg(1, "SCTLR", 0x30d00801); /* M, as QEMU 7.2 names SCTLR_EL1 */
    set_reg(2, "TCR_EL1", tcr);
    set_reg(3, "TTBR0_EL1", ttbr0);
    set_reg(4, "TTBR1_EL1", ttbr1);
}

static void test_arm64_4k(void)
{
    setup("aarch64");
    /* TTBR0: L0 0x1000, L1 0x2000, L2 0x3000, L3 0x4000 (48-bit, 4 levels). */
    put64(0x1000, 0x2000 | TBL);
    put64(0x2000, 0x3000 | TBL);
    put64(0x3000, 0x4000 | TBL);
    put64(0x4000 + 1 * 8, 0x50000 | PAGE | AF | AP_EL0);
    put64(0x4000 + 2 * 8, 0x51000 | PAGE | AF | AP_RO | UXN);
    put64(0x3000 + 1 * 8, 0x40000000 | BLK | AF); /* 2 MiB block */
    put64(0x2000 + 1 * 8, 0x80000000 | BLK | AF); /* 1 GiB block */
    put64(0x4000 + 511 * 8, 0x52000 | BLK);       /* block type at L3: reserved */
    /* TTBR1 (kernel half): L0 0x5000 -> L1 0x6000, top index. */
    put64(0x5000 + 511 * 8, 0x6000 | TBL);
    put64(0x6000 + 511 * 8, 0xc0000000 | BLK | AF | PXN);
    uint64_t tcr = 16 | (0ull << 14) | (16ull << 16) | (2ull << 30); /* T0SZ=T1SZ=16, 4K */
    arm_regs(tcr, 0x1000 | (5ull << 48) /* ASID */, 0x5000);
    expect(0x1234, 0x50234, 0x1000, NULL);
    expect(0x200000 + 0x10, 0x40000010, 0x200000, NULL);
    expect(0x40000000 + 0x10, 0x80000010, 0x40000000, NULL);
    expect(0x1ff000, 0, 0, "reserved descriptor (block type at the last level)");
    expect(0x3000, 0, 0, "L3 entry 3");
    expect(0xffffffffc0001234ull, 0xc0001234, 0x40000000, NULL);
    expect(0xffff000000000000ull, 0, 0, "L0 entry 0 at physical 0x5000");
    expect(0x0001000000000000ull, 0, 0, "outside the 48-bit range of TTBR0");
    wp_translation t;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x2000, &t, &err), WP_OK);
    CU_ASSERT_EQUAL(t.flags, WP_PAGE_KERNEL_EXEC); /* AP[2] ro, AP[1] kernel, UXN */
    CU_ASSERT_STRING_EQUAL(t.mode, "aarch64 4K TTBR0");
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0xffffffffc0000000ull, &t, &err),
                    WP_OK);
    CU_ASSERT_EQUAL(t.flags, WP_PAGE_WRITE | WP_PAGE_EXEC);
    /* 39-bit (T0SZ=25): three levels, starting at L1. */
    setup("aarch64");
    put64(0x1000 + 2 * 8, 0x2000 | TBL);
    put64(0x2000, 0x3000 | TBL);
    put64(0x3000 + 7 * 8, 0x77000 | PAGE | AF);
    arm_regs(25 | (16ull << 16) | (2ull << 30), 0x1000, 0);
    expect(0x80007abc, 0x77abc, 0x1000, NULL);
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x80007abc, &t, &err), WP_OK);
    CU_ASSERT_EQUAL(t.nsteps, 3);
    CU_ASSERT_STRING_EQUAL(t.steps[0].name, "L1");
    /* The MMU off: physical equals virtual. */
    setup("aarch64");
    arm_regs(16, 0, 0);
    T.regs[1].value = 0;
    expect(0x1000, 0, 0, "the MMU is off");
}

static void test_arm64_64k_and_16k(void)
{
    /* 64K, 48-bit: L1 (6 bits), L2 (13), L3 (13); 512 MiB blocks at L2. */
    setup("aarch64");
    put64(0x10000 + 0 * 8, 0x20000 | TBL);
    put64(0x20000 + 0 * 8, 0x30000 | TBL);
    put64(0x30000 + 3 * 8, 0x90000 | PAGE | AF);
    put64(0x20000 + 1 * 8, 0x20000000 | BLK | AF);
    put64(0x10000 + 63 * 8, 0);
    arm_regs(16 | (1ull << 14) | (16ull << 16) | (3ull << 30), 0x10000, 0);
    expect(0x3abcd, 0x9abcd, 0x10000, NULL);
    expect(0x20000000 + 0x123456, 0x20123456, 0x20000000, NULL);
    expect(0x0000fc0000000000ull, 0, 0, "L1 entry 63");
    wp_translation t;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x3abcd, &t, &err), WP_OK);
    CU_ASSERT_STRING_EQUAL(t.mode, "aarch64 64K TTBR0");
    CU_ASSERT_EQUAL(t.nsteps, 3);
    /* 16K, 48-bit (T0SZ=16): L0 (1 bit), L1, L2, L3 (11 bits each). */
    setup("aarch64");
    put64(0x4000 + 1 * 8, 0x8000 | TBL);
    put64(0x8000, 0xc000 | TBL);
    put64(0xc000, 0x10000 | TBL);
    put64(0x10000 + 2 * 8, 0x88000 | PAGE | AF);
    arm_regs(16 | (2ull << 14) | (16ull << 16) | (1ull << 30), 0x4000, 0);
    expect(0x800000000000ull + 0x8123, 0x88123, 0x4000, NULL);
    /* 16K, 47-bit (T0SZ=17): three levels, L1 to L3. */
    T.regs[2].value = 17 | (2ull << 14);
    T.generation++;
    put64(0x4000 + 0 * 8, 0xc000 | TBL);
    expect(0x8123, 0x88123, 0x4000, NULL);
    /* A reserved granule. */
    setup("aarch64");
    arm_regs(16 | (3ull << 14), 0x4000, 0);
    expect(0x1000, 0, 0, "reserved granule");
}

#define TG1_4K  (2ull << 30)
#define TG1_64K (3ull << 30)
#define TG0_64K (1ull << 14)
#define IPS(n)  ((uint64_t)(n) << 32)
#define DS      (1ull << 59)
#define HPD0    (1ull << 41)
#define HPD1    (1ull << 42)

/* Issue 23 item 1: each half decodes its output addresses with its own
 * granule, DS and IPS. */
static void test_arm64_output_format_per_half(void)
{
    /* TG0=4K, TG1=64K, IPS=52, T1SZ=12: TTBR1's pages carry PA[51:48] in
     * bits 15:12 (QEMU: 0xf000040201234). */
    setup("aarch64");
    put64(0x10000, 0x20000 | TBL);
    put64(0x20000, 0x30000 | TBL);
    put64(0x30000 + 1 * 8, 0x4020f403ull);
    arm_regs(16 | (12ull << 16) | TG1_64K | IPS(6), 0, 0x10000);
    expect(0xfff0000000011234ull, 0xf000040201234ull, 0x10000, NULL);
    /* TG0=64K with IPS=52, TTBR1 on 4K: SH=0b11 (bits 9:8) is not PA[51:50]. */
    setup("aarch64");
    put64(0x5000, 0x6000 | TBL);
    put64(0x6000, 0x7000 | TBL);
    put64(0x7000, 0x8000 | TBL);
    put64(0x8000 + 1 * 8, 0x40201000 | 0x300 | AF | PAGE);
    arm_regs(16 | TG0_64K | (16ull << 16) | TG1_4K | IPS(6), 0, 0x5000);
    expect(0xffff000000001234ull, 0x40201234, 0x1000, NULL);
    /* DS=1 on 4K: TTBR.BADDR[51:48] in TTBR bits 5:2, OA[51:50] in bits 9:8,
     * and a level-0 block (512 GiB) is legal. */
    setup("aarch64");
    put64(0x1000 + 1 * 8, 0x8000000000ull | 0x100 | AF | BLK);
    put64(0x1000 + 2 * 8, 0x10000000000ull | AF | BLK);
    arm_regs(16 | (16ull << 16) | TG1_4K | IPS(6) | DS, 0x1000, 0);
    expect(0x8000001234ull, 0x4008000001234ull, 0x8000000000ull, NULL);
    T.regs[3].value = 0x1000 | (1ull << 2); /* BADDR[48] */
    T.generation++;
    expect(0x8000001234ull, 0, 0, "level-0 table entry at physical 0x1000000001008");
    /* DS=1 on 16K: a level-1 block (64 GiB); 4 levels at T0SZ=12. */
    setup("aarch64");
    put64(0x4000 + 1 * 8, 0x8000 | TBL); /* L0: 5 bits (51:47) */
    put64(0x8000 + 1 * 8, 0x1000000000ull | AF | BLK);
    arm_regs(12 | (2ull << 14) | (16ull << 16) | TG1_4K | IPS(6) | DS, 0x4000, 0);
    expect(0x800000000000ull + 0x1000000000ull + 0x42, 0x1000000042ull, 0x1000000000ull, NULL);
    /* An output address beyond IPS is the architecture's address size fault. */
    setup("aarch64");
    put64(0x1000, 0x2000 | TBL);
    put64(0x2000 + 4 * 8, 0x100000000ull | AF | BLK);
    arm_regs(16 | TG1_4K | (16ull << 16) | IPS(0), 0x1000, 0);
    expect(0x100000000ull, 0, 0,
           "address size fault: the output address 0x100000000 is wider than the 32 bits");
}

/* Issue 23 item 3: 5 levels (4K, DS=1, T0SZ<16); out-of-range TxSZ. */
static void test_arm64_five_levels_and_txsz(void)
{
    setup("aarch64");
    put64(0x1000 + 1 * 8, 0x2000 | TBL); /* L-1: bits 51:48 */
    put64(0x2000, 0x3000 | TBL);
    put64(0x3000, 0x4000 | TBL);
    put64(0x4000, 0x5000 | TBL);
    put64(0x5000 + 1 * 8, 0x60000 | AF | PAGE);
    arm_regs(12 | (16ull << 16) | TG1_4K | IPS(6) | DS, 0x1000, 0);
    expect(0x1000000001234ull, 0x60234, 0x1000, NULL);
    wp_translation t;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x1000000001234ull, &t, &err),
                    WP_OK);
    CU_ASSERT_EQUAL(t.nsteps, 5);
    CU_ASSERT_STRING_EQUAL(t.steps[0].name, "L-1");
    CU_ASSERT_STRING_EQUAL(t.steps[4].name, "L3");
    /* No block at level -1. */
    put64(0x1000 + 2 * 8, 0x2000000000000ull | AF | BLK);
    expect(0x2000000000000ull, 0, 0,
           "reserved descriptor: the architecture has no block at this level");
    /* The same TCR with DS=0: T0SZ=12 is out of range, nothing is read. */
    T.regs[2].value = 12 | (16ull << 16) | TG1_4K | IPS(6);
    T.generation++;
    expect(0x1234, 0, 0,
           "TCR_EL1.T0SZ=12 is out of range for a 4K granule with TCR_EL1.DS=0 (16 to 48)");
    for (unsigned tsz = 0; tsz < 64; tsz++) { /* every value, every granule: no crash */
        for (unsigned tg = 0; tg < 4; tg++) {
            T.regs[2].value = tsz | ((uint64_t)tg << 14) | (tsz << 16) | ((uint64_t)tg << 30) |
                              ((tsz & 1) ? DS : 0) | IPS(tsz & 7);
            T.generation++;
            wp_virtual_to_physical(S, &QEMU, NULL, 0x1234, &t, &err);
            wp_virtual_to_physical(S, &QEMU, NULL, 0xffffffffffff1234ull, &t, &err);
        }
    }
    /* 64K with T0SZ=48 (today's "internal: the walk ran past the last level"). */
    T.regs[2].value = 48 | TG0_64K | (16ull << 16) | TG1_4K;
    T.generation++;
    expect(0x1234, 0, 0, "TCR_EL1.T0SZ=48 is out of range for a 64K granule (12 to 47)");
    /* 4K with T0SZ=48: one level (L3), 16-bit inputs. */
    put64(0x1000 + 1 * 8, 0x70000 | AF | PAGE);
    T.regs[2].value = 48 | (16ull << 16) | TG1_4K;
    T.generation++;
    expect(0x1abc, 0x70abc, 0x1000, NULL);
}

/* Issue 23 items 6 and 7: TCR.HPDx; a level-0 block with 4K and DS=0. */
static void test_arm64_hpd_and_level0_block(void)
{
    setup("aarch64");
    put64(0x1000, 0x2000 | TBL | (1ull << 62) | (1ull << 60)); /* APTable[1], UXNTable */
    put64(0x2000, 0x3000 | TBL);
    put64(0x3000, 0x4000 | TBL);
    put64(0x4000 + 1 * 8, 0x50000 | PAGE | AF | AP_EL0);
    put64(0x1000 + 1 * 8, 0x8000000000ull | AF | BLK);
    arm_regs(16 | (16ull << 16) | TG1_4K | IPS(5), 0x1000, 0);
    wp_translation t;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x1234, &t, &err), WP_OK);
    CU_ASSERT_EQUAL(t.flags, WP_PAGE_USER | WP_PAGE_KERNEL_EXEC);
    T.regs[2].value |= HPD1; /* the other half's */
    T.generation++;
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x1234, &t, &err), WP_OK);
    CU_ASSERT_EQUAL(t.flags, WP_PAGE_USER | WP_PAGE_KERNEL_EXEC);
    T.regs[2].value |= HPD0;
    T.generation++;
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x1234, &t, &err), WP_OK);
    /* Writable at EL0, so never executable at EL1 (the manual's rule). */
    CU_ASSERT_EQUAL(t.flags, WP_PAGE_WRITE | WP_PAGE_USER | WP_PAGE_EXEC);
    expect(0x8000001234ull, 0, 0,
           "L0 entry 1 at physical 0x1008 = 0x0000008000000401 (reserved descriptor: the "
           "architecture allows a block at this level only with TCR_EL1.DS=1 (FEAT_LPA2); "
           "QEMU 7.2 maps it anyway, as a 512 GiB block to physical 0x8000001234)");
}

/* Issue 19 (Debian's arm64 kernel on -cpu max): with TCR_EL1.HA and HD the
 * CPU marks a page dirty itself, and Linux keeps a clean writable page as
 * DBM=1 with AP[2]=1: writable, not read-only; APTable still denies. */
#define DBM (1ull << 51)
#define HA  (1ull << 39)
#define HD  (1ull << 40)

static void test_arm64_hardware_dirty_state(void)
{
    setup("aarch64");
    put64(0x1000, 0x2000 | TBL);
    put64(0x2000, 0x3000 | TBL);
    put64(0x3000, 0x4000 | TBL);
    put64(0x4000 + 1 * 8, 0x50000 | PAGE | AF | AP_EL0 | AP_RO | DBM | PXN); /* clean */
    put64(0x4000 + 2 * 8, 0x51000 | PAGE | AF | AP_EL0 | DBM | PXN);         /* dirty */
    put64(0x4000 + 3 * 8, 0x52000 | PAGE | AF | AP_EL0 | AP_RO | PXN);       /* read-only */
    put64(0x1000 + 1 * 8, 0x5000 | TBL | (1ull << 62)); /* APTable[1]: read-only below */
    put64(0x5000, 0x6000 | TBL);
    put64(0x6000, 0x7000 | TBL);
    put64(0x7000, 0x53000 | PAGE | AF | AP_EL0 | AP_RO | DBM | PXN);
    uint64_t tcr = 16 | (16ull << 16) | TG1_4K | IPS(5);
    wp_translation t;
    wp_error err = {0};
    for (int hw = 0; hw < 3; hw++) { /* neither, HD without HA, both */
        arm_regs(tcr | (hw ? HD : 0) | (hw == 2 ? HA : 0), 0x1000, 0);
        T.generation++;
        CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x1000, &t, &err), WP_OK);
        CU_ASSERT_EQUAL(t.flags, WP_PAGE_USER | WP_PAGE_EXEC | (hw == 2 ? WP_PAGE_WRITE : 0));
        CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x3000, &t, &err), WP_OK);
        CU_ASSERT_EQUAL(t.flags, WP_PAGE_USER | WP_PAGE_EXEC);
        CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x8000000000ull, &t, &err),
                        WP_OK);
        CU_ASSERT_EQUAL(t.flags, WP_PAGE_USER | WP_PAGE_EXEC);
    }
    /* The clean page and the dirty one after it are one writable range. */
    char out[4096];
    CU_ASSERT_EQUAL(run_line("ptdump", "--range 0-0xffffffff", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x1000-0x2fff -> 0x50000-0x51fff  4 KiB  rw user pxn\n"
                                "0x3000-0x3fff -> 0x52000-0x52fff  4 KiB  ro user pxn\n"
                                "ptdump: 2 ranges (0x3000 bytes mapped), 4 table pages read "
                                "(aarch64 4K TTBR0)\n");
    CU_ASSERT_EQUAL(run_line("vtop", "--walk 0x1000", out, sizeof out), WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "[V T AP1 AP2 AF DBM PXN]"));
}

/* riscv PTE: V R W X U G A D. */
#define V      1ull
#define R      2ull
#define W      4ull
#define X      8ull
#define U      16ull
#define PPN(a) (((a) >> 12) << 10)

static void test_riscv(void)
{
    setup("riscv:rv64");
    /* Sv39: L2 0x1000, L1 0x2000, L0 0x3000. */
    put64(0x1000 + 0 * 8, PPN(0x2000) | V);
    put64(0x2000 + 0 * 8, PPN(0x3000) | V);
    put64(0x3000 + 4 * 8, PPN(0x60000) | V | R | W | U);
    put64(0x3000 + 5 * 8, PPN(0x61000) | V | W);            /* W without R */
    put64(0x2000 + 1 * 8, PPN(0x400000) | V | R | X);       /* 2 MiB megapage */
    put64(0x2000 + 2 * 8, PPN(0x401000) | V | R);           /* misaligned megapage */
    put64(0x1000 + 1 * 8, PPN(0x40000000) | V | R | W | X); /* 1 GiB gigapage */
    put64(0x3000 + 6 * 8, PPN(0x4000) | V);                 /* a pointer at the last level */
    put64(0x1000 + 511 * 8, PPN(0x1000) | V);               /* L2[511] -> itself */
    set_reg(0, "satp", (8ull << 60) | (0x1000 >> 12));
    set_reg(1, "priv", 1);
    expect(0x4321, 0x60321, 0x1000, NULL);
    expect(0x200000 + 0x11, 0x400011, 0x200000, NULL);
    expect(0x40000000 + 0x99, 0x40000099, 0x40000000, NULL);
    expect(0x5000, 0, 0, "reserved (W without R)");
    expect(0x400000, 0, 0, "misaligned superpage");
    expect(0x6000, 0, 0, "a pointer at the last level");
    expect(0x7000, 0, 0, "L0 entry 7");
    expect(0x4000000000ull, 0, 0, "is not canonical for riscv Sv39");
    expect(0xffffffffc0000000ull, 0, 0, "L0 entry 0"); /* L2[511]->L2 as L1, [0] ... */
    /* Sv48 and Sv57: one and two more levels above. */
    put64(0x5000, PPN(0x1000) | V);
    set_reg(0, "satp", (9ull << 60) | (0x5000 >> 12));
    T.generation++;
    expect(0x4321, 0x60321, 0x1000, NULL);
    expect(0x800000000000ull, 0, 0, "is not canonical for riscv Sv48");
    put64(0x6000, PPN(0x5000) | V);
    set_reg(0, "satp", (10ull << 60) | (0x6000 >> 12));
    expect(0x4321, 0x60321, 0x1000, NULL);
    wp_translation t;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_virtual_to_physical(S, &QEMU, NULL, 0x4321, &t, &err), WP_OK);
    CU_ASSERT_STRING_EQUAL(t.mode, "riscv Sv57");
    CU_ASSERT_EQUAL(t.nsteps, 5);
    CU_ASSERT_EQUAL(t.flags, WP_PAGE_WRITE | WP_PAGE_USER);
    /* Bare, M-mode, and a mode the walker does not know. */
    set_reg(0, "satp", 0);
    expect(0x1000, 0, 0, "paging is off (satp mode Bare)");
    set_reg(0, "satp", 11ull << 60);
    expect(0x1000, 0, 0, "satp mode 11 is not one this walker knows");
    set_reg(1, "priv", 3);
    expect(0x1000, 0, 0, "M-mode");
}

/* writephys --virtual: every page translated first, pages far apart. */
static void test_virtual_writes(void)
{
    setup("i386:x86-64");
    build_x86_64();
    put64(0x4000 + 7 * 8, 0x90000 | P | RW); /* 0x7000 -> 0x90000 */
    set_reg(0, "cr0", 0x80000011);
    set_reg(1, "cr3", 0x1000);
    set_reg(2, "cr4", 0x20);
    set_reg(3, "efer", 0xd00); /* NXE: the tables hold NX entries */
    wp_result res;
    const char *argv[] = {"writephys", "--virtual", "-d", "0x6ffc", "0x11223344", "0x55667788"};
    CU_ASSERT_EQUAL(wp_command_run(S, 6, argv, &res), WP_OK);
    CU_ASSERT_STRING_EQUAL(res.text.data,
                           "writephys: wrote 8 bytes at virtual 0x6ffc (physical "
                           "0x51ffc-0x51fff, 0x90000-0x90003) via qemu, verified\n");
    wp_result_free(&res);
    CU_ASSERT(T.ram[0x51ffc] == 0x44 && T.ram[0x90003] == 0x55);
    /* One unmapped page refuses the whole write: nothing is sent. */
    int m = T.m_packets;
    const char *bad[] = {"writephys", "--virtual", "--fill", "--length",
                         "0x4000",    "0x5000",    "0xaa"};
    CU_ASSERT_EQUAL(wp_command_run(S, 7, bad, &res), WP_EREFUSED);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, "0x8000 is not mapped"));
    CU_ASSERT_EQUAL(T.m_packets, m);
    CU_ASSERT_EQUAL(T.mode, 0);
    wp_result_free(&res);
    /* readphys --virtual and vtop. */
    const char *rd[] = {"readphys", "--virtual", "0x6ffe", "--length", "4"};
    CU_ASSERT_EQUAL(wp_command_run(S, 5, rd, &res), WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.text.data, "00006ffe  22 11 88 77"));
    CU_ASSERT_PTR_NOT_NULL(strstr(res.text.data, "readphys: virtual 0x6ffe (physical "
                                                 "0x51ffe-0x51fff, 0x90000-0x90001)"));
    wp_result_free(&res);
    const char *vt[] = {"vtop", "--walk", "0x200010"};
    CU_ASSERT_EQUAL(wp_command_run(S, 3, vt, &res), WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.text.data, "vtop: 0x200010 -> physical 0x40000010 (2 "
                                                 "MiB page, rw, kernel, x)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(res.text.data, "  PD   table 0x3000 index 1: entry at "
                                                 "physical 0x3008 = 0x0000000040000083 [P RW "
                                                 "PS]"));
    wp_result_free(&res);
    /* --root needs --virtual; the table entries are read once per range. */
    const char *root_alone[] = {"writephys", "--root", "0x1000", "0x10", "1"};
    CU_ASSERT_EQUAL(wp_command_run(S, 5, root_alone, &res), WP_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, "add --virtual"));
    wp_result_free(&res);
    /* A range of pages reads each table's 4 KiB block once (two or three
     * packets for 512 entries), never an entry a packet. */
    setup("i386:x86-64");
    build_x86_64();
    put64(0x4000 + 7 * 8, 0x90000 | P | RW);
    set_reg(0, "cr0", 0x80000011);
    set_reg(1, "cr3", 0x1000);
    set_reg(2, "cr4", 0x20);
    set_reg(3, "efer", 0xd00); /* NXE: the tables hold NX entries */
    const char *many[] = {"readphys", "--virtual", "0x5800", "--length", "0x2000"};
    CU_ASSERT_EQUAL(wp_command_run(S, 5, many, &res), WP_OK);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "m1000,"), 1);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "m2000,"), 1);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "m3000,"), 1);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "m4000,"), 1);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "m4028,8"), 0);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "m4038,8"), 0);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "Qqemu.PhyMemMode:1"), 1); /* one mode switch */
    wp_result_free(&res);
}

/* Runs a command line; returns its status, with the text or the error in out. */
static int run_line(const char *name, const char *args, char *out, size_t cap)
{
    wp_result res;
    int rc = wp_command_run_line(S, name, args, &res);
    snprintf(out, cap, "%s", rc ? res.error.message : (res.text.data ? res.text.data : ""));
    wp_result_free(&res);
    return rc;
}

static void x86_regs(uint64_t cr3, uint64_t cr4)
{
    set_reg(0, "cr0", 0x80000011);
    set_reg(1, "cr3", cr3);
    set_reg(2, "cr4", cr4);
    set_reg(3, "efer", 0xd00);
}

/* Issue 19 (Debian's x86-64 kernel): ESPFIX points every entry of a PMD at
 * one page table; a table the entry before pointed at too is not read
 * again (2155 table pages read became 105 there). */
static void test_ptdump_table_pointed_at_again(void)
{
    setup("i386:x86-64");
    put64(0x1000, 0x2000 | P | RW);
    put64(0x2000, 0x3000 | P | RW);
    for (int i = 0; i < 4; i++)
        put64(0x3000 + (uint64_t)i * 8, 0x4000 | P | RW);
    put64(0x4000, 0x50000 | P | NX);
    x86_regs(0x1000, 0x20);
    char out[4096];
    CU_ASSERT_EQUAL(run_line("ptdump", "", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x0-0xfff -> 0x50000-0x50fff  4 KiB  ro kernel nx\n"
                                "0x200000-0x200fff -> 0x50000-0x50fff  4 KiB  ro kernel nx\n"
                                "0x400000-0x400fff -> 0x50000-0x50fff  4 KiB  ro kernel nx\n"
                                "0x600000-0x600fff -> 0x50000-0x50fff  4 KiB  ro kernel nx\n"
                                "ptdump: 4 ranges (0x4000 bytes mapped), 4 table pages read "
                                "(x86-64 4-level)\n");
    CU_ASSERT_EQUAL(run_line("ptov", "0x50000", out, sizeof out), WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "ptov: 4 virtual addresses map physical 0x50000; 4 "
                                       "table pages read"));
}

static void test_ptdump_x86(void)
{
    setup("i386:x86-64");
    build_x86_64();
    x86_regs(0x1000, 0x20);
    char out[8192];
    CU_ASSERT_EQUAL(run_line("ptdump", "", out, sizeof out), WP_OK);
    /* Each range once, in address order; the self-map's aliases in the
     * upper half, sign-extended. */
    const char *lines[] = {
        "0x5000-0x5fff -> 0x50000-0x50fff  4 KiB  rw user x\n"
        "0x6000-0x6fff -> 0x51000-0x51fff  4 KiB  ro user nx\n"
        "0x200000-0x3fffff -> 0x40000000-0x401fffff  2 MiB  rw kernel x\n"
        "0x40000000-0x7fffffff -> 0x80000000-0xbfffffff  1 GiB  rw kernel x\n"
        "0xffffff8000000000-0xffffff8000000fff -> 0x4000-0x4fff  4 KiB  rw kernel x\n",
        "0xfffffffffffff000-0xffffffffffffffff -> 0x1000-0x1fff  4 KiB  rw kernel x\n"
        "ptdump: 12 ranges (0x40409000 bytes mapped), 10 table pages read (x86-64 4-level)\n",
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(lines); i++) {
        if (!strstr(out, lines[i]))
            fprintf(stderr, "\n%s", out);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, lines[i]));
    }
    CU_ASSERT_EQUAL(T.mode, 0);
    /* Merging: 16 pages with contiguous frames and the same flags are one
     * range; a gap in the frames, or other flags, start a new one. */
    for (int i = 0; i < 16; i++)
        put64(0x4000 + (uint64_t)(16 + i) * 8, (0x60000 + (uint64_t)i * 0x1000) | P | RW | NX);
    put64(0x4000 + 32 * 8, 0x90000 | P | RW | NX); /* frame not contiguous */
    put64(0x4000 + 33 * 8, 0x91000 | P | NX);      /* read-only */
    CU_ASSERT_EQUAL(run_line("ptdump", "--range 0x10000-0x21fff", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x10000-0x1ffff -> 0x60000-0x6ffff  4 KiB  rw kernel nx\n"
                                "0x20000-0x20fff -> 0x90000-0x90fff  4 KiB  rw kernel nx\n"
                                "0x21000-0x21fff -> 0x91000-0x91fff  4 KiB  ro kernel nx\n"
                                "ptdump: 3 ranges (0x12000 bytes mapped), 4 table pages read "
                                "(x86-64 4-level)\n");
    /* --range narrows the walk: the upper half's tables are not read. */
    CU_ASSERT_EQUAL(run_line("ptdump", "--range 0x5000-0x5000", out, sizeof out), WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "0x5000-0x5fff -> 0x50000-0x50fff  4 KiB  rw user x\n"
                                       "ptdump: 1 range (0x1000 bytes mapped), 4 table pages"));
    /* --filter: writable and executable kernel pages; not user; read-only. */
    CU_ASSERT_EQUAL(
        run_line("ptdump", "--filter wx,kernel --range 0-0xffffffff", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out,
                           "0x200000-0x3fffff -> 0x40000000-0x401fffff  2 MiB  rw kernel x\n"
                           "0x40000000-0x7fffffff -> 0x80000000-0xbfffffff  1 GiB  rw kernel "
                           "x\n"
                           "ptdump: 2 ranges (0x40200000 bytes mapped that pass the filter), "
                           "4 table pages read (x86-64 4-level)\n");
    CU_ASSERT_EQUAL(run_line("ptdump", "--filter !w --range 0-0xffffffff", out, sizeof out),
                    WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "0x6000-0x6fff -> 0x51000-0x51fff  4 KiB  ro user nx\n"
                                       "0x21000-0x21fff"));
    CU_ASSERT_EQUAL(
        run_line("ptdump", "--filter user,nox --range 0-0xffffffff", out, sizeof out), WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "0x6000-0x6fff -> 0x51000-0x51fff  4 KiB  ro user nx\n"
                                       "ptdump: 1 range"));
    /* --root: another address space (an empty PML4). */
    CU_ASSERT_EQUAL(run_line("ptdump", "--root 0x9000", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "ptdump: 0 ranges (0x0 bytes mapped), 1 table page read "
                                "(x86-64 4-level)\n");
    CU_ASSERT_EQUAL(T.mode, 0);
    /* Bad input: one line each, nothing sent. */
    static const struct {
        const char *args, *message;
    } bad[] = {
        {"--filter rwx", "ptdump: bad --filter word 'rwx' in 'rwx': w, x, user, kernel or wx"},
        {"--filter w,", "ptdump: bad --filter 'w,': a comma with nothing after it"},
        {"--filter w,!w", "ptdump: --filter 'w,!w' asks for a flag and its negation"},
        {"--range 0x2000", "ptdump: bad --range '0x2000': give START-END"},
        {"--range 0x2000-0x1000", "ptdump: bad --range '0x2000-0x1000': END is below START"},
        {"--range zz-0x1000", "ptdump: bad --range 'zz-0x1000': START and END are numbers"},
        {"0x1000", "ptdump: unexpected argument '0x1000'; usage: ptdump"},
        {"--walk", "ptdump: option '--walk' does not apply to ptdump"},
        {"--range", "ptdump: option '--range' needs a value"},
        {"--filter w --filter x", "ptdump: option '--filter' given twice"},
    };
    int before = T.packets;
    for (size_t i = 0; i < WP_ARRAY_LEN(bad); i++) {
        CU_ASSERT_EQUAL(run_line("ptdump", bad[i].args, out, sizeof out), WP_EINVAL);
        if (strncmp(out, bad[i].message, strlen(bad[i].message)) != 0 || strchr(out, '\n'))
            fprintf(stderr, "\n  '%s' said '%s'\n", bad[i].args, out);
        CU_ASSERT_EQUAL(strncmp(out, bad[i].message, strlen(bad[i].message)), 0);
        CU_ASSERT_PTR_NULL(strchr(out, '\n'));
    }
    CU_ASSERT_EQUAL(T.packets, before);
}

/* aarch64: both halves, in address order; riscv Sv39 sign-extends. */
static void test_ptdump_arm64_riscv(void)
{
    char out[8192];
    setup("aarch64");
    put64(0x1000, 0x2000 | TBL);
    put64(0x2000, 0x3000 | TBL);
    put64(0x3000, 0x4000 | TBL);
    put64(0x4000 + 1 * 8, 0x50000 | PAGE | AF | AP_EL0);
    put64(0x4000 + 2 * 8, 0x51000 | PAGE | AF | AP_EL0); /* merges with the one before */
    put64(0x4000 + 3 * 8, 0x53000 | PAGE | AF | AP_RO | UXN);
    put64(0x4000 + 511 * 8, 0x52000 | BLK); /* block type at L3: reserved, skipped */
    put64(0x3000 + 1 * 8, 0x40000000 | BLK | AF);
    put64(0x5000 + 511 * 8, 0x6000 | TBL);
    put64(0x6000 + 511 * 8, 0xc0000000 | BLK | AF | PXN);
    arm_regs(16 | (16ull << 16) | (2ull << 30), 0x1000, 0x5000);
    CU_ASSERT_EQUAL(run_line("ptdump", "", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out,
                           "0x1000-0x2fff -> 0x50000-0x51fff  4 KiB  rw user pxn\n"
                           "0x3000-0x3fff -> 0x53000-0x53fff  4 KiB  ro kernel uxn\n"
                           "0x200000-0x3fffff -> 0x40000000-0x401fffff  2 MiB  rw kernel x\n"
                           "0xffffffffc0000000-0xffffffffffffffff -> 0xc0000000-0xffffffff  1 "
                           "GiB  rw kernel pxn\n"
                           "ptdump: 4 ranges (0x40203000 bytes mapped), 6 table pages read "
                           "(aarch64 4K TTBR0+TTBR1)\n");
    /* TTBR1 walks disabled (EPD1): the lower half only. */
    arm_regs(16 | (16ull << 16) | (2ull << 30) | (1ull << 23), 0x1000, 0x5000);
    T.generation++;
    CU_ASSERT_EQUAL(run_line("ptdump", "--filter !user", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out,
                           "0x3000-0x3fff -> 0x53000-0x53fff  4 KiB  ro kernel uxn\n"
                           "0x200000-0x3fffff -> 0x40000000-0x401fffff  2 MiB  rw kernel x\n"
                           "ptdump: 2 ranges (0x201000 bytes mapped that pass the filter), 4 "
                           "table pages read (aarch64 4K TTBR0)\n");
    setup("riscv:rv64");
    put64(0x1000 + 0 * 8, PPN(0x2000) | V);
    put64(0x2000 + 0 * 8, PPN(0x3000) | V);
    put64(0x3000 + 4 * 8, PPN(0x60000) | V | R | W | U);
    put64(0x3000 + 5 * 8, PPN(0x61000) | V | W); /* W without R: reserved, skipped */
    put64(0x2000 + 1 * 8, PPN(0x400000) | V | R | X);
    put64(0x1000 + 256 * 8, PPN(0x80000000) | V | R | W); /* the upper half */
    set_reg(0, "satp", (8ull << 60) | (0x1000 >> 12));
    set_reg(1, "priv", 1);
    CU_ASSERT_EQUAL(run_line("ptdump", "", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out,
                           "0x4000-0x4fff -> 0x60000-0x60fff  4 KiB  rw user nx\n"
                           "0x200000-0x3fffff -> 0x400000-0x5fffff  2 MiB  ro kernel x\n"
                           "0xffffffc000000000-0xffffffc03fffffff -> 0x80000000-0xbfffffff  1 "
                           "GiB  rw kernel nx\n"
                           "ptdump: 3 ranges (0x40201000 bytes mapped), 3 table pages read "
                           "(riscv Sv39)\n");
}

/* ptov: every alias of a frame, from one walk; --all past the first 64. */
static void test_ptov(void)
{
    char out[16384];
    setup("i386:x86-64");
    build_x86_64();
    x86_regs(0x1000, 0x20);
    CU_ASSERT_EQUAL(run_line("ptov", "0x50010", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "ptov: 0x5010 -> physical 0x50010 (4 KiB page, rw, user, x)\n"
                                "ptov: 1 virtual address maps physical 0x50010; 10 table "
                                "pages read (x86-64 4-level)\n");
    /* A range: each mapping's part of it, whatever the page size. */
    CU_ASSERT_EQUAL(run_line("ptov", "0x80000800 --length 0x1000", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out,
                           "ptov: 0x40000800-0x400017ff -> physical 0x80000800-0x800017ff (1 "
                           "GiB page, rw, kernel, x)\n"
                           "ptov: 0xffffff8000200800-0xffffff80002017ff -> physical "
                           "0x80000800-0x800017ff (2 MiB page, rw, kernel, x)\n"
                           "ptov: 0xffffffffc0001800-0xffffffffc0001fff -> physical "
                           "0x80000800-0x80000fff (4 KiB page, rw, kernel, x)\n"
                           "ptov: 3 virtual addresses map physical 0x80000800-0x800017ff; 10 "
                           "table pages read (x86-64 4-level)\n");
    CU_ASSERT_EQUAL(run_line("ptov", "0x70000", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "ptov: 0 virtual addresses map physical 0x70000; 10 table "
                                "pages read (x86-64 4-level)\n");
    /* 70 aliases of one frame: 64 shown, --all shows every one. */
    for (int i = 0; i < 70; i++)
        put64(0x4000 + (uint64_t)(16 + i) * 8, 0x70000 | P | NX);
    CU_ASSERT_EQUAL(run_line("ptov", "0x70008", out, sizeof out), WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "ptov: 0x4f008 -> physical 0x70008 (4 KiB page, ro, "
                                       "kernel, nx)\nptov: 70 virtual addresses map physical "
                                       "0x70008 (the first 64 shown; --all lists every one); "
                                       "10 table pages read"));
    CU_ASSERT_PTR_NULL(strstr(out, "ptov: 0x50008 "));
    CU_ASSERT_EQUAL(run_line("ptov", "--all 0x70008", out, sizeof out), WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "ptov: 0x55008 -> physical 0x70008 (4 KiB page, ro, "
                                       "kernel, nx)\nptov: 70 virtual addresses map physical "
                                       "0x70008; 10 table pages read"));
    CU_ASSERT_EQUAL(T.mode, 0);
    static const struct {
        const char *args, *message;
    } bad[] = {
        {"", "ptov: missing PHYS; usage: ptov"},
        {"0x1000 0x2000", "ptov: unexpected argument '0x2000'; usage: ptov"},
        {"0x1000 --length 0", "ptov: --length 0: the range is empty"},
        {"0xffffffffffffffff --length 2", "ptov: 0xffffffffffffffff + 2 runs past 2^64"},
        {"-1", "ptov: PHYS '-1' is negative"},
        {"--filter w 0x1000", "ptov: option '--filter' does not apply to ptov"},
        {"--all --all 0x1000", "ptov: option '--all' given twice"},
        {"--length 1Q 0x1000", "ptov: bad"},
    };
    int before = T.packets;
    for (size_t i = 0; i < WP_ARRAY_LEN(bad); i++) {
        CU_ASSERT_EQUAL(run_line("ptov", bad[i].args, out, sizeof out), WP_EINVAL);
        if (strncmp(out, bad[i].message, strlen(bad[i].message)) != 0 || strchr(out, '\n'))
            fprintf(stderr, "\n  '%s' said '%s'\n", bad[i].args, out);
        CU_ASSERT_EQUAL(strncmp(out, bad[i].message, strlen(bad[i].message)), 0);
        CU_ASSERT_PTR_NULL(strchr(out, '\n'));
    }
    CU_ASSERT_EQUAL(T.packets, before);
}

/* A PML4 whose every entry points at itself: the walk stops, bounded, with
 * one line; the stub's mode is restored. */
static void test_ptdump_hostile_self_map(void)
{
    char out[4096];
    setup("i386:x86-64");
    for (int i = 0; i < 512; i++)
        put64(0x1000 + (uint64_t)i * 8, 0x1000 | P | RW);
    x86_regs(0x1000, 0x20);
    CU_ASSERT_EQUAL(run_line("ptdump", "", out, sizeof out), WP_EREFUSED);
    CU_ASSERT_STRING_EQUAL(out, "ptdump: more than 1000000 ranges (tables that point back at "
                                "themselves?): narrow the dump with --range");
    /* ptov meets the bound on tables instead. */
    CU_ASSERT_EQUAL(run_line("ptov", "0x1000", out, sizeof out), WP_EREFUSED);
    CU_ASSERT_STRING_EQUAL(out, "ptov: stopped after 65536 tables: the tables point back at "
                                "themselves (a self-map)");
    CU_ASSERT_EQUAL(T.mode, 0);
    /* --range keeps it to one table per level: every alias of the PML4. */
    CU_ASSERT_EQUAL(run_line("ptdump", "--range 0-0x1fff", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x0-0xfff -> 0x1000-0x1fff  4 KiB  rw kernel x\n"
                                "0x1000-0x1fff -> 0x1000-0x1fff  4 KiB  rw kernel x\n"
                                "ptdump: 2 ranges (0x2000 bytes mapped), 4 table pages read "
                                "(x86-64 4-level)\n");
}

/* Permissions come from every level: an upper entry without RW or US
 * takes them from the whole subtree (x86), as NX does. */
static void test_ptdump_flags_from_every_level(void)
{
    char out[4096];
    setup("i386:x86-64");
    put64(0x1000, 0x2000 | P | US);             /* PML4E: no RW */
    put64(0x2000, 0x3000 | P | RW | US);        /* PDPTE */
    put64(0x3000, 0x400000 | P | RW | US | PS); /* 2 MiB rw user */
    put64(0x1000 + 8, 0x4000 | P | RW | NX);    /* PML4E: kernel, nx */
    put64(0x4000, 0x5000 | P | RW | US);
    put64(0x5000, 0x600000 | P | RW | US | PS);
    x86_regs(0x1000, 0x20);
    CU_ASSERT_EQUAL(run_line("ptdump", "", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x0-0x1fffff -> 0x400000-0x5fffff  2 MiB  ro user x\n"
                                "0x8000000000-0x80001fffff -> 0x600000-0x7fffff  2 MiB  rw "
                                "kernel nx\n"
                                "ptdump: 2 ranges (0x400000 bytes mapped), 5 table pages read "
                                "(x86-64 4-level)\n");
}

static const CU_TestInfo tests[] = {
    {"x86-64 4-level: 4K, 2M, 1G, PCID, NX, top/bottom, self-map", test_x86_64_four_level},
    {"x86-64 5-level", test_x86_64_five_level},
    {"i386 non-PAE and PAE", test_i386},
    {"x86 reserved bits follow the manual", test_x86_reserved_bits_follow_the_manual},
    {"x86 paging off, registers missing", test_x86_paging_off_and_missing_registers},
    {"aarch64 4K: TTBR0/1, blocks, 39/48-bit", test_arm64_4k},
    {"aarch64 64K and 16K", test_arm64_64k_and_16k},
    {"aarch64 output format per half (issue 23.1)", test_arm64_output_format_per_half},
    {"aarch64 5 levels, TxSZ out of range (issue 23.3)", test_arm64_five_levels_and_txsz},
    {"aarch64 HPD, level-0 block (issue 23.6, 23.7)", test_arm64_hpd_and_level0_block},
    {"aarch64 hardware dirty state, DBM (issue 19)", test_arm64_hardware_dirty_state},
    {"ptdump: a table pointed at again is read once (issue 19)",
     test_ptdump_table_pointed_at_again},
    {"riscv Sv39/48/57", test_riscv},
    {"--virtual writes and reads, vtop --walk", test_virtual_writes},
    {"ptdump x86-64: merged ranges, flags, --range, --filter", test_ptdump_x86},
    {"ptdump aarch64 TTBR0+TTBR1, EPD1; riscv Sv39", test_ptdump_arm64_riscv},
    {"ptov: every alias, ranges, --all, bad input", test_ptov},
    {"ptdump: a hostile self-map stops, bounded", test_ptdump_hostile_self_map},
    {"ptdump: flags from every level", test_ptdump_flags_from_every_level},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    int rc = run_suite("paging", tests);
    rc |= T.unexpected != 0;
    wp_session_free(S);
    return rc;
}
