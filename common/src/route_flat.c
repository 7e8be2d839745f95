/* The flat route: physical equals the debugger's addresses, for targets whose
 * MMU is off or absent.  Only when named; `auto` never picks it, because on a
 * target with paging on it would write to a virtual address. */
#include "internal.h"

#define FLAT_CHUNK 65536

static int flat_probe(wp_session *s, void *state, wp_error *err)
{
    (void)state;
    const wp_host *host = wp_session_host(s);
    if (!host->read_memory || !host->write_memory)
        return wp_fail(err, WP_ENOROUTE,
                       "this debugger offers no memory access for "
                       "the flat route");
    return WP_OK;
}

static int flat_begin(wp_session *s, void *state, wp_error *err)
{
    (void)s;
    (void)state;
    (void)err;
    return WP_OK;
}

static int flat_end(wp_session *s, void *state, wp_error *err)
{
    (void)s;
    (void)state;
    (void)err;
    return WP_OK;
}

/* By the host rule a failed access is the debugger's message; here it means
 * the target refused the address. */
static int refused(int rc, wp_error *err, const char *what)
{
    if (rc == WP_EINTR)
        return rc;
    if (!err->message[0])
        wp_fail(err, WP_ETARGET, "the debugger could not %s memory", what);
    return err->status = WP_ETARGET;
}

static int flat_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf, size_t len,
                      wp_error *err)
{
    (void)state;
    const wp_host *host = wp_session_host(s);
    err->message[0] = '\0';
    int rc = host->write_memory(host->ctx, addr, buf, len, err);
    return rc ? refused(rc, err, "write") : WP_OK;
}

static int flat_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                     wp_error *err)
{
    (void)state;
    const wp_host *host = wp_session_host(s);
    err->message[0] = '\0';
    int rc = host->read_memory(host->ctx, addr, buf, len, err);
    return rc ? refused(rc, err, "read") : (int)len;
}

static size_t flat_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                         size_t remaining)
{
    (void)s;
    (void)state;
    (void)is_write;
    (void)addr;
    return remaining < FLAT_CHUNK ? remaining : FLAT_CHUNK;
}

const wp_route wp_route_flat = {
    .name = "flat",
    .summary = "physical = the debugger's own addresses, for targets whose MMU is off",
    .flags = WP_ROUTE_MAPLESS,
    .manual_hint = "if the target's MMU is off, choose --backend flat",
    .probe = flat_probe,
    .begin = flat_begin,
    .end = flat_end,
    .write = flat_write,
    .read = flat_read,
    .chunk = flat_chunk,
};
