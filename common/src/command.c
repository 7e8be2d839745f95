/* One command line from parse to printed result: evaluate expressions,
 * encode the data, run the data-space operation, and format the outcome. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define MAX_DUMP_BYTES (1u << 20)        /* a longer readphys needs --output */
#define MAX_DATA_BYTES (1ull << 30)      /* files and strings held in memory */

static int evaluate(wp_session *s, const char *what, const char *expr, uint64_t *value,
                    int *negative, wp_error *err)
{
    if (!s->host.evaluate) {
        if (wp_parse_literal(expr, value, negative))
            return wp_fail(err, WP_EINVAL, "bad number '%s' for %s", expr, what);
        return WP_OK;
    }
    wp_error why = {0};
    int rc = s->host.evaluate(s->host.ctx, expr, value, negative, &why);
    if (rc)
        return wp_fail(err, WP_EINVAL, "cannot evaluate %s '%s': %s", what, expr,
                       why.message[0] ? why.message : "the debugger gave no value");
    return WP_OK;
}

static int resolve_order(wp_session *s, int requested, int *order, wp_error *err)
{
    if (requested != WP_ORDER_TARGET) {
        *order = requested;
        return WP_OK;
    }
    wp_target_info info = {0};
    wp_error ignored = {0};
    if (s->host.target_info && s->host.target_info(s->host.ctx, &info, &ignored) == 0 &&
        (info.byte_order == WP_ORDER_LITTLE || info.byte_order == WP_ORDER_BIG)) {
        *order = info.byte_order;
        return WP_OK;
    }
    return wp_fail(err, WP_EINVAL, "cannot tell the target's byte order; pass "
                                   "--little-endian or --big-endian");
}

static int read_file(const wp_request *r, wp_buf *data, wp_error *err)
{
    FILE *f = fopen(r->file, "rb");
    if (!f)
        return wp_fail(err, WP_EIO, "cannot open --file '%s': %s", r->file, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return wp_fail(err, WP_EIO, "--file '%s' is not a regular file", r->file);
    }
    uint64_t size = (uint64_t)st.st_size;
    int rc = WP_OK;
    if (r->skip >= size && size)
        rc = wp_fail(err, WP_EINVAL, "--skip %llu is past the end of '%s' (%llu bytes)",
                     (unsigned long long)r->skip, r->file, (unsigned long long)size);
    uint64_t avail = size > r->skip ? size - r->skip : 0;
    uint64_t want = r->has_length ? r->length : avail;
    if (rc == WP_OK && r->has_length && r->length > avail)
        rc = wp_fail(err, WP_EINVAL, "--length %llu runs past the end of '%s' (%llu bytes "
                     "after --skip)", (unsigned long long)r->length, r->file,
                     (unsigned long long)avail);
    if (rc == WP_OK && want == 0)
        rc = wp_fail(err, WP_EINVAL, "--file '%s' gives no bytes: nothing to write", r->file);
    if (rc == WP_OK && want > MAX_DATA_BYTES)
        rc = wp_fail(err, WP_EINVAL, "--file '%s': %llu bytes is more than the 1 GiB one "
                     "command writes; split it with --skip and --length", r->file,
                     (unsigned long long)want);
    if (rc == WP_OK && fseeko(f, (off_t)r->skip, SEEK_SET) != 0)
        rc = wp_fail(err, WP_EIO, "cannot seek in '%s': %s", r->file, strerror(errno));
    if (rc == WP_OK && wp_buf_reserve(data, (size_t)want))
        rc = wp_fail(err, WP_ENOMEM, "out of memory for %llu bytes", (unsigned long long)want);
    if (rc == WP_OK) {
        size_t got = fread(data->data, 1, (size_t)want, f);
        if (got != want)
            rc = wp_fail(err, WP_EIO, "cannot read '%s': %s", r->file,
                         ferror(f) ? strerror(errno) : "file shrank while reading");
        data->len = got;
    }
    fclose(f);
    return rc;
}

/* The bytes of a write (the pattern, for --fill). */
static int build_data(wp_session *s, const wp_request *r, int order, wp_buf *data,
                      wp_error *err)
{
    switch (r->data) {
    case WP_DATA_STRING:
        if (r->utf16)
            return wp_encode_utf16le(r->text, r->zero, data, err);
        if (wp_buf_append(data, r->text, strlen(r->text) + (r->zero ? 1 : 0)))
            return wp_fail(err, WP_ENOMEM, "out of memory");
        return WP_OK;
    case WP_DATA_FILE:
        return read_file(r, data, err);
    default:
        break;
    }
    if (wp_buf_reserve(data, r->nvalues * r->width))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->nvalues; i++) {
        uint64_t v;
        int neg;
        int rc = evaluate(s, "VALUE", r->values[i], &v, &neg, err);
        if (!rc)
            rc = wp_encode_value(v, neg, r->width, order, (uint8_t *)data->data + data->len,
                                 r->values[i], err);
        if (rc)
            return rc;
        data->len += r->width;
    }
    if (r->data == WP_DATA_FILL && r->length % r->width)
        return wp_fail(err, WP_EINVAL, "--length %llu is not a multiple of the %u-byte "
                       "width", (unsigned long long)r->length, r->width);
    return WP_OK;
}

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

static void set_error(wp_result *res, const char *name, const wp_error *err)
{
    res->status = err->status ? err->status : WP_EHOST;
    snprintf(res->error.message, sizeof res->error.message, "%s: %.480s", name, err->message);
    res->error.status = res->status;
}

static const char *verify_note(const wp_request *r, const wp_transfer *tr)
{
    if (tr->verified)
        return "verified";
    if (r->verify == 0)
        return "not verified (--no-verify)";
    return "not verified (device memory: reads may have side effects; --verify to "
           "read back anyway)";
}

static int run_write(wp_session *s, const wp_request *r, uint64_t addr, wp_result *res,
                     wp_error *err)
{
    int order = WP_ORDER_LITTLE;
    bool needs_order = r->width > 1 && (r->data == WP_DATA_VALUES || r->data == WP_DATA_FILL);
    int rc = needs_order ? resolve_order(s, r->byte_order, &order, err) : WP_OK;
    wp_buf data = {0};
    if (!rc)
        rc = build_data(s, r, order, &data, err);
    wp_source src = {(const uint8_t *)data.data, data.len,
                     r->data == WP_DATA_FILL ? r->length : data.len};
    res->length = src.total;
    if (!rc && src.total == 0)
        rc = wp_fail(err, WP_EINVAL, "empty data: nothing to write");
    if (!rc)
        rc = wp_check_span(addr, src.total, err);
    if (!rc && r->dry_run) {
        res->dry_run = 1;
        wp_buf_printf(&res->text, "writephys: dry run: would write %llu byte%s at physical "
                      "0x%llx (backend %s); nothing sent: ", (unsigned long long)src.total,
                      plural(src.total), (unsigned long long)addr, r->backend);
        if (r->data == WP_DATA_FILL) {
            wp_buf_printf(&res->text, "pattern ");
            wp_format_bytes_preview(&res->text, src.pattern, src.pattern_len, 32);
            wp_buf_printf(&res->text, " repeated\n");
        } else {
            wp_format_bytes_preview(&res->text, src.pattern, src.total, 32);
            wp_buf_printf(&res->text, "\n");
        }
    } else if (!rc) {
        wp_route_options opt = {r->backend, r->force, r->verify};
        wp_transfer tr;
        rc = wp_dataspace_write(s, &opt, addr, &src, &tr, err);
        res->bytes_done = tr.done;
        res->verified = tr.verified;
        if (tr.backend)
            snprintf(res->backend, sizeof res->backend, "%s", tr.backend->name);
        if (!rc)
            wp_buf_printf(&res->text, "writephys: wrote %llu byte%s at physical 0x%llx via "
                          "%s, %s\n", (unsigned long long)tr.done, plural(tr.done),
                          (unsigned long long)addr, tr.backend->name, verify_note(r, &tr));
    }
    wp_buf_free(&data);
    return rc;
}

static int save_file(const char *path, const uint8_t *bytes, size_t len, wp_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return wp_fail(err, WP_EIO, "cannot open --output '%s': %s", path, strerror(errno));
    bool ok = fwrite(bytes, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    return ok ? WP_OK : wp_fail(err, WP_EIO, "cannot write '%s': %s", path, strerror(errno));
}

static int run_read(wp_session *s, const wp_request *r, uint64_t addr, wp_result *res,
                    wp_error *err)
{
    res->length = r->length;
    int rc = wp_check_span(addr, r->length, err);
    if (rc)
        return rc;
    if (!r->output && r->length > MAX_DUMP_BYTES)
        return wp_fail(err, WP_EINVAL, "--length %llu is too long to print; add --output "
                       "FILE", (unsigned long long)r->length);
    if (r->length > MAX_DATA_BYTES)
        return wp_fail(err, WP_EINVAL, "--length %llu is more than the 1 GiB one command "
                       "reads", (unsigned long long)r->length);
    int order = WP_ORDER_LITTLE;
    if (r->width > 1 && !r->output) {
        rc = resolve_order(s, r->byte_order, &order, err);
        if (rc)
            return rc;
    }
    /* A bad --output path is bad input: found before anything is sent, and
     * without truncating a file that exists (the read may still fail). */
    struct stat st;
    bool existed = r->output && stat(r->output, &st) == 0;
    if (r->output) {
        FILE *probe = fopen(r->output, "ab");
        if (!probe)
            return wp_fail(err, WP_EIO, "cannot open --output '%s': %s", r->output,
                           strerror(errno));
        fclose(probe);
    }
    uint8_t *bytes = malloc((size_t)r->length);
    if (!bytes)
        rc = wp_fail(err, WP_ENOMEM, "out of memory");
    wp_route_options opt = {r->backend, r->force, 0};
    wp_transfer tr = {0};
    if (!rc)
        rc = wp_dataspace_read(s, &opt, addr, bytes, r->length, &tr, err);
    res->bytes_done = tr.done;
    if (tr.backend)
        snprintf(res->backend, sizeof res->backend, "%s", tr.backend->name);
    if (!rc && r->output) {
        rc = save_file(r->output, bytes, (size_t)tr.done, err);
        if (!rc)
            wp_buf_printf(&res->text, "readphys: saved %llu byte%s from physical 0x%llx to "
                          "%s via %s\n", (unsigned long long)tr.done, plural(tr.done),
                          (unsigned long long)addr, r->output, tr.backend->name);
    } else if (!rc) {
        wp_format_hexdump(&res->text, addr, bytes, (size_t)tr.done, r->width, order);
        if (wp_buf_append(&res->data, bytes, (size_t)tr.done))
            rc = wp_fail(err, WP_ENOMEM, "out of memory");
    }
    if (rc && r->output && !existed)
        remove(r->output);
    free(bytes);
    return rc;
}

int wp_command_run(wp_session *s, int argc, const char *const *argv, wp_result *res)
{
    memset(res, 0, sizeof *res);
    wp_request r;
    wp_error err = {0};
    int rc = wp_parse_command(argc, argv, &r, &err);
    if (!rc && !s)
        rc = wp_fail(&err, WP_EINVAL, "no session");
    uint64_t addr = 0;
    int negative = 0;
    if (!rc)
        rc = evaluate(s, "ADDRESS", r.address, &addr, &negative, &err);
    if (!rc && negative)
        rc = wp_fail(&err, WP_EINVAL, "ADDRESS '%s' is negative", r.address);
    res->address = addr;
    if (!rc)
        rc = r.kind == WP_CMD_READ ? run_read(s, &r, addr, res, &err)
                                   : run_write(s, &r, addr, res, &err);
    if (rc)
        set_error(res, r.name ? r.name : "writephys", &err);
    wp_request_free(&r);
    return rc;
}

void wp_result_free(wp_result *res)
{
    if (res) {
        wp_buf_free(&res->text);
        wp_buf_free(&res->data);
    }
}
