/* libFuzzer: the stub's replies.  Each input line is the next reply the
 * fake stub sends to whatever packet the core sent, through a whole write,
 * read-back and mode restore.  Whatever comes back, the count may not exceed
 * what was asked, and the packet parsers must not read out of bounds. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "internal.h"

static const char mtree[] = "FlatView #0\n AS \"memory\", root: system\n"
                            "  0000000000000000-00000000000fffff (prio 0, ram): ram\n";

typedef struct replies {
    const char *next;
    const char *end;
} replies;

static int send_packet(void *ctx, const char *packet, size_t len, wp_buf *reply, wp_error *err)
{
    (void)packet;
    (void)len;
    replies *r = ctx;
    if (r->next >= r->end) {
        wp_error_set(err, WP_EHOST, "Remote connection closed");
        return WP_EHOST;
    }
    const char *nl = memchr(r->next, '\n', (size_t)(r->end - r->next));
    const char *stop = nl ? nl : r->end;
    wp_buf_append(reply, r->next, (size_t)(stop - r->next));
    r->next = nl ? nl + 1 : r->end;
    return 0;
}

static int monitor(void *ctx, const char *cmd, wp_buf *out, wp_error *err)
{
    (void)ctx;
    (void)cmd;
    (void)err;
    return wp_buf_append(out, mtree, sizeof mtree - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parsers on their own, on the raw input. */
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    wp_error err;
    uint8_t out[64];
    wp_rsp_expect_ok(text, size, &err, "x");
    int n = wp_rsp_decode_memory(text, size, out, sizeof out, &err);
    if (n > (int)sizeof out)
        abort();
    wp_rsp_feature_present(text, "PhyMemMode");
    size_t packet_size;
    wp_rsp_packet_size(text, &packet_size);

    /* A whole write against a stub that answers with the input. */
    replies r = {text, text + size};
    wp_host host = {0};
    host.api_version = WP_API_VERSION;
    host.size = sizeof host;
    host.ctx = &r;
    host.send_packet = send_packet;
    host.monitor = monitor;
    wp_session *s = wp_session_new(&host, NULL);
    uint8_t buf[5000];
    memset(buf, 0xa5, sizeof buf);
    size_t done = SIZE_MAX;
    wp_route_options opt = {"qemu", 0, -1, 0};
    int rc = wp_write_physical(s, &opt, 0x1000, buf, sizeof buf, &done, &err);
    if (done > sizeof buf || (rc == WP_OK && done != sizeof buf))
        abort();
    size_t got = SIZE_MAX;
    wp_read_physical(s, &opt, 0x1000, buf, 300, &got, &err);
    if (got > 300)
        abort();
    wp_session_free(s);
    free(text);
    return 0;
}
