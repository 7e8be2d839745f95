/* QEMU's flat map: the AS "memory" view, region kinds, lookups of holes. */
#include <stdio.h>

#include "internal.h"
#include "test_util.h"

/* As QEMU 7.2 prints it for `-M pc -m 64M -nodefaults`, shortened. */
static const char x86_mtree[] =
    "FlatView #0\r\n"
    " AS \"memory\", root: system\r\n"
    " AS \"cpu-memory-0\", root: system\r\n"
    " Root memory region: system\r\n"
    "  0000000000000000-00000000000bffff (prio 0, ram): pc.ram\r\n"
    "  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom\r\n"
    "  00000000000e0000-00000000000fffff (prio 0, rom): pc.bios @0000000000020000\r\n"
    "  0000000000100000-0000000003ffffff (prio 0, ram): pc.ram @0000000000100000 KVM\r\n"
    "  00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic\r\n"
    "  00000000fee00000-00000000feefffff (prio 4096, i/o): apic-msi\r\n"
    "  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\r\n"
    "\r\n"
    "FlatView #1\r\n"
    " AS \"cpu-smm-0\", root: memory\r\n"
    " Root memory region: memory\r\n"
    "  0000000000000000-ffffffffffffffff (prio 0, ram): smram\r\n"
    "\r\n"
    "FlatView #2\r\n"
    " AS \"I/O\", root: io\r\n"
    "  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\r\n";

/* The physical view need not come first. */
static const char arm_mtree[] =
    "FlatView #0\n"
    " AS \"I/O\", root: io\n"
    "  0000000000000000-000000000000ffff (prio 0, i/o): io\n"
    "\n"
    "FlatView #1\n"
    " AS \"cpu-secure-memory-0\", root: secure\n"
    "  0000000000000000-0000000003ffffff (prio 0, romd): virt.flash0\n"
    "\n"
    "FlatView #2\n"
    " AS \"memory\", root: system\n"
    " AS \"cpu-memory-0\", root: system\n"
    "  0000000000000000-0000000003ffffff (prio 0, romd): virt.flash0\n"
    "  0000000009000000-0000000009000fff (prio 0, i/o): pl011\n"
    "  0000000040000000-0000000047ffffff (prio 0, ram): mach-virt.ram\n"
    "  0000000050000000-0000000050000fff (prio 0, nv-ram): nvram\n"
    "  0000000060000000-0000000060000fff (prio 0, ramd): vfio-bar\n";

static void test_x86(void)
{
    wp_memmap map;
    wp_error err = {0};
    CU_ASSERT_EQUAL_FATAL(wp_memmap_parse(x86_mtree, &map, &err), WP_OK);
    CU_ASSERT_EQUAL(map.count, 7); /* only the AS "memory" view */
    wp_region r = wp_memmap_lookup(&map, 0x1000);
    CU_ASSERT_EQUAL(r.kind, WP_REGION_RAM);
    CU_ASSERT_STRING_EQUAL(r.name, "pc.ram");
    CU_ASSERT_EQUAL(r.last, 0xbffff);
    CU_ASSERT_EQUAL(wp_memmap_lookup(&map, 0xc0000).kind, WP_REGION_ROM);
    CU_ASSERT_EQUAL(wp_memmap_lookup(&map, 0xfffff).kind, WP_REGION_ROM);
    r = wp_memmap_lookup(&map, 0x3ffffff);
    CU_ASSERT_EQUAL(r.kind, WP_REGION_RAM);
    r = wp_memmap_lookup(&map, 0x4000000); /* just past RAM */
    CU_ASSERT_EQUAL(r.kind, WP_REGION_UNASSIGNED);
    CU_ASSERT_EQUAL(r.start, 0x4000000);
    CU_ASSERT_EQUAL(r.last, 0xfebfffff);
    CU_ASSERT_EQUAL(wp_memmap_lookup(&map, 0xfec00010).kind, WP_REGION_DEVICE);
    CU_ASSERT_EQUAL(wp_memmap_lookup(&map, 0xffffffff).kind, WP_REGION_ROM);
    CU_ASSERT_EQUAL(wp_memmap_lookup(&map, UINT64_MAX).kind, WP_REGION_UNASSIGNED);
    wp_memmap_free(&map);
}

static void test_arm_kinds(void)
{
    wp_memmap map;
    wp_error err = {0};
    CU_ASSERT_EQUAL_FATAL(wp_memmap_parse(arm_mtree, &map, &err), WP_OK);
    CU_ASSERT_EQUAL(map.count, 5);
    CU_ASSERT_EQUAL(wp_memmap_lookup(&map, 0).kind, WP_REGION_ROM); /* romd flash */
    CU_ASSERT_EQUAL(wp_memmap_lookup(&map, 0x9000000).kind, WP_REGION_DEVICE);
    CU_ASSERT_EQUAL(wp_memmap_lookup(&map, 0x40000000).kind, WP_REGION_RAM);
    CU_ASSERT_EQUAL(wp_memmap_lookup(&map, 0x50000000).kind, WP_REGION_RAM); /* nv-ram */
    CU_ASSERT_EQUAL(wp_memmap_lookup(&map, 0x60000000).kind, WP_REGION_DEVICE);
    wp_region r = wp_memmap_lookup(&map, 0x48000000);
    CU_ASSERT_EQUAL(r.kind, WP_REGION_UNASSIGNED);
    CU_ASSERT_EQUAL(r.last, 0x4fffffff);
    r = wp_memmap_lookup(&map, 0x70000000);
    CU_ASSERT_EQUAL(r.last, UINT64_MAX);
    wp_memmap_free(&map);
}

static void test_bad_maps(void)
{
    static const char *const bad[] = {
        "",
        "unknown command: 'info'\n",
        "FlatView #0\n AS \"I/O\", root: io\n  0-7 (prio 0, i/o): x\n",
        "FlatView #0\n AS \"memory\", root: system\n", /* no regions */
        "FlatView #0\n AS \"memory\", root: system\n"
        "  0000-0fff (prio 0, ram): a\n  0800-1fff (prio 0, ram): b\n", /* overlap */
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(bad); i++) {
        wp_memmap map;
        wp_error err = {0};
        CU_ASSERT_EQUAL(wp_memmap_parse(bad[i], &map, &err), WP_EPROTO);
        CU_ASSERT_PTR_NULL(map.regions);
        CU_ASSERT(err.message[0] != '\0');
    }
    /* Malformed lines are skipped, not guessed at. */
    wp_memmap map;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_memmap_parse("FlatView #0\n AS \"memory\", root: s\n"
                                    "  zz-10 (prio 0, ram): a\n"
                                    "  20-10 (prio 0, ram): backwards\n"
                                    "  100-1ff (prio 0 ram): nocomma\n"
                                    "  1000-1fff (prio 0, ram): good\n",
                                    &map, &err),
                    WP_OK);
    CU_ASSERT_EQUAL(map.count, 1);
    wp_memmap_free(&map);
}

static const CU_TestInfo tests[] = {
    {"x86 pc map", test_x86},
    {"region kinds and holes", test_arm_kinds},
    {"bad maps are errors", test_bad_maps},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return run_suite("memmap", tests);
}
