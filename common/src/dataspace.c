/* The data-space operations: write, read and fill physical memory with
 * BytesWritten semantics, as thin users of the route handle.  Every path
 * that opened a route closes it, which restores the mode and flushes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const wp_route_options default_options = {"auto", 0, -1, 0};

/* Closes the route and folds a failed restore into the result, keeping the
 * count: the bytes moved before the restore failed are still moved. */
static int finish(wp_route_handle *h, int rc, uint64_t done, const char *verb, wp_error *err)
{
    wp_error close_err = {0};
    int close_rc = wp_route_close(h, &close_err);
    if (close_rc == WP_OK)
        return rc;
    if (rc == WP_OK)
        return wp_fail(err, close_rc, "%s %llu byte%s %s %s, but %s", done == 1 ? "the" : "all",
                       (unsigned long long)done, wp_plural(done), done == 1 ? "was" : "were",
                       verb, close_err.message);
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n, "; %s", close_err.message);
    return rc;
}

/* "all 4 bytes were" / "the 1 byte was": what the read-back lines say. */
static const char *all_of(uint64_t n, char *buf, size_t cap)
{
    snprintf(buf, cap, n == 1 ? "the 1 byte was" : "all %llu bytes were",
             (unsigned long long)n);
    return buf;
}

static int verify_wanted(int verify, int kind)
{
    if (verify >= 0)
        return verify;
    return kind != WP_REGION_DEVICE;
}

/* What the success line says of the route: its claim, what "via" names,
 * and (once) why auto passed over a route that fits. */
static void describe(wp_session *s, wp_route_handle *h, wp_transfer *tr)
{
    const wp_route *r = wp_route_of(h);
    if (r->claim)
        r->claim(s, wp_route_state(h), tr->claim, sizeof tr->claim);
    snprintf(tr->via, sizeof tr->via, "%s", r->name);
    if (r->via)
        r->via(s, wp_route_state(h), tr->via, sizeof tr->via);
    snprintf(tr->note, sizeof tr->note, "%s", wp_route_note(h));
}

static int by_phys(const void *a, const void *b)
{
    const wp_segment *x = a, *y = b;
    return x->phys < y->phys ? -1 : x->phys > y->phys;
}

/* Do two segments share a physical byte (virtual pages that map one
 * frame)?  -1 when there is no memory to tell. */
static int segments_alias(const wp_segments *segs)
{
    wp_segment *sorted = malloc(segs->count * sizeof *sorted);
    if (!sorted)
        return -1;
    memcpy(sorted, segs->items, segs->count * sizeof *sorted);
    qsort(sorted, segs->count, sizeof *sorted, by_phys);
    int alias = 0;
    for (size_t i = 1; i < segs->count && !alias; i++)
        alias = sorted[i].phys - sorted[i - 1].phys < sorted[i - 1].len;
    free(sorted);
    return alias;
}

/* Where frames alias, memory keeps what the last write left: the bytes
 * of later segments over [at, at+n) of segment k replace expected ones. */
static int overlay_later(const wp_segments *segs, size_t k, uint64_t at, size_t n,
                         const wp_source *src, uint8_t *want, wp_error *err)
{
    uint64_t off = 0;
    for (size_t j = 0; j < segs->count; off += segs->items[j].len, j++) {
        const wp_segment *g = &segs->items[j];
        if (j <= k || g->phys >= at + n || at >= g->phys + g->len)
            continue;
        uint64_t from = g->phys > at ? g->phys : at;
        uint64_t to = g->phys + g->len < at + n ? g->phys + g->len : at + n;
        int rc = wp_source_copy(src, off + (from - g->phys), want + (from - at),
                                (size_t)(to - from), err);
        if (rc)
            return rc;
    }
    return WP_OK;
}

/* What a read-back has found so far.  src is the file to blame for a
 * difference when the comparison is with the file read again; NULL when it
 * is with the very bytes sent. */
typedef struct readback {
    wp_route_handle *h;
    int verify, mapless, any, all, differed;
    uint64_t written; /* what the messages say was acknowledged */
    uint64_t kept;    /* with differed: the bytes before the first difference */
    const wp_source *src;
    uint8_t *got;
    wp_transfer *tr;
} readback;

static int readback_open(readback *b, wp_session *s, wp_route_handle *h, int verify,
                         uint64_t written, const wp_source *src, wp_transfer *tr, wp_error *err)
{
    *b = (readback){
        .h = h, .verify = verify, .all = 1, .written = written, .src = src, .tr = tr};
    b->mapless = (wp_route_of(h)->flags & WP_ROUTE_MAPLESS) != 0;
    b->got = wp_session_scratch(s, 1);
    return b->got ? WP_OK : wp_fail(err, WP_ENOMEM, "out of memory");
}

static int file_changed(const readback *b, const char *why, wp_error *err)
{
    return wp_fail(err, WP_EVERIFY,
                   "all %llu byte%s written but not verified: '%s' changed while it was "
                   "written, so %s",
                   (unsigned long long)b->written, b->written == 1 ? " was" : "s were",
                   b->src->path, why);
}

/* Reads [at, at+n) back region by region where verification is wanted and
 * compares it with expect; off is where at lies in the source. */
static int check_back(readback *b, uint64_t at, uint64_t off, const uint8_t *expect, size_t n,
                      wp_error *err)
{
    for (size_t pos = 0; pos < n;) {
        uint64_t a = at + pos;
        wp_region r = wp_route_region(b->h, a);
        uint64_t span = r.last - a + 1;
        size_t m = span == 0 || span > n - pos ? n - pos : (size_t)span;
        /* Unassigned memory reads as zero whatever was written: a
         * read-back there proves nothing. */
        if (!verify_wanted(b->verify, r.kind) || r.kind == WP_REGION_UNASSIGNED) {
            b->all = 0;
            b->tr->unverified = r.kind;
            pos += m;
            continue;
        }
        b->any = 1;
        size_t read = 0;
        int rc = wp_route_read(b->h, a, b->got, m, &read, err);
        if (rc) {
            char why[sizeof err->message], count[48];
            snprintf(why, sizeof why, "%s", err->message);
            return wp_fail(err, rc, "%s written but reading %s back failed: %s",
                           all_of(b->written, count, sizeof count),
                           b->written == 1 ? "it" : "them", why);
        }
        const uint8_t *want = expect + pos;
        if (memcmp(b->got, want, m) == 0) {
            pos += m;
            continue;
        }
        if (b->src && wp_source_file_stamp(b->src->fd) != b->src->stamp)
            return file_changed(b, "a read-back cannot tell what was sent", err);
        size_t i = 0;
        while (b->got[i] == want[i])
            i++;
        /* BytesWritten counts what landed, as far as the read-back can
         * tell: the bytes before the first one that differs. */
        b->differed = 1;
        b->kept = off + pos + i;
        uint64_t w = b->written;
        return wp_fail(err, WP_EVERIFY,
                       "read-back differs at 0x%llx (wrote 0x%02x, read 0x%02x): the stub "
                       "acknowledged %s %llu byte%s but %s%smemory did not keep %s; %llu "
                       "byte%s before it read back as written",
                       (unsigned long long)(a + i), want[i], b->got[i], w == 1 ? "the" : "all",
                       (unsigned long long)w, wp_plural(w),
                       b->mapless ? "" : wp_region_kind_name(r.kind), b->mapless ? "" : " ",
                       w == 1 ? "it" : "them", (unsigned long long)b->kept, wp_plural(b->kept));
    }
    return WP_OK;
}

/* Does any byte of [at, at+n) get read back? */
static int any_wanted(wp_route_handle *h, int verify, uint64_t at, size_t n)
{
    for (size_t pos = 0; pos < n;) {
        wp_region r = wp_route_region(h, at + pos);
        if (verify_wanted(verify, r.kind) && r.kind != WP_REGION_UNASSIGNED)
            return 1;
        uint64_t span = r.last - (at + pos) + 1;
        if (span == 0 || span >= n - pos)
            break;
        pos += (size_t)span;
    }
    return 0;
}

/* tr->verified only when every byte was read back and matched. */
static int readback_close(readback *b, int rc)
{
    if (b->differed)
        b->tr->done = b->kept;
    b->tr->verified = rc == WP_OK && b->any && b->all;
    return rc;
}

/* Reads the written segments back where verification is wanted, against
 * the source read again a stage at a time (the session's reused buffers;
 * a copy to patch only where frames alias). */
static int verify_segments(wp_session *s, wp_route_handle *h, int verify,
                           const wp_segments *segs, const wp_source *src, wp_transfer *tr,
                           wp_error *err)
{
    readback b;
    wp_source_reader rd;
    uint8_t *want = NULL;
    int rc = readback_open(&b, s, h, verify, tr->done, src->is_file ? src : NULL, tr, err);
    if (!rc)
        rc = wp_source_reader_open(&rd, s, 2, src, err);
    /* The read-back compares with the file as it is now: only if it is
     * still what was sent can a difference mean memory did not keep it. */
    if (!rc && src->is_file && wp_source_file_stamp(src->fd) != src->stamp)
        rc = file_changed(&b, "a read-back cannot tell what was sent", err);
    int aliased = segs->count > 1 ? segments_alias(segs) : 0;
    if (aliased && !(want = malloc(WP_STAGE_BYTES)))
        aliased = -1;
    if (!rc && aliased < 0)
        rc = wp_fail(err, WP_ENOMEM, "out of memory");
    uint64_t off = 0; /* into the source, across segments */
    for (size_t k = 0; k < segs->count && rc == WP_OK; k++)
        for (uint64_t in = 0; in < segs->items[k].len && rc == WP_OK;) {
            uint64_t at = segs->items[k].phys + in, left = segs->items[k].len - in;
            size_t n = left < WP_STAGE_BYTES ? (size_t)left : WP_STAGE_BYTES;
            /* The source is read again only where memory is read back. */
            const uint8_t *expect = NULL;
            if (any_wanted(h, verify, at, n))
                rc = wp_source_view(&rd, off, n, &expect, err);
            if (!rc && expect && aliased) {
                memcpy(want, expect, n);
                rc = overlay_later(segs, k, at, n, src, want, err);
                expect = want;
            }
            if (rc) {
                wp_fail_prefix(err, rc, "all %llu byte%s written but not verified: ",
                               (unsigned long long)b.written,
                               b.written == 1 ? " was" : "s were");
                break;
            }
            rc = check_back(&b, at, off, expect, n, err);
            off += n;
            in += n;
        }
    free(want);
    return readback_close(&b, rc);
}

void wp_segments_free(wp_segments *segs)
{
    free(segs->items);
    memset(segs, 0, sizeof *segs);
}

static int add_segment(wp_segments *segs, uint64_t phys, uint64_t len)
{
    if (segs->count &&
        segs->items[segs->count - 1].phys + segs->items[segs->count - 1].len == phys) {
        segs->items[segs->count - 1].len += len; /* frames that follow each other */
        return WP_OK;
    }
    if (segs->count == segs->cap) {
        size_t cap = segs->cap ? segs->cap * 2 : 8;
        wp_segment *items = realloc(segs->items, cap * sizeof *items);
        if (!items)
            return WP_ENOMEM;
        segs->items = items;
        segs->cap = cap;
    }
    segs->items[segs->count++] = (wp_segment){phys, len};
    return WP_OK;
}

/* Every page of [va, va+len) translated before anything moves: one
 * unmapped page refuses the whole range. */
static int translate_range(wp_session *s, wp_route_handle *h, const wp_address *where,
                           uint64_t len, wp_segments *segs, wp_error *err)
{
    wp_walker *w = calloc(1, sizeof *w); /* 24 KiB of table blocks */
    if (!w)
        return wp_fail(err, WP_ENOMEM, "out of memory");
    w->whole_tables = len > 4096; /* more than one page: tables by the block */
    int rc = wp_paging_from_target(s, where->root, where->addr, &w->paging, err);
    for (uint64_t off = 0; rc == WP_OK && off < len;) {
        wp_translation t;
        rc = wp_walk(h, w, where->addr + off, &t, err);
        if (rc)
            break;
        uint64_t in_page = t.page_size - (t.phys & (t.page_size - 1));
        uint64_t n = in_page < len - off ? in_page : len - off;
        if (add_segment(segs, t.phys, n))
            rc = wp_fail(err, WP_ENOMEM, "out of memory");
        off += n;
    }
    free(w);
    return rc;
}

/* Opens the route and resolves where the bytes go: the physical address
 * as it is, or every page of a virtual range (which needs physical mode
 * for the table reads).  Then every check that sends nothing more. */
static int open_segments(wp_session *s, const wp_route_options *opt, const wp_address *where,
                         uint64_t len, int is_write, int enter, wp_route_handle **h,
                         wp_segments *segs, wp_error *err)
{
    int rc = wp_check_span(where->addr, len, err);
    if (!rc)
        rc = wp_route_open_checks(s, opt, h, err);
    if (rc)
        return rc;
    int entered = 0;
    if (where->is_virtual) {
        if ((rc = wp_route_enter(*h, err))) {
            *h = NULL; /* a failed enter closes the handle */
            return rc;
        }
        entered = 1;
        rc = translate_range(s, *h, where, len, segs, err);
    } else if (add_segment(segs, where->addr, len)) {
        rc = wp_fail(err, WP_ENOMEM, "out of memory");
    }
    for (size_t k = 0; !rc && k < segs->count; k++)
        rc = wp_route_check(*h, segs->items[k].phys, segs->items[k].len, is_write, err);
    if (rc) {
        wp_error close_err = {0};
        if (wp_route_close(*h, &close_err)) {
            wp_error_append(err, "; ");
            wp_error_append(err, close_err.message);
        }
        *h = NULL;
        return rc;
    }
    if (enter && !entered && (rc = wp_route_enter(*h, err)))
        *h = NULL;
    return rc;
}

int wp_resolve_segments(wp_session *s, const wp_route_options *opt, const wp_address *where,
                        uint64_t len, int is_write, wp_segments *segs, char *route, size_t cap,
                        char *claim, size_t claim_cap, wp_error *err)
{
    wp_route_handle *h = NULL;
    int rc = open_segments(s, opt, where, len, is_write, 0, &h, segs, err);
    if (rc)
        return rc;
    snprintf(route, cap, "%s", wp_route_of(h)->name);
    claim[0] = '\0';
    if (wp_route_of(h)->claim)
        wp_route_of(h)->claim(s, wp_route_state(h), claim, claim_cap);
    wp_error close_err = {0};
    rc = wp_route_close(h, &close_err);
    if (rc)
        *err = close_err;
    return rc;
}

/* Opens the route for a transfer and plans its segments into tr. */
static int open_transfer(wp_session *s, const wp_route_options *opt, const wp_address *where,
                         uint64_t len, wp_route_handle **h, wp_transfer *tr, wp_error *err)
{
    int rc = open_segments(s, opt, where, len, opt->for_write, 1, h, &tr->segments, err);
    if (rc) {
        wp_segments_free(&tr->segments);
        return rc;
    }
    tr->route = wp_route_of(*h);
    return WP_OK;
}

int wp_dataspace_write_at(wp_session *s, const wp_route_options *opt, const wp_address *where,
                          const wp_source *src, wp_transfer *tr, wp_error *err)
{
    memset(tr, 0, sizeof *tr);
    if (!src->total || !src->pattern_len)
        return wp_fail(err, WP_EINVAL, "empty data: nothing to write");
    wp_route_handle *h = NULL;
    wp_route_options o = opt ? *opt : default_options;
    o.for_write = 1;
    opt = &o;
    int rc = open_transfer(s, opt, where, src->total, &h, tr, err);
    if (rc)
        return rc;
    const wp_segments *segs = &tr->segments;
    /* A plain buffer goes to the route as it is; a pattern or a file a
     * stage at a time, so that a 1 GiB fill or file does not need 1 GiB. */
    wp_source_reader rd;
    rc = wp_source_reader_open(&rd, s, 0, src, err);
    wp_route_slot *reader = rc == WP_OK ? wp_route_read_back(h, opt, src->total) : NULL;
    /* A file's stages are read back as they are written, against the bytes
     * sent while their pages are warm: the file is not read twice.  Where
     * frames alias (the last write wins) or another route reads back, the
     * read-back comes after the write. */
    readback now;
    int staged = rc == WP_OK && !reader && opt->verify != 0 && src->is_file &&
                 (segs->count < 2 || segments_alias(segs) == 0) &&
                 readback_open(&now, s, h, opt->verify, src->total, NULL, tr, err) == WP_OK;
    int staged_rc = WP_OK;
    wp_error staged_err = {0};
    wp_route_progress(h, 0, src->total);
    uint64_t seg_start = 0;
    uint64_t failed_at = 0;
    for (size_t k = 0; rc == WP_OK && k < segs->count; k++) {
        uint64_t seg_end = seg_start + segs->items[k].len;
        while (rc == WP_OK && tr->done < seg_end) {
            size_t n = wp_source_stage(&rd, seg_end - tr->done);
            const uint8_t *bytes;
            size_t moved = 0;
            failed_at = segs->items[k].phys + (tr->done - seg_start);
            rc = wp_source_view(&rd, tr->done, n, &bytes, err);
            if (!rc)
                rc = wp_route_write(h, failed_at, bytes, n, &moved, err);
            if (!rc && staged && !staged_rc) {
                wp_route_progress(h, 0, 0); /* the read-back shows no progress */
                staged_rc = check_back(&now, failed_at, tr->done, bytes, n, &staged_err);
                wp_route_progress(h, tr->done + moved, src->total);
            }
            tr->done += moved;
            failed_at += moved;
            tr->in_doubt = wp_route_in_doubt(h);
        }
        seg_start = seg_end;
    }
    if (rc && tr->in_doubt) {
        /* The stub never answered for the packet in flight: a count as a
         * range, never rounded to one side. */
        wp_fail_prefix(
            err, rc,
            "%llu to %llu of %llu byte%s written (0x%llx-0x%llx were in flight, "
            "their outcome unknown); ",
            (unsigned long long)tr->done, (unsigned long long)(tr->done + tr->in_doubt),
            (unsigned long long)src->total, wp_plural(src->total),
            (unsigned long long)failed_at, (unsigned long long)(failed_at + tr->in_doubt - 1));
    } else if (rc) {
        wp_fail_prefix(err, rc, "%llu of %llu byte%s written; ", (unsigned long long)tr->done,
                       (unsigned long long)src->total, wp_plural(src->total));
    }
    wp_route_progress(h, 0, 0);
    if (rc == WP_OK && staged) {
        /* What was read back is what was sent; the file's it is only if
         * the file stayed as it was. */
        if (!staged_rc && wp_source_file_stamp(src->fd) != src->stamp) {
            now.src = src;
            staged_rc = file_changed(&now, "the bytes sent may not be the file's", &staged_err);
        }
        if (staged_rc)
            *err = staged_err;
        rc = readback_close(&now, staged_rc);
    } else if (rc == WP_OK && !reader) {
        rc = verify_segments(s, h, opt->verify, segs, src, tr, err);
    }
    describe(s, h, tr);
    rc = finish(h, rc, tr->done, "written", err);
    if (rc == WP_OK && reader) {
        /* Reads may take a faster route than writes (a local QEMU's memory
         * under TCG): read back there, after the write route has closed. */
        wp_route_options ro = *opt;
        ro.backend = reader->route->name;
        ro.for_write = 0;
        wp_route_handle *rh = NULL;
        rc = wp_route_open(s, &ro, &rh, err);
        if (rc == WP_OK) {
            rc = verify_segments(s, rh, opt->verify, segs, src, tr, err);
            wp_error close_err = {0};
            if (wp_route_close(rh, &close_err) && rc == WP_OK)
                rc = wp_fail(err, close_err.status, "%s", close_err.message);
        } else {
            char all[48];
            wp_fail_prefix(err, rc, "%s written but reading %s back failed: ",
                           all_of(tr->done, all, sizeof all), tr->done == 1 ? "it" : "them");
        }
    }
    return rc;
}

int wp_dataspace_read_to(wp_session *s, const wp_route_options *opt, const wp_address *where,
                         uint64_t len, wp_read_sink sink, void *ctx, wp_transfer *tr,
                         wp_error *err)
{
    memset(tr, 0, sizeof *tr);
    if (!len)
        return wp_fail(err, WP_EINVAL, "nothing to read: length is 0");
    uint8_t *stage = wp_session_scratch(s, 0);
    if (!stage)
        return wp_fail(err, WP_ENOMEM, "out of memory");
    wp_route_handle *h = NULL;
    wp_route_options o = opt ? *opt : default_options;
    o.for_write = 0;
    opt = &o;
    int rc = open_transfer(s, opt, where, len, &h, tr, err);
    if (rc)
        return rc;
    const wp_segments *segs = &tr->segments;
    int sink_failed = 0;
    wp_error sink_err = {0};
    wp_route_progress(h, 0, len);
    /* A stage at a time into the session's reused buffer, handed on as it
     * fills: nothing of the transfer's size is allocated, and scattered
     * pages go on in stages, not a page at a time. */
    size_t fill = 0;
    for (size_t k = 0; rc == WP_OK && k < segs->count; k++)
        for (uint64_t off = 0; rc == WP_OK && off < segs->items[k].len;) {
            uint64_t left = segs->items[k].len - off;
            size_t room = WP_STAGE_BYTES - fill, moved = 0;
            size_t n = left < room ? (size_t)left : room;
            rc = wp_route_read(h, segs->items[k].phys + off, stage + fill, n, &moved, err);
            fill += moved;
            tr->done += moved;
            off += moved;
            int last = k + 1 == segs->count && off == segs->items[k].len;
            if (fill && (fill == WP_STAGE_BYTES || last || rc)) {
                int sunk = sink(ctx, stage, fill, rc ? &sink_err : err);
                fill = 0;
                if (sunk && rc == WP_OK) {
                    rc = sunk;
                    sink_failed = 1;
                } else if (sunk) {
                    *err = sink_err; /* the bytes read could not be kept */
                    rc = sunk;
                    sink_failed = 1;
                }
            }
        }
    describe(s, h, tr);
    if (rc && rc != WP_EREFUSED && !sink_failed)
        wp_fail_prefix(err, rc, "%llu of %llu byte%s read; ", (unsigned long long)tr->done,
                       (unsigned long long)len, wp_plural(len));
    return finish(h, rc, tr->done, "read", err);
}

/* A read into the caller's buffer is a streamed read whose sink copies. */
typedef struct buffer_sink {
    uint8_t *out;
    size_t at;
} buffer_sink;

static int copy_sink(void *ctx, const uint8_t *bytes, size_t n, wp_error *err)
{
    (void)err;
    buffer_sink *b = ctx;
    memcpy(b->out + b->at, bytes, n);
    b->at += n;
    return WP_OK;
}

int wp_dataspace_read_at(wp_session *s, const wp_route_options *opt, const wp_address *where,
                         uint8_t *out, uint64_t len, wp_transfer *tr, wp_error *err)
{
    buffer_sink b = {out, 0};
    return wp_dataspace_read_to(s, opt, where, len, copy_sink, &b, tr, err);
}

int wp_dataspace_write(wp_session *s, const wp_route_options *opt, uint64_t addr,
                       const wp_source *src, wp_transfer *tr, wp_error *err)
{
    wp_address where = {addr, 0, NULL};
    int rc = wp_dataspace_write_at(s, opt, &where, src, tr, err);
    wp_segments_free(&tr->segments);
    return rc;
}

int wp_dataspace_read(wp_session *s, const wp_route_options *opt, uint64_t addr, uint8_t *out,
                      uint64_t len, wp_transfer *tr, wp_error *err)
{
    wp_address where = {addr, 0, NULL};
    int rc = wp_dataspace_read_at(s, opt, &where, out, len, tr, err);
    wp_segments_free(&tr->segments);
    return rc;
}

/* A call from outside a command is a command of its own: one map read
 * serves its write and its read-back.  Returns whether it began one. */
static int api_begin(wp_session *s)
{
    if (!s || s->in_command)
        return 0;
    wp_session_command_begin(s);
    return 1;
}

static int api_end(wp_session *s, int began, int rc)
{
    if (began)
        wp_session_command_end(s);
    return rc;
}

static int wp_virtual_to_physical_impl(wp_session *s, const wp_route_options *opt,
                                       const uint64_t *root, uint64_t virt, wp_translation *out,
                                       wp_error *err)
{
    wp_error scratch;
    err = err ? err : &scratch;
    wp_translation none;
    out = out ? out : &none;
    memset(out, 0, sizeof *out);
    if (!s)
        return wp_fail(err, WP_EINVAL, "no session");
    wp_walker w = {0};
    wp_route_handle *h = NULL;
    int rc = wp_route_open(s, opt, &h, err);
    if (rc)
        return rc;
    rc = wp_paging_from_target(s, root, virt, &w.paging, err);
    if (!rc)
        rc = wp_walk(h, &w, virt, out, err);
    wp_error close_err = {0};
    int close_rc = wp_route_close(h, &close_err);
    if (!rc && close_rc) {
        *err = close_err;
        rc = close_rc;
    }
    return rc;
}
int wp_virtual_to_physical(wp_session *s, const wp_route_options *opt, const uint64_t *root,
                           uint64_t virt, wp_translation *out, wp_error *err)
{
    int began = api_begin(s);
    return api_end(s, began, wp_virtual_to_physical_impl(s, opt, root, virt, out, err));
}

/* ---- the public calls, shaped after IDebugDataSpaces ---- */

static int wp_write_physical_impl(wp_session *s, const wp_route_options *opt, uint64_t offset,
                                  const void *buffer, size_t size, size_t *bytes_written,
                                  wp_error *err)
{
    wp_error scratch;
    err = err ? err : &scratch;
    wp_transfer tr = {0};
    wp_source src = {.pattern = buffer, .pattern_len = size, .total = size};
    int rc = !s || (!buffer && size)
                 ? wp_fail(err, WP_EINVAL, "no session or buffer")
                 : wp_dataspace_write(s, opt ? opt : &default_options, offset, &src, &tr, err);
    if (bytes_written)
        *bytes_written = (size_t)tr.done;
    return rc;
}
int wp_write_physical(wp_session *s, const wp_route_options *opt, uint64_t offset,
                      const void *buffer, size_t size, size_t *bytes_written, wp_error *err)
{
    int began = api_begin(s);
    return api_end(s, began,
                   wp_write_physical_impl(s, opt, offset, buffer, size, bytes_written, err));
}

static int wp_fill_physical_impl(wp_session *s, const wp_route_options *opt, uint64_t start,
                                 size_t size, const void *pattern, size_t pattern_size,
                                 size_t *bytes_filled, wp_error *err)
{
    wp_error scratch;
    err = err ? err : &scratch;
    wp_transfer tr = {0};
    wp_source src = {.pattern = pattern, .pattern_len = pattern_size, .total = size};
    int rc = !s || !pattern || !pattern_size
                 ? wp_fail(err, WP_EINVAL, "empty pattern")
                 : wp_dataspace_write(s, opt ? opt : &default_options, start, &src, &tr, err);
    if (bytes_filled)
        *bytes_filled = (size_t)tr.done;
    return rc;
}
int wp_fill_physical(wp_session *s, const wp_route_options *opt, uint64_t start, size_t size,
                     const void *pattern, size_t pattern_size, size_t *bytes_filled,
                     wp_error *err)
{
    int began = api_begin(s);
    return api_end(
        s, began,
        wp_fill_physical_impl(s, opt, start, size, pattern, pattern_size, bytes_filled, err));
}

static int wp_read_physical_impl(wp_session *s, const wp_route_options *opt, uint64_t offset,
                                 void *buffer, size_t size, size_t *bytes_read, wp_error *err)
{
    wp_error scratch;
    err = err ? err : &scratch;
    wp_transfer tr = {0};
    int rc = !s || (!buffer && size) ? wp_fail(err, WP_EINVAL, "no session or buffer")
                                     : wp_dataspace_read(s, opt ? opt : &default_options,
                                                         offset, buffer, size, &tr, err);
    if (bytes_read)
        *bytes_read = (size_t)tr.done;
    return rc;
}
int wp_read_physical(wp_session *s, const wp_route_options *opt, uint64_t offset, void *buffer,
                     size_t size, size_t *bytes_read, wp_error *err)
{
    int began = api_begin(s);
    return api_end(s, began,
                   wp_read_physical_impl(s, opt, offset, buffer, size, bytes_read, err));
}
