/* The openocd route: OpenOCD's own commands on physical addresses, sent as
 * monitor commands (OpenOCD 0.12, src/target/target.c):
 *
 *   read_memory ADDR WIDTH COUNT phys   -> a Tcl list of 0x... values
 *   write_memory ADDR WIDTH {DATA} phys
 *
 * at most 65536 elements each; for an OpenOCD without read_memory, `mdb
 * phys ADDR COUNT` lines ("0x00001000: 12 34 ...") read instead.  Each is
 * wrapped in a Tcl `catch` that prints "wp-ok: RESULT" or "wp-error:
 * MESSAGE", so that both debuggers see OpenOCD's own message: a failed
 * monitor command otherwise ends in an `E` reply that GDB reports only as
 * "Protocol error with Rcmd".  Bytes go as 8-bit elements, which need no
 * byte order.  A target without an MMU takes phys as the plain address.
 *
 * OpenOCD writes a command's data in 4096-byte parts and may have written
 * part of one before it fails, so a failed write command is in doubt as a
 * whole; a command carries at most CHUNK bytes, one such part.
 *
 * I/O ports, on x86_32 targets (Quark; src/target/x86_32_common.c), where
 * `monitor help` lists them: `x86_32 idb|idh|idw PORT` prints
 * "0x00000070: 5a ", `x86_32 iwb|iwh|iww PORT VALUE` prints nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* qRcmd carries the command hex-encoded inside OpenOCD's 16384-byte
 * packet buffer (gdb_server.h, GDB_BUFFER_SIZE): at most 4 characters a
 * byte ("255 ") keeps the line under 8 KB. */
#define WRITE_CHUNK 1792
/* A reply is 5 characters a byte ("0xff "), hex-encoded again. */
#define READ_CHUNK  1024

typedef struct openocd_state {
    int probed; /* 1 OpenOCD, -1 not; once per stop */
    int has_read_memory, has_write_memory;
    int has_ports; /* x86_32 idb ... iww */
    wp_buf line, out;
} openocd_state;

static void openocd_forget(void *state)
{
    openocd_state *o = state;
    o->probed = 0;
    wp_buf_free(&o->line);
    wp_buf_free(&o->out);
}

/* OpenOCD's help starts a line with the command and its usage (a
 * subcommand indented by two blanks a level). */
static int has_command(const char *help, const char *usage)
{
    size_t n = strlen(usage);
    for (const char *p = help; (p = strstr(p, usage)) != NULL; p += n) {
        const char *q = p;
        while (q > help && q[-1] == ' ')
            q--;
        if (q == help || q[-1] == '\n')
            return 1;
    }
    return 0;
}

static int openocd_probe(wp_session *s, void *state, int intent, wp_error *err)
{
    openocd_state *o = state;
    int silent = (intent & WP_PROBE_NAMED) ? WP_ENOROUTE : WP_ENOROUTE_SILENT;
    if (o->probed == 0) {
        const char *help;
        int rc = wp_session_stub_help(s, &help, err);
        if (rc == WP_ENOROUTE)
            return wp_fail(err, silent,
                           "the stub has no monitor commands, so it is not "
                           "OpenOCD");
        if (rc)
            return rc;
        o->has_read_memory = has_command(help, "read_memory address width count ['phys']");
        o->has_write_memory = has_command(help, "write_memory address width data ['phys']");
        o->has_ports = has_command(help, "x86_32 idb port") &&
                       has_command(help, "x86_32 iwb port data[byte]");
        o->probed = o->has_read_memory || has_command(help, "mdb ['phys'] address") ? 1 : -1;
    }
    if (o->probed < 0)
        return wp_fail(err, silent,
                       "the stub's 'monitor help' lists neither read_memory nor mdb with "
                       "'phys', so it is not OpenOCD");
    if ((intent & WP_PROBE_WRITE) && !o->has_write_memory)
        return wp_fail(err, WP_ENOROUTE,
                       "this OpenOCD has no write_memory command (OpenOCD 0.12 and later "
                       "have it); it can only read physical memory (mdb phys)");
    return WP_OK;
}

/* Runs line (a Tcl command) inside the catch; *result points to what
 * follows "wp-ok: " in o->out.  An error keeps OpenOCD's message and the
 * last "Error:" line it logged before it. */
static int run_caught(wp_session *s, openocd_state *o, const char *what, const char **result,
                      wp_error *err)
{
    wp_buf cmd = {0};
    if (wp_buf_printf(&cmd,
                      "if {[catch {%s} wp_e]} {format \"wp-error: %%s\" $wp_e} else "
                      "{format \"wp-ok: %%s\" $wp_e}",
                      o->line.data)) {
        wp_buf_free(&cmd);
        return wp_fail(err, WP_ENOMEM, "out of memory");
    }
    wp_buf_clear(&o->out);
    char label[48];
    snprintf(label, sizeof label, "%.*s ...", (int)strcspn(o->line.data, " "), o->line.data);
    int rc = wp_stub_monitor(s, cmd.data, label, &o->out, err);
    wp_buf_free(&cmd);
    if (rc)
        return rc == WP_EINTR ? rc : (err->status = WP_EHOST);
    const char *text = o->out.data ? o->out.data : "";
    const char *ok = NULL, *bad = NULL;
    for (const char *p = text; (p = strstr(p, "wp-")) != NULL; p++) {
        if (p != text && p[-1] != '\n')
            continue;
        if (strncmp(p, "wp-ok: ", 7) == 0)
            ok = p + 7, bad = NULL;
        else if (strncmp(p, "wp-error: ", 10) == 0)
            bad = p + 10, ok = NULL;
    }
    if (ok) {
        *result = ok;
        return WP_OK;
    }
    if (!bad)
        return wp_fail(err, WP_EHOST, "OpenOCD gave no result for %s", what);
    /* The line OpenOCD logged last before its result says why. */
    const char *logged = NULL;
    for (const char *p = text; (p = strstr(p, "Error: ")) != NULL && p < bad; p++)
        if (p == text || p[-1] == '\n')
            logged = p + 7;
    int n = (int)strcspn(bad, "\n");
    if (logged)
        return wp_fail(err, WP_ETARGET, "OpenOCD: %.*s (%.*s)", n ? n : 6, n ? bad : "failed",
                       (int)strcspn(logged, "\n"), logged);
    return wp_fail(err, WP_ETARGET, "OpenOCD: %.*s", n ? n : 6, n ? bad : "failed");
}

static int openocd_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf,
                         size_t len, wp_write_outcome *out, wp_error *err)
{
    openocd_state *o = state;
    wp_buf_clear(&o->line);
    int bad = wp_buf_printf(&o->line, "write_memory 0x%" PRIx64 " 8 {", addr);
    for (size_t i = 0; i < len && !bad; i++)
        bad = wp_buf_printf(&o->line, i ? " %u" : "%u", buf[i]);
    if (bad || wp_buf_printf(&o->line, "} phys"))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    const char *result;
    int rc = run_caught(s, o, "the write", &result, err);
    if (rc && rc != WP_EINTR)
        *out = (wp_write_outcome){1, 0, len}; /* any part of it may have landed */
    return rc;
}

/* "0x12 0x34 ..." (read_memory) or "0x00001000: 12 34 ..." lines (mdb). */
static int parse_values(const char *text, int mdb, uint8_t *buf, size_t len, wp_error *err)
{
    size_t got = 0;
    const char *p = text;
    while (got < len) {
        p += strspn(p, " \t\r\n");
        if (!*p)
            break;
        char *end;
        unsigned long v = strtoul(p, &end, 16);
        if (end == p)
            break;
        if (mdb && *end == ':') { /* an address at the start of a line */
            p = end + 1;
            continue;
        }
        if (v > 0xff)
            break;
        buf[got++] = (uint8_t)v;
        p = end;
    }
    if (got != len)
        return wp_fail(err, WP_EPROTO, "OpenOCD returned %zu of %zu bytes: '%.60s'", got, len,
                       text);
    return WP_OK;
}

static int openocd_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                        wp_error *err)
{
    openocd_state *o = state;
    wp_buf_clear(&o->line);
    if (o->has_read_memory
            ? wp_buf_printf(&o->line, "read_memory 0x%" PRIx64 " 8 %zu phys", addr, len)
            : wp_buf_printf(&o->line, "mdb phys 0x%" PRIx64 " %zu", addr, len))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    const char *result;
    int rc = run_caught(s, o, "the read", &result, err);
    if (rc)
        return rc;
    rc = parse_values(result, !o->has_read_memory, buf, len, err);
    return rc ? rc : (int)len;
}

static int no_port_commands(wp_error *err)
{
    return wp_fail(err, WP_ENOROUTE,
                   "this OpenOCD's target has no I/O port commands ('monitor help' lists no "
                   "'x86_32 idb port'; they come with x86_32 targets)");
}

static char port_letter(unsigned size)
{
    return size == 1 ? 'b' : size == 2 ? 'h' : 'w';
}

static int openocd_port_read(wp_session *s, void *state, unsigned port, unsigned size,
                             uint32_t *value, wp_error *err)
{
    openocd_state *o = state;
    if (!o->has_ports)
        return no_port_commands(err);
    wp_buf_clear(&o->line);
    if (wp_buf_printf(&o->line, "x86_32 id%c 0x%x", port_letter(size), port))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    const char *result;
    int rc = run_caught(s, o, "the port read", &result, err);
    if (rc)
        return rc;
    unsigned at = 0, got = 0;
    int n = 0;
    if (sscanf(result, " 0x%x: %x%n", &at, &got, &n) != 2 || at != port ||
        (size < 4 && got >> (8 * size)))
        return wp_fail(err, WP_EPROTO, "OpenOCD answered '%.*s', not '0x%08x: VALUE'",
                       (int)(strcspn(result, "\r\n") < 60 ? strcspn(result, "\r\n") : 60),
                       result, port);
    *value = got;
    return WP_OK;
}

static int openocd_port_write(wp_session *s, void *state, unsigned port, unsigned size,
                              uint32_t value, wp_error *err)
{
    openocd_state *o = state;
    if (!o->has_ports)
        return no_port_commands(err);
    wp_buf_clear(&o->line);
    if (wp_buf_printf(&o->line, "x86_32 iw%c 0x%x 0x%x", port_letter(size), port, value))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    const char *result;
    return run_caught(s, o, "the port write", &result, err);
}

static size_t openocd_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                            size_t remaining)
{
    (void)s;
    (void)state;
    (void)addr;
    size_t most = is_write ? WRITE_CHUNK : READ_CHUNK;
    return remaining < most ? remaining : most;
}

const wp_route wp_route_openocd = {
    .name = "openocd",
    .summary = "OpenOCD's read_memory/write_memory with 'phys' (0.12 and later; mdb phys "
               "reads on older ones)",
    .flags = WP_ROUTE_AUTO | WP_ROUTE_REMOTE | WP_ROUTE_MAPLESS,
    .state_size = sizeof(openocd_state),
    .forget = openocd_forget,
    .probe = openocd_probe,
    .write = openocd_write,
    .read = openocd_read,
    .chunk = openocd_chunk,
    .port_read = openocd_port_read,
    .port_write = openocd_port_write,
};
