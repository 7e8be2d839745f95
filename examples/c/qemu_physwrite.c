/* qemu_physwrite: writes bytes into a QEMU guest's physical memory through
 * the writephys core, with no debugger: this program is the core's host and
 * speaks the gdb remote protocol to QEMU's gdbstub (-gdb tcp::1234) itself.
 *
 *   cc qemu_physwrite.c $(pkg-config --cflags --libs writephys) -o qemu_physwrite
 *   ./qemu_physwrite [--force] 127.0.0.1:1234 0x1000 deadbeef
 *
 * The core chooses nothing here but the route: `qemu` switches the stub into
 * its physical-memory mode (Qqemu.PhyMemMode:1), checks the range against
 * QEMU's memory map (`monitor info mtree -f`, sent as qRcmd), writes with M
 * packets and switches back.  The host supplies two callbacks: one packet,
 * and one monitor command. */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <writephys.h>

typedef struct rsp {
    int fd;
} rsp;

static int rsp_fail(wp_error *err, const char *what)
{
    wp_error_set(err, WP_EHOST, what);
    return WP_EHOST;
}

static int get_byte(rsp *r)
{
    unsigned char c;
    return read(r->fd, &c, 1) == 1 ? c : -1;
}

static int put(rsp *r, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(r->fd, p, len);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Frames and sends one packet ($payload#checksum) until the stub acks it
 * with '+'; a '-' asks for it again. */
static int rsp_send(rsp *r, const char *payload, size_t len, wp_error *err)
{
    static const char hex[] = "0123456789abcdef";
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += (unsigned char)payload[i];
    char tail[3] = {'#', hex[(sum >> 4) & 0xf], hex[sum & 0xf]};
    for (int attempt = 0; attempt < 3; attempt++) {
        if (put(r, "$", 1) || put(r, payload, len) || put(r, tail, 3))
            return rsp_fail(err, "the connection to the stub was lost (send)");
        int c = get_byte(r);
        if (c == '+')
            return WP_OK;
        if (c != '-')
            return rsp_fail(err, "the stub did not acknowledge the packet");
    }
    return rsp_fail(err, "the stub refused the packet's checksum three times");
}

/* Receives one packet's payload into *out (}-escapes undone), checks its
 * checksum and acks it: '+' when good, '-' (and receives it again) when not. */
static int rsp_receive(rsp *r, wp_buf *out, wp_error *err)
{
    for (;;) {
        int c;
        while ((c = get_byte(r)) != '$')
            if (c < 0)
                return rsp_fail(err, "the connection to the stub was lost (receive)");
        out->len = 0;
        unsigned sum = 0;
        while ((c = get_byte(r)) != '#') {
            if (c < 0)
                return rsp_fail(err, "the connection to the stub was lost (receive)");
            sum += (unsigned)c;
            if (c == '}') {
                int next = get_byte(r);
                if (next < 0)
                    return rsp_fail(err, "the connection to the stub was lost (receive)");
                sum += (unsigned)next;
                c = next ^ 0x20;
            }
            char ch = (char)c;
            if (wp_buf_append(out, &ch, 1))
                return rsp_fail(err, "out of memory");
        }
        int hi = hexval(get_byte(r)), lo = hexval(get_byte(r));
        if (hi >= 0 && lo >= 0 && (unsigned)(hi << 4 | lo) == (sum & 0xff))
            return put(r, "+", 1) ? rsp_fail(err, "the connection to the stub was lost")
                                  : WP_OK;
        if (hi < 0 || lo < 0 || put(r, "-", 1))
            return rsp_fail(err, "the stub sent a malformed packet");
    }
}

/* wp_host.send_packet: one exchange. */
static int host_send_packet(void *ctx, const char *packet, size_t len, wp_buf *reply,
                            wp_error *err)
{
    int rc = rsp_send(ctx, packet, len, err);
    return rc ? rc : rsp_receive(ctx, reply, err);
}

/* wp_host.monitor: qRcmd,HEX; the stub answers with O packets (hex text)
 * and then OK, as GDB's `monitor` reads them. */
static int host_monitor(void *ctx, const char *command, wp_buf *out, wp_error *err)
{
    static const char hex[] = "0123456789abcdef";
    wp_buf packet = {0}, reply = {0};
    int rc = wp_buf_append(&packet, "qRcmd,", 6);
    for (const char *p = command; !rc && *p; p++) {
        char pair[2] = {hex[(unsigned char)*p >> 4], hex[*p & 0xf]};
        rc = wp_buf_append(&packet, pair, 2);
    }
    rc = rc ? rsp_fail(err, "out of memory") : rsp_send(ctx, packet.data, packet.len, err);
    while (!rc) {
        rc = rsp_receive(ctx, &reply, err);
        if (rc)
            break;
        if (reply.len == 2 && memcmp(reply.data, "OK", 2) == 0)
            break;
        if (reply.len == 0 || reply.data[0] != 'O') {
            wp_error_set(err, WP_EHOST,
                         reply.len ? "the stub refused the monitor command"
                                   : "the stub has no monitor commands");
            rc = WP_EHOST;
            break;
        }
        for (size_t i = 1; !rc && i + 1 < reply.len; i += 2) {
            char ch = (char)(hexval(reply.data[i]) << 4 | hexval(reply.data[i + 1]));
            rc = wp_buf_append(out, &ch, 1) ? rsp_fail(err, "out of memory") : WP_OK;
        }
    }
    wp_buf_free(&packet);
    wp_buf_free(&reply);
    return rc;
}

static int connect_to(const char *where)
{
    char host[256];
    const char *colon = strrchr(where, ':');
    if (!colon || (size_t)(colon - where) >= sizeof host)
        return -1;
    snprintf(host, sizeof host, "%.*s", (int)(colon - where), where);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* "deadbeef" -> de ad be ef; -1 for anything else. */
static long parse_hex_bytes(const char *text, unsigned char *out, size_t cap)
{
    size_t n = strlen(text);
    if (n == 0 || n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(text[i]), lo = hexval(text[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    return (long)(n / 2);
}

int main(int argc, char **argv)
{
    unsigned char data[4096], back[4096];
    /* --force: write where the map says ROM or nothing is (the read-back
     * then tells whether the bytes stayed). */
    int force = argc > 1 && strcmp(argv[1], "--force") == 0;
    argv += force;
    argc -= force;
    char *end = NULL;
    unsigned long long addr = argc == 4 ? strtoull(argv[2], &end, 0) : 0;
    long len = argc == 4 ? parse_hex_bytes(argv[3], data, sizeof data) : -1;
    if (argc != 4 || !end || *end || len < 0) {
        fprintf(stderr, "usage: qemu_physwrite [--force] HOST:PORT ADDRESS HEXBYTES (e.g. "
                        "127.0.0.1:1234 0x1000 deadbeef; at most 4096 bytes)\n");
        return 2;
    }
    rsp link = {.fd = connect_to(argv[1])};
    if (link.fd < 0) {
        fprintf(stderr, "qemu_physwrite: cannot connect to %s\n", argv[1]);
        return 1;
    }
    wp_host host = {.api_version = WP_API_VERSION,
                    .size = sizeof host,
                    .ctx = &link,
                    .send_packet = host_send_packet,
                    .monitor = host_monitor};
    wp_error err = {0};
    wp_session *s = wp_session_new(&host, &err);
    if (!s) {
        fprintf(stderr, "qemu_physwrite: %s\n", err.message);
        return 1;
    }
    wp_route_options opt = {.backend = "qemu", .force = force, .verify = -1, .for_write = 1};
    wp_route_handle *h = NULL;
    size_t done = 0, read_back = 0;
    int rc = wp_route_open(s, &opt, &h, &err);
    if (!rc)
        rc = wp_route_check(h, addr, (uint64_t)len, 1, &err);
    if (!rc)
        rc = wp_route_write(h, addr, data, (size_t)len, &done, &err);
    if (!rc)
        rc = wp_route_read(h, addr, back, (size_t)len, &read_back, &err);
    if (h) {
        wp_error close_err = {0};
        int closed = wp_route_close(h, &close_err);
        if (!rc && closed) {
            rc = closed;
            err = close_err;
        }
    }
    if (!rc && memcmp(data, back, (size_t)len) != 0) {
        wp_error_set(&err, WP_EVERIFY, "the bytes read back differ from those written");
        rc = WP_EVERIFY;
    }
    if (rc)
        fprintf(stderr, "qemu_physwrite: %s (the stub acknowledged %zu bytes)\n", err.message,
                done);
    else
        printf("qemu_physwrite: wrote %zu bytes at physical 0x%llx via %s, read back equal\n",
               done, addr, opt.backend);
    wp_session_free(s);
    close(link.fd);
    return rc ? 1 : 0;
}
