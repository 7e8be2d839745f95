/* searchphys: values, strings or a pointer +-delta over physical RAM
 * (WinDbg's !search, crash's search -p), a stage at a time through the
 * route into the session's reused buffer; the last pattern-length-1 bytes
 * of a stage open the next, so a match across a stage or across two
 * adjacent regions is found.  --virtual names the virtual addresses of
 * each hit from one walk of every table (wp_walk_each). */
#define _GNU_SOURCE /* memmem */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SEARCH_MAX_PATTERN 4096u
#define SEARCH_DEFAULT_MAX 1000u
#define SEARCH_CONTEXT     16u
#define SEARCH_VAS         4u /* virtual addresses named per hit */

static const char usage[] =
    "usage: searchphys [OPTIONS] VALUE... | --string TEXT | --pointer VALUE --delta N";

static const char help[] =
    "Search physical memory for values, a string or pointers near a value.\n"
    "Usage: searchphys [OPTIONS] VALUE...          values of one width\n"
    "       searchphys [OPTIONS] --string TEXT     UTF-8 (--utf16: UTF-16LE)\n"
    "       searchphys [OPTIONS] --pointer VALUE --delta N\n"
    "\n"
    "One line per hit: its physical address and the bytes there (with --virtual\n"
    "the virtual addresses that map it); a closing line with the count, the\n"
    "range searched and the ranges skipped.  Without --start, all RAM in the\n"
    "route's memory map is searched; devices, ROM and holes are skipped.\n"
    "A match that straddles two stages or two adjacent RAM regions is found.\n"
    "\n"
    "-b -w -d -q         Width of each VALUE (default -b); -d/-q with --pointer.\n"
    "--string TEXT       The bytes of TEXT, C escapes as in writephys.\n"
    "--utf16, --zero     UTF-16LE; add a terminator.\n"
    "--pointer VALUE     Pointer-sized units within +-N of VALUE (the target's\n"
    "--delta N           pointer size unless -d or -q says).\n"
    "--start A --length N\n"
    "                    Search [A, A+N) only (RAM and ROM; devices with --force).\n"
    "--align N           Only hits at multiples of N (default: the width; 1 for\n"
    "                    strings).\n"
    "--mask VALUE        Compare each unit ANDed with VALUE (with VALUEs).\n"
    "--max N             Stop after N hits (default 1000).\n"
    "--virtual           Also name the virtual addresses that map each hit.\n"
    "--root VALUE        With --virtual: another address space.\n"
    "--big-endian, --little-endian\n"
    "                    Byte order of VALUEs (default: the target's).\n"
    "--force             With --start: read device ranges too.\n"
    "--backend NAME      Route to physical memory (default auto):\n"
    "@ROUTES@\n"
    "--help, -h          Show this text.\n"
    "--version           Name the core and the route a write would take now.\n"
    "--mi                Also print the result as a GDB/MI record (^done,...).\n"
    "\n"
    "Examples:\n"
    "  searchphys --string \"Linux version\"\n"
    "  searchphys -q 0xdeadbeefcafef00d --virtual\n"
    "  searchphys --pointer 0xffffffff81000000 --delta 0x1000000 --max 20\n"
    "  searchphys -d --start 0x100000 --length 1M 0x464c457f\n";

typedef struct hit {
    uint64_t phys;
    uint8_t ctx[SEARCH_CONTEXT];
    unsigned nctx;
    uint64_t va[SEARCH_VAS];
    unsigned nva;
    uint64_t more_va;
} hit;

typedef struct search {
    uint8_t pat[SEARCH_MAX_PATTERN], mask[SEARCH_MAX_PATTERN];
    size_t len;
    int use_mask, pointer, order;
    unsigned width;
    uint64_t pv, delta, align, max;
    hit *hits;
    size_t nhits;
    uint64_t found;
} search;

/* The options of searchphys alone. */
typedef struct search_args {
    const char *pointer, *start, *mask;
    wp_size_arg delta, align, max;
} search_args;
#define A(r) ((search_args *)(r)->args)

static int check_align(const wp_session *s, const wp_option *o, const char *text, void *slot,
                       wp_error *err)
{
    (void)s, (void)o;
    uint64_t align = ((wp_size_arg *)slot)->value;
    if (!align || (align & (align - 1)) || align > 0x40000000)
        return wp_fail(err, WP_EINVAL, "bad --align '%s': a power of two from 1 to 1G", text);
    return WP_OK;
}

static int check_max(const wp_session *s, const wp_option *o, const char *text, void *slot,
                     wp_error *err)
{
    (void)s, (void)o, (void)text;
    if (!((wp_size_arg *)slot)->value)
        return wp_fail(err, WP_EINVAL, "--max 0: no hit would be shown");
    return WP_OK;
}

static const wp_option search_rows[] = {
    {"pointer", 0, WP_OPTION_EXPR, "a value", "VALUE", "Pointer-sized values near VALUE.", NULL,
     offsetof(search_args, pointer), 0, NULL},
    {"delta", 0, WP_OPTION_SIZE, NULL, "N", "Within N of the --pointer.", NULL,
     offsetof(search_args, delta), 0, NULL},
    {"start", 0, WP_OPTION_EXPR, "an address", "A", "Search from A (with --length).", NULL,
     offsetof(search_args, start), 0, NULL},
    {"align", 0, WP_OPTION_SIZE, NULL, "N", "Hits at multiples of N only.", NULL,
     offsetof(search_args, align), 0, check_align},
    {"mask", 0, WP_OPTION_EXPR, "a value", "VALUE", "Compare only the bits set here.", NULL,
     offsetof(search_args, mask), 0, NULL},
    {"max", 0, WP_OPTION_SIZE, NULL, "N", "Stop after N hits.", NULL,
     offsetof(search_args, max), 0, check_max},
};

static int check(wp_request *r, size_t npos, wp_error *err)
{
    if (r->text)
        r->data = WP_DATA_STRING;
    int kinds = (npos > 0) + (r->data == WP_DATA_STRING) + (A(r)->pointer != NULL);
    if (kinds == 0)
        return wp_fail(err, WP_EINVAL,
                       "nothing to search for: give VALUEs, --string TEXT or --pointer VALUE; "
                       "%s",
                       usage);
    if (kinds > 1)
        return wp_fail(err, WP_EINVAL,
                       "search for one thing: VALUEs, --string or --pointer, not %s",
                       npos && r->data == WP_DATA_STRING ? "VALUEs and --string"
                       : npos                            ? "VALUEs and --pointer"
                                                         : "--string and --pointer");
    if ((r->utf16 || r->zero) && r->data != WP_DATA_STRING)
        return wp_fail(err, WP_EINVAL, "--utf16 and --zero go with --string");
    if (A(r)->delta.given && !A(r)->pointer)
        return wp_fail(err, WP_EINVAL, "--delta goes with --pointer");
    if (A(r)->pointer && !A(r)->delta.given)
        return wp_fail(err, WP_EINVAL, "--pointer needs --delta N (0 for the value alone)");
    if (A(r)->mask && !npos)
        return wp_fail(err, WP_EINVAL, "--mask goes with VALUEs");
    if (r->width_given && r->data == WP_DATA_STRING)
        return wp_fail(err, WP_EINVAL, "-b/-w/-d/-q do not apply to --string");
    if (A(r)->pointer && r->width_given && r->width < 4)
        return wp_fail(err, WP_EINVAL, "--pointer takes -d or -q, not -b or -w");
    if (r->byte_order != WP_ORDER_TARGET && r->data == WP_DATA_STRING)
        return wp_fail(err, WP_EINVAL, "--big-endian/--little-endian do not apply to --string");
    if (!A(r)->start != !r->length.given)
        return wp_fail(err, WP_EINVAL, "%s",
                       A(r)->start ? "--start needs --length N" : "--length needs --start A");
    if (r->length.given && r->length.value == 0)
        return wp_fail(err, WP_EINVAL, "--length 0: nothing to search");
    if (r->force && !A(r)->start)
        return wp_fail(err, WP_EINVAL, "--force goes with an explicit --start A --length N");
    return WP_OK;
}

/* The pattern (and mask) from the line; values are evaluated here. */
static int build(wp_session *s, const wp_request *r, search *q, wp_error *err)
{
    wp_target_info info;
    int rc = WP_OK;
    if (r->data == WP_DATA_STRING) {
        wp_buf text = {0}, data = {0};
        rc = wp_unescape(r->text, &text, err);
        if (!rc && r->utf16)
            rc = wp_encode_utf16le(text.data ? text.data : "", text.len, r->zero, &data, err);
        else if (!rc && (wp_buf_append(&data, text.data ? text.data : "", text.len) ||
                         (r->zero && wp_buf_append(&data, "", 1))))
            rc = wp_fail(err, WP_ENOMEM, "out of memory");
        if (!rc && data.len == 0)
            rc = wp_fail(err, WP_EINVAL, "empty --string: nothing to search for");
        if (!rc && data.len > SEARCH_MAX_PATTERN)
            rc = wp_fail(err, WP_EINVAL, "--string is %zu bytes; at most %u", data.len,
                         SEARCH_MAX_PATTERN);
        if (!rc) {
            memcpy(q->pat, data.data, data.len);
            q->len = data.len;
        }
        wp_buf_free(&text);
        wp_buf_free(&data);
        q->width = 1;
        q->align = A(r)->align.given ? A(r)->align.value : 1;
        return rc;
    }
    rc = wp_resolve_order(s, r->byte_order, &q->order, err);
    if (rc)
        return rc;
    if (A(r)->pointer) {
        int neg = 0;
        q->pointer = 1;
        q->width = r->width_given ? r->width : 8;
        if (!r->width_given && wp_session_target_info(s, &info, err) == WP_OK &&
            !strstr(wp_session_family(s, info.arch), "64"))
            q->width = 4;
        rc = wp_evaluate(s, "--pointer", A(r)->pointer, &q->pv, &neg, err);
        if (!rc && neg)
            rc = wp_fail(err, WP_EINVAL, "--pointer '%s' is negative", A(r)->pointer);
        if (!rc && q->width == 4 && (q->pv >> 32))
            rc = wp_fail(err, WP_EINVAL, "--pointer '%s' does not fit in 4 bytes",
                         A(r)->pointer);
        q->delta = A(r)->delta.value;
        q->len = q->width;
        q->align = A(r)->align.given ? A(r)->align.value : q->width;
        return rc;
    }
    size_t n = 1 + r->nvalues;
    q->width = r->width;
    if (n * q->width > SEARCH_MAX_PATTERN)
        return wp_fail(err, WP_EINVAL, "%zu values of %u bytes: at most %u bytes", n, q->width,
                       SEARCH_MAX_PATTERN);
    uint8_t unit_mask[8];
    memset(unit_mask, 0xff, sizeof unit_mask);
    if (A(r)->mask) {
        uint64_t m;
        int neg = 0;
        rc = wp_evaluate(s, "--mask", A(r)->mask, &m, &neg, err);
        if (!rc)
            rc = wp_encode_value(m, neg, q->width, q->order, unit_mask, A(r)->mask, err);
        if (rc)
            return rc;
        q->use_mask = 1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *expr = i ? r->values[i - 1] : r->address;
        uint64_t v;
        int neg = 0;
        rc = wp_evaluate(s, "VALUE", expr, &v, &neg, err);
        if (!rc)
            rc = wp_encode_value(v, neg, q->width, q->order, q->pat + i * q->width, expr, err);
        if (rc)
            return rc;
        memcpy(q->mask + i * q->width, unit_mask, q->width);
    }
    for (size_t i = 0; i < n * q->width; i++)
        q->pat[i] &= q->mask[i];
    q->len = n * q->width;
    q->align = A(r)->align.given ? A(r)->align.value : q->width;
    return WP_OK;
}

static int match_at(const search *q, const uint8_t *p)
{
    if (q->pointer) {
        uint64_t u = wp_decode_unit(p, q->width, q->order);
        return u >= q->pv ? u - q->pv <= q->delta : q->pv - u <= q->delta;
    }
    if (!q->use_mask)
        return memcmp(p, q->pat, q->len) == 0;
    for (size_t i = 0; i < q->len; i++)
        if ((p[i] & q->mask[i]) != q->pat[i])
            return 0;
    return 1;
}

/* Scans buf (base: the physical address of buf[0]) at every start p with
 * p + len <= n; returns 1 when --max is reached. */
static int scan(search *q, uint64_t base, const uint8_t *buf, size_t n)
{
    if (n < q->len)
        return 0;
    size_t last = n - q->len;
    uint64_t mis = base & (q->align - 1);
    size_t p = mis ? (size_t)(q->align - mis) : 0;
    int plain = !q->pointer && !q->use_mask;
    while (p <= last) {
        if (plain) {
            /* libc's memmem skips to the candidates, for values too (a
             * compare at every aligned start ran -d at 1.6 GiB/s, memmem
             * 2.8, bench/); a hit off the alignment moves on to the next
             * aligned start. */
            const uint8_t *c = memmem(buf + p, n - p, q->pat, q->len);
            if (!c)
                break;
            p = (size_t)(c - buf);
            uint64_t off = (base + p) & (q->align - 1);
            if (off) {
                p += (size_t)(q->align - off);
                continue;
            }
        }
        if (match_at(q, buf + p)) {
            q->found++;
            if (q->nhits < q->max) {
                hit *h = &q->hits[q->nhits++];
                memset(h, 0, sizeof *h);
                h->phys = base + p;
                h->nctx = (unsigned)(n - p < SEARCH_CONTEXT ? n - p : SEARCH_CONTEXT);
                memcpy(h->ctx, buf + p, h->nctx);
            }
            if (q->found >= q->max)
                return 1;
        }
        p += (size_t)q->align;
    }
    return 0;
}

typedef struct skipped {
    uint64_t start, last;
    char name[48];
    int kind;
} skipped;

typedef struct scan_state {
    uint64_t searched, first, last_addr;
    skipped skip[3];
    size_t nskip;
    uint64_t more_skipped;
    int any;
} scan_state;

static void note_skip(scan_state *st, const wp_region *r, uint64_t from, uint64_t to)
{
    if (st->nskip && st->skip[st->nskip - 1].last + 1 == from &&
        st->skip[st->nskip - 1].kind == r->kind &&
        strcmp(st->skip[st->nskip - 1].name, r->name) == 0) {
        st->skip[st->nskip - 1].last = to;
        return;
    }
    if (st->nskip < WP_ARRAY_LEN(st->skip)) {
        skipped *k = &st->skip[st->nskip++];
        k->start = from;
        k->last = to;
        k->kind = r->kind;
        snprintf(k->name, sizeof k->name, "%s", r->name);
    } else {
        st->more_skipped++;
    }
}

static int va_leaf(void *ctx, const wp_leaf *leaf, wp_error *err)
{
    (void)err;
    search *q = ctx;
    /* The first hit at or above the leaf's frame: hits are in address order. */
    size_t lo = 0, hi = q->nhits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->hits[mid].phys < leaf->phys)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < q->nhits && q->hits[i].phys - leaf->phys < leaf->size; i++) {
        hit *h = &q->hits[i];
        if (h->nva < SEARCH_VAS)
            h->va[h->nva++] = leaf->va + (h->phys - leaf->phys);
        else
            h->more_va++;
    }
    return WP_OK;
}

static const char *kind_name(int kind)
{
    switch (kind) {
    case WP_REGION_ROM: return "ROM";
    case WP_REGION_DEVICE: return "device";
    default: return "unassigned";
    }
}

static int named(const skipped *k)
{
    return k->name[0] && strcmp(k->name, kind_name(k->kind)) != 0;
}

static int run(wp_session *s, const wp_request *r, uint64_t addr, wp_result *res, wp_error *err)
{
    (void)addr;
    search *q = calloc(1, sizeof *q);
    if (!q)
        return wp_fail(err, WP_ENOMEM, "out of memory");
    int rc = build(s, r, q, err);
    uint64_t lo = 0, hi = UINT64_MAX;
    if (!rc && A(r)->start) {
        int neg = 0;
        rc = wp_evaluate(s, "--start", A(r)->start, &lo, &neg, err);
        if (!rc && neg)
            rc = wp_fail(err, WP_EINVAL, "--start '%s' is negative", A(r)->start);
        if (!rc && r->length.value - 1 > UINT64_MAX - lo)
            rc = wp_fail(err, WP_EINVAL, "--start 0x%llx + --length %llu runs past 2^64",
                         (unsigned long long)lo, (unsigned long long)r->length.value);
        hi = lo + (r->length.value - 1);
    }
    q->max = A(r)->max.given ? A(r)->max.value : SEARCH_DEFAULT_MAX;
    if (!rc && !(q->hits = calloc(q->max < 65536 ? (size_t)q->max : 65536, sizeof *q->hits)))
        rc = wp_fail(err, WP_ENOMEM, "out of memory");
    if (q->max > 65536)
        q->max = 65536; /* hits kept; the count goes on below */
    uint8_t *buf = rc ? NULL : wp_session_scratch(s, 0);
    if (!rc && !buf)
        rc = wp_fail(err, WP_ENOMEM, "out of memory");
    wp_route_handle *h = NULL;
    wp_walker w;
    memset(&w, 0, sizeof w);
    uint64_t root = 0;
    if (!rc && r->root) {
        int neg = 0;
        rc = wp_evaluate(s, "--root", r->root, &root, &neg, err);
        if (!rc && neg)
            rc = wp_fail(err, WP_EINVAL, "--root '%s' is negative", r->root);
    }
    if (!rc) {
        wp_route_options opt = {r->backend, r->force, r->force ? 1 : -1, 0};
        rc = wp_route_open(s, &opt, &h, err);
    }
    if (!rc && !A(r)->start) {
        wp_region all = wp_route_region(h, 0);
        if (all.start == 0 && all.last == UINT64_MAX)
            rc = wp_fail(err, WP_EINVAL,
                         "the %s route has no memory map to tell RAM from devices and holes: "
                         "give the range with --start A --length N",
                         wp_route_of(h)->name);
    }
    if (!rc && r->is_virtual)
        rc = wp_paging_from_target(s, r->root ? &root : NULL, 0, &w.paging, err);
    scan_state st = {0};
    int full = 0;
    uint64_t stopped_at = 0;
    size_t carry = 0;
    uint64_t next = 0; /* the address after the carried bytes */
    /* Walk the map from lo to hi: RAM is searched (ROM with --start,
     * devices with --force too), the rest noted. */
    uint64_t total = 0;
    for (uint64_t a = lo; !rc && h;) {
        wp_region reg = wp_route_region(h, a);
        uint64_t to = reg.last < hi ? reg.last : hi;
        if (reg.kind == WP_REGION_RAM)
            total += to - a + 1;
        if (to == hi || to == UINT64_MAX)
            break;
        a = to + 1;
    }
    if (h)
        wp_route_progress(h, 0, total);
    for (uint64_t a = lo; !rc && h && !full;) {
        wp_region reg = wp_route_region(h, a);
        uint64_t to = reg.last < hi ? reg.last : hi;
        int take = reg.kind == WP_REGION_RAM || (A(r)->start && reg.kind == WP_REGION_ROM) ||
                   (A(r)->start && r->force && reg.kind == WP_REGION_DEVICE);
        if (!take) {
            if (reg.kind != WP_REGION_UNASSIGNED || A(r)->start || to != UINT64_MAX)
                note_skip(&st, &reg, a, to);
            carry = 0;
        } else {
            if (next != a)
                carry = 0;
            for (uint64_t at = a; !rc && !full && at <= to;) {
                uint64_t left = to - at + 1;
                size_t n = left < WP_STAGE_BYTES ? (size_t)left : WP_STAGE_BYTES, got = 0;
                wp_route_progress(h, st.searched, total);
                rc = wp_route_read(h, at, buf + carry, n, &got, err);
                if (!st.any && got) {
                    st.any = 1;
                    st.first = at;
                }
                st.searched += got;
                if (got)
                    st.last_addr = at + got - 1;
                full = scan(q, at - carry, buf, carry + got);
                size_t keep = q->len - 1 < carry + got ? q->len - 1 : carry + got;
                memmove(buf, buf + carry + got - keep, keep);
                carry = keep;
                at += got;
                next = at;
                if (rc)
                    stopped_at = at;
                if (!rc && at == 0)
                    break; /* the top of the space */
            }
        }
        if (to == hi || to == UINT64_MAX)
            break;
        a = to + 1;
    }
    if (!rc && r->is_virtual && q->nhits)
        rc = wp_walk_each(s, h, &w, 0, UINT64_MAX, va_leaf, q, NULL, 0, err);
    if (h)
        rc = wp_walk_close(h, rc, err);
    if (rc == WP_EINTR || (rc && st.searched)) {
        char first[64] = "";
        if (q->nhits)
            snprintf(first, sizeof first, " (the first at physical 0x%llx)",
                     (unsigned long long)q->hits[0].phys);
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        wp_fail(err, rc,
                "%s; searched 0x%llx-0x%llx (%llu bytes, up to 0x%llx): %llu hit%s so far%s",
                why, (unsigned long long)st.first, (unsigned long long)st.last_addr,
                (unsigned long long)st.searched, (unsigned long long)stopped_at,
                (unsigned long long)q->found, q->found == 1 ? "" : "s", first);
    }
    if (!rc) {
        for (size_t i = 0; i < q->nhits; i++) {
            const hit *x = &q->hits[i];
            wp_buf_printf(&res->text, "0x%llx:", (unsigned long long)x->phys);
            for (unsigned k = 0; k < SEARCH_CONTEXT; k++)
                if (k < x->nctx)
                    wp_buf_printf(&res->text, " %02x", x->ctx[k]);
                else
                    wp_buf_printf(&res->text, "   ");
            wp_buf_printf(&res->text, "  |");
            for (unsigned k = 0; k < x->nctx; k++)
                wp_buf_printf(&res->text, "%c",
                              x->ctx[k] >= 0x20 && x->ctx[k] < 0x7f ? x->ctx[k] : '.');
            wp_buf_printf(&res->text, "|");
            if (r->is_virtual) {
                if (!x->nva)
                    wp_buf_printf(&res->text, "  no virtual address");
                for (unsigned k = 0; k < x->nva; k++)
                    wp_buf_printf(&res->text, "%s0x%llx", k ? ", " : "  virtual ",
                                  (unsigned long long)x->va[k]);
                if (x->more_va)
                    wp_buf_printf(&res->text, " and %llu more (ptov 0x%llx)",
                                  (unsigned long long)x->more_va, (unsigned long long)x->phys);
            }
            wp_buf_printf(&res->text, "\n");
        }
        wp_buf_printf(&res->text, "searchphys: %llu hit%s", (unsigned long long)q->found,
                      q->found == 1 ? "" : "s");
        if (full)
            wp_buf_printf(&res->text, " (stopped at --max %llu)", (unsigned long long)q->max);
        if (st.any)
            wp_buf_printf(&res->text, " in 0x%llx-0x%llx (%llu bytes searched)",
                          (unsigned long long)st.first, (unsigned long long)st.last_addr,
                          (unsigned long long)st.searched);
        else
            wp_buf_printf(&res->text, " (nothing searched: no RAM in range)");
        for (size_t k = 0; k < st.nskip; k++)
            wp_buf_printf(&res->text, "%s0x%llx-0x%llx (%s%s%s)", k ? ", " : "; skipped ",
                          (unsigned long long)st.skip[k].start,
                          (unsigned long long)st.skip[k].last, kind_name(st.skip[k].kind),
                          named(&st.skip[k]) ? " " : "",
                          named(&st.skip[k]) ? st.skip[k].name : "");
        if (st.more_skipped)
            wp_buf_printf(&res->text, " and %llu more ranges that are not RAM",
                          (unsigned long long)st.more_skipped);
        wp_buf_printf(&res->text, "\n");
        res->length = st.searched;
        res->address = q->nhits ? q->hits[0].phys : 0;
        wp_mi_field(res, "hits", "%llu", (unsigned long long)q->found);
        if (q->found)
            wp_mi_field(res, "first", "0x%llx", (unsigned long long)res->address);
        wp_mi_field(res, "searched", "%llu", (unsigned long long)st.searched);
    }
    free(q->hits);
    free(q);
    return rc;
}

const wp_command_def wp_cmd_searchphys = {
    .name = "searchphys",
    .usage = usage,
    .help = help,
    .options = {WP_OPTS_WIDTH, WP_OPTS_STRING, WP_OPTS_LENGTH, WP_OPTS_BACKEND, WP_OPTS_FORCE,
                WP_OPTS_ORDER, WP_OPTS_VIRTUAL, WP_OPTS_ROOT, WP_OPTION_SET(search_rows, 0),
                WP_OPTS_ALWAYS},
    .args_size = sizeof(search_args),
    .raw_args = 1,
    .first = "VALUE",
    .check = check,
    .run = run,
};
