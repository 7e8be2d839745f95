/* readio and writeio: x86 I/O ports (WinDbg's ib/iw/id, ob/ow/od and
 * ReadIo/WriteIo), through the route where it has them. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char read_usage[] = "usage: readio [-b|-w|-d] PORT";
static const char write_usage[] = "usage: writeio [-b|-w|-d] PORT VALUE [--verify]";

static const char read_help[] =
    "Read an x86 I/O port (WinDbg's ib, iw, id).\n"
    "Usage: readio [-b|-w|-d] PORT\n"
    "\n"
    "PORT is 0 to 0xffff, a debugger expression.  The value is printed with\n"
    "its width.  A port read can have side effects (a status register that\n"
    "clears when read).\n"
    "\n"
    "-b, -w, -d      Width: 1 (default), 2 or 4 bytes.\n"
    "--backend NAME  Route (default auto); qemu and direct have ports (QEMU's\n"
    "                monitor `i`), kgdb, vmware, openocd and flat have none:\n"
    "@ROUTES@\n"
    "--help, -h      Show this text.\n"
    "--version       Name the core and the route a write would take now.\n"
    "--mi            Also print the result as a GDB/MI record (^done,...).\n"
    "\n"
    "Examples:\n"
    "  readio 0x71\n"
    "  readio -d 0xcfc\n";

static const char write_help[] =
    "Write an x86 I/O port (WinDbg's ob, ow, od).\n"
    "Usage: writeio [-b|-w|-d] PORT VALUE [--verify]\n"
    "\n"
    "PORT is 0 to 0xffff and VALUE must fit the width; both are debugger\n"
    "expressions.  A port is a device: the write is not read back unless\n"
    "--verify asks (a port may read back something else by design).\n"
    "\n"
    "-b, -w, -d      Width: 1 (default), 2 or 4 bytes.\n"
    "--verify        Read the port back and compare.\n"
    "--no-verify     Do not (the default).\n"
    "--backend NAME  Route (default auto):\n"
    "@ROUTES@\n"
    "--help, -h      Show this text.\n"
    "--version       Name the core and the route a write would take now.\n"
    "--mi            Also print the result as a GDB/MI record (^done,...).\n"
    "\n"
    "Examples:\n"
    "  writeio 0x70 0x0a        (select CMOS register 0x0a; readio 0x71 reads it)\n"
    "  writeio -d 0xcf8 0x80001800\n";

static int read_check(wp_request *r, size_t npos, wp_error *err)
{
    if (npos > 1)
        return wp_fail(err, WP_EINVAL, "unexpected argument '%s'; %s", r->values[0],
                       read_usage);
    return WP_OK;
}

static int write_check(wp_request *r, size_t npos, wp_error *err)
{
    if (npos < 2)
        return wp_fail(err, WP_EINVAL, "missing VALUE; %s", write_usage);
    if (npos > 2)
        return wp_fail(err, WP_EINVAL, "unexpected argument '%s'; %s", r->values[1],
                       write_usage);
    return WP_OK;
}

static int check_port(uint64_t port, unsigned width, wp_error *err)
{
    if (port > 0xffff || port + width - 1 > 0xffff)
        return wp_fail(err, WP_EINVAL,
                       "port 0x%llx is past the I/O space (0 to 0xffff, %u byte%s wide)",
                       (unsigned long long)port, width, wp_plural(width));
    return WP_OK;
}

/* The MI fields of both commands. */
static void io_fields(wp_result *res, uint64_t port, unsigned width, uint32_t value)
{
    wp_mi_field(res, "port", "0x%llx", (unsigned long long)port);
    wp_mi_field(res, "width", "%u", width);
    wp_mi_field(res, "value", "0x%llx", (unsigned long long)value);
    wp_mi_field(res, "backend", "%s", res->backend);
}

static int open_ports(wp_session *s, const wp_request *r, int for_write, wp_route_handle **h,
                      wp_error *err)
{
    wp_route_options opt = {r->backend, 0, -1, for_write};
    int rc = wp_route_ports_named(s, r->backend, err);
    if (!rc)
        rc = wp_route_open_checks(s, &opt, h, err);
    if (!rc && !wp_route_has_ports(*h)) {
        uint32_t ignored = 0;
        rc = wp_route_port(*h, 0, 0, 1, &ignored, err); /* says why, sends nothing */
        wp_error close_err = {0};
        wp_route_close(*h, &close_err);
        *h = NULL;
    }
    return rc;
}

static int read_run(wp_session *s, const wp_request *r, uint64_t port, wp_result *res,
                    wp_error *err)
{
    int rc = check_port(port, r->width, err);
    wp_route_handle *h = NULL;
    if (!rc)
        rc = open_ports(s, r, 0, &h, err);
    if (rc)
        return rc;
    uint32_t value = 0;
    rc = wp_route_port(h, 0, (unsigned)port, r->width, &value, err);
    snprintf(res->backend, sizeof res->backend, "%s", wp_route_of(h)->name);
    wp_error close_err = {0};
    int crc = wp_route_close(h, &close_err);
    if (!rc && crc) {
        *err = close_err;
        rc = crc;
    }
    if (rc)
        return rc;
    res->length = r->width;
    io_fields(res, port, r->width, value);
    wp_buf_printf(&res->text, "readio: port 0x%llx = 0x%0*x (%u byte%s) via %s\n",
                  (unsigned long long)port, (int)(2 * r->width), value, r->width,
                  wp_plural(r->width), res->backend);
    return WP_OK;
}

static int write_run(wp_session *s, const wp_request *r, uint64_t port, wp_result *res,
                     wp_error *err)
{
    uint32_t value = 0;
    int rc = check_port(port, r->width, err);
    if (!rc)
        rc = wp_io_value(s, "VALUE", r->values[0], r->width, &value, err);
    wp_route_handle *h = NULL;
    if (!rc)
        rc = open_ports(s, r, 1, &h, err);
    if (rc)
        return rc;
    snprintf(res->backend, sizeof res->backend, "%s", wp_route_of(h)->name);
    uint32_t sent = value, back = 0;
    rc = wp_route_port(h, 1, (unsigned)port, r->width, &sent, err);
    if (wp_write_in_doubt(rc))
        wp_fail_prefix(err, rc,
                       "the write to port 0x%llx got no answer, its outcome is unknown; ",
                       (unsigned long long)port);
    int verify = r->verify == 1;
    if (!rc && verify)
        rc = wp_route_port(h, 0, (unsigned)port, r->width, &back, err);
    if (!rc && verify && back != value)
        rc = wp_fail(err, WP_EVERIFY,
                     "wrote 0x%0*x to port 0x%llx, but it reads back 0x%0*x (a port need not "
                     "read back what was written)",
                     (int)(2 * r->width), value, (unsigned long long)port, (int)(2 * r->width),
                     back);
    wp_error close_err = {0};
    int crc = wp_route_close(h, &close_err);
    if (!rc && crc) {
        *err = close_err;
        rc = crc;
    }
    if (rc)
        return rc;
    res->length = r->width;
    res->verified = verify;
    io_fields(res, port, r->width, value);
    wp_mi_field(res, "verified", "%s", verify ? "yes" : "no");
    wp_buf_printf(&res->text, "writeio: wrote 0x%0*x to port 0x%llx (%u byte%s) via %s, %s\n",
                  (int)(2 * r->width), value, (unsigned long long)port, r->width,
                  wp_plural(r->width), res->backend,
                  verify ? "verified" : "not verified (a device; --verify reads it back)");
    return WP_OK;
}

const wp_command_def wp_cmd_readio = {
    .name = "readio",
    .usage = read_usage,
    .help = read_help,
    .first = "PORT",
    .options = {WP_OPTS_WIDTH_124, WP_OPTS_BACKEND, WP_OPTS_ALWAYS},
    .check = read_check,
    .run = read_run,
};

const wp_command_def wp_cmd_writeio = {
    .name = "writeio",
    .usage = write_usage,
    .help = write_help,
    .first = "PORT",
    .options = {WP_OPTS_WIDTH_124, WP_OPTS_BACKEND, WP_OPTS_VERIFY, WP_OPTS_ALWAYS},
    .check = write_check,
    .run = write_run,
};
