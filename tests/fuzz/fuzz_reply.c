/* libFuzzer: the stub's replies.  Each input line is the next reply the
 * fake stub sends to whatever packet the core sent, through a whole write,
 * read-back and mode restore.  Whatever comes back, the count may not exceed
 * what was asked, and the packet parsers must not read out of bounds.
 * The same lines then answer the vmware, kgdb and openocd routes: monitor
 * output ('|' is a newline in it), symbol values and memory accesses; and
 * the port and PCI commands, whose every port and configuration value a
 * guest controls (capability loops, bridges to themselves, any BAR). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "internal.h"

static const char mtree[] = "FlatView #0\n AS \"memory\", root: system\n"
                            "  0000000000000000-00000000000fffff (prio 0, ram): ram\n";

typedef struct replies {
    const char *next;
    const char *end;
} replies;

/* The next line, or NULL when the input is used up. */
static const char *next_line(replies *r, size_t *len)
{
    if (r->next >= r->end)
        return NULL;
    const char *line = r->next;
    const char *nl = memchr(line, '\n', (size_t)(r->end - line));
    *len = (size_t)((nl ? nl : r->end) - line);
    r->next = nl ? nl + 1 : r->end;
    return line;
}

static int send_packet(void *ctx, const char *packet, size_t len, wp_buf *reply, wp_error *err)
{
    (void)packet;
    (void)len;
    size_t n;
    const char *line = next_line(ctx, &n);
    if (!line) {
        wp_error_set(err, WP_EHOST, "Remote connection closed");
        return WP_EHOST;
    }
    wp_buf_append(reply, line, n);
    return 0;
}

static int fuzz_monitor(void *ctx, const char *cmd, wp_buf *out, wp_error *err)
{
    (void)cmd;
    size_t len;
    const char *line = next_line(ctx, &len);
    if (!line || (len && line[0] == 'E')) {
        wp_error_set(err, WP_EHOST, "the stub answered with an error");
        return WP_EHOST;
    }
    for (size_t i = 0; i < len; i++) {
        char c = line[i] == '|' ? '\n' : line[i];
        wp_buf_append(out, &c, 1);
    }
    return 0;
}

static int fuzz_evaluate(void *ctx, const char *expr, uint64_t *value, int *negative,
                         wp_error *err)
{
    (void)expr;
    size_t len;
    const char *line = next_line(ctx, &len);
    *negative = 0;
    if (!line || !len || line[0] == 'E') {
        wp_error_set(err, WP_EHOST, "No symbol in current context.");
        return WP_EHOST;
    }
    char digits[24] = "";
    memcpy(digits, line, len < sizeof digits - 1 ? len : sizeof digits - 1);
    *value = strtoull(digits, NULL, 16);
    return 0;
}

static int fuzz_memory(void *ctx, uint64_t addr, void *buf, size_t len, wp_error *err)
{
    (void)addr;
    size_t n;
    const char *line = next_line(ctx, &n);
    if (!line || (n && line[0] == 'E')) {
        wp_error_set(err, WP_EHOST, "Cannot access memory");
        return WP_EHOST;
    }
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = n ? (uint8_t)line[i % n] : 0;
    return 0;
}

static int fuzz_write(void *ctx, uint64_t addr, const void *buf, size_t len, wp_error *err)
{
    (void)buf;
    uint8_t ignored[1];
    return fuzz_memory(ctx, addr, ignored, len ? 1 : 0, err);
}

static int fuzz_info(void *ctx, wp_target_info *info, wp_error *err)
{
    (void)ctx;
    (void)err;
    info->connected = info->remote = info->stopped = 1;
    info->byte_order = WP_ORDER_LITTLE;
    memcpy(info->arch, "i386:x86-64", 12);
    return 0;
}

static int mtree_monitor(void *ctx, const char *cmd, wp_buf *out, wp_error *err)
{
    (void)ctx;
    (void)cmd;
    (void)err;
    return wp_buf_append(out, mtree, sizeof mtree - 1);
}

static const char mtree_ecam[] =
    "FlatView #0\n AS \"memory\", root: system\n"
    "  0000000000000000-00000000000fffff (prio 0, ram): ram\n"
    "  00000000b0000000-00000000bfffffff (prio 0, i/o): pcie-mmcfg-mmio\n";

/* QEMU's map with an ECAM window; ports and everything else from the input. */
static int ports_monitor(void *ctx, const char *cmd, wp_buf *out, wp_error *err)
{
    if (strcmp(cmd, "info mtree -f") == 0)
        return wp_buf_append(out, mtree_ecam, sizeof mtree_ecam - 1);
    return fuzz_monitor(ctx, cmd, out, err);
}

static void run_ports(const char *text, size_t size)
{
    static const char *const lines[][2] = {{"readio", "-d 0xcf8"},
                                           {"writeio", "-w 0x80 0x1234 --verify"},
                                           {"readpci", "00:00.0"},
                                           {"writepci", "-d 00:03.0 0x10 1 2 --verify"},
                                           {"pci", ""},
                                           {"pci", "01:00.0"}};
    replies r = {text, text + size};
    wp_host host = {0};
    host.api_version = WP_API_VERSION;
    host.size = sizeof host;
    host.ctx = &r;
    host.send_packet = send_packet;
    host.monitor = ports_monitor;
    wp_session *s = wp_session_new(&host, NULL);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        wp_result res;
        wp_command_run_line(s, lines[i][0], lines[i][1], &res);
        if (res.data.len > 4096 || (res.status && strchr(res.error.message, '\n')))
            abort();
        wp_result_free(&res);
    }
    wp_session_free(s);
}

/* A route through a write and a read.  qemu gets its map from the monitor
 * and everything else from the input; the others take every answer from
 * the input, the debugger's own memory access included. */
typedef struct route_run {
    const char *route;
    int (*monitor)(void *ctx, const char *cmd, wp_buf *out, wp_error *err);
    int debugger_memory; /* evaluate, read/write memory and target info too */
    uint64_t write_at;
    uint8_t fill;
    size_t read_len;
} route_run;

static const route_run runs[] = {
    {"qemu", mtree_monitor, 0, 0x1000, 0xa5, 300},
    {"vmware", fuzz_monitor, 1, 0xfff, 0x5a, 3000},
    {"kgdb", fuzz_monitor, 1, 0xfff, 0x5a, 3000},
    {"openocd", fuzz_monitor, 1, 0xfff, 0x5a, 3000},
};

static void run_route(const char *text, size_t size, const route_run *run)
{
    replies r = {text, text + size};
    wp_host host = {0};
    host.api_version = WP_API_VERSION;
    host.size = sizeof host;
    host.ctx = &r;
    host.send_packet = send_packet;
    host.monitor = run->monitor;
    if (run->debugger_memory) {
        host.evaluate = fuzz_evaluate;
        host.read_memory = fuzz_memory;
        host.write_memory = fuzz_write;
        host.target_info = fuzz_info;
    }
    wp_session *s = wp_session_new(&host, NULL);
    uint8_t buf[5000];
    memset(buf, run->fill, sizeof buf);
    wp_error err;
    size_t done = SIZE_MAX;
    wp_route_options opt = {run->route, 0, -1, 0};
    int rc = wp_write_physical(s, &opt, run->write_at, buf, sizeof buf, &done, &err);
    if (done > sizeof buf || (rc == WP_OK && done != sizeof buf))
        abort();
    size_t got = SIZE_MAX;
    wp_read_physical(s, &opt, 0x1000, buf, run->read_len, &got, &err);
    if (got > run->read_len)
        abort();
    wp_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parsers on their own, on the raw input. */
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    wp_error err;
    uint8_t out[64];
    wp_rsp_expect_ok(text, size, &err, "x");
    int n = wp_rsp_decode_memory(text, size, out, sizeof out, &err);
    if (n > (int)sizeof out)
        abort();
    wp_rsp_feature_present(text, "PhyMemMode");
    size_t packet_size;
    wp_rsp_packet_size(text, &packet_size);

    /* Whole writes and reads against stubs that answer with the input. */
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++)
        run_route(text, size, &runs[i]);
    run_ports(text, size);
    free(text);
    return 0;
}
