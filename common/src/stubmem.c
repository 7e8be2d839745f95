/* m and M packets for routes whose stub has a physical mode (qemu, vmware):
 * while the stub is in that mode, its memory packets address physical
 * memory.  The debugger's own bulk write (LLDB's) is used when the host has
 * one: it is as fast as the debugger's native command. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define FALLBACK_PACKET_SIZE 1024         /* when qSupported gives none */
#define BULK_CHUNK           (64u * 1024) /* Ctrl-C and progress between these */

int wp_stub_mem_learn(wp_session *s, wp_stub_mem *m, wp_error *err)
{
    const wp_buf *reply;
    int rc = wp_session_send(s, "qSupported", 10, &reply, err);
    if (rc)
        return rc;
    if (wp_rsp_packet_size(reply->data, &m->packet_size))
        m->packet_size = FALLBACK_PACKET_SIZE;
    return WP_OK;
}

void wp_stub_mem_free(wp_stub_mem *m)
{
    m->packet_size = 0;
    wp_buf_free(&m->packet);
}

/* The packet the debugger sends at addr: LLDB keeps 70 bytes of PacketSize
 * for an M packet's framing (ProcessGDBRemote::GetMaxMemorySize). */
static size_t debugger_packet(const wp_stub_mem *m, uint64_t addr, size_t remaining)
{
    size_t n = wp_rsp_write_chunk(m->packet_size, addr, remaining);
    size_t lldb = m->packet_size > 140 ? (m->packet_size - 70) / 2 : n;
    return n < lldb ? n : lldb;
}

int wp_stub_mem_write(wp_session *s, wp_stub_mem *m, uint64_t addr, const uint8_t *buf,
                      size_t len, wp_write_outcome *out, wp_error *err)
{
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
        size_t packet = debugger_packet(m, addr + written, len - written);
        *out = (wp_write_outcome){1, written, rc == WP_ETARGET ? 0 : packet};
        return err->status = rc;
    }
    wp_buf *p = &m->packet;
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
        /* The stub always answers M; an empty reply leaves the write's fate
         * unknown.  It is an answer, though (a debugger that gets none
         * fails the exchange: GDB; LLDB's M packets go through
         * write_memory_bulk), so the mode is still restored. */
        return wp_fail(err, WP_EHOST,
                       "empty reply to the write (the stub did not answer "
                       "in time, or the connection was lost)");
    }
    return wp_rsp_expect_ok(reply->data, reply->len, err, "the write");
}

int wp_stub_mem_read(wp_session *s, uint64_t addr, uint8_t *buf, size_t len, wp_error *err)
{
    const wp_buf *reply;
    char packet[48];
    int n = snprintf(packet, sizeof packet, "m%llx,%zx", (unsigned long long)addr, len);
    int rc = wp_session_send(s, packet, (size_t)n, &reply, err);
    if (rc)
        return rc;
    return wp_rsp_decode_memory(reply->data, reply->len, buf, len, err);
}

size_t wp_stub_mem_chunk(wp_session *s, const wp_stub_mem *m, int is_write, uint64_t addr,
                         size_t remaining)
{
    if (is_write && wp_session_host(s)->write_memory_bulk) {
        /* Whole packets of the debugger's: no short packet at each call's
         * end (64 KiB would be 32 full packets and a fragment). */
        size_t packet = debugger_packet(m, addr, BULK_CHUNK);
        size_t n = packet && packet < BULK_CHUNK ? BULK_CHUNK / packet * packet : BULK_CHUNK;
        return remaining < n ? remaining : n;
    }
    /* Asked before the route learnt the size (the direct route plans its
     * first piece for the stub before entering it): the fall-back's. */
    size_t packet = m->packet_size ? m->packet_size : FALLBACK_PACKET_SIZE;
    return is_write ? wp_rsp_write_chunk(packet, addr, remaining)
                    : wp_rsp_read_chunk(packet, remaining);
}
