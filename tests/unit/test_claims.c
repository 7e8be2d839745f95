/* Every claim true: what a careful user found wrong (issue 8), one case per
 * finding, through whole command lines against the fake target. */
#include <dirent.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

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
    wp_host h = fake_host(&T);
    S = wp_session_new(&h, NULL);
}

/* Runs a line as GDB's CLI does: the core splits it (LLDB's rules). */
static int run(const char *line, wp_result *res)
{
    char name[32];
    size_t n = strcspn(line, " ");
    snprintf(name, sizeof name, "%.*s", (int)n, line);
    return wp_command_run_line(S, name, line + n, res);
}

static void expect_text(const char *line, const char *text)
{
    expect_printed_part(run, line, text);
}

static void expect_error(const char *line, const char *part)
{
    wp_result res;
    int rc = run(line, &res);
    if (!strstr(res.error.message, part))
        fprintf(stderr, "\n  '%s' said '%s'\n", line, res.error.message);
    CU_ASSERT_NOT_EQUAL(rc, WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, part));
    CU_ASSERT_PTR_NULL(strchr(res.error.message, '\n'));
    wp_result_free(&res);
}

/* 1, 2: plain literals are the core's, two's complement, never truncated. */
static void test_negative_literals(void)
{
    setup();
    expect_text("writephys -q 0x2200 -0xffffffff", "wrote 8 bytes");
    const uint8_t want[8] = {1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x2200, want, 8), 0);
    expect_error("writephys -d 0x2210 -0xffffffff", "does not fit in 4 bytes");
    expect_error("writephys -q 0x2220 -0x8000000000000001", "outside 64 bits");
    expect_error("writephys -q 0x2220 0x10000000000000000", "bad number");
    expect_text("writephys -q 0x2220 -0x8000000000000000", "wrote 8 bytes");
    CU_ASSERT(T.ram[0x2227] == 0x80 && T.ram[0x2220] == 0);
    expect_text("writephys -b 0x2230 +5", "wrote 1 byte");
    CU_ASSERT_EQUAL(T.ram[0x2230], 5);
}

/* 3: one escape rule, the core's. */
static void test_string_escapes(void)
{
    setup();
    expect_text("writephys --string tab\\there 0x2300", "wrote 8 bytes");
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x2300, "tab\there", 8), 0);
    expect_text("writephys --string \"a\\0b\\x41\\\\\\\\\" 0x2310", "wrote 5 bytes");
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x2310, "a\0bA\\", 5), 0);
    expect_text("writephys --string \\xff\\xfe 0x2320", "wrote 2 bytes");
    CU_ASSERT(T.ram[0x2320] == 0xff && T.ram[0x2321] == 0xfe);
    expect_error("writephys --string a\\q 0x2300", "unknown escape '\\q'");
    expect_error("writephys --string \"a\\\\\" 0x2300", "lone backslash");
    expect_error("writephys --string \\xg 0x2300", "\\x needs one or two hex digits");
    expect_error("writephys --string \\xff --utf16 0x2300", "not valid UTF-8");
}

/* The line splitter that GDB's CLI uses: LLDB's rules. */
static void test_split_like_lldb(void)
{
    struct {
        const char *line;
        const char *words; /* joined with '|' */
    } cases[] = {
        {"a \"b c\" 'd e'", "a|b c|d e"},
        {"\"tab\\there\"", "tab\\there"},       /* kept for the core's escapes */
        {"\"q\\\"x\" \"b\\\\s\"", "q\"x|b\\s"}, /* \" and \\ inside "..." */
        {"'a\\tb'", "a\\tb"},                   /* literal in '...' */
        {"a\\ b x\\\\y e\\tf", "a b|x\\y|e\\tf"},
        {"x\"y z\"w", "xy zw"},
        {"\"\"", ""},
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(cases); i++) {
        wp_buf words = {0};
        size_t n = 0;
        wp_error err = {0};
        CU_ASSERT_EQUAL(wp_split_args(cases[i].line, &words, &n, &err), WP_OK);
        char joined[128] = "";
        const char *w = words.data;
        for (size_t k = 0; k < n; k++, w += strlen(w) + 1)
            snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s%s",
                     k ? "|" : "", w);
        if (strcmp(joined, cases[i].words) != 0)
            fprintf(stderr, "\n  split '%s' gave '%s'\n", cases[i].line, joined);
        CU_ASSERT_STRING_EQUAL(joined, cases[i].words);
        wp_buf_free(&words);
    }
    wp_buf words = {0};
    size_t n;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_split_args("a \"b", &words, &n, &err), WP_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "unterminated double quote"));
    wp_buf_free(&words);
}

/* 4: a read-back of unassigned memory proves nothing. */
static void test_unassigned_never_verified(void)
{
    setup();
    expect_text("writephys --force 0x300000 0",
                "wrote 1 byte at physical 0x300000 via qemu, not verified (unassigned memory "
                "reads as zero");
}

/* 5: flat checks that translation is off before calling anything physical. */
static void test_flat_checks_translation(void)
{
    setup();
    T.regs[0].name = "cr0";
    T.regs[0].value = 0x80000011; /* PG */
    expect_error("writephys --backend flat -d 0x4 1", "paging is on (CR0.PG=1)");
    CU_ASSERT_EQUAL(T.virt[4], 0);
    T.regs[0].value = 0x11;
    T.generation++;
    expect_text("writephys --backend flat -d 0x4 1",
                "wrote 4 bytes at physical 0x4 via flat, verified");
    /* riscv: satp's mode, except in M-mode; aarch64: SCTLR.M at the EL. */
    setup();
    T.arch = "riscv:rv64";
    T.regs[0].name = "satp";
    T.regs[0].value = 8ull << 60;
    T.regs[1].name = "priv";
    T.regs[1].value = 1;
    expect_error("readphys --backend flat 0x4 --length 4", "paging is on (satp mode 8)");
    T.regs[1].value = 3;
    T.generation++;
    expect_text("readphys --backend flat 0x4 --length 4", "00000004");
    setup();
    T.arch = "aarch64";
    T.regs[0].name = "cpsr";
    T.regs[0].value = 0x3c5; /* EL1h */
    T.regs[1].name = "SCTLR";
    T.regs[1].value = 0x30d00801;
    expect_error("writephys --backend flat 0x4 1", "the MMU is on (SCTLR.M=1)");
    /* Without the registers it writes, but never says "physical". */
    setup();
    expect_text("writephys --backend flat 0x4 1",
                "wrote 1 byte at 0x4 (the debugger's address; not shown to be physical: no "
                "cr0 register to check paging) via flat");
    expect_text("writephys --dry-run --backend flat 0x4 1", "would write 1 byte at 0x4 (the");
}

/* 6: a stub that stalls past the timeout: a range for the count, and the
 * next command does not take a late reply for its own. */
static void test_stalled_stub(void)
{
    setup();
    fake_fault_at(&T, "M", 2, FAKE_LATE);
    size_t chunk = fake_chunk(&T, 0x1000, 6000);
    char want[160];
    snprintf(want, sizeof want, "%zu to %zu of 6000 bytes written (0x%zx-0x%zx were in flight",
             chunk, 2 * chunk, 0x1000 + chunk, 0x1000 + 2 * chunk - 1);
    expect_error("writephys --fill --length 6000 0x1000 0x5a", want);
    int m_before = T.m_packets;
    expect_error("writephys 0x1000 1", "out of step");
    expect_error("readphys 0x1000", "out of step");
    CU_ASSERT_EQUAL(T.m_packets, m_before); /* no write went out */
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "Qqemu.PhyMemMode:1"), 1);
}

/* 7, 15: a fill pattern longer than --length, and more than 1 GiB. */
static void test_fill_limits(void)
{
    setup();
    expect_error("writephys --fill --length 2 0x2270 1 2 3 4", "longer than --length 2");
    expect_error("writephys --fill --length 0x40000001 0x2270 1", "more than the 1 GiB");
    CU_ASSERT_EQUAL(T.packets, 0);
}

/* 9: the link ends while a write is in flight: its outcome is unknown. */
static void test_link_lost_in_flight(void)
{
    setup();
    fake_fault_at(&T, "M", 1, FAKE_LOSE);
    expect_error("writephys -d 0x100 0x5555", "0 to 4 of 4 bytes written (0x100-0x103 were "
                                              "in flight, their outcome unknown)");
}

/* 10: BytesWritten counts what the read-back shows landed. */
static void test_bytes_written_by_read_back(void)
{
    setup();
    wp_result res;
    char line[64];
    snprintf(line, sizeof line, "writephys --force -w %#x 0xabcd", FAKE_RAM_SIZE - 1);
    CU_ASSERT_EQUAL(run(line, &res), WP_EVERIFY);
    CU_ASSERT_EQUAL(res.bytes_done, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, "1 byte before it read back as written"));
    wp_result_free(&res);
}

/* 12, 20, 24: files that are not plain, /proc files, and "~". */
static void test_files(void)
{
    setup();
    char dir[] = "/tmp/wp_claims_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char fifo[64], line[160];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    CU_ASSERT_EQUAL(mkfifo(fifo, 0600), 0);
    snprintf(line, sizeof line, "writephys --file %s 0x100", fifo);
    expect_error(line, "is not a regular file");
    snprintf(line, sizeof line, "readphys 0x100 --output %s", fifo);
    expect_error(line, "is a FIFO, not a regular file");
    CU_ASSERT_EQUAL(T.packets, 0);
    expect_text("writephys --file /proc/version 0x400", "wrote ");
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x400, "Linux", 5), 0);
    /* "~" is the user's home. */
    const char *home = getenv("HOME");
    char *saved = home ? strdup(home) : NULL;
    setenv("HOME", dir, 1);
    char path[96];
    snprintf(path, sizeof path, "%s/blob", dir);
    FILE *f = fopen(path, "wb");
    fputs("home", f);
    fclose(f);
    expect_text("writephys --file ~/blob 0x500", "wrote 4 bytes");
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x500, "home", 4), 0);
    expect_text("readphys 0x500 --length 4 --output ~/out", "to ~/out via qemu");
    snprintf(path, sizeof path, "%s/out", dir);
    CU_ASSERT_EQUAL(access(path, F_OK), 0);
    if (saved)
        setenv("HOME", saved, 1);
    free(saved);
    unlink(path);
    snprintf(path, sizeof path, "%s/blob", dir);
    unlink(path);
    unlink(fifo);
    rmdir(dir);
}

/* 16: a route without a map says what it cannot tell. */
static void test_mapless_reads(void)
{
    setup();
    T.regs[0].name = "cr0";
    expect_text("readphys --backend flat 0x10 --length 4",
                "readphys: via flat; it has no memory map, so it could not tell RAM from a "
                "device range");
}

/* 19: singular forms. */
static void test_singular(void)
{
    setup();
    fake_fault_at(&T, "restore", 1, "E01");
    expect_error("writephys 0x10 1", "the 1 byte was written, but the stub refused");
    setup();
    fake_fault_at(&T, "M", 1, "E14");
    expect_error("writephys 0x10 1", "0 of 1 byte written");
    /* Issue 23 item 5: no "all 1 byte ... them". */
    setup();
    fake_fault_at(&T, "m", 1, "E03");
    expect_error("writephys 0x10 1", "the 1 byte was written but reading it back failed: ");
    setup();
    fake_fault_at(&T, "m", 1, "E03");
    expect_error("writephys -w 0x10 1",
                 "all 2 bytes were written but reading them back failed");
}

/* Issue 23 item 5: an explicit --verify (or verify on) is the consent to
 * read a device range back. */
static void test_verify_reads_devices_back(void)
{
    setup();
    expect_text("writephys 0x200000 1",
                "not verified (device memory: reads may have side effects; --verify to read "
                "back anyway)");
    /* The fake's device keeps nothing (it reads as zero): the read-back says so. */
    expect_error("writephys --verify 0x200000 2",
                 "read-back differs at 0x200000 (wrote 0x02, read 0x00): the stub acknowledged "
                 "the 1 byte but device memory did not keep it");
    expect_text("writephys --verify 0x200000 0",
                "writephys: wrote 1 byte at physical 0x200000 via qemu, verified\n");
    expect_text("writephys-settings set verify on", "");
    expect_text("writephys -w 0x200010 0",
                "writephys: wrote 2 bytes at physical 0x200010 via qemu, verified\n");
    expect_text("writephys --no-verify 0x200000 3", "not verified (--no-verify)");
    /* A readphys of the device still needs --force. */
    expect_error("readphys 0x200000 --length 4", "is a device");
}

/* 23, 25, 26: one rule for repeated options, no option without effect, help. */
static void test_option_rules(void)
{
    setup();
    expect_error("writephys --string a --string bb 0x10", "option '--string' given twice");
    expect_error("readphys 0x10 --output o1 --output o2", "option '--output' given twice");
    expect_error("writephys --backend openocd --backend qemu 0x10 1", "given twice");
    expect_error("writephys --string abc --big-endian 0x10", "apply to VALUEs and --fill");
    expect_error("readphys -d --output f 0x10", "--output saves raw bytes");
    expect_error("readphys --big-endian --output f 0x10", "--output saves raw bytes");
    CU_ASSERT_EQUAL(T.packets, 0);
    expect_text("writephys --help", "Usage: writephys [OPTIONS] ADDRESS VALUE...");
    expect_text("readphys -h", "Usage: readphys [OPTIONS] ADDRESS");
    expect_text("writephys 0x10 -h --dry-run", "Usage: writephys");
}

/* 27: a stub whose monitor cannot give the map: the step is named, and
 * --force goes on without it. */
static void test_map_unavailable(void)
{
    setup();
    T.mtree = "";
    expect_error("writephys 0x10 1", "cannot read QEMU's memory map");
    expect_error("writephys 0x10 1", "--force goes on without it");
    expect_text("writephys --force 0x10 1", "wrote 1 byte at physical 0x10 via qemu, verified");
    CU_ASSERT_EQUAL(T.ram[0x10], 1);
}

/* Files in dir whose name holds part (a leftover new file). */
static int files_named(const char *dir, const char *part)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, part) != NULL;
    if (d)
        closedir(d);
    return n;
}

static void expect_contents(const char *path, const char *want)
{
    char got[64] = {0};
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    CU_ASSERT_EQUAL(n, strlen(want));
    CU_ASSERT_STRING_EQUAL(got, want);
}

/* Issue 23 items 2, 10: --output replaces a file only with a complete
 * result, and every failure says what happened to the file. */
static void test_output_replaced_only_whole(void)
{
    setup();
    char dir[] = "/tmp/wp_out23_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char old[96], link[96], fresh[96], line[256], want[400];
    snprintf(old, sizeof old, "%s/old.bin", dir);
    snprintf(link, sizeof link, "%s/link.bin", dir);
    snprintf(fresh, sizeof fresh, "%s/new.bin", dir);
    FILE *f = fopen(old, "wb");
    fputs("keep", f);
    fclose(f);
    chmod(old, 0640);
    /* A read that fails in its second packet. */
    fake_fault_at(&T, "m", 2, "E14");
    snprintf(line, sizeof line, "readphys 0x1000 --length 8K --output %s", old);
    snprintf(want, sizeof want,
             "; '%s' is unchanged (the new file written beside it was removed)", old);
    expect_error(line, want);
    expect_contents(old, "keep");
    CU_ASSERT_EQUAL(files_named(dir, "readphys"), 0);
    setup();
    fake_fault_at(&T, "m", 2, "E14");
    snprintf(line, sizeof line, "readphys 0x1000 --length 8K --output %s", fresh);
    snprintf(want, sizeof want,
             "; '%s' was not created (the new file written beside it was removed)", fresh);
    expect_error(line, want);
    CU_ASSERT_NOT_EQUAL(access(fresh, F_OK), 0);
    /* The disk fills up (here: a file size limit) while the bytes are saved. */
    setup();
    struct rlimit saved, small = {1000, 1000};
    getrlimit(RLIMIT_FSIZE, &saved);
    small.rlim_max = saved.rlim_max;
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &small), 0);
    snprintf(line, sizeof line, "readphys 0x1000 --length 4K --output %s", old);
    snprintf(want, sizeof want,
             "readphys: cannot write '%s': File too large; '%s' is unchanged (the new file "
             "written beside it was removed)",
             old, old);
    wp_result res;
    CU_ASSERT_NOT_EQUAL(run(line, &res), WP_OK);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, was);
    if (strcmp(res.error.message, want) != 0)
        fprintf(stderr, "\n  said '%s'\n", res.error.message);
    CU_ASSERT_STRING_EQUAL(res.error.message, want);
    wp_result_free(&res);
    expect_contents(old, "keep");
    CU_ASSERT_EQUAL(files_named(dir, "readphys"), 0);
    /* A whole result replaces the file, keeps its mode; through a symbolic
     * link it replaces the link's target and leaves the link. */
    memcpy(T.ram + 0x900, "abcd", 4);
    CU_ASSERT_EQUAL(symlink(old, link), 0);
    snprintf(line, sizeof line, "readphys 0x900 --length 4 --output %s", link);
    expect_text(line, "readphys: saved 4 bytes from physical 0x900 to ");
    expect_contents(old, "abcd");
    struct stat st;
    CU_ASSERT_EQUAL(lstat(link, &st), 0);
    CU_ASSERT(S_ISLNK(st.st_mode));
    CU_ASSERT_EQUAL(stat(old, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
    CU_ASSERT_EQUAL(files_named(dir, "readphys"), 0);
    unlink(link);
    unlink(old);
    rmdir(dir);
}

/* Issue 23 item 9: ~user/ is that user's home, as GDB's restore and dump. */
static void test_tilde_user(void)
{
    setup();
    struct passwd *pw = getpwuid(getuid());
    CU_ASSERT_PTR_NOT_NULL_FATAL(pw);
    char name[64], home[256], in[320], out[512];
    snprintf(name, sizeof name, "%s", pw->pw_name);
    snprintf(home, sizeof home, "%s", pw->pw_dir);
    snprintf(in, sizeof in, "~%s/x.bin", name);
    CU_ASSERT_EQUAL(wp_expand_path(in, out, sizeof out), 0);
    snprintf(in, sizeof in, "%s/x.bin", home);
    CU_ASSERT_STRING_EQUAL(out, in);
    snprintf(in, sizeof in, "~%s", name);
    CU_ASSERT_EQUAL(wp_expand_path(in, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, home);
    CU_ASSERT_EQUAL(wp_expand_path("a~b/c", out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "a~b/c");
    expect_error("writephys --file ~no_such_user_wp23/blob 0x100",
                 "--file '~no_such_user_wp23/blob': there is no user 'no_such_user_wp23' to "
                 "expand '~no_such_user_wp23' to");
    expect_error("readphys 0x100 --output ~no_such_user_wp23/out",
                 "--output '~no_such_user_wp23/out': there is no user");
    CU_ASSERT_EQUAL(T.packets, 0);
    /* A whole command through ~user/: the file in that user's home. */
    char dir[300], file[340];
    snprintf(dir, sizeof dir, "%s/.wp_tilde23_XXXXXX", home);
    if (mkdtemp(dir)) {
        snprintf(file, sizeof file, "%s/blob", dir);
        FILE *f = fopen(file, "wb");
        fputs("user", f);
        fclose(f);
        char line[400];
        snprintf(line, sizeof line, "writephys --file ~%s/%s/blob 0x600", name,
                 dir + strlen(home) + 1);
        expect_text(line, "wrote 4 bytes");
        CU_ASSERT_EQUAL(memcmp(T.ram + 0x600, "user", 4), 0);
        unlink(file);
        rmdir(dir);
    }
}

static const CU_TestInfo tests[] = {
    {"1, 2: negative literals", test_negative_literals},
    {"3: --string escapes", test_string_escapes},
    {"3: the line splitter", test_split_like_lldb},
    {"4: unassigned is never verified", test_unassigned_never_verified},
    {"5: flat checks translation", test_flat_checks_translation},
    {"6: a stalled stub", test_stalled_stub},
    {"7, 15: fill limits", test_fill_limits},
    {"9: link lost in flight", test_link_lost_in_flight},
    {"10: BytesWritten by read-back", test_bytes_written_by_read_back},
    {"12, 20, 24: files", test_files},
    {"16: mapless reads", test_mapless_reads},
    {"19: singular forms", test_singular},
    {"23, 25, 26: option rules", test_option_rules},
    {"27: no memory map", test_map_unavailable},
    {"issue 23.2, 23.10: --output replaced only whole", test_output_replaced_only_whole},
    {"issue 23.9: ~user/", test_tilde_user},
    {"issue 23.5: --verify reads a device back", test_verify_reads_devices_back},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    int rc = run_suite("claims", tests);
    rc |= T.unexpected != 0;
    wp_session_free(S);
    return rc;
}
