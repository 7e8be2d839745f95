/* The session: one per debugger, holding what was learnt about the stub. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

wp_session *wp_session_new(const wp_host *host)
{
    wp_session *s = calloc(1, sizeof *s);
    if (s && host)
        s->host = *host;
    return s;
}

void wp_session_target_changed(wp_session *s)
{
    if (!s)
        return;
    s->qemu_probed = 0;
    s->packet_size = 0;
    s->map_loaded = 0;
    wp_memmap_free(&s->map);
}

void wp_session_free(wp_session *s)
{
    if (!s)
        return;
    wp_session_target_changed(s);
    wp_buf_free(&s->reply);
    wp_buf_free(&s->packet);
    free(s);
}

int wp_send(wp_session *s, const char *packet, size_t len, wp_error *err)
{
    if (!s->host.send_packet)
        return wp_fail(err, WP_ENOROUTE, "this debugger cannot send remote packets");
    wp_buf_clear(&s->reply);
    if (wp_buf_reserve(&s->reply, 0))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    err->message[0] = '\0';
    int rc = s->host.send_packet(s->host.ctx, packet, len, &s->reply, err);
    if (rc) {
        if (!err->message[0])
            wp_fail(err, WP_EHOST, "the debugger could not exchange a packet with the stub");
        return err->status = rc < 0 ? rc : WP_EHOST;
    }
    return WP_OK;
}
