/* What the commands share: expressions, byte order, the address a line
 * names, and the wording of their results. */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Is text a plain integer literal, signed or not, in C's notation?  Those
 * are the core's to read, so a value means the same bytes in every
 * debugger (GDB negates in unsigned arithmetic, LLDB in signed). */
static bool literal_syntax(const char *text)
{
    const char *p = text + (*text == '-' || *text == '+');
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        if (!*p)
            return false;
        while (isxdigit((unsigned char)*p))
            p++;
        return !*p;
    }
    if (!*p)
        return false;
    while (isdigit((unsigned char)*p))
        p++;
    return !*p;
}

static int no_target_hint(wp_session *s, wp_error *err)
{
    wp_target_info info;
    wp_error ignored = {0};
    if (wp_session_target_info(s, &info, &ignored) == WP_OK && !info.connected)
        return wp_check_target_state(s, &info, err);
    return WP_OK;
}

int wp_evaluate(wp_session *s, const char *what, const char *expr, uint64_t *value,
                int *negative, wp_error *err)
{
    if (literal_syntax(expr)) {
        if (wp_parse_literal(expr, value, negative))
            return wp_fail(err, WP_EINVAL, "bad number '%s' for %s: %s", expr, what,
                           expr[0] == '-' ? "below -2^63, outside 64 bits"
                                          : "not a number in C notation, or over 64 bits");
        return WP_OK;
    }
    if (!s->host.evaluate)
        return wp_fail(err, WP_EINVAL, "bad number '%s' for %s", expr, what);
    wp_error why = {0};
    int rc = s->host.evaluate(s->host.ctx, expr, value, negative, &why);
    if (rc) {
        /* "$rip" without a target is no target, not a bad expression. */
        if (no_target_hint(s, err))
            return err->status;
        return wp_fail(err, WP_EINVAL, "cannot evaluate %s '%s': %s", what, expr,
                       why.message[0] ? why.message : "the debugger gave no value");
    }
    return WP_OK;
}

int wp_resolve_order(wp_session *s, int requested, int *order, wp_error *err)
{
    if (requested != WP_ORDER_TARGET) {
        *order = requested;
        return WP_OK;
    }
    wp_target_info info;
    wp_error ignored = {0};
    if (wp_session_target_info(s, &info, &ignored) == 0 &&
        (info.byte_order == WP_ORDER_LITTLE || info.byte_order == WP_ORDER_BIG)) {
        *order = info.byte_order;
        return WP_OK;
    }
    return wp_fail(err, WP_EINVAL,
                   "cannot tell the target's byte order; pass "
                   "--little-endian or --big-endian");
}

void wp_mi_field(wp_result *res, const char *name, const char *fmt, ...)
{
    wp_buf *out = &res->fields;
    va_list ap;
    va_start(ap, fmt);
    char value[64];
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    wp_buf_printf(out, "%s=%s\n", name, value);
}

void wp_mi_common(wp_result *res)
{
    wp_mi_field(res, "address", "0x%llx", (unsigned long long)res->address);
    wp_mi_field(res, "length", "%llu", (unsigned long long)res->length);
    if (res->backend[0])
        wp_mi_field(res, "backend", "%s", res->backend);
}

int wp_request_address(wp_session *s, const wp_request *r, uint64_t addr, uint64_t *root_value,
                       wp_address *where, wp_error *err)
{
    *where = (wp_address){addr, r->is_virtual, NULL};
    if (!r->root)
        return WP_OK;
    int negative = 0;
    int rc = wp_evaluate(s, "--root", r->root, root_value, &negative, err);
    if (!rc && negative)
        rc = wp_fail(err, WP_EINVAL, "--root '%s' is negative", r->root);
    where->root = root_value;
    return rc;
}

void wp_format_segments(wp_buf *out, const wp_segments *segs)
{
    wp_buf_printf(out, " (physical ");
    for (size_t k = 0; k < segs->count && k < 4; k++) {
        const wp_segment *g = &segs->items[k];
        if (segs->count == 1 && k == 0)
            wp_buf_printf(out, "0x%llx", (unsigned long long)g->phys);
        else
            wp_buf_printf(out, "%s0x%llx-0x%llx", k ? ", " : "", (unsigned long long)g->phys,
                          (unsigned long long)(g->phys + g->len - 1));
    }
    if (segs->count > 4)
        wp_buf_printf(out, " and %zu more ranges", segs->count - 4);
    wp_buf_printf(out, ")");
}

/* A value of the width, read as every VALUE is (negative: two's complement). */
int wp_io_value(wp_session *s, const char *what, const char *expr, unsigned width,
                uint32_t *out, wp_error *err)
{
    uint64_t v = 0;
    int negative = 0;
    uint8_t bytes[8];
    int rc = wp_evaluate(s, what, expr, &v, &negative, err);
    wp_error why = {0};
    if (!rc && wp_encode_value(v, negative, width, WP_ORDER_LITTLE, bytes, expr, &why))
        rc = width == 4
                 ? wp_fail(err, WP_EINVAL, "value '%s' does not fit in 4 bytes (-d)", expr)
                 : wp_fail(err, WP_EINVAL,
                           "value '%s' does not fit in %u byte%s (%s); use a wider %s", expr,
                           width, wp_plural(width), width == 1 ? "-b" : "-w",
                           width == 1 ? "-w or -d" : "-d");
    if (!rc)
        *out = (uint32_t)wp_decode_unit(bytes, width, WP_ORDER_LITTLE);
    return rc;
}

int wp_write_in_doubt(int status)
{
    return status != WP_OK && status != WP_ETARGET && status != WP_EPROTO &&
           status != WP_EINVAL && status != WP_EREFUSED && status != WP_EVERIFY;
}

int wp_map_reach(wp_session *s, const char *backend, uint64_t addr, uint64_t len, int is_write,
                 uint64_t *ok, uint64_t *refused, wp_error *err)
{
    wp_route_options opt = {backend, 0, 0, is_write};
    wp_route_handle *h = NULL;
    int rc = wp_route_open_checks(s, &opt, &h, err);
    *ok = *refused = 0;
    for (uint64_t a = addr, last = addr + len - 1; !rc;) {
        wp_region g = wp_route_region(h, a);
        bool reach =
            g.kind == WP_REGION_RAM || g.kind == (is_write ? WP_REGION_DEVICE : WP_REGION_ROM);
        if (reach && *refused)
            break;
        uint64_t end = g.last < last ? g.last : last;
        *(reach ? ok : refused) += end - a + 1;
        if (end == last)
            break;
        a = end + 1;
    }
    return rc ? rc : wp_route_close(h, err);
}
