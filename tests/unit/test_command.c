/* Whole command lines through wp_command_run: the text both debuggers print. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fake_target.h"
#include "internal.h"
#include "test_util.h"

static fake_target T;
static wp_session *S;

static void setup(void)
{
    wp_session_free(S);
    fake_init(&T);
    wp_host h = fake_host(&T);
    S = wp_session_new(&h, NULL);
}

static int run(const char *line, wp_result *res)
{
    static char storage[1024];
    const char *argv[MAX_ARGS];
    int argc = split_args(line, storage, sizeof storage, argv);
    return wp_command_run(S, argc, argv, res);
}

static void expect_text(const char *line, const char *text)
{
    wp_result res;
    int rc = run(line, &res);
    CU_ASSERT_EQUAL(rc, WP_OK);
    if (rc || strcmp(res.text.data ? res.text.data : "", text) != 0)
        fprintf(stderr, "\n  '%s' printed '%s' (error '%s')\n", line,
                res.text.data ? res.text.data : "", res.error.message);
    CU_ASSERT_STRING_EQUAL(res.text.data ? res.text.data : "", text);
    wp_result_free(&res);
}

static void expect_part(const char *line, const char *part)
{
    expect_printed_part(run, line, part);
}

static void expect_error(const char *line, const char *part)
{
    wp_result res;
    int packets = T.packets;
    int rc = run(line, &res);
    CU_ASSERT_NOT_EQUAL(rc, WP_OK);
    char name[32];
    snprintf(name, sizeof name, "%.*s: ", (int)strcspn(line, " "), line);
    CU_ASSERT_EQUAL(strncmp(res.error.message, name, strlen(name)), 0);
    CU_ASSERT_PTR_NULL(strchr(res.error.message, '\n'));
    if (!strstr(res.error.message, part))
        fprintf(stderr, "\n  '%s' said '%s'\n", line, res.error.message);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, part));
    CU_ASSERT_EQUAL(T.packets, packets); /* bad input sends nothing */
    wp_result_free(&res);
}

static void test_values(void)
{
    setup();
    expect_text("writephys -d 0x100 0x11223344 -1",
                "writephys: wrote 8 bytes at physical 0x100 via qemu, verified\n");
    const uint8_t want[] = {0x44, 0x33, 0x22, 0x11, 0xff, 0xff, 0xff, 0xff};
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x100, want, sizeof want), 0);
    T.big_endian = 1;
    expect_text("writephys -w 0x200 0x1234",
                "writephys: wrote 2 bytes at physical 0x200 via qemu, verified\n");
    CU_ASSERT(T.ram[0x200] == 0x12 && T.ram[0x201] == 0x34);
    expect_text("writephys -w --little-endian 0x200 0x1234",
                "writephys: wrote 2 bytes at physical 0x200 via qemu, verified\n");
    CU_ASSERT(T.ram[0x200] == 0x34);
    expect_text("writephys --no-verify 0x300 1",
                "writephys: wrote 1 byte at physical 0x300 via qemu, not verified "
                "(--no-verify)\n");
    expect_text("writephys 0x200000 1",
                "writephys: wrote 1 byte at physical 0x200000 via qemu, not verified "
                "(device memory: reads may have side effects; --verify to read back "
                "anyway)\n");
}

static void test_strings(void)
{
    setup();
    expect_text("writephys --string hi~there --zero 0x400",
                "writephys: wrote 9 bytes at physical 0x400 via qemu, verified\n");
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x400, "hi there", 9), 0);
    expect_text("writephys --string Hi --utf16 0x500",
                "writephys: wrote 4 bytes at physical 0x500 via qemu, verified\n");
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x500, "H\0i\0", 4), 0);
}

/* Another program rewrites the file while it is being written. */
static void rewrite_file(fake_target *t)
{
    int fd = open(t->hook_path, O_WRONLY);
    if (fd >= 0) {
        CU_ASSERT_EQUAL(pwrite(fd, "XY", 2, 0), 2);
        close(fd);
    }
    t->on_M = NULL;
}

/* A file that changes during the write cannot be read back against: the
 * bytes sent are not the file's any more (found by review). */
static void test_file_changed_while_written(void)
{
    setup();
    char path[] = "/tmp/wp_test_XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    static uint8_t blob[100000]; /* over the size read whole: it streams */
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)('0' + i % 10);
    CU_ASSERT_EQUAL(write(fd, blob, sizeof blob), (ssize_t)sizeof blob);
    close(fd);
    T.hook_path = path;
    T.on_M = rewrite_file;
    char line[256];
    snprintf(line, sizeof line, "writephys --file %s 0x10000", path);
    wp_result res;
    CU_ASSERT_EQUAL(wp_command_run_line(S, "writephys", line + strlen("writephys "), &res),
                    WP_EVERIFY);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, "all 100000 bytes were written but not "
                                                     "verified: '"));
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, "changed while it was written"));
    CU_ASSERT_EQUAL(res.bytes_done, 100000);
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x10000, "0123456789", 10), 0); /* what was sent */
    wp_result_free(&res);
    unlink(path);
}

/* A streamed file is read back a stage at a time as it is written, against
 * the bytes sent: a stage memory dropped is named, the write goes on to the
 * end as before, and BytesWritten counts what read back as written. */
static void test_file_read_back_as_written(void)
{
    setup();
    char path[] = "/tmp/wp_test_XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    static uint8_t blob[100000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)('0' + i % 10);
    CU_ASSERT_EQUAL(write(fd, blob, sizeof blob), (ssize_t)sizeof blob);
    close(fd);
    fake_fault_at(&T, "M", 5, FAKE_IGNORE);
    char line[256];
    snprintf(line, sizeof line, "writephys --file %s 0x10000", path);
    wp_result res;
    CU_ASSERT_EQUAL(wp_command_run_line(S, "writephys", line + strlen("writephys "), &res),
                    WP_EVERIFY);
    size_t kept = 0;
    while (kept < sizeof blob && T.ram[0x10000 + kept] == blob[kept])
        kept++;
    CU_ASSERT(kept > 0 && kept < sizeof blob);
    char want[96];
    snprintf(want, sizeof want, "read-back differs at 0x%zx (wrote 0x%02x, read 0x00)",
             0x10000 + kept, blob[kept]);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, want));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(res.error.message,
               "the stub acknowledged all 100000 bytes but ram memory did not keep them"));
    CU_ASSERT_EQUAL(res.bytes_done, kept);
    CU_ASSERT_EQUAL(T.ram[0x10000 + sizeof blob - 1], blob[sizeof blob - 1]); /* to the end */
    wp_result_free(&res);
    unlink(path);
}

/* Issue 18: a write repeated within a stop sends at most 5 packets, one of
 * them the map query (monitor info mtree -f): the switch, the data, the
 * read-back and the switch back are the rest. */
static void test_repeated_write_packets(void)
{
    setup();
    expect_part("writephys -d 0x2000 1", "verified");
    expect_part("writephys -d 0x2000 2", "verified");
    int packets = T.packets, monitors = T.monitors;
    expect_text("writephys -d 0x2000 3",
                "writephys: wrote 4 bytes at physical 0x2000 via qemu, verified\n");
    CU_ASSERT_EQUAL(T.monitors - monitors, 1);
    CU_ASSERT(T.packets - packets + T.monitors - monitors <= 5);
    CU_ASSERT_STRING_EQUAL(T.log[packets], "Qqemu.PhyMemMode:1");
    CU_ASSERT_STRING_EQUAL(T.log[packets + 1], "M2000,4:03000000");
    CU_ASSERT_STRING_EQUAL(T.log[packets + 2], "m2000,4");
    CU_ASSERT_STRING_EQUAL(T.log[packets + 3], "Qqemu.PhyMemMode:0");
    CU_ASSERT_EQUAL(T.packets - packets, 4);
    CU_ASSERT_EQUAL(T.unexpected, 0);
}

static void test_files(void)
{
    setup();
    char path[] = "/tmp/wp_test_XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, "0123456789", 10), 10);
    close(fd);
    char line[256];
    snprintf(line, sizeof line, "writephys --file %s --skip 2 --length 5 0x600", path);
    expect_text(line, "writephys: wrote 5 bytes at physical 0x600 via qemu, verified\n");
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x600, "23456", 5), 0);
    snprintf(line, sizeof line, "writephys --file %s --skip 10 0x600", path);
    expect_error(line, "--skip 10 is past the end");
    snprintf(line, sizeof line, "writephys --file %s --skip 4 --length 7 0x600", path);
    expect_error(line, "runs past the end");
    expect_error("writephys --file /nonexistent/blob 0x600", "cannot open --file");
    expect_error("writephys --file /tmp 0x600", "not a regular file");
    fd = open(path, O_WRONLY | O_TRUNC);
    close(fd);
    snprintf(line, sizeof line, "writephys --file %s 0x600", path);
    expect_error(line, "gives no bytes");
    unlink(path);
}

static void test_fill_and_dry_run(void)
{
    setup();
    expect_text("writephys --fill --length 16 -d 0x700 0xcafef00d",
                "writephys: wrote 16 bytes at physical 0x700 via qemu, verified\n");
    CU_ASSERT(T.ram[0x70c] == 0x0d && T.ram[0x70f] == 0xca);
    expect_error("writephys --fill --length 6 -d 0x700 1", "not a multiple of the 4-byte");
    int packets = T.packets;
    int monitors = T.monitors;
    expect_text("writephys --dry-run -w 0x1000 0x1234 7",
                "writephys: dry run: would write 4 bytes at physical 0x1000 via qemu; "
                "nothing written: 34 12 07 00\n");
    expect_text("writephys --dry-run --fill --length 4K 0x1000 0xaa 0x55",
                "writephys: dry run: would write 4096 bytes at physical 0x1000 via qemu; "
                "nothing written: pattern aa 55 repeated\n");
    /* A dry run applies every check the real command makes before it
     * writes: the map refuses past RAM, as the write would. */
    expect_error("writephys --dry-run 0x300000 1", "unassigned");
    expect_error("writephys --dry-run --fill --length 2G 0x1000 1", "1 GiB");
    expect_error("writephys --dry-run --fill --length 2 0x1000 1 2 3", "longer than --length");
    /* The route was learnt by the commands before: nothing is sent but the
     * map query each command makes (the map can change within a stop). */
    CU_ASSERT_EQUAL(T.packets, packets);
    CU_ASSERT_EQUAL(T.monitors, monitors + 3); /* the three that reach the route */
    /* Without a target, a dry run checks what it can and says what it could not. */
    T.connected = 0;
    expect_text("writephys --dry-run 0x300000 1",
                "writephys: dry run: would write 1 byte at physical 0x300000 (backend auto; "
                "no target, so no route or memory map was checked); nothing written: 01\n");
}

static void test_readphys(void)
{
    setup();
    memcpy(T.ram + 0x800, "Hello, physical world!", 22);
    expect_text("readphys 0x800 --length 20",
                "00000800  48 65 6c 6c 6f 2c 20 70  68 79 73 69 63 61 6c 20  "
                "|Hello, physical |\n"
                "00000810  77 6f 72 6c                                       |worl|\n");
    expect_text("readphys -d 0x800 --length 10",
                "00000800  6c6c6548 70202c6f 68 79              |Hello, phy|\n");
}

static void test_readphys_output(void)
{
    setup();
    memcpy(T.ram + 0x900, "abcd", 4);
    char path[] = "/tmp/wp_out_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char line[128], text[256];
    snprintf(line, sizeof line, "readphys 0x900 --length 4 --output %s", path);
    snprintf(text, sizeof text, "readphys: saved 4 bytes from physical 0x900 to %s via qemu\n",
             path);
    expect_text(line, text);
    FILE *f = fopen(path, "rb");
    char got[8] = {0};
    CU_ASSERT_EQUAL(fread(got, 1, sizeof got, f), 4);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(got, "abcd");
    expect_error("readphys 0x900 --output /nonexistent/dir/x", "cannot open --output");
    /* A read that fails leaves an existing --output file as it was. */
    f = fopen(path, "wb");
    fputs("keep", f);
    fclose(f);
    snprintf(line, sizeof line, "readphys 0x300000 --output %s", path);
    expect_error(line, "unassigned");
    f = fopen(path, "rb");
    memset(got, 0, sizeof got);
    CU_ASSERT_EQUAL(fread(got, 1, sizeof got, f), 4);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(got, "keep");
    unlink(path);
    snprintf(line, sizeof line, "readphys 0x300000 --output %s", path);
    expect_error(line, "unassigned");
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0); /* and creates none */
    expect_error("readphys 0x900 --length 2M", "too long to print");
}

static void test_bad_values(void)
{
    setup();
    expect_error("writephys 0x100 256", "does not fit in 1 byte (-b)");
    expect_error("writephys -w 0x100 -32769", "does not fit in 2 bytes (-w)");
    expect_error("writephys 0x100 $rax", "bad number '$rax' for VALUE");
    expect_error("writephys -5 1", "ADDRESS '-5' is negative");
    expect_error("writephys 0xffffffffffffffff 1 2", "past the end of the 64-bit");
    expect_error("readphys 0xfffffffffffffff0 --length 17", "past the end of the 64-bit");
    expect_error("writephys 0x10000000000000000 1", "bad number");
    expect_error("writephys 0x100 1 --bogus", "unknown option '--bogus'");
    expect_error("readphys 0x100 --bogus", "unknown option");
}

static void test_help(void)
{
    CU_ASSERT_STRING_EQUAL(wp_status_name(WP_EVERIFY), "verification failed");
    CU_ASSERT_STRING_EQUAL(wp_status_name(12345), "unknown error");
    CU_ASSERT_PTR_NOT_NULL(strstr(wp_command_help(S, "writephys"), "Usage: writephys"));
    CU_ASSERT_PTR_NOT_NULL(strstr(wp_command_help(S, "writephys"), "--fill"));
    CU_ASSERT_PTR_NOT_NULL(strstr(wp_command_help(S, "readphys"), "Usage: readphys"));
}

/* Settings give every command its defaults; options still win. */
static void test_settings(void)
{
    setup();
    expect_text("writephys-settings show verify", "writephys-settings: verify = auto\n");
    expect_text("writephys-settings set verify off", "writephys-settings: verify = off\n");
    int m = fake_count_prefix(&T, "m");
    expect_text("writephys 0x100 1",
                "writephys: wrote 1 byte at physical 0x100 via qemu, not verified (the verify "
                "setting is off)\n");
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "m"), m); /* no read-back */
    expect_text("writephys --verify 0x100 2",
                "writephys: wrote 1 byte at physical 0x100 via qemu, verified\n");
    expect_part("writephys-settings set read-width 4", "read-width = 4");
    expect_part("writephys-settings set read-length 8", "read-length = 8");
    expect_part("readphys 0x100", "00000100  00000002 00000000 ");
    expect_part("readphys -b 0x100 --length 2", "00000100  02 00");
    expect_part("writephys-settings set backend flat", "backend = flat");
    expect_part("readphys 0x10 --length 1", "via flat");
    expect_part("writephys-settings set progress off", "progress = off");
    expect_error("writephys-settings set verify maybe", "bad value 'maybe' for verify");
    expect_error("writephys-settings set backend nowhere", "unknown backend 'nowhere'");
    expect_error("writephys-settings set colour red", "unknown setting 'colour'");
    expect_error("writephys-settings set read-width 3", "bad value '3' for read-width");
    expect_error("writephys-settings frobnicate", "usage: writephys-settings");
    expect_error("writephys-settings set direct-map -1", "bad value '-1' for direct-map");
    expect_error("writephys --direct-map -1 0x1000 1", "--direct-map '-1' is negative");
    expect_error("writephys --direct-map 0 0x1000 1",
                 "--direct-map 0x0 is not a kernel address");
    expect_error("writephys --direct-map 0x7fffffffffffffff 0x1000 1", "not a kernel address");
    expect_error("writephys-settings set direct-map 0x1000",
                 "direct-map 0x1000 is not a kernel");
    expect_error("readphys --direct-map 0x1000 --backend flat 0", "kgdb route only");
    expect_text("writephys-settings",
                "writephys-settings: verify = off\nwritephys-settings: backend = "
                "flat\nwritephys-settings: progress = "
                "off\nwritephys-settings: read-length = 8\nwritephys-settings: read-width = 4\n"
                "writephys-settings: direct-map = auto\n");
    expect_text("writephys-settings set direct-map 0xffff888000000000",
                "writephys-settings: direct-map = 0xffff888000000000\n");
    char value[32];
    CU_ASSERT_EQUAL(wp_setting_get(S, "verify", value, sizeof value), WP_OK);
    CU_ASSERT_STRING_EQUAL(value, "off");
    CU_ASSERT_EQUAL(wp_setting_count(), 6);
    CU_ASSERT_STRING_EQUAL(wp_setting_name(4), "read-width");
}

static void test_version_and_progress_line(void)
{
    setup();
    expect_part("writephys --version", "writephys: writephys " WP_VERSION " (core API ");
    expect_part("readphys --version", "route for a write now: qemu\n");
    T.connected = 0;
    expect_part("writephys --version", "route for a write now: no target\n");
    char line[128];
    wp_progress_line(3 << 20, 8 << 20, 0.25, line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "writephys: 3.0 of 8.0 MiB (37%), 12.0 MiB/s, 0.4 s left");
}

/* --mi: the text, then the fields as one MI record; a script parses that. */
static void test_mi_record(void)
{
    setup();
    expect_text("writephys --mi -w 0x100 0x1234",
                "writephys: wrote 2 bytes at physical 0x100 via qemu, verified\n"
                "^done,address=\"0x100\",length=\"2\",backend=\"qemu\",bytes-written=\"2\","
                "verified=\"yes\",dry-run=\"no\"\n");
    expect_part("readphys 0x100 --length 2 --mi",
                "|4.|\n^done,address=\"0x100\",length=\"2\","
                "backend=\"qemu\",bytes-read=\"2\",contents=\"3412\"\n");
    expect_part("vtop --mi --version", "\n^done,version=\"" WP_VERSION "\",api=");
    /* A failure stays one line, without a record. */
    expect_error("writephys --mi 0x100 0x100", "does not fit in 1 byte");
    expect_error("writephys --mi --mi 0x100 1", "option '--mi' given twice");
}

/* --partial: RAM and ROM are read, the run the map refuses after them is
 * counted and not read (the fake's map: RAM to 0xfffff, ROM 0x100000-0x10ffff,
 * a hole, a device at 0x200000-0x200fff, a hole). */
static void test_readphys_partial(void)
{
    setup();
    expect_part("readphys --partial --mi 0x10fffe --length 4",
                "\nreadphys: read 2 of 4 bytes; the memory map refuses the next 2 (not RAM or "
                "ROM), which were not read\n^done,refused=\"2\",address=\"0x10fffe\","
                "length=\"4\",backend=\"qemu\",bytes-read=\"2\",contents=\"");
    /* The refused run ends where readable memory starts again... */
    T.mtree = "FlatView #0\n AS \"memory\", root: system\n"
              "  0000000000000000-0000000000000fff (prio 0, ram): a\n"
              "  0000000000001000-0000000000001fff (prio 0, i/o): dev\n"
              "  0000000000002000-0000000000002fff (prio 0, ram): b\n\n";
    expect_part("readphys --partial --mi 0xffe --length 0x2000",
                "read 2 of 8192 bytes; the memory map refuses the next 4096 ");
    T.mtree = NULL;
    setup();
    /* ...or at the device's end: a device and the hole after it are one run. */
    int packets = T.packets;
    expect_part("readphys --partial --mi 0x1ffffe --length 16",
                "readphys: read 0 of 16 bytes; the memory map refuses the next 16");
    expect_part("readphys --partial 0x200000 --length 1 --mi", "^done,refused=\"1\",address=");
    CU_ASSERT(T.packets - packets < 8); /* map reads, no memory read */
    expect_part("readphys --partial 0x1000 --length 4 --mi", "refused=\"0\"");
    expect_error("readphys --partial --force 0x200000", "--partial takes a physical ADDRESS");
    expect_error("readphys --partial --virtual 0x1000", "--partial takes a physical ADDRESS");
    /* writephys --partial: RAM and devices are written, ROM and holes refused. */
    expect_text("writephys --partial --mi -w 0xffffe 0x1234 0x5678",
                "writephys: wrote 2 bytes at physical 0xffffe via qemu, verified\n"
                "writephys: wrote 2 of 4 bytes; the memory map refuses the next 2 (ROM or "
                "unassigned), which were not written\n"
                "^done,refused=\"2\",address=\"0xffffe\",length=\"4\",backend=\"qemu\","
                "bytes-written=\"2\",verified=\"yes\",dry-run=\"no\"\n");
    CU_ASSERT(T.ram[0xffffe] == 0x34 && T.ram[0xfffff] == 0x12);
    expect_part("writephys --partial --mi 0x100000 1",
                "writephys: wrote 0 of 1 byte; the memory map refuses the next 1 (ROM or");
    expect_part("writephys --partial --mi --fill --length 8 0x1ffffc 0", "refused=\"4\",");
    expect_error("writephys --partial --dry-run 0x1000 1",
                 "--partial takes a physical ADDRESS");
    expect_error("vtop --partial 0x1000", "option '--partial' does not apply to vtop");
}

static const CU_TestInfo tests[] = {
    {"--mi record", test_mi_record},
    {"readphys --partial", test_readphys_partial},
    {"settings", test_settings},
    {"a file that changes while it is written", test_file_changed_while_written},
    {"a streamed file read back as it is written", test_file_read_back_as_written},
    {"a repeated write within a stop: 5 packets", test_repeated_write_packets},
    {"version and progress line", test_version_and_progress_line},
    {"values", test_values},
    {"strings", test_strings},
    {"files", test_files},
    {"fill and dry run", test_fill_and_dry_run},
    {"readphys dump", test_readphys},
    {"readphys --output", test_readphys_output},
    {"bad values", test_bad_values},
    {"help", test_help},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    int rc = run_suite("command", tests);
    wp_session_free(S);
    return rc;
}
