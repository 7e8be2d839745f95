/* The flat route: physical equals the debugger's addresses, for targets whose
 * MMU is off or absent.  Only when named; `auto` never picks it, because on a
 * target with paging on it would write to a virtual address. */
#include "internal.h"

#define FLAT_CHUNK 65536

static int flat_probe(wp_session *s, wp_error *err)
{
    if (!s->host.read_memory || !s->host.write_memory)
        return wp_fail(err, WP_ENOROUTE, "this debugger offers no memory access for "
                                         "the flat route");
    return WP_OK;
}

static int flat_begin(wp_session *s, int *restore, wp_error *err)
{
    (void)s; (void)err;
    *restore = 0;
    return WP_OK;
}

static int flat_end(wp_session *s, int restore, wp_error *err)
{
    (void)s; (void)restore; (void)err;
    return WP_OK;
}

static int host_status(int rc, wp_error *err, const char *what)
{
    if (!err->message[0])
        wp_fail(err, WP_ETARGET, "the debugger could not %s memory", what);
    return err->status = rc < 0 ? rc : WP_ETARGET;
}

static int flat_write(wp_session *s, uint64_t addr, const uint8_t *buf, size_t len,
                      wp_error *err)
{
    err->message[0] = '\0';
    int rc = s->host.write_memory(s->host.ctx, addr, buf, len, err);
    return rc ? host_status(rc, err, "write") : WP_OK;
}

static int flat_read(wp_session *s, uint64_t addr, uint8_t *buf, size_t len,
                     wp_error *err)
{
    err->message[0] = '\0';
    int rc = s->host.read_memory(s->host.ctx, addr, buf, len, err);
    return rc ? host_status(rc, err, "read") : (int)len;
}

static size_t flat_write_chunk(wp_session *s, uint64_t addr, size_t remaining)
{
    (void)s; (void)addr;
    return remaining < FLAT_CHUNK ? remaining : FLAT_CHUNK;
}

static size_t flat_read_chunk(wp_session *s, size_t remaining)
{
    (void)s;
    return remaining < FLAT_CHUNK ? remaining : FLAT_CHUNK;
}

const wp_backend wp_backend_flat = {
    .name = "flat",
    .probe = flat_probe,
    .begin = flat_begin,
    .end = flat_end,
    .write = flat_write,
    .read = flat_read,
    .write_chunk = flat_write_chunk,
    .read_chunk = flat_read_chunk,
    .memmap = NULL,
};
