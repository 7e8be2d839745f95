/* readpci and writepci: one function's configuration space (WinDbg's
 * !ecb/!ecw/!ecd, ReadBusData/WriteBusData), through ECAM or mechanism #1. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SPACE 4096u

static const char read_usage[] = "usage: readpci [-b|-w|-d] BDF [OFFSET] [--length N]";
static const char write_usage[] = "usage: writepci [-b|-w|-d] BDF OFFSET VALUE... [--verify]";

static const char read_help[] =
    "Read PCI configuration space (WinDbg's !ecb, !ecw, !ecd).\n"
    "Usage: readpci [-b|-w|-d] BDF [OFFSET] [--length N]\n"
    "\n"
    "BDF is bb:dd.f or dddd:bb:dd.f (hex).  Without OFFSET, the whole space:\n"
    "256 bytes, or 4096 where ECAM reaches it; with OFFSET, one unit of the\n"
    "width (or --length bytes).  The access path is chosen per machine and\n"
    "named in the line: ECAM through the physical route where the chipset has\n"
    "an MMCONFIG window the memory map shows, else mechanism #1 through ports\n"
    "0xcf8/0xcfc (CF8 is restored afterwards).  Offsets from 0x100 need ECAM.\n"
    "\n"
    "-b, -w, -d      Width of the units: 1 (default), 2 or 4 bytes; OFFSET\n"
    "                must be a multiple of it.\n"
    "--length N      Bytes to read (a multiple of the width).\n"
    "--backend NAME  Route (default auto); it needs I/O ports:\n"
    "@ROUTES@\n"
    "--help, -h      Show this text.\n"
    "--version       Name the core and the route a write would take now.\n"
    "--mi            Also print the result as a GDB/MI record (^done,...).\n"
    "\n"
    "Examples:\n"
    "  readpci 00:03.0\n"
    "  readpci -d 00:03.0 0x10 --length 24\n"
    "  readpci -w 0000:00:1f.2 0x100\n";

static const char write_help[] =
    "Write PCI configuration space (WinDbg's !ecb/!ecw/!ecd with values).\n"
    "Usage: writepci [-b|-w|-d] BDF OFFSET VALUE... [--verify]\n"
    "\n"
    "Each VALUE is one unit of the width, written at OFFSET, OFFSET+width...\n"
    "A configuration write is a device write: it is not read back unless\n"
    "--verify asks (many registers read back differently by design).\n"
    "\n"
    "-b, -w, -d      Width: 1 (default), 2 or 4 bytes.\n"
    "--verify        Read every unit back and compare.\n"
    "--no-verify     Do not (the default).\n"
    "--backend NAME  Route (default auto):\n"
    "@ROUTES@\n"
    "--help, -h      Show this text.\n"
    "--version       Name the core and the route a write would take now.\n"
    "--mi            Also print the result as a GDB/MI record (^done,...).\n"
    "\n"
    "Examples:\n"
    "  writepci 00:03.0 0x3c 0x5a          (the interrupt line)\n"
    "  writepci -w 00:03.0 0x04 0x0107\n";

/* OFFSET and the span, checked against the largest space (4096 bytes). */
static int check_span(const wp_request *r, const char *text, uint64_t len, unsigned *off,
                      wp_error *err)
{
    uint64_t v = 0;
    if (wp_parse_u64(text, false, &v))
        return wp_fail(err, WP_EINVAL, "bad OFFSET '%s': a number such as 0x3c", text);
    if (v >= SPACE)
        return wp_fail(err, WP_EINVAL,
                       "OFFSET 0x%llx is past configuration space (4096 bytes, 0 to 0xfff)",
                       (unsigned long long)v);
    if (v % r->width)
        return wp_fail(err, WP_EINVAL,
                       "OFFSET 0x%llx is not a multiple of the width (%u bytes)",
                       (unsigned long long)v, r->width);
    if (len == 0 || len % r->width)
        return wp_fail(err, WP_EINVAL,
                       "--length %llu is not a positive multiple of the width "
                       "(%u bytes)",
                       (unsigned long long)len, r->width);
    if (v + len > SPACE)
        return wp_fail(err, WP_EINVAL,
                       "0x%llx + %llu bytes is past configuration space (4096 bytes)",
                       (unsigned long long)v, (unsigned long long)len);
    *off = (unsigned)v;
    return WP_OK;
}

static int read_check(wp_request *r, size_t npos, wp_error *err)
{
    unsigned bdf = 0, off = 0;
    if (npos == 0)
        return wp_fail(err, WP_EINVAL, "missing BDF; %s", read_usage);
    if (npos > 2)
        return wp_fail(err, WP_EINVAL, "unexpected argument '%s'; %s", r->values[1],
                       read_usage);
    int rc = wp_parse_bdf(r->address, &bdf, err);
    if (!rc && r->length.given && npos < 2)
        return wp_fail(err, WP_EINVAL, "--length needs an OFFSET; %s", read_usage);
    if (!rc && npos == 2)
        rc = check_span(r, r->values[0], r->length.given ? r->length.value : r->width, &off,
                        err);
    return rc;
}

static int present(wp_pci *p, unsigned bdf, wp_error *err)
{
    uint32_t vendor = 0;
    int rc = wp_pci_access(p, 0, bdf, 0, 2, &vendor, err);
    char name[16];
    wp_format_bdf(name, sizeof name, bdf);
    if (!rc && vendor == 0xffff)
        return wp_fail(err, WP_EINVAL,
                       "no device at %s (its vendor ID reads 0xffff); 'pci' lists the devices",
                       name);
    return rc;
}

static int finish(wp_pci *p, int rc, wp_error *err)
{
    return wp_pci_finish(p, rc, err);
}

static int read_run(wp_session *s, const wp_request *r, uint64_t unused, wp_result *res,
                    wp_error *err)
{
    (void)unused;
    unsigned bdf = 0, off = 0;
    wp_parse_bdf(r->address, &bdf, err);
    wp_pci p;
    int rc = wp_pci_open(s, r->backend, 0, &p, err);
    if (rc)
        return rc;
    size_t len = p.ecam ? SPACE : 256;
    if (r->nvalues) {
        len = r->length.given ? (size_t)r->length.value : r->width;
        check_span(r, r->values[0], len, &off, err);
    }
    rc = wp_pci_check(&p, bdf, off, len, err);
    if (!rc)
        rc = present(&p, bdf, err);
    uint8_t *bytes = rc ? NULL : malloc(len);
    if (!rc && !bytes)
        rc = wp_fail(err, WP_ENOMEM, "out of memory");
    if (!rc)
        rc = wp_pci_read_block(&p, bdf, off, bytes, len, err);
    char name[16];
    wp_format_bdf(name, sizeof name, bdf);
    snprintf(res->backend, sizeof res->backend, "%s", p.route);
    if (!rc) {
        wp_buf_printf(&res->text, "readpci: %s offsets 0x%x-0x%zx through %s via %s\n", name,
                      off, off + len - 1, p.path, p.route);
        wp_format_hexdump(&res->text, off, bytes, len, r->width, WP_ORDER_LITTLE);
        wp_buf_append(&res->data, bytes, len);
        res->address = off;
        res->length = len;
        res->bytes_done = len;
        wp_buf_printf(&res->fields, "bdf=%s\npath=%s\n", name, p.path);
    }
    free(bytes);
    return finish(&p, rc, err);
}

static void read_mi_fields(wp_result *res)
{
    /* bdf and path were written by run, before these */
    wp_mi_field(res, "offset", "0x%llx", (unsigned long long)res->address);
    wp_mi_field(res, "length", "%llu", (unsigned long long)res->length);
    wp_mi_field(res, "backend", "%s", res->backend);
    wp_buf *out = &res->fields;
    wp_buf_printf(out, "contents=");
    if (res->data.len && wp_buf_reserve(out, 2 * res->data.len + 1) == WP_OK) {
        out->len +=
            wp_hex_encode((const uint8_t *)res->data.data, res->data.len, out->data + out->len);
        out->data[out->len] = '\0';
    }
    wp_buf_printf(out, "\n");
}

static int write_check(wp_request *r, size_t npos, wp_error *err)
{
    unsigned bdf = 0, off = 0;
    if (npos < 3)
        return wp_fail(err, WP_EINVAL, "missing %s; %s",
                       npos == 2 ? "VALUE"
                       : npos    ? "OFFSET"
                                 : "BDF",
                       write_usage);
    int rc = wp_parse_bdf(r->address, &bdf, err);
    if (!rc)
        rc = check_span(r, r->values[0], (uint64_t)(r->nvalues - 1) * r->width, &off, err);
    return rc;
}

static int write_run(wp_session *s, const wp_request *r, uint64_t unused, wp_result *res,
                     wp_error *err)
{
    (void)unused;
    unsigned bdf = 0, off = 0;
    size_t n = r->nvalues - 1;
    wp_parse_bdf(r->address, &bdf, err);
    check_span(r, r->values[0], (uint64_t)n * r->width, &off, err);
    uint32_t *values = calloc(n, sizeof *values);
    if (!values)
        return wp_fail(err, WP_ENOMEM, "out of memory");
    int rc = WP_OK;
    for (size_t i = 0; !rc && i < n; i++)
        rc = wp_io_value(s, "VALUE", r->values[i + 1], r->width, &values[i], err);
    wp_pci p;
    if (!rc)
        rc = wp_pci_open(s, r->backend, 1, &p, err);
    if (rc) {
        free(values);
        return rc;
    }
    rc = wp_pci_check(&p, bdf, off, n * r->width, err);
    if (!rc)
        rc = present(&p, bdf, err);
    size_t done = 0;
    int verify = r->verify == 1;
    for (; !rc && done < n; done++) {
        uint32_t v = values[done], back = 0;
        unsigned at = off + (unsigned)done * r->width;
        rc = wp_pci_access(&p, 1, bdf, at, r->width, &v, err);
        if (wp_write_in_doubt(rc)) { /* this unit may have landed */
            wp_fail_prefix(err, rc,
                           "%zu to %zu of %zu bytes written (offset 0x%x got no answer, its "
                           "outcome unknown); ",
                           done * r->width, (done + 1) * r->width, n * r->width, at);
            break;
        }
        if (!rc && verify)
            rc = wp_pci_access(&p, 0, bdf, at, r->width, &back, err);
        if (!rc && verify && back != values[done])
            rc = wp_fail(err, WP_EVERIFY, "offset 0x%x reads back 0x%0*x, not 0x%0*x", at,
                         (int)(2 * r->width), back, (int)(2 * r->width), values[done]);
        if (rc && done)
            wp_fail_prefix(err, rc, "%zu of %zu bytes written; ", done * r->width,
                           n * r->width);
        if (rc)
            break;
    }
    free(values);
    char name[16];
    wp_format_bdf(name, sizeof name, bdf);
    snprintf(res->backend, sizeof res->backend, "%s", p.route);
    if (!rc) {
        size_t bytes = n * r->width;
        wp_buf_printf(&res->text,
                      "writepci: wrote %zu byte%s at %s offset 0x%x through %s via "
                      "%s, %s\n",
                      bytes, wp_plural(bytes), name, off, p.path, p.route,
                      verify ? "verified"
                             : "not verified (a device write; --verify reads it back)");
        res->address = off;
        res->length = bytes;
        res->bytes_done = bytes;
        res->verified = verify;
        wp_buf_printf(&res->fields, "bdf=%s\npath=%s\n", name, p.path);
    }
    return finish(&p, rc, err);
}

static void write_mi_fields(wp_result *res)
{
    wp_mi_field(res, "offset", "0x%llx", (unsigned long long)res->address);
    wp_mi_field(res, "bytes-written", "%llu", (unsigned long long)res->bytes_done);
    wp_mi_field(res, "backend", "%s", res->backend);
    wp_mi_field(res, "verified", "%s", res->verified ? "yes" : "no");
}

const wp_command_def wp_cmd_readpci = {
    .name = "readpci",
    .usage = read_usage,
    .help = read_help,
    .options = {WP_OPTS_WIDTH_124, WP_OPTS_LENGTH, WP_OPTS_BACKEND, WP_OPTS_ALWAYS},
    .raw_args = 1,
    .first = "BDF",
    .check = read_check,
    .run = read_run,
    .mi_fields = read_mi_fields,
};

const wp_command_def wp_cmd_writepci = {
    .name = "writepci",
    .usage = write_usage,
    .help = write_help,
    .options = {WP_OPTS_WIDTH_124, WP_OPTS_BACKEND, WP_OPTS_VERIFY, WP_OPTS_ALWAYS},
    .raw_args = 1,
    .first = "BDF",
    .check = write_check,
    .run = write_run,
    .mi_fields = write_mi_fields,
};
