/* Packet payloads: hex, replies, qSupported fields and chunk sizes. */
#include <stdio.h>

#include "internal.h"
#include "test_util.h"

static void test_hex(void)
{
    uint8_t in[] = {0x00, 0x7f, 0x80, 0xff}, out[4];
    char hex[9] = {0};
    CU_ASSERT_EQUAL(wp_hex_encode(in, 4, hex), 8);
    CU_ASSERT_STRING_EQUAL(hex, "007f80ff");
    CU_ASSERT_EQUAL(wp_hex_decode("007F80fF", 8, out), WP_OK);
    CU_ASSERT_EQUAL(memcmp(in, out, 4), 0);
    CU_ASSERT_EQUAL(wp_hex_decode("0g", 2, out), WP_EPROTO);
    CU_ASSERT_EQUAL(wp_hex_decode("123", 3, out), WP_EPROTO);
}

static void test_replies(void)
{
    static const struct {
        const char *reply;
        int rc;
        const char *message;
    } cases[] = {
        {"OK", WP_OK, ""},
        {"E14", WP_ETARGET, "refused"},
        {"E.bad address", WP_ETARGET, "refused"},
        {"", WP_ETARGET, "or the connection was lost"},
        {"OKK", WP_EPROTO, "unexpected reply"},
        {"E1", WP_EPROTO, "unexpected reply"},
        {"ok", WP_EPROTO, "unexpected reply"},
        {"\x01\x02garbage", WP_EPROTO, "'??garbage'"},
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(cases); i++) {
        wp_error err = {0};
        CU_ASSERT_EQUAL(wp_rsp_expect_ok(cases[i].reply, strlen(cases[i].reply), &err, "x"),
                        cases[i].rc);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, cases[i].message));
    }
    /* A long reply is quoted short, on one line. */
    char longr[600];
    memset(longr, 'Z', sizeof longr - 1);
    longr[sizeof longr - 1] = '\0';
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_rsp_expect_ok(longr, strlen(longr), &err, "x"), WP_EPROTO);
    CU_ASSERT(strlen(err.message) < 100);
}

static void test_memory_replies(void)
{
    uint8_t out[4];
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_rsp_decode_memory("deadbeef", 8, out, 4, &err), 4);
    CU_ASSERT_EQUAL(out[0], 0xde);
    CU_ASSERT_EQUAL(wp_rsp_decode_memory("dead", 4, out, 4, &err), 2); /* short read */
    CU_ASSERT_EQUAL(wp_rsp_decode_memory("E14", 3, out, 4, &err), WP_ETARGET);
    CU_ASSERT_EQUAL(wp_rsp_decode_memory("", 0, out, 4, &err), WP_EPROTO);
    CU_ASSERT_EQUAL(wp_rsp_decode_memory("deadbeef00", 10, out, 4, &err), WP_EPROTO);
    CU_ASSERT_EQUAL(wp_rsp_decode_memory("OK", 2, out, 4, &err), WP_EPROTO);
    CU_ASSERT_EQUAL(wp_rsp_decode_memory("dea", 3, out, 4, &err), WP_EPROTO);
}

static void test_features(void)
{
    const char *q = "sstepbits;sstep;PhyMemMode";
    CU_ASSERT(wp_rsp_feature_present(q, "PhyMemMode"));
    CU_ASSERT(wp_rsp_feature_present(q, "sstep"));
    CU_ASSERT(!wp_rsp_feature_present(q, "PhyMem"));
    CU_ASSERT(!wp_rsp_feature_present("", "PhyMemMode"));
    CU_ASSERT(wp_rsp_feature_present("a;PhyMemMode+", "PhyMemMode"));
    CU_ASSERT(!wp_rsp_feature_present("PhyMemModeX", "PhyMemMode"));
    size_t size = 0;
    CU_ASSERT_EQUAL(wp_rsp_packet_size("PacketSize=1000;qXfer:features:read+", &size), WP_OK);
    CU_ASSERT_EQUAL(size, 4096);
    CU_ASSERT_EQUAL(wp_rsp_packet_size("a+;PacketSize=3fff", &size), WP_OK);
    CU_ASSERT_EQUAL(size, 0x3fff);
    CU_ASSERT_EQUAL(wp_rsp_packet_size("PacketSize=zz", &size), WP_EPROTO);
    CU_ASSERT_EQUAL(wp_rsp_packet_size("PacketSize=10", &size), WP_EPROTO); /* too small */
    CU_ASSERT_EQUAL(wp_rsp_packet_size("multiprocess+", &size), WP_EPROTO);
}

/* Every M packet fits the stub's PacketSize, and chunks are as large as fit. */
static void test_chunks(void)
{
    static const size_t sizes[] = {64, 100, 1000, 0x1000, 0x4000};
    static const uint64_t addrs[] = {0, 0xfff, 0x12345678, UINT64_MAX - 0x10000};
    for (size_t i = 0; i < WP_ARRAY_LEN(sizes); i++)
        for (size_t j = 0; j < WP_ARRAY_LEN(addrs); j++) {
            size_t n = wp_rsp_write_chunk(sizes[i], addrs[j], 1 << 20);
            char header[64];
            int h =
                snprintf(header, sizeof header, "M%llx,%zx:", (unsigned long long)addrs[j], n);
            CU_ASSERT(n > 0);
            CU_ASSERT((size_t)h + 2 * n <= sizes[i] - 1);
            CU_ASSERT((size_t)h + 2 * n + 8 > sizes[i] - 1); /* little room wasted */
        }
    CU_ASSERT_EQUAL(wp_rsp_write_chunk(0x1000, 0, 5), 5);
    CU_ASSERT_EQUAL(wp_rsp_read_chunk(0x1000, 1 << 20), 2048); /* as GDB reads */
    CU_ASSERT_EQUAL(wp_rsp_read_chunk(0x1000, 7), 7);
}

static const CU_TestInfo tests[] = {
    {"hex", test_hex},
    {"OK and error replies", test_replies},
    {"memory replies", test_memory_replies},
    {"qqemu.Supported and PacketSize", test_features},
    {"chunks fit PacketSize", test_chunks},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return run_suite("rsp", tests);
}
