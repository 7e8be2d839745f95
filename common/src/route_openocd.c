/* The openocd route: OpenOCD's monitor commands on physical addresses.  A
 * named row until it lands, so that --backend openocd says so plainly. */
#include "internal.h"

static int openocd_probe(wp_session *s, void *state, int for_write, wp_error *err)
{
    (void)for_write;
    (void)s;
    (void)state;
    return wp_fail(err, WP_ENOROUTE, "the openocd route is not available in this version");
}

static int openocd_none(wp_session *s, void *state, wp_error *err)
{
    (void)s;
    (void)state;
    return wp_fail(err, WP_ENOROUTE, "the openocd route is not available in this version");
}

static int openocd_end(wp_session *s, void *state, wp_error *err)
{
    (void)s;
    (void)state;
    (void)err;
    return WP_OK;
}

static int openocd_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf,
                         size_t len, wp_error *err)
{
    (void)addr;
    (void)buf;
    (void)len;
    return openocd_none(s, state, err);
}

static int openocd_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                        wp_error *err)
{
    (void)addr;
    (void)buf;
    (void)len;
    return openocd_none(s, state, err);
}

static size_t openocd_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                            size_t remaining)
{
    (void)s;
    (void)state;
    (void)is_write;
    (void)addr;
    return remaining;
}

const wp_route wp_route_openocd = {
    .name = "openocd",
    .summary = "OpenOCD's physical-memory commands (not available in this version)",
    .flags = WP_ROUTE_AUTO | WP_ROUTE_REMOTE,
    .probe = openocd_probe,
    .begin = openocd_none,
    .end = openocd_end,
    .write = openocd_write,
    .read = openocd_read,
    .chunk = openocd_chunk,
};
