/* The data-space operations: write, read and fill physical memory with
 * BytesWritten semantics.  Every path that switched the stub's mode switches
 * it back, and every path that wrote flushes the debugger's caches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int wp_check_span(uint64_t addr, uint64_t len, wp_error *err)
{
    if (len && len - 1 > UINT64_MAX - addr)
        return wp_fail(err, WP_EINVAL, "0x%llx + %llu bytes runs past the end of the "
                       "64-bit address space", (unsigned long long)addr,
                       (unsigned long long)len);
    return WP_OK;
}

static int check_target(wp_session *s, const char *backend, wp_error *err)
{
    if (!s->host.target_info)
        return WP_OK;
    wp_target_info info = {0};
    err->message[0] = '\0';
    int rc = s->host.target_info(s->host.ctx, &info, err);
    if (rc)
        return err->message[0] ? (err->status = rc)
                               : wp_fail(err, WP_EHOST, "cannot tell the target's state");
    if (!info.connected)
        return wp_fail(err, WP_ESTATE, "no target: connect to a stub first "
                                       "(for QEMU: target remote localhost:1234)");
    if (!info.remote && strcmp(backend ? backend : "auto", "flat") != 0)
        return wp_fail(err, WP_ENOROUTE, "the target is not a gdb-remote connection; "
                                         "physical memory needs a stub such as QEMU's");
    if (!info.stopped)
        return wp_fail(err, WP_ESTATE, "the target is running; interrupt it first");
    return WP_OK;
}

/* Checks [addr, addr+len) against the map before anything is sent.  A
 * message names the whole region that refuses, so the user sees the map. */
static int check_map(const wp_memmap *map, uint64_t addr, uint64_t len, int force,
                     int is_read, wp_error *err)
{
    uint64_t last = addr + len - 1;
    const char *verb = is_read ? "read" : "written";
    const char *how = is_read ? "read" : "write";
    for (uint64_t a = addr;;) {
        wp_region r = wp_memmap_lookup(map, a);
        unsigned long long from = r.start, to = r.last;
        if (!force) {
            if (r.kind == WP_REGION_UNASSIGNED)
                return wp_fail(err, WP_EREFUSED,
                               "0x%llx-0x%llx is unassigned in QEMU's physical map (QEMU "
                               "would %s and answer OK); nothing was %s (--force to %s "
                               "anyway)", from, to,
                               is_read ? "make up the bytes" : "drop the bytes", verb, how);
            if (r.kind == WP_REGION_ROM && !is_read)
                return wp_fail(err, WP_EREFUSED,
                               "0x%llx-0x%llx is ROM (%s); nothing was written (--force to "
                               "write anyway)", from, to, r.name);
            if (r.kind == WP_REGION_DEVICE && is_read)
                return wp_fail(err, WP_EREFUSED,
                               "0x%llx-0x%llx is a device (%s) and reading it may have "
                               "side effects; nothing was read (--force to read anyway)",
                               from, to, r.name);
        }
        if (r.last >= last)
            return WP_OK;
        a = r.last + 1;
    }
}

static void source_bytes(const wp_source *src, uint64_t offset, uint8_t *out, size_t n)
{
    size_t pos = (size_t)(offset % src->pattern_len);
    while (n) {
        size_t run = src->pattern_len - pos < n ? src->pattern_len - pos : n;
        memcpy(out, src->pattern + pos, run);
        out += run;
        n -= run;
        pos = 0;
    }
}

/* Ends the route and folds a restore failure into the result, keeping the
 * count: the bytes moved before the restore failed are still moved. */
static int finish(wp_session *s, const wp_backend *b, int restore, int rc, uint64_t done,
                  const char *verb, wp_error *err)
{
    wp_error end_err = {0};
    int end_rc = b->end(s, restore, &end_err);
    if (end_rc == WP_OK)
        return rc;
    if (rc == WP_OK) {
        wp_fail(err, end_rc, "all %llu bytes were %s, but %s; the stub may still be in "
                "physical mode (maintenance packet Qqemu.PhyMemMode:0 restores it)",
                (unsigned long long)done, verb, end_err.message);
        return end_rc;
    }
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n,
             "; the stub may still be in physical mode");
    return rc;
}

static int verify_wanted(int verify, int kind)
{
    if (verify >= 0)
        return verify;
    return kind != WP_REGION_DEVICE;
}

static int verify_range(wp_session *s, const wp_backend *b, const wp_memmap *map,
                        int verify, uint64_t addr, const wp_source *src, int *verified,
                        wp_transfer *tr, wp_error *err)
{
    uint8_t *got = NULL, *want = NULL;
    size_t cap = 0;
    int rc = WP_OK, any = 0, all = 1;
    for (uint64_t off = 0; off < src->total && rc == WP_OK;) {
        wp_region r = map ? wp_memmap_lookup(map, addr + off)
                          : (wp_region){addr + off, UINT64_MAX, WP_REGION_RAM, ""};
        uint64_t span = r.last - (addr + off) + 1;
        if (span == 0 || span > src->total - off)
            span = src->total - off;
        if (!verify_wanted(verify, r.kind)) {
            all = 0;
            off += span;
            continue;
        }
        any = 1;
        while (span && rc == WP_OK) {
            if (s->host.interrupted && s->host.interrupted(s->host.ctx)) {
                rc = wp_fail(err, WP_EINTR, "all %llu bytes were written; interrupted by "
                             "Ctrl-C while reading them back at 0x%llx",
                             (unsigned long long)tr->done, (unsigned long long)(addr + off));
                break;
            }
            size_t n = b->read_chunk(s, span > SIZE_MAX ? SIZE_MAX : (size_t)span);
            if (n > cap) {
                free(got);
                free(want);
                got = malloc(n);
                want = malloc(n);
                cap = n;
                if (!got || !want) {
                    rc = wp_fail(err, WP_ENOMEM, "out of memory");
                    break;
                }
            }
            int r_n = b->read(s, addr + off, got, n, err);
            if (r_n < 0) {
                char why[sizeof err->message];
                snprintf(why, sizeof why, "%s", err->message);
                rc = wp_fail(err, r_n, "all %llu bytes were written but reading them "
                             "back at 0x%llx failed: %s", (unsigned long long)tr->done,
                             (unsigned long long)(addr + off), why);
                break;
            }
            source_bytes(src, off, want, (size_t)r_n);
            for (size_t i = 0; i < (size_t)r_n; i++)
                if (got[i] != want[i]) {
                    uint64_t at = addr + off + i;
                    rc = wp_fail(err, WP_EVERIFY,
                                 "read-back differs at 0x%llx (wrote 0x%02x, read 0x%02x): "
                                 "the stub acknowledged all %llu bytes but %s memory did "
                                 "not keep them", (unsigned long long)at, want[i], got[i],
                                 (unsigned long long)tr->done, wp_region_kind_name(r.kind));
                    break;
                }
            off += (uint64_t)r_n;
            span -= (uint64_t)r_n;
        }
    }
    free(got);
    free(want);
    *verified = rc == WP_OK && any && all;
    return rc;
}

/* Everything decided before the first packet that moves data: the range,
 * the target's state, the route and the memory map.  A refusal here has
 * sent nothing but read-only probes. */
static int open_route(wp_session *s, const wp_route_options *opt, uint64_t addr,
                      uint64_t len, int is_read, wp_transfer *tr, const wp_backend **b,
                      const wp_memmap **map, wp_error *err)
{
    memset(tr, 0, sizeof *tr);
    *map = NULL;
    if (!len)
        return wp_fail(err, WP_EINVAL, is_read ? "nothing to read: length is 0"
                                               : "empty data: nothing to write");
    int rc = wp_check_span(addr, len, err);
    if (!rc)
        rc = check_target(s, opt->backend, err);
    if (!rc)
        rc = wp_backend_select(s, opt->backend, b, err);
    if (rc)
        return rc;
    tr->backend = *b;
    if ((*b)->memmap && (rc = (*b)->memmap(s, map, err)))
        return rc;
    return *map ? check_map(*map, addr, len, opt->force, is_read, err) : WP_OK;
}

int wp_dataspace_write(wp_session *s, const wp_route_options *opt, uint64_t addr,
                       const wp_source *src, wp_transfer *tr, wp_error *err)
{
    const wp_backend *b;
    const wp_memmap *map;
    int rc = open_route(s, opt, addr, src->pattern_len ? src->total : 0, 0, tr, &b, &map,
                        err);
    if (rc)
        return rc;
    int restore = 0;
    rc = b->begin(s, &restore, err);
    uint8_t *chunk = NULL;
    size_t cap = 0;
    for (uint64_t off = 0; rc == WP_OK && off < src->total;) {
        uint64_t at = addr + off;
        if (s->host.interrupted && s->host.interrupted(s->host.ctx)) {
            rc = wp_fail(err, WP_EINTR, "%llu of %llu bytes written; interrupted by "
                         "Ctrl-C before 0x%llx", (unsigned long long)off,
                         (unsigned long long)src->total, (unsigned long long)at);
            break;
        }
        uint64_t left = src->total - off;
        size_t n = b->write_chunk(s, at, left > SIZE_MAX ? SIZE_MAX : (size_t)left);
        if (n > cap) {
            free(chunk);
            chunk = malloc(cap = n);
            if (!chunk) {
                rc = wp_fail(err, WP_ENOMEM, "out of memory");
                break;
            }
        }
        source_bytes(src, off, chunk, n);
        rc = b->write(s, at, chunk, n, err);
        if (rc) {
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", err->message);
            wp_fail(err, rc, "%llu of %llu bytes written; the write failed at 0x%llx: %s",
                    (unsigned long long)off, (unsigned long long)src->total,
                    (unsigned long long)at, why);
            break;
        }
        off += n;
        tr->done = off;
        if (s->host.progress)
            s->host.progress(s->host.ctx, off, src->total);
    }
    free(chunk);
    if (rc == WP_OK)
        rc = verify_range(s, b, map, opt->verify, addr, src, &tr->verified, tr, err);
    rc = finish(s, b, restore, rc, tr->done, "written", err);
    if (tr->done && s->host.flush_caches)
        s->host.flush_caches(s->host.ctx);
    return rc;
}

int wp_dataspace_read(wp_session *s, const wp_route_options *opt, uint64_t addr,
                      uint8_t *out, uint64_t len, wp_transfer *tr, wp_error *err)
{
    const wp_backend *b;
    const wp_memmap *map;
    int rc = open_route(s, opt, addr, len, 1, tr, &b, &map, err);
    if (rc)
        return rc;
    int restore = 0;
    rc = b->begin(s, &restore, err);
    for (uint64_t off = 0; rc == WP_OK && off < len;) {
        uint64_t at = addr + off;
        if (s->host.interrupted && s->host.interrupted(s->host.ctx)) {
            rc = wp_fail(err, WP_EINTR, "%llu of %llu bytes read; interrupted by Ctrl-C "
                         "before 0x%llx", (unsigned long long)off, (unsigned long long)len,
                         (unsigned long long)at);
            break;
        }
        uint64_t left = len - off;
        size_t n = b->read_chunk(s, left > SIZE_MAX ? SIZE_MAX : (size_t)left);
        int got = b->read(s, at, out + off, n, err);
        if (got <= 0) {
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", got == 0 ? "empty reply" : err->message);
            rc = wp_fail(err, got < 0 ? got : WP_EPROTO,
                         "%llu of %llu bytes read; the read failed at 0x%llx: %s",
                         (unsigned long long)off, (unsigned long long)len,
                         (unsigned long long)at, why);
            break;
        }
        off += (uint64_t)got;
        tr->done = off;
        if (s->host.progress)
            s->host.progress(s->host.ctx, off, len);
    }
    return finish(s, b, restore, rc, tr->done, "read", err);
}

/* ---- the public calls, shaped after IDebugDataSpaces ---- */

static const wp_route_options default_options = {"auto", 0, -1};

int wp_write_physical(wp_session *s, const wp_route_options *opt, uint64_t offset,
                      const void *buffer, size_t size, size_t *bytes_written,
                      wp_error *err)
{
    wp_error scratch;
    err = err ? err : &scratch;
    wp_transfer tr;
    wp_source src = {buffer, size, size};
    int rc = (!s || (!buffer && size))
                 ? (memset(&tr, 0, sizeof tr), wp_fail(err, WP_EINVAL, "no session or buffer"))
                 : wp_dataspace_write(s, opt ? opt : &default_options, offset, &src, &tr,
                                      err);
    if (bytes_written)
        *bytes_written = (size_t)tr.done;
    return rc;
}

int wp_fill_physical(wp_session *s, const wp_route_options *opt, uint64_t start,
                     size_t size, const void *pattern, size_t pattern_size,
                     size_t *bytes_filled, wp_error *err)
{
    wp_error scratch;
    err = err ? err : &scratch;
    wp_transfer tr;
    wp_source src = {pattern, pattern_size, size};
    int rc = (!s || !pattern || !pattern_size)
                 ? (memset(&tr, 0, sizeof tr), wp_fail(err, WP_EINVAL, "empty pattern"))
                 : wp_dataspace_write(s, opt ? opt : &default_options, start, &src, &tr,
                                      err);
    if (bytes_filled)
        *bytes_filled = (size_t)tr.done;
    return rc;
}

int wp_read_physical(wp_session *s, const wp_route_options *opt, uint64_t offset,
                     void *buffer, size_t size, size_t *bytes_read, wp_error *err)
{
    wp_error scratch;
    err = err ? err : &scratch;
    wp_transfer tr;
    int rc = (!s || (!buffer && size))
                 ? (memset(&tr, 0, sizeof tr), wp_fail(err, WP_EINVAL, "no session or buffer"))
                 : wp_dataspace_read(s, opt ? opt : &default_options, offset, buffer, size,
                                     &tr, err);
    if (bytes_read)
        *bytes_read = (size_t)tr.done;
    return rc;
}
