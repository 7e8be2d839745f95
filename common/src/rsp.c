/* gdb-remote packet payloads: hex, replies, qSupported fields, chunk sizes.
 * Framing and checksums are the debugger's; this is only what is inside. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char hexdigits[] = "0123456789abcdef";

size_t wp_hex_encode(const uint8_t *in, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hexdigits[in[i] >> 4];
        out[2 * i + 1] = hexdigits[in[i] & 15];
    }
    return 2 * len;
}

int wp_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int wp_hex_decode(const char *in, size_t hexlen, uint8_t *out)
{
    if (hexlen % 2)
        return WP_EPROTO;
    for (size_t i = 0; i < hexlen / 2; i++) {
        int hi = wp_hex_value(in[2 * i]), lo = wp_hex_value(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return WP_EPROTO;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return WP_OK;
}

/* Quote a reply for a one-line message: printable, and short. */
static void quote_reply(const char *reply, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)reply[i];
        if (i >= 24) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[o] = '\0';
}

static int is_error_reply(const char *reply, size_t len)
{
    if (len >= 1 && reply[0] == 'E' && len == 3 && wp_hex_value(reply[1]) >= 0 &&
        wp_hex_value(reply[2]) >= 0)
        return 1;
    return len >= 2 && reply[0] == 'E' && reply[1] == '.'; /* E.text */
}

int wp_rsp_expect_ok(const char *reply, size_t len, wp_error *err, const char *what)
{
    char q[40];
    if (len == 2 && memcmp(reply, "OK", 2) == 0)
        return WP_OK;
    quote_reply(reply, len, q, sizeof q);
    if (is_error_reply(reply, len))
        return wp_fail(err, WP_ETARGET, "the stub refused %s (%s)", what, q);
    if (len == 0) /* LLDB shows a lost connection as an empty reply, too */
        return wp_fail(err, WP_ETARGET,
                       "empty reply to %s (the stub does not support it, "
                       "or the connection was lost)",
                       what);
    return wp_fail(err, WP_EPROTO, "unexpected reply to %s: '%s'", what, q);
}

int wp_rsp_decode_memory(const char *reply, size_t len, uint8_t *out, size_t want,
                         wp_error *err)
{
    if (len && len % 2 == 0 && len / 2 <= want && !is_error_reply(reply, len) &&
        wp_hex_decode(reply, len, out) == WP_OK)
        return (int)(len / 2); /* a stub may return fewer bytes than asked */
    /* Only a failure pays for quoting the reply. */
    char q[40];
    quote_reply(reply, len, q, sizeof q);
    if (is_error_reply(reply, len))
        return wp_fail(err, WP_ETARGET, "the stub refused the read (%s)", q);
    if (len == 0)
        return wp_fail(err, WP_EPROTO, "empty reply to a memory read");
    return wp_fail(err, WP_EPROTO, "malformed reply to a memory read: '%s'", q);
}

/* Features are ';'-separated; a name matches whole, bare or followed by +, = */
int wp_rsp_feature_present(const char *reply, const char *feature)
{
    size_t n = strlen(feature);
    for (const char *p = reply; p && *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= n && strncmp(p, feature, n) == 0 &&
            (len == n || (len == n + 1 && p[n] == '+')))
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

int wp_rsp_packet_size(const char *reply, size_t *size)
{
    for (const char *p = reply; p && *p;) {
        if (strncmp(p, "PacketSize=", 11) == 0) {
            uint64_t v = 0;
            const char *q = p + 11;
            int digits = 0;
            while (wp_hex_value(*q) >= 0 && digits < 8) {
                v = v * 16 + (uint64_t)wp_hex_value(*q++);
                digits++;
            }
            if (digits == 0 || (*q && *q != ';') || v < 64)
                return WP_EPROTO;
            *size = (size_t)v;
            return WP_OK;
        }
        p = strchr(p, ';');
        if (p)
            p++;
    }
    return WP_EPROTO;
}

static size_t hex_digits(uint64_t v)
{
    size_t n = 1;
    while (v >>= 4)
        n++;
    return n;
}

/* One byte of the stub's buffer is kept for its terminator (QEMU's line
 * buffer rejects a payload that fills it). */
size_t wp_rsp_write_chunk(size_t packet_size, uint64_t addr, size_t remaining)
{
    size_t budget = packet_size - 1;
    size_t header = 1 + hex_digits(addr) + 1 + hex_digits(remaining) + 1;
    size_t n = (budget - header) / 2;
    return n < remaining ? n : remaining;
}

/* A read's limit is its reply's, which the stub sends: PacketSize / 2
 * bytes, as GDB reads (a 4 KiB page in two packets, not three). */
size_t wp_rsp_read_chunk(size_t packet_size, size_t remaining)
{
    size_t n = packet_size / 2;
    return n < remaining ? n : remaining;
}
