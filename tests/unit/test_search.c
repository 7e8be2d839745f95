/* searchphys against the fake's RAM: values, strings, pointers, masks,
 * alignment, --max, matches across two adjacent RAM regions, the map's
 * skipped ranges, Ctrl-C, --virtual, and bad input (nothing sent). */
#include <stdio.h>

#include "fake_target.h"
#include "internal.h"
#include "test_util.h"

static fake_target T;
static wp_session *S;

static void setup(void)
{
    CU_ASSERT_EQUAL(T.unexpected, 0);
    wp_session_free(S);
    fake_init(&T);
    T.arch = "i386:x86-64";
    wp_host h = fake_host(&T);
    S = wp_session_new(&h, NULL);
}

static int run_line(const char *args, char *out, size_t cap)
{
    wp_result res;
    int rc = wp_command_run_line(S, "searchphys", args, &res);
    snprintf(out, cap, "%s", rc ? res.error.message : (res.text.data ? res.text.data : ""));
    wp_result_free(&res);
    return rc;
}

static void put64(uint64_t addr, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        T.ram[addr + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static void expect_has(const char *out, const char *part)
{
    if (!strstr(out, part))
        fprintf(stderr, "\n  wanted '%s' in:\n%s\n", part, out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, part));
}

static void test_values_strings_pointers(void)
{
    char out[16384];
    setup();
    memcpy(T.ram + 0x1234, "Hello, world", 12);
    memcpy(T.ram + 0x8001, "Hello", 5);
    CU_ASSERT_EQUAL(run_line("--string Hello", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x1234: 48 65 6c 6c 6f 2c 20 77 6f 72 6c 64 00 00 00 00  "
                                "|Hello, world....|\n"
                                "0x8001: 48 65 6c 6c 6f 00 00 00 00 00 00 00 00 00 00 00  "
                                "|Hello...........|\n"
                                "searchphys: 2 hits in 0x0-0xfffff (1048576 bytes searched); "
                                "skipped 0x100000-0x10ffff (ROM fake.rom), 0x110000-0x1fffff "
                                "(unassigned), 0x200000-0x200fff (device fake.dev)\n");
    CU_ASSERT_EQUAL(T.mode, 0);
    /* UTF-16LE. */
    memcpy(T.ram + 0x3000, "H\0i\0", 4);
    CU_ASSERT_EQUAL(run_line("--string Hi --utf16", out, sizeof out), WP_OK);
    expect_has(out, "0x3000: 48 00 69 00");
    expect_has(out, "searchphys: 1 hit in");
    /* Values of one width, in the target's order, aligned to the width. */
    put64(0x5000, 0x1122334455667788ull);
    put64(0x6003, 0x1122334455667788ull); /* unaligned for -q */
    CU_ASSERT_EQUAL(run_line("-q 0x1122334455667788", out, sizeof out), WP_OK);
    expect_has(out, "0x5000: 88 77 66 55 44 33 22 11");
    expect_has(out, "searchphys: 1 hit in");
    CU_ASSERT_EQUAL(run_line("-q --align 1 0x1122334455667788", out, sizeof out), WP_OK);
    expect_has(out, "0x6003: 88 77");
    expect_has(out, "searchphys: 2 hits in");
    CU_ASSERT_EQUAL(run_line("-d 0x55667788 0x11223344", out, sizeof out), WP_OK);
    expect_has(out, "searchphys: 1 hit in"); /* 0x6003 is not 4-aligned */
    /* An unaligned match first, overlapping an aligned one: both seen. */
    memcpy(T.ram + 0x7001, "\x5a\x5a\x5a", 3);
    CU_ASSERT_EQUAL(run_line("-w 0x5a5a", out, sizeof out), WP_OK);
    expect_has(out, "0x7002: 5a 5a 00");
    expect_has(out, "searchphys: 1 hit in");
    CU_ASSERT_EQUAL(run_line("-w --align 1 0x5a5a", out, sizeof out), WP_OK);
    expect_has(out, "0x7001: 5a 5a 5a");
    expect_has(out, "searchphys: 2 hits in");
    /* --mask: the low byte does not count. */
    CU_ASSERT_EQUAL(run_line("-d --mask 0xffffff00 0x55667700", out, sizeof out), WP_OK);
    expect_has(out, "0x5000: 88 77 66 55");
    expect_has(out, "searchphys: 1 hit in");
    /* --pointer within +-delta, pointer-sized and aligned. */
    put64(0x7000, 0xffffffff81000010ull);
    put64(0x7008, 0xffffffff80fffff0ull);
    put64(0x7010, 0xffffffff81100000ull);
    CU_ASSERT_EQUAL(run_line("--pointer 0xffffffff81000000 --delta 0x100", out, sizeof out),
                    WP_OK);
    expect_has(out, "0x7000: 10 00 00 81 ff ff ff ff f0 ff ff 80 ff ff ff ff");
    expect_has(out, "\n0x7008: f0 ff ff 80");
    expect_has(out, "searchphys: 2 hits in");
    /* --max stops, and says so; --start/--length narrow. */
    CU_ASSERT_EQUAL(run_line("--string Hello --max 1", out, sizeof out), WP_OK);
    expect_has(out, "searchphys: 1 hit (stopped at --max 1) in 0x0-");
    CU_ASSERT_EQUAL(run_line("--string Hello --start 0x2000 --length 0x6006", out, sizeof out),
                    WP_OK);
    /* The bytes shown stay inside the range searched. */
    expect_has(out, "0x8001: 48 65 6c 6c 6f    ");
    expect_has(out, "  |Hello|\nsearchphys: 1 hit in 0x2000-0x8005 (24582 bytes searched)\n");
    CU_ASSERT_PTR_NULL(strstr(out, "6f 00"));
    CU_ASSERT_EQUAL(run_line("--string Hello --start 0x2000 --length 0x6005", out, sizeof out),
                    WP_OK);
    expect_has(out, "searchphys: 0 hits in 0x2000-0x8004 (24581 bytes searched)\n");
    CU_ASSERT_EQUAL(T.mode, 0);
}

/* Two adjacent RAM regions: a match that straddles them is found; a hole
 * between regions is not bridged. */
static void test_across_regions_and_ctrl_c(void)
{
    char out[16384];
    static const char mtree[] = "FlatView #1\n"
                                " AS \"memory\", root: system\n"
                                " Root memory region: system\n"
                                "  0000000000000000-000000000007ffff (prio 0, ram): m0\n"
                                "  0000000000080000-00000000000bffff (prio 0, ram): m1\n"
                                "  00000000000c0000-00000000000c0fff (prio 0, i/o): dev\n"
                                "  00000000000c1000-00000000000fffff (prio 0, ram): m2\n";
    setup();
    T.mtree = mtree;
    memcpy(T.ram + 0x80000 - 3, "straddle", 8); /* m0 | m1 */
    memcpy(T.ram + 0xc0000 - 3, "str", 3);      /* m1 | device | m2: no match */
    memcpy(T.ram + 0xc1000, "addle", 5);
    memcpy(T.ram + 0xc2000, "straddle", 8); /* inside m2 */
    CU_ASSERT_EQUAL(run_line("--string straddle", out, sizeof out), WP_OK);
    CU_ASSERT_STRING_EQUAL(out, "0x7fffd: 73 74 72 61 64 64 6c 65 00 00 00 00 00 00 00 00  "
                                "|straddle........|\n"
                                "0xc2000: 73 74 72 61 64 64 6c 65 00 00 00 00 00 00 00 00  "
                                "|straddle........|\n"
                                "searchphys: 2 hits in 0x0-0xfffff (1044480 bytes searched); "
                                "skipped 0xc0000-0xc0fff (device dev)\n");
    /* --force with an explicit range reads the device too (the fake's
     * device does not answer with RAM's bytes, so no match across it). */
    memcpy(T.ram + 0xc1000 - 3, "straddle", 8);
    CU_ASSERT_EQUAL(
        run_line("--string straddle --start 0xbf000 --length 0x3000 --force", out, sizeof out),
        WP_OK);
    expect_has(out, "searchphys: 1 hit in 0xbf000-0xc1fff (12288 bytes searched)\n");
    /* Ctrl-C after the third read packet: exact, with how far it got. */
    setup();
    memcpy(T.ram + 0x10, "needle", 6);
    fake_fault_at(&T, "m", 3, FAKE_CTRL_C);
    CU_ASSERT_EQUAL(run_line("--string needle", out, sizeof out), WP_EINTR);
    expect_has(out, "searchphys: interrupted by Ctrl-C before 0x1800; searched 0x0-0x17ff "
                    "(6144 bytes, up to 0x1800): 1 hit so far");
    expect_has(out, "1 hit so far (the first at physical 0x10)");
    CU_ASSERT_PTR_NULL(strchr(out, '\n'));
    CU_ASSERT_EQUAL(T.mode, 0);
}

/* --virtual: the aliases of each hit from one walk. */
static void test_virtual(void)
{
    char out[16384];
    setup();
    put64(0x1000, 0x2000 | 7);
    put64(0x2000, 0x3000 | 7);
    put64(0x3000, 0x4000 | 7);
    put64(0x4000 + 5 * 8, 0x50000 | 3);
    put64(0x4000 + 9 * 8, 0x50000 | 3);
    put64(0x3000 + 8, 0x0 | 0x83); /* 2 MiB at 0x200000 -> 0 */
    memcpy(T.ram + 0x50010, "findme", 6);
    memcpy(T.ram + 0x60000, "findme", 6);
    T.regs[0].name = "cr0";
    T.regs[0].value = 0x80000011;
    T.regs[1].name = "cr3";
    T.regs[1].value = 0x1000;
    T.regs[2].name = "cr4";
    T.regs[2].value = 0x20;
    T.regs[3].name = "efer";
    T.regs[3].value = 0x500;
    CU_ASSERT_EQUAL(run_line("--string findme --virtual", out, sizeof out), WP_OK);
    expect_has(out, "|findme..........|  virtual 0x5010, 0x9010, 0x250010\n");
    expect_has(out, "|findme..........|  virtual 0x260000\n");
    CU_ASSERT_EQUAL(run_line("--string findme --virtual --root 0x9000", out, sizeof out),
                    WP_OK);
    expect_has(out, "|findme..........|  no virtual address\n");
    CU_ASSERT_EQUAL(T.mode, 0);
}

static void test_bad_input(void)
{
    static const struct {
        const char *args, *message;
    } bad[] = {
        {"", "searchphys: nothing to search for"},
        {"--string a 1", "searchphys: search for one thing: VALUEs, --string or --pointer, "
                         "not VALUEs and --string"},
        {"--pointer 1 --delta 1 --string a", "searchphys: search for one thing"},
        {"--pointer 1", "searchphys: --pointer needs --delta N"},
        {"--delta 1 2", "searchphys: --delta goes with --pointer"},
        {"--mask 0xff --string a", "searchphys: --mask goes with VALUEs"},
        {"--utf16 1", "searchphys: --utf16 and --zero go with --string"},
        {"-d --string a", "searchphys: -b/-w/-d/-q do not apply to --string"},
        {"--start 0x1000 1", "searchphys: --start needs --length N"},
        {"--length 4 1", "searchphys: --length needs --start A"},
        {"--start 0 --length 0 1", "searchphys: --length 0: nothing to search"},
        {"--force 1", "searchphys: --force goes with an explicit --start"},
        {"--align 3 1", "searchphys: bad --align '3': a power of two"},
        {"--max 0 1", "searchphys: --max 0"},
        {"--root 0x1000 1", "searchphys: --root applies to a virtual ADDRESS"},
        {"0x100", "searchphys: value '0x100' does not fit in 1 byte"},
        {"--string \"\"", "searchphys: empty --string"},
        {"--start 0xffffffffffffff00 --length 0x1000 1", "searchphys: --start "
                                                         "0xffffffffffffff00 + --length 4096 "
                                                         "runs past 2^64"},
        {"--pointer 1 --delta 1 -b", "searchphys: --pointer takes -d or -q"},
        {"--walk 1", "searchphys: option '--walk' does not apply to searchphys"},
        {"--string a --string b", "searchphys: option '--string' given twice"},
    };
    char out[1024];
    setup();
    int before = T.packets;
    for (size_t i = 0; i < WP_ARRAY_LEN(bad); i++) {
        int rc = run_line(bad[i].args, out, sizeof out);
        if (rc != WP_EINVAL || strncmp(out, bad[i].message, strlen(bad[i].message)) != 0 ||
            strchr(out, '\n'))
            fprintf(stderr, "\n  '%s' said '%s' (%d)\n", bad[i].args, out, rc);
        CU_ASSERT_EQUAL(rc, WP_EINVAL);
        CU_ASSERT_EQUAL(strncmp(out, bad[i].message, strlen(bad[i].message)), 0);
        CU_ASSERT_PTR_NULL(strchr(out, '\n'));
    }
    CU_ASSERT_EQUAL(T.packets, before);
}

static const CU_TestInfo tests[] = {
    {"values, strings, pointers, --mask, --align, --max, --start",
     test_values_strings_pointers},
    {"across two RAM regions, skipped ranges, --force, Ctrl-C", test_across_regions_and_ctrl_c},
    {"--virtual names every alias", test_virtual},
    {"bad input: one line, nothing sent", test_bad_input},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    int rc = run_suite("search", tests);
    rc |= T.unexpected != 0;
    wp_session_free(S);
    return rc;
}
