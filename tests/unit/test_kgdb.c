/* The kgdb route against a fake kernel behind the host callbacks: kgdb's
 * thread answers (kernel/debug/gdbstub.c), symbols the debugger evaluates,
 * and virtual memory where the direct map holds 64 KiB of RAM with one
 * page missing, and the kernel image maps its own banner. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "test_util.h"

#define RAM_SIZE  0x10000u
#define HOLE      0x3000u /* a page with no RAM behind it */
#define BASE      0xffff888000000000ull
#define BANNER_VA 0xffffffff80008000ull
#define BANNER_PA 0x8000u /* phys_base 0: VA - __START_KERNEL_map */

typedef struct kernel {
    uint8_t ram[RAM_SIZE];
    int kgdb;    /* answers as kgdb; else as QEMU */
    int symbols; /* the debugger has the kernel's symbols */
    const char *arch;
    int extra_info, writes, reads, faults;
    uint64_t lose_at; /* a write there loses the link: its fate is unknown */
} kernel;

static kernel K;
static wp_session *S;

static int reply(wp_buf *out, const char *text)
{
    return wp_buf_append(out, text, strlen(text));
}

static int k_send(void *ctx, const char *packet, size_t len, wp_buf *out, wp_error *err)
{
    (void)ctx;
    (void)len;
    (void)err;
    if (strcmp(packet, "qqemu.Supported") == 0)
        return reply(out, K.kgdb ? "" : "sstepbits;sstep;PhyMemMode");
    if (strcmp(packet, "qfThreadInfo") == 0)
        return reply(out, K.kgdb ? "mfffffffe,01,02" : "m1");
    if (strcmp(packet, "qThreadExtraInfo,fffffffe") == 0) {
        K.extra_info++;
        return reply(out, "736861646f7743505530"); /* "shadowCPU0" */
    }
    return reply(out, "");
}

static int k_monitor(void *ctx, const char *cmd, wp_buf *out, wp_error *err)
{
    (void)ctx;
    (void)cmd;
    (void)out;
    wp_error_set(err, WP_EHOST, "Target does not support this command.");
    return WP_EHOST;
}

/* The direct map is RAM but for the hole; the banner's link address reads
 * the banner's physical page. */
static uint8_t *at(uint64_t va, size_t len)
{
    if (va >= BANNER_VA && va + len <= BANNER_VA + 0x100)
        return K.ram + BANNER_PA + (va - BANNER_VA);
    if (va < BASE || va - BASE + len > RAM_SIZE)
        return NULL;
    uint64_t p = va - BASE;
    if (p < HOLE + 0x1000 && p + len > HOLE)
        return NULL;
    return K.ram + p;
}

/* A fault is the stub's E reply: the host says WP_ETARGET. */
static uint8_t *k_access(uint64_t va, size_t len, wp_error *err)
{
    uint8_t *p = at(va, len);
    if (!p) {
        K.faults++;
        wp_error_set(err, WP_ETARGET, "Cannot access memory");
    }
    return p;
}

static int k_read(void *ctx, uint64_t addr, void *buf, size_t len, wp_error *err)
{
    (void)ctx;
    uint8_t *p = k_access(addr, len, err);
    if (!p)
        return WP_ETARGET;
    K.reads++;
    memcpy(buf, p, len);
    return WP_OK;
}

static int k_write(void *ctx, uint64_t addr, const void *buf, size_t len, wp_error *err)
{
    (void)ctx;
    if (K.lose_at && addr == K.lose_at) {
        wp_error_set(err, WP_EHOST, "Remote connection closed");
        return WP_EHOST;
    }
    uint8_t *p = k_access(addr, len, err);
    if (!p)
        return WP_ETARGET;
    K.writes++;
    memcpy(p, buf, len);
    return WP_OK;
}

static int k_evaluate(void *ctx, const char *expr, uint64_t *value, int *negative,
                      wp_error *err)
{
    (void)ctx;
    *negative = 0;
    struct {
        const char *expr;
        uint64_t value;
    } symbols[] = {
        {"(char *)&linux_banner", BANNER_VA},
        {"*(unsigned long long *)&page_offset_base", BASE},
        {"*(unsigned long long *)&phys_base", 0},
        {"*(unsigned long long *)&max_pfn", RAM_SIZE / 0x1000},
    };
    for (size_t i = 0; K.symbols && i < WP_ARRAY_LEN(symbols); i++)
        if (strcmp(expr, symbols[i].expr) == 0) {
            *value = symbols[i].value;
            return WP_OK;
        }
    wp_error_set(err, WP_EHOST, "No symbol in current context.");
    return WP_EHOST;
}

static int k_info(void *ctx, wp_target_info *info, wp_error *err)
{
    (void)ctx;
    (void)err;
    info->connected = info->remote = info->stopped = 1;
    info->byte_order = WP_ORDER_LITTLE;
    snprintf(info->arch, sizeof info->arch, "%s", K.arch);
    return WP_OK;
}

static void setup(void)
{
    wp_session_free(S);
    memset(&K, 0, sizeof K);
    K.kgdb = K.symbols = 1;
    K.arch = "i386:x86-64";
    memcpy(K.ram + BANNER_PA, "Linux version 6.1.0 (fake)", 26);
    wp_host h = {.api_version = WP_API_VERSION,
                 .size = sizeof(wp_host),
                 .send_packet = k_send,
                 .monitor = k_monitor,
                 .read_memory = k_read,
                 .write_memory = k_write,
                 .evaluate = k_evaluate,
                 .target_info = k_info};
    wp_error err = {0};
    S = wp_session_new(&h, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(S);
}

static int run(const char *line, wp_result *res)
{
    const char *sp = strchr(line, ' ');
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)(sp ? sp - line : (long)strlen(line)), line);
    return wp_command_run_line(S, name, sp ? sp + 1 : "", res);
}

static void expect_error(const char *line, const char *part)
{
    wp_result res;
    int rc = run(line, &res);
    if (rc == WP_OK || !strstr(res.error.message, part))
        fprintf(stderr, "\n  '%s': rc %d, '%s'\n", line, rc, res.error.message);
    CU_ASSERT_NOT_EQUAL(rc, WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, part));
    wp_result_free(&res);
}

static void test_symbols_give_a_checked_base(void)
{
    setup();
    expect_printed_part(run, "writephys -d 0x1000 0xdeadbeef",
                        "writephys: wrote 4 bytes at physical 0x1000 via kgdb (the kernel's "
                        "direct map at 0xffff888000000000, from page_offset_base), verified\n");
    CU_ASSERT_EQUAL(memcmp(K.ram + 0x1000, "\xef\xbe\xad\xde", 4), 0);
    CU_ASSERT_EQUAL(K.extra_info, 1);
    /* Learnt once per stop: a second write asks nothing again, and reads
     * only its own read-back (the banner check is not repeated). */
    int reads = K.reads;
    expect_printed_part(run, "writephys 0x1004 1", "wrote 1 byte at physical 0x1004 via kgdb");
    CU_ASSERT_EQUAL(K.extra_info, 1);
    CU_ASSERT_EQUAL(K.reads, reads + 1);
}

static void test_wrong_base_is_refused_before_a_write(void)
{
    setup();
    expect_error("writephys --direct-map 0xffff888000001000 0x1000 1",
                 "does not map the kernel's own image");
    CU_ASSERT_EQUAL(K.writes, 0);
}

static void test_without_symbols_the_base_is_given(void)
{
    setup();
    K.symbols = 0;
    expect_error("writephys 0x1000 1", "give --direct-map BASE");
    CU_ASSERT_EQUAL(K.writes, 0);
    expect_printed_part(run, "writephys --direct-map 0xffff888000000000 0x1000 7",
                        "at 0x1000 (the direct map's address; not shown to be physical: no "
                        "kernel symbols to check the base against) via kgdb (the kernel's "
                        "direct map at 0xffff888000000000, from --direct-map)");
    CU_ASSERT_EQUAL(K.ram[0x1000], 7);
    /* The option lasts one command; the setting lasts. */
    expect_error("writephys 0x1000 1", "give --direct-map BASE");
    expect_printed_part(run, "writephys-settings set direct-map 0xffff888000000000",
                        "direct-map = 0xffff888000000000");
    expect_printed_part(run, "writephys 0x1000 8", "from the direct-map setting");
    CU_ASSERT_EQUAL(K.ram[0x1000], 8);
}

static void test_other_architectures_need_the_base(void)
{
    setup();
    K.arch = "aarch64";
    expect_error("writephys 0x1000 1", "give --direct-map BASE");
    CU_ASSERT_EQUAL(K.writes, 0);
}

static void test_hole_and_end_of_ram_counts(void)
{
    setup();
    uint8_t data[0x2000];
    memset(data, 0x77, sizeof data);
    wp_route_options opt = {"kgdb", 0, -1, 1};
    size_t done = 99;
    wp_error err = {0};
    /* The page before the hole lands; the hole's page faults: exact. */
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, HOLE - 0x1000, data, sizeof data, &done, &err),
                    WP_EREFUSED);
    CU_ASSERT_EQUAL(done, 0x1000);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "the kernel faulted at physical 0x3000"));
    CU_ASSERT_EQUAL(K.ram[HOLE - 1], 0x77);
    /* Past max_pfn nothing is sent: the direct map ends there.  The two
     * bytes before the end land. */
    int writes = K.writes, faults = K.faults;
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, RAM_SIZE - 2, data, 4, &done, &err),
                    WP_EREFUSED);
    CU_ASSERT_EQUAL(done, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "past the end of the RAM the kernel maps"));
    CU_ASSERT_EQUAL(K.writes, writes + 1);
    CU_ASSERT_EQUAL(K.faults, faults);
}

/* Not a fault but a lost link: the page in flight is in doubt, not refused. */
static void test_lost_link_is_a_range(void)
{
    setup();
    K.lose_at = BASE + 0x5000;
    uint8_t data[0x2000] = {0};
    wp_route_options opt = {"kgdb", 0, -1, 1};
    size_t done = 99;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, 0x4000, data, sizeof data, &done, &err),
                    WP_EHOST);
    CU_ASSERT_EQUAL(done, 0x1000);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "0x5000-0x5fff were in flight"));
    CU_ASSERT_PTR_NULL(strstr(err.message, "faulted"));
}

static void test_qemu_is_never_asked_for_kgdb_threads(void)
{
    setup();
    K.kgdb = 0;
    expect_error("writephys --backend kgdb 0x1000 1", "does not answer as kgdb");
    CU_ASSERT_EQUAL(K.extra_info, 0);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"symbols give a checked base", test_symbols_give_a_checked_base},
        {"a wrong base is refused", test_wrong_base_is_refused_before_a_write},
        {"without symbols the base is given", test_without_symbols_the_base_is_given},
        {"other architectures need the base", test_other_architectures_need_the_base},
        {"hole and end of RAM", test_hole_and_end_of_ram_counts},
        {"a lost link is a range", test_lost_link_is_a_range},
        {"QEMU never gets kgdb's thread query", test_qemu_is_never_asked_for_kgdb_threads},
        CU_TEST_INFO_NULL,
    };
    int failed = run_suite("kgdb", tests);
    wp_session_free(S);
    return failed;
}
