/* The qemu route: the QEMU/KVM gdbstub's physical-memory mode.
 *
 * `qqemu.Supported` lists PhyMemMode; `qqemu.PhyMemMode` tells the current
 * mode and `Qqemu.PhyMemMode:1` switches it.  In that mode m/M packets reach
 * cpu_physical_memory_rw, which answers OK even for bytes it drops, hence the
 * memory map (`monitor info mtree -f`) and the read-back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FALLBACK_PACKET_SIZE 1024 /* when qSupported gives none */

typedef struct qemu_state {
    /* learnt once per stop */
    int probed; /* 0 unknown, 1 has PhyMemMode, -1 has not */
    size_t packet_size;
    int map_loaded;
    wp_memmap map;
    /* The stub's mode as the last command left it, and whether it has
     * honoured a switch: a repeated command then costs the switch, the
     * data and the switch back.  Any failure forgets both. */
    int mode_known, mode;
    int switch_honoured;
    /* per open route */
    int switched; /* end() must switch back to virtual mode */
    wp_buf packet;
} qemu_state;

static int send_str(wp_session *s, const char *packet, const wp_buf **reply, wp_error *err)
{
    return wp_session_send(s, packet, strlen(packet), reply, err);
}

static void qemu_forget(void *state)
{
    qemu_state *q = state;
    q->probed = 0;
    q->packet_size = 0;
    q->map_loaded = 0;
    q->mode_known = q->switch_honoured = 0;
    wp_memmap_free(&q->map);
    wp_buf_free(&q->packet);
}

/* After an exchange that ended without an answer, a late reply may still
 * arrive, and then every reply is one packet behind.  Two queries whose
 * replies cannot be mistaken for each other tell: in step, the first gets
 * a feature list and the second a mode digit. */
static int check_in_step(wp_session *s, wp_error *err)
{
    const wp_buf *reply;
    char first[40] = "";
    int rc = send_str(s, "qqemu.Supported", &reply, err);
    if (rc)
        return rc;
    bool ok1 =
        !(reply->len == 2 && memcmp(reply->data, "OK", 2) == 0) &&
        !(reply->len == 1 && (reply->data[0] == '0' || reply->data[0] == '1')) &&
        (reply->len == 0 || strchr(reply->data, ';') || strstr(reply->data, "PhyMemMode"));
    snprintf(first, sizeof first, "%.32s", reply->data ? reply->data : "");
    rc = send_str(s, "qqemu.PhyMemMode", &reply, err);
    if (rc)
        return rc;
    bool ok2 = reply->len == 1 && (reply->data[0] == '0' || reply->data[0] == '1');
    if (first[0] == '\0' && reply->len == 0)
        ok2 = true; /* not QEMU: both unsupported, in step */
    if (ok1 && ok2) {
        wp_session_set_link_doubt(s, 0);
        return WP_OK;
    }
    return wp_fail(err, WP_EPROTO,
                   "the stub's replies are out of step with the packets (it answered "
                   "qqemu.Supported with '%s' after it had stopped answering); nothing was "
                   "sent that writes: reconnect to the stub (detach, then connect again) "
                   "before writing",
                   first);
}

static int qemu_probe(wp_session *s, void *state, int for_write, wp_error *err)
{
    (void)for_write;
    qemu_state *q = state;
    const wp_buf *reply;
    if (wp_session_link_doubtful(s)) {
        int rc = check_in_step(s, err);
        if (rc)
            return rc;
    }
    if (q->probed == 0) {
        int rc = send_str(s, "qqemu.Supported", &reply, err);
        if (rc)
            return rc;
        q->probed = wp_rsp_feature_present(reply->data, "PhyMemMode") ? 1 : -1;
        if (q->probed == 1) {
            /* Safe to repeat on QEMU: its handler only ever turns features on. */
            rc = send_str(s, "qSupported", &reply, err);
            if (rc) {
                q->probed = 0;
                return rc;
            }
            if (wp_rsp_packet_size(reply->data, &q->packet_size))
                q->packet_size = FALLBACK_PACKET_SIZE;
        }
    }
    if (q->probed < 0)
        return wp_fail(err, WP_ENOROUTE,
                       "the stub does not offer QEMU's physical-memory mode "
                       "(no PhyMemMode in qqemu.Supported)");
    return WP_OK;
}

static int query_mode(wp_session *s, int *mode, wp_error *err)
{
    const wp_buf *reply;
    int rc = send_str(s, "qqemu.PhyMemMode", &reply, err);
    if (rc)
        return rc;
    if (reply->len == 1 && (reply->data[0] == '0' || reply->data[0] == '1')) {
        *mode = reply->data[0] - '0';
        return WP_OK;
    }
    wp_error detail = {0};
    wp_rsp_expect_ok(reply->data, reply->len, &detail, "the memory-mode query");
    return wp_fail(err, WP_ENOROUTE, "cannot confirm the stub's memory mode: %s",
                   detail.message[0] ? detail.message : "reply was OK, expected 0 or 1");
}

static int qemu_begin(wp_session *s, void *state, wp_error *err)
{
    qemu_state *q = state;
    const wp_buf *reply;
    int mode = q->mode;
    q->switched = 0;
    int rc = q->mode_known ? WP_OK : query_mode(s, &mode, err);
    q->mode_known = 0; /* known again only once this command ends well */
    if (rc || mode == 1) {
        q->mode = mode;
        return rc;
    }
    rc = send_str(s, "Qqemu.PhyMemMode:1", &reply, err);
    /* From here on the mode may have changed: restore whatever happens. */
    q->switched = 1;
    if (rc)
        return rc;
    wp_error detail = {0};
    if (wp_rsp_expect_ok(reply->data, reply->len, &detail, "the switch to physical mode")) {
        q->switch_honoured = 0;
        return wp_fail(err, WP_ENOROUTE, "%s", detail.message);
    }
    if (q->switch_honoured) /* it did so this stop: no need to ask again */
        return WP_OK;
    rc = query_mode(s, &mode, err);
    if (rc)
        return rc;
    if (mode != 1)
        return wp_fail(err, WP_ENOROUTE,
                       "the stub accepted the switch to physical mode but still reports "
                       "virtual mode");
    q->switch_honoured = 1;
    return WP_OK;
}

static int qemu_end(wp_session *s, void *state, wp_error *err)
{
    qemu_state *q = state;
    const wp_buf *reply;
    if (!q->switched) {
        q->mode_known = q->mode == 1; /* left in physical mode, as found */
        return WP_OK;
    }
    q->switched = 0;
    int rc = send_str(s, "Qqemu.PhyMemMode:0", &reply, err);
    if (!rc)
        rc = wp_rsp_expect_ok(reply->data, reply->len, err, "the switch back to virtual mode");
    q->mode_known = rc == WP_OK && !wp_session_link_doubtful(s);
    q->mode = 0;
    if (rc)
        q->switch_honoured = 0;
    return rc;
}

static void qemu_restore_hint(wp_session *s, char *buf, size_t cap)
{
    char how[200];
    wp_session_packet_hint(s, "Qqemu.PhyMemMode:0", how, sizeof how);
    snprintf(buf, cap, "the stub may still be in physical mode (%s restores it)", how);
}

#define BULK_CHUNK (64u * 1024) /* Ctrl-C and progress between these */

/* The packet the debugger sends at addr: LLDB keeps 70 bytes of PacketSize
 * for an M packet's framing (ProcessGDBRemote::GetMaxMemorySize). */
static size_t debugger_packet(const qemu_state *q, uint64_t addr, size_t remaining)
{
    size_t n = wp_rsp_write_chunk(q->packet_size, addr, remaining);
    size_t lldb = q->packet_size > 140 ? (q->packet_size - 70) / 2 : n;
    return n < lldb ? n : lldb;
}

static int qemu_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf, size_t len,
                      wp_error *err)
{
    qemu_state *q = state;
    const wp_buf *reply;
    const wp_host *host = wp_session_host(s);
    if (host->write_memory_bulk) {
        /* The stub is in physical mode, so the debugger's own memory write
         * reaches physical memory; it reports what the stub acknowledged,
         * and the packet after that is refused (ETARGET) or in doubt. */
        size_t written = 0;
        err->message[0] = '\0';
        int rc = host->write_memory_bulk(host->ctx, addr, buf, len, &written, err);
        if (rc == WP_OK && written == len)
            return WP_OK;
        if (!err->message[0])
            wp_fail(err, WP_EHOST, "the debugger wrote %zu of %zu bytes", written, len);
        if (rc != WP_ETARGET && rc != WP_EINTR)
            rc = WP_EHOST;
        size_t packet = debugger_packet(q, addr + written, len - written);
        wp_session_report_partial(s, written, rc == WP_ETARGET ? 0 : packet);
        return err->status = rc;
    }
    wp_buf *p = &q->packet;
    wp_buf_clear(p);
    if (wp_buf_printf(p, "M%llx,%zx:", (unsigned long long)addr, len) ||
        wp_buf_reserve(p, 2 * len))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    p->len += wp_hex_encode(buf, len, p->data + p->len);
    p->data[p->len] = '\0';
    int rc = wp_session_send(s, p->data, p->len, &reply, err);
    if (rc)
        return rc;
    if (reply->len == 0) {
        /* QEMU always answers M; nothing back is a debugger that gave up
         * waiting (LLDB shows a timeout so): the write may still land. */
        wp_session_set_link_doubt(s, 1);
        return wp_fail(err, WP_EHOST,
                       "empty reply to the write (the stub did not answer "
                       "in time, or the connection was lost)");
    }
    return wp_rsp_expect_ok(reply->data, reply->len, err, "the write");
}

static int qemu_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                     wp_error *err)
{
    (void)state;
    const wp_buf *reply;
    char packet[48];
    int n = snprintf(packet, sizeof packet, "m%llx,%zx", (unsigned long long)addr, len);
    int rc = wp_session_send(s, packet, (size_t)n, &reply, err);
    if (rc)
        return rc;
    return wp_rsp_decode_memory(reply->data, reply->len, buf, len, err);
}

static size_t qemu_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                         size_t remaining)
{
    qemu_state *q = state;
    if (is_write && wp_session_host(s)->write_memory_bulk)
        return remaining < BULK_CHUNK ? remaining : BULK_CHUNK;
    return is_write ? wp_rsp_write_chunk(q->packet_size, addr, remaining)
                    : wp_rsp_read_chunk(q->packet_size, remaining);
}

int wp_qemu_monitor(wp_session *s, const char *command, wp_buf *out, wp_error *err)
{
    const wp_host *host = wp_session_host(s);
    if (!host->monitor)
        return wp_fail(err, WP_ENOROUTE, "this debugger cannot run monitor commands");
    err->message[0] = '\0';
    int rc = host->monitor(host->ctx, command, out, err);
    if (rc) {
        if (!err->message[0])
            wp_fail(err, WP_EHOST, "no answer");
        wp_fail_prefix(err, rc == WP_EINTR ? rc : WP_ENOROUTE, "'monitor %s': ", command);
    }
    return rc ? err->status : WP_OK;
}

int wp_qemu_read_map(wp_session *s, wp_memmap *map, wp_error *err)
{
    wp_buf out = {0};
    int rc = wp_qemu_monitor(s, "info mtree -f", &out, err);
    if (rc) {
        wp_buf_free(&out);
        wp_fail_prefix(err, rc, "cannot read QEMU's memory map (");
        wp_error_append(err, ")");
        return err->status;
    }
    rc = wp_memmap_parse(out.data ? out.data : "", map, err);
    wp_buf_free(&out);
    return rc ? wp_fail_prefix(err, rc, "cannot read QEMU's memory map: ") : WP_OK;
}

static int qemu_memmap(wp_session *s, void *state, const wp_memmap **map, wp_error *err)
{
    qemu_state *q = state;
    if (!q->map_loaded) {
        int rc = wp_qemu_read_map(s, &q->map, err);
        if (rc)
            return rc;
        q->map_loaded = 1;
    }
    *map = &q->map;
    return WP_OK;
}

const wp_route wp_route_qemu = {
    .name = "qemu",
    .summary = "the QEMU/KVM gdbstub's physical-memory mode (checked against QEMU's "
               "memory map)",
    .flags = WP_ROUTE_AUTO | WP_ROUTE_REMOTE,
    .state_size = sizeof(qemu_state),
    .forget = qemu_forget,
    .probe = qemu_probe,
    .begin = qemu_begin,
    .end = qemu_end,
    .write = qemu_write,
    .read = qemu_read,
    .chunk = qemu_chunk,
    .memmap = qemu_memmap,
    .restore_hint = qemu_restore_hint,
};
