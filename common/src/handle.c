/* The route handle: open once (check the target, choose and probe the
 * route, load its map, enter physical mode), any number of exact accesses,
 * close once (leave physical mode, flush the debugger's caches). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PROGRESS_MIN_BYTES (256u * 1024)

struct wp_route_handle {
    wp_session *s;
    wp_route_slot *slot;
    const wp_memmap *map;
    int force;
    int verify_on;     /* an explicit --verify / verify on: consent to read devices back */
    int began;         /* in physical mode: end() on close */
    int wrote;         /* anything sent that may have changed memory */
    int wrote_non_ram; /* a forced write to ROM or a device may change the map */
    int map_stale;     /* ...within this command: read it again before the next write */
    size_t in_doubt;   /* bytes of the last failed write whose fate is unknown */
    int allowed;       /* a device range the command may access */
    uint64_t allow_start, allow_last;
    uint64_t progress_done, progress_total;
    char note[480]; /* said once: a route auto passed over, and why */
};

int wp_check_target_state(wp_session *s, const wp_target_info *info, wp_error *err)
{
    if (!info->connected) {
        const char *how = s->host.connect_command;
        const char *at = how ? strstr(how, "%s") : NULL;
        if (at)
            return wp_fail(err, WP_ESTATE,
                           "no target: connect to a stub first (for QEMU: "
                           "%.*slocalhost:1234%.40s)",
                           (int)(at - how), how, at + 2);
        return wp_fail(err, WP_ESTATE, "no target: connect to a stub first");
    }
    if (!info->stopped)
        return wp_fail(err, WP_ESTATE, "the target is running; interrupt it first");
    return WP_OK;
}

/* Appends the route's hint for restoring the target by hand. */
static void add_restore_hint(wp_route_handle *h, wp_error *err)
{
    char hint[300] = "";
    if (h->slot->route->restore_hint)
        h->slot->route->restore_hint(h->s, hint, sizeof hint);
    size_t n = strlen(err->message);
    if (hint[0] && n + 3 < sizeof err->message)
        snprintf(err->message + n, sizeof err->message - n, "; %s", hint);
}

static int leave(wp_route_handle *h, wp_error *err)
{
    wp_error end_err = {0};
    const wp_route *r = h->slot->route;
    int rc = h->began && r->end ? r->end(h->s, h->slot->state, &end_err) : WP_OK;
    if (rc) {
        *err = end_err;
        add_restore_hint(h, err);
    }
    if (h->wrote && h->s->host.flush_caches)
        h->s->host.flush_caches(h->s->host.ctx);
    /* A write to ROM or a device can change the map itself (flash put into
     * ID mode is listed as i/o): learn the route afresh next time. */
    if (h->wrote_non_ram) /* every route's copy of the map is stale */
        wp_session_forget(h->s);
    h->s->handle_open = 0;
    free(h);
    return rc;
}

static int open_route(wp_session *s, const wp_route_options *opt, int begin,
                      wp_route_handle **out, wp_error *err)
{
    *out = NULL;
    if (s->handle_open)
        return wp_fail(err, WP_ESTATE, "a route is open already: finish that command first");
    if (!s->in_command) /* a caller of the API: each open sees the machine anew */
        s->command++;
    wp_target_info info;
    int rc = wp_session_target_info(s, &info, err);
    if (!rc)
        rc = wp_check_target_state(s, &info, err);
    wp_route_slot *slot = NULL;
    char skipped[sizeof s->said_skip];
    skipped[0] = '\0';
    if (!rc)
        rc = wp_route_select(s, opt ? opt->backend : NULL, &info, opt ? opt->for_write : 0,
                             &slot, skipped, sizeof skipped, err);
    /* Say once why `auto` passed over a route that fits. */
    int say_skip = !rc && skipped[0] && strcmp(skipped, s->said_skip) != 0;
    if (say_skip)
        snprintf(s->said_skip, sizeof s->said_skip, "%s", skipped);
    const wp_memmap *map = NULL;
    if (!rc && slot->route->memmap) {
        rc = slot->route->memmap(s, slot->state, &map, err);
        if (rc && opt && opt->force && rc != WP_EINTR) {
            rc = WP_OK; /* --force goes on without the map */
            map = NULL;
        } else if (rc) {
            wp_error_append(err, "; without the memory map RAM cannot be told from ROM, "
                                 "devices and holes (--force goes on without it)");
        }
    }
    if (rc)
        return rc;
    wp_route_handle *h = calloc(1, sizeof *h);
    if (!h)
        return wp_fail(err, WP_ENOMEM, "out of memory");
    *h = (wp_route_handle){.s = s,
                           .slot = slot,
                           .map = map,
                           .force = opt ? opt->force : 0,
                           .verify_on = opt ? opt->verify == 1 : 0};
    if (say_skip)
        snprintf(h->note, sizeof h->note, "%s", skipped);
    s->handle_open = 1;
    rc = begin ? wp_route_enter(h, err) : WP_OK;
    *out = rc ? NULL : h;
    return rc;
}

const char *wp_route_note(const wp_route_handle *h)
{
    return h->note;
}

/* Below this a read-back costs less through the write's own route (a few
 * packets) than opening another (its probe, its handle). */
#define READ_BACK_ELSEWHERE_MIN (16u * 1024)

wp_route_slot *wp_route_read_back(wp_route_handle *h, const wp_route_options *opt,
                                  uint64_t total)
{
    if ((opt->backend && strcmp(opt->backend, "auto") != 0) || opt->verify == 0 ||
        total < READ_BACK_ELSEWHERE_MIN)
        return NULL;
    wp_target_info info;
    wp_error ignored = {0};
    wp_route_slot *slot = NULL;
    if (wp_session_target_info(h->s, &info, &ignored) ||
        wp_route_select(h->s, "auto", &info, 0, &slot, NULL, 0, &ignored))
        slot = NULL;
    return slot && slot->route != h->slot->route ? slot : NULL;
}

int wp_route_enter(wp_route_handle *h, wp_error *err)
{
    if (h->began)
        return WP_OK;
    h->began = 1;
    int rc = h->slot->route->begin ? h->slot->route->begin(h->s, h->slot->state, err) : WP_OK;
    if (rc) {
        wp_error close_err = {0};
        if (leave(h, &close_err) != WP_OK) {
            size_t n = strlen(err->message);
            snprintf(err->message + n, sizeof err->message - n, "; %s", close_err.message);
        }
    }
    return rc;
}

int wp_route_open(wp_session *s, const wp_route_options *opt, wp_route_handle **out,
                  wp_error *err)
{
    return open_route(s, opt, 1, out, err);
}

int wp_route_open_checks(wp_session *s, const wp_route_options *opt, wp_route_handle **out,
                         wp_error *err)
{
    return open_route(s, opt, 0, out, err);
}

int wp_route_close(wp_route_handle *h, wp_error *err)
{
    return h ? leave(h, err) : WP_OK;
}

void *wp_route_state(const wp_route_handle *h)
{
    return h->slot->state;
}

const wp_route *wp_route_of(const wp_route_handle *h)
{
    return h->slot->route;
}

wp_region wp_route_region(const wp_route_handle *h, uint64_t addr)
{
    if (h->map)
        return wp_memmap_lookup(h->map, addr);
    (void)addr;
    return (wp_region){0, UINT64_MAX, WP_REGION_RAM, ""};
}

void wp_route_allow(wp_route_handle *h, uint64_t start, uint64_t last)
{
    h->allowed = 1;
    h->allow_start = start;
    h->allow_last = last;
}

int wp_route_has_ports(const wp_route_handle *h)
{
    return h->slot->route->port_read && h->slot->route->port_write;
}

static int no_ports(const wp_route *r, wp_error *err)
{
    return wp_fail(err, WP_ENOROUTE, "the %s route has no I/O ports: %s", r->name,
                   r->no_ports ? r->no_ports : "it offers none");
}

int wp_route_ports_named(wp_session *s, const char *backend, wp_error *err)
{
    const wp_route_slot *slot = backend ? wp_session_find_route(s, backend) : NULL;
    if (!slot || (slot->route->port_read && slot->route->port_write))
        return WP_OK;
    return no_ports(slot->route, err);
}

static int port_access(wp_route_handle *h, int is_write, unsigned port, unsigned size,
                       uint32_t *value, int restoring, wp_error *err)
{
    const wp_route *r = h->slot->route;
    if (!wp_route_has_ports(h))
        return no_ports(r, err);
    if (!restoring && wp_session_interrupted(h->s))
        return wp_fail(err, WP_EINTR, "interrupted by Ctrl-C before port 0x%x", port);
    if (!is_write)
        return r->port_read(h->s, h->slot->state, port, size, value, err);
    h->wrote = 1; /* a port write may change memory (a chipset's PAM, a DMA) */
    return r->port_write(h->s, h->slot->state, port, size, *value, err);
}

int wp_route_port(wp_route_handle *h, int is_write, unsigned port, unsigned size,
                  uint32_t *value, wp_error *err)
{
    return port_access(h, is_write, port, size, value, 0, err);
}

int wp_route_port_restore(wp_route_handle *h, unsigned port, unsigned size, uint32_t value,
                          wp_error *err)
{
    return port_access(h, 1, port, size, &value, 1, err);
}

void wp_route_progress(wp_route_handle *h, uint64_t done, uint64_t total)
{
    h->progress_done = done;
    h->progress_total = total;
}

/* A message names the whole region that refuses, so the user sees the map. */
int wp_route_check(wp_route_handle *h, uint64_t addr, uint64_t len, int is_write, wp_error *err)
{
    int rc = wp_check_span(addr, len, err);
    if (rc || !h->map || h->force || !len)
        return rc;
    if (h->allowed && addr >= h->allow_start && addr + len - 1 <= h->allow_last)
        return WP_OK;
    const char *route = h->slot->route->name;
    const char *verb = is_write ? "written" : "read";
    const char *how = is_write ? "write" : "read";
    uint64_t last = addr + len - 1;
    for (uint64_t a = addr;;) {
        wp_region r = wp_memmap_lookup(h->map, a);
        unsigned long long from = r.start, to = r.last;
        if (r.kind == WP_REGION_UNASSIGNED)
            return wp_fail(err, WP_EREFUSED,
                           "0x%llx-0x%llx is unassigned in %s's physical map (the stub "
                           "would %s and answer OK); nothing was %s (--force to %s anyway)",
                           from, to, route, is_write ? "drop the bytes" : "make up the bytes",
                           verb, how);
        if (r.kind == WP_REGION_ROM && is_write)
            return wp_fail(err, WP_EREFUSED,
                           "0x%llx-0x%llx is ROM (%s); nothing was written (--force to "
                           "write anyway)",
                           from, to, r.name);
        if (r.kind == WP_REGION_DEVICE && !is_write && !h->verify_on)
            return wp_fail(err, WP_EREFUSED,
                           "0x%llx-0x%llx is a device (%s) and reading it may have "
                           "side effects; nothing was read (--force to read anyway)",
                           from, to, r.name);
        if (r.last >= last)
            return WP_OK;
        a = r.last + 1;
    }
}

static bool all_ram(const wp_memmap *map, uint64_t addr, size_t len)
{
    for (uint64_t a = addr; len;) {
        wp_region r = wp_memmap_lookup(map, a);
        if (r.kind != WP_REGION_RAM)
            return false;
        uint64_t span = r.last - a + 1;
        if (!span || span >= len)
            return true;
        len -= (size_t)span;
        a = r.last + 1;
    }
    return true;
}

/* Device writes go where QEMU's own dispatch sends them and are not read
 * back unless asked: a map a device write changed matters only to writes
 * that reach RAM, ROM or a hole. */
static bool all_device(const wp_memmap *map, uint64_t addr, size_t len)
{
    for (uint64_t a = addr; map && len;) {
        wp_region r = wp_memmap_lookup(map, a);
        if (r.kind != WP_REGION_DEVICE)
            return false;
        uint64_t span = r.last - a + 1;
        if (!span || span >= len)
            return true;
        len -= (size_t)span;
        a = r.last + 1;
    }
    return map != NULL;
}

size_t wp_route_in_doubt(const wp_route_handle *h)
{
    return h ? h->in_doubt : 0;
}

/* A write to ROM or a device may have changed the map (a chipset register
 * that maps ROM over RAM, flash put into ID mode): before writing more,
 * the map as it is now, and the rest of the range checked against it. */
static int refresh_map(wp_route_handle *h, uint64_t addr, uint64_t len, wp_error *err)
{
    h->map_stale = 0;
    if (!h->slot->route->memmap)
        return WP_OK;
    h->s->command++; /* what was read for this command no longer holds */
    const wp_memmap *map = NULL;
    int rc = h->slot->route->memmap(h->s, h->slot->state, &map, err);
    if (rc)
        return wp_fail_prefix(err, rc, "after a write to a device or ROM, ");
    h->map = map;
    rc = wp_route_check(h, addr, len, 1, err);
    return rc ? wp_fail_prefix(err, rc, "after a write to a device or ROM changed the map, ")
              : WP_OK;
}

/* One loop for both directions: chunk, check Ctrl-C, move, count. */
static int transfer(wp_route_handle *h, int is_write, uint64_t addr, uint8_t *buf, size_t size,
                    size_t *done, wp_error *err)
{
    const wp_route *r = h->slot->route;
    wp_session *s = h->s;
    *done = 0;
    int rc = is_write && h->map_stale && !all_device(h->map, addr, size)
                 ? refresh_map(h, addr, size, err)
                 : WP_OK;
    if (rc == WP_OK)
        rc = wp_route_check(h, addr, size, is_write, err);
    while (rc == WP_OK && *done < size) {
        uint64_t at = addr + *done;
        if (is_write && h->map_stale && !all_device(h->map, at, size - *done) &&
            (rc = refresh_map(h, at, size - *done, err)))
            return rc;
        if (wp_session_interrupted(s))
            return wp_fail(err, WP_EINTR, "interrupted by Ctrl-C before 0x%llx",
                           (unsigned long long)at);
        size_t n = r->chunk(s, h->slot->state, is_write, at, size - *done);
        int got;
        if (!h->began)
            return wp_fail(err, WP_ESTATE, "the route was opened for checks only");
        if (is_write) {
            h->in_doubt = 0;
            int non_ram = h->map && !all_ram(h->map, at, n);
            h->wrote_non_ram |= non_ram;
            wp_write_outcome out = {0};
            got = r->write(s, h->slot->state, at, buf + *done, n, &out, err);
            /* A write whose exchange failed without an answer (lost link,
             * no reply, interrupted inside the debugger) may have landed. */
            if (got && out.known) {
                *done += out.landed;
                at += out.landed;
                h->in_doubt = out.in_doubt;
                h->wrote |= out.landed || out.in_doubt;
            } else if (got == WP_EHOST || got == WP_EINTR) {
                h->in_doubt = n;
            }
            h->wrote |= got == WP_OK || h->in_doubt;
            h->map_stale |= non_ram && (got == WP_OK || h->in_doubt);
            got = got ? got : (int)n;
        } else {
            got = r->read(s, h->slot->state, at, buf + *done, n, err);
            if (got == 0)
                wp_fail(err, WP_EPROTO, "empty reply");
        }
        if (got <= 0) {
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", err->message);
            return wp_fail(err, got < 0 ? got : WP_EPROTO, "the %s failed at 0x%llx: %s",
                           is_write ? "write" : "read", (unsigned long long)at, why);
        }
        *done += (size_t)got;
        /* Small transfers show nothing, however long they take. */
        if (h->progress_total >= PROGRESS_MIN_BYTES && s->host.progress &&
            s->settings.progress) {
            h->progress_done += (uint64_t)got;
            s->host.progress(s->host.ctx, h->progress_done, h->progress_total);
        }
    }
    return rc;
}

int wp_route_write(wp_route_handle *h, uint64_t addr, const void *buf, size_t size,
                   size_t *done, wp_error *err)
{
    /* The route only reads from buf; one loop serves both directions. */
    return transfer(h, 1, addr, (uint8_t *)(uintptr_t)buf, size, done, err);
}

int wp_route_read(wp_route_handle *h, uint64_t addr, void *buf, size_t size, size_t *done,
                  wp_error *err)
{
    return transfer(h, 0, addr, buf, size, done, err);
}
