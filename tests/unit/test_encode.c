/* Values to bytes: widths, byte orders, ranges and UTF-16. */
#include <stdio.h>

#include "internal.h"
#include "test_util.h"

static void test_widths_and_orders(void)
{
    static const struct {
        uint64_t value;
        int negative;
        unsigned width;
        int order;
        uint8_t bytes[8];
    } cases[] = {
        {0xab, 0, 1, WP_ORDER_LITTLE, {0xab}},
        {0x1234, 0, 2, WP_ORDER_LITTLE, {0x34, 0x12}},
        {0x1234, 0, 2, WP_ORDER_BIG, {0x12, 0x34}},
        {0xdeadbeef, 0, 4, WP_ORDER_LITTLE, {0xef, 0xbe, 0xad, 0xde}},
        {0xdeadbeef, 0, 4, WP_ORDER_BIG, {0xde, 0xad, 0xbe, 0xef}},
        {0x0102030405060708ull, 0, 8, WP_ORDER_LITTLE, {8, 7, 6, 5, 4, 3, 2, 1}},
        {0x0102030405060708ull, 0, 8, WP_ORDER_BIG, {1, 2, 3, 4, 5, 6, 7, 8}},
        {(uint64_t)-1, 1, 1, WP_ORDER_LITTLE, {0xff}},
        {(uint64_t)-128, 1, 1, WP_ORDER_LITTLE, {0x80}},
        {(uint64_t)-2, 1, 2, WP_ORDER_BIG, {0xff, 0xfe}},
        {(uint64_t)-1, 1, 8, WP_ORDER_LITTLE, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
        {UINT64_MAX, 0, 8, WP_ORDER_LITTLE, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(cases); i++) {
        uint8_t out[8] = {0};
        wp_error err = {0};
        CU_ASSERT_EQUAL(wp_encode_value(cases[i].value, cases[i].negative, cases[i].width,
                                        cases[i].order, out, "v", &err),
                        WP_OK);
        CU_ASSERT_EQUAL(memcmp(out, cases[i].bytes, cases[i].width), 0);
        CU_ASSERT_EQUAL(wp_decode_unit(out, cases[i].width, cases[i].order),
                        cases[i].width == 8
                            ? cases[i].value
                            : cases[i].value & ((1ull << (8 * cases[i].width)) - 1));
    }
}

static void test_too_wide_is_an_error(void)
{
    static const struct {
        uint64_t value;
        int negative;
        unsigned width;
    } cases[] = {
        {0x100, 0, 1},          {0x10000, 0, 2},          {0x100000000ull, 0, 4},
        {(uint64_t)-129, 1, 1}, {(uint64_t)-32769, 1, 2}, {(uint64_t)-2147483649ll, 1, 4},
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(cases); i++) {
        uint8_t out[8] = {0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};
        wp_error err = {0};
        CU_ASSERT_EQUAL(wp_encode_value(cases[i].value, cases[i].negative, cases[i].width,
                                        WP_ORDER_LITTLE, out, "expr", &err),
                        WP_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "does not fit"));
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "'expr'"));
        CU_ASSERT_EQUAL(out[0], 0x5a); /* nothing written on error */
    }
}

static void test_utf16(void)
{
    static const struct {
        const char *utf8;
        int zero;
        const char *hex;
    } cases[] = {
        {"Hi", 0, "48006900"},
        {"Hi", 1, "480069000000"},
        {"\xc3\xa9", 0, "e900"},             /* é */
        {"\xe2\x82\xac", 0, "ac20"},         /* € */
        {"\xf0\x9f\x98\x80", 0, "3dd800de"}, /* U+1F600, a surrogate pair */
        {"", 1, "0000"},
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(cases); i++) {
        wp_buf out = {0};
        wp_error err = {0};
        CU_ASSERT_EQUAL(
            wp_encode_utf16le(cases[i].utf8, strlen(cases[i].utf8), cases[i].zero, &out, &err),
            WP_OK);
        char hex[64] = {0};
        wp_hex_encode((const uint8_t *)out.data, out.len, hex);
        CU_ASSERT_STRING_EQUAL(hex, cases[i].hex);
        wp_buf_free(&out);
    }
    static const char *const bad[] = {
        "\xff",
        "\xc3",
        "\xc0\xaf" /* overlong */,
        "\xed\xa0\x80" /* surrogate */,
        "\xf4\x90\x80\x80" /* > U+10FFFF */,
        "ok\x80",
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(bad); i++) {
        wp_buf out = {0};
        wp_error err = {0};
        CU_ASSERT_EQUAL(wp_encode_utf16le(bad[i], strlen(bad[i]), 0, &out, &err), WP_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "not valid UTF-8"));
        wp_buf_free(&out);
    }
}

static const CU_TestInfo tests[] = {
    {"widths and byte orders", test_widths_and_orders},
    {"a value too wide is an error", test_too_wide_is_an_error},
    {"UTF-16LE", test_utf16},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return run_suite("encode", tests);
}
