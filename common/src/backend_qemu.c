/* The qemu route: the QEMU/KVM gdbstub's physical-memory mode.
 *
 * `qqemu.Supported` lists PhyMemMode; `qqemu.PhyMemMode` tells the current
 * mode and `Qqemu.PhyMemMode:1` switches it.  In that mode m/M packets reach
 * cpu_physical_memory_rw, which answers OK even for bytes it drops, hence the
 * memory map and the read-back. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define FALLBACK_PACKET_SIZE 1024   /* when qSupported gives none */

static int send_str(wp_session *s, const char *packet, wp_error *err)
{
    return wp_send(s, packet, strlen(packet), err);
}

static int qemu_probe(wp_session *s, wp_error *err)
{
    if (s->qemu_probed == 0) {
        int rc = send_str(s, "qqemu.Supported", err);
        if (rc)
            return rc;
        s->qemu_probed = wp_rsp_feature_present(s->reply.data, "PhyMemMode") ? 1 : -1;
        if (s->qemu_probed == 1) {
            /* Safe to repeat on QEMU: its handler only ever turns features on. */
            rc = send_str(s, "qSupported", err);
            if (rc) {
                s->qemu_probed = 0;
                return rc;
            }
            if (wp_rsp_packet_size(s->reply.data, &s->packet_size))
                s->packet_size = FALLBACK_PACKET_SIZE;
        }
    }
    if (s->qemu_probed < 0)
        return wp_fail(err, WP_ENOROUTE,
                       "the stub does not offer QEMU's physical-memory mode "
                       "(no PhyMemMode in qqemu.Supported)");
    return WP_OK;
}

static int query_mode(wp_session *s, int *mode, wp_error *err)
{
    int rc = send_str(s, "qqemu.PhyMemMode", err);
    if (rc)
        return rc;
    if (s->reply.len == 1 && (s->reply.data[0] == '0' || s->reply.data[0] == '1')) {
        *mode = s->reply.data[0] - '0';
        return WP_OK;
    }
    wp_error detail = {0};
    wp_rsp_expect_ok(s->reply.data, s->reply.len, &detail, "the memory-mode query");
    return wp_fail(err, WP_ENOROUTE, "cannot confirm the stub's memory mode: %s",
                   detail.message[0] ? detail.message : "reply was OK, expected 0 or 1");
}

static int qemu_begin(wp_session *s, int *restore, wp_error *err)
{
    int mode;
    *restore = 0;
    int rc = query_mode(s, &mode, err);
    if (rc || mode == 1)
        return rc;
    rc = send_str(s, "Qqemu.PhyMemMode:1", err);
    if (rc)
        return rc;
    /* From here on the mode may have changed: restore whatever happens. */
    *restore = 1;
    wp_error detail = {0};
    if (wp_rsp_expect_ok(s->reply.data, s->reply.len, &detail,
                         "the switch to physical mode"))
        return wp_fail(err, WP_ENOROUTE, "%s", detail.message);
    rc = query_mode(s, &mode, err);
    if (rc)
        return rc;
    if (mode != 1)
        return wp_fail(err, WP_ENOROUTE,
                       "the stub accepted the switch to physical mode but still reports "
                       "virtual mode");
    return WP_OK;
}

static int qemu_end(wp_session *s, int restore, wp_error *err)
{
    if (!restore)
        return WP_OK;
    int rc = send_str(s, "Qqemu.PhyMemMode:0", err);
    if (rc)
        return rc;
    return wp_rsp_expect_ok(s->reply.data, s->reply.len, err,
                            "the switch back to virtual mode");
}

static int qemu_write(wp_session *s, uint64_t addr, const uint8_t *buf, size_t len,
                      wp_error *err)
{
    wp_buf *p = &s->packet;
    wp_buf_clear(p);
    if (wp_buf_printf(p, "M%llx,%zx:", (unsigned long long)addr, len) ||
        wp_buf_reserve(p, 2 * len))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    p->len += wp_hex_encode(buf, len, p->data + p->len);
    p->data[p->len] = '\0';
    int rc = wp_send(s, p->data, p->len, err);
    if (rc)
        return rc;
    return wp_rsp_expect_ok(s->reply.data, s->reply.len, err, "the write");
}

static int qemu_read(wp_session *s, uint64_t addr, uint8_t *buf, size_t len,
                     wp_error *err)
{
    char packet[48];
    int n = snprintf(packet, sizeof packet, "m%llx,%zx", (unsigned long long)addr, len);
    int rc = wp_send(s, packet, (size_t)n, err);
    if (rc)
        return rc;
    return wp_rsp_decode_memory(s->reply.data, s->reply.len, buf, len, err);
}

static size_t qemu_write_chunk(wp_session *s, uint64_t addr, size_t remaining)
{
    return wp_rsp_write_chunk(s->packet_size, addr, remaining);
}

static size_t qemu_read_chunk(wp_session *s, size_t remaining)
{
    return wp_rsp_read_chunk(s->packet_size, remaining);
}

static int qemu_memmap(wp_session *s, const wp_memmap **map, wp_error *err)
{
    if (!s->map_loaded) {
        if (!s->host.monitor)
            return wp_fail(err, WP_ENOROUTE,
                           "this debugger cannot run monitor commands to read QEMU's "
                           "memory map");
        wp_buf out = {0};
        err->message[0] = '\0';
        int rc = s->host.monitor(s->host.ctx, "info mtree -f", &out, err);
        if (rc) {
            wp_buf_free(&out);
            if (!err->message[0])
                wp_fail(err, WP_EHOST, "could not run 'monitor info mtree -f'");
            return err->status = rc < 0 ? rc : WP_EHOST;
        }
        rc = wp_memmap_parse(out.data ? out.data : "", &s->map, err);
        wp_buf_free(&out);
        if (rc)
            return rc;
        s->map_loaded = 1;
    }
    *map = &s->map;
    return WP_OK;
}

const wp_backend wp_backend_qemu = {
    .name = "qemu",
    .probe = qemu_probe,
    .begin = qemu_begin,
    .end = qemu_end,
    .write = qemu_write,
    .read = qemu_read,
    .write_chunk = qemu_write_chunk,
    .read_chunk = qemu_read_chunk,
    .memmap = qemu_memmap,
};
