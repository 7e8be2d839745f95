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

typedef struct qemu_state {
    /* learnt once per stop */
    int probed; /* 0 unknown, 1 has PhyMemMode, -1 has not */
    wp_stub_mem mem;
    /* The stub's mode as the last command left it, and whether it has
     * honoured a switch: a repeated command then costs the switch, the
     * data and the switch back.  Any failure forgets both. */
    int mode_known, mode;
    int switch_honoured;
    /* per open route */
    int switched; /* end() must switch back to virtual mode */
} qemu_state;

static int send_str(wp_session *s, const char *packet, const wp_buf **reply, wp_error *err)
{
    return wp_session_send(s, packet, strlen(packet), reply, err);
}

static void qemu_forget(void *state)
{
    qemu_state *q = state;
    q->probed = 0;
    q->mode_known = q->switch_honoured = 0;
    wp_stub_mem_free(&q->mem);
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

static int qemu_probe(wp_session *s, void *state, int intent, wp_error *err)
{
    qemu_state *q = state;
    if (wp_session_link_doubtful(s)) {
        int rc = check_in_step(s, err);
        if (rc)
            return rc;
    }
    if (q->probed == 0) {
        int has = 0;
        int rc = wp_qemu_has_phys_mode(s, &has, err);
        if (rc)
            return rc;
        q->probed = has > 0 ? 1 : -1;
        if (q->probed == 1) {
            /* Safe to repeat on QEMU: its handler only ever turns features on. */
            rc = wp_stub_mem_learn(s, &q->mem, err);
            if (rc) {
                q->probed = 0;
                return rc;
            }
        }
    }
    /* Under auto, only a stub that answers as QEMU without the mode is
     * worth a reason; another stub is just not QEMU's. */
    if (q->probed < 0)
        return wp_fail(err,
                       s->svc.qemu_phys == -1 || (intent & WP_PROBE_NAMED) ? WP_ENOROUTE
                                                                           : WP_ENOROUTE_SILENT,
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
    if (wp_session_link_silent(s)) {
        /* A packet of this command went unanswered (the stub stalled or the
         * link dropped): nothing more that writes is sent, and the command
         * ends now rather than after another timeout. */
        q->mode_known = 0;
        q->switch_honoured = 0;
        return wp_fail(err, WP_EHOST,
                       "the stub stopped answering (a timeout, or the connection was lost), "
                       "so the switch back to virtual mode was not sent");
    }
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

static int qemu_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf, size_t len,
                      wp_write_outcome *out, wp_error *err)
{
    return wp_stub_mem_write(s, &((qemu_state *)state)->mem, addr, buf, len, out, err);
}

static int qemu_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                     wp_error *err)
{
    (void)state;
    return wp_stub_mem_read(s, addr, buf, len, err);
}

static size_t qemu_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                         size_t remaining)
{
    return wp_stub_mem_chunk(s, &((qemu_state *)state)->mem, is_write, addr, remaining);
}

static int qemu_memmap(wp_session *s, void *state, const wp_memmap **map, wp_error *err)
{
    (void)state;
    return wp_qemu_current_map(s, map, NULL, err);
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
    .port_read = wp_qemu_port_read,
    .port_write = wp_qemu_port_write,
};
