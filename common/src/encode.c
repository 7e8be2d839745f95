/* Values to bytes: fixed widths in either byte order, and UTF-8 to UTF-16LE.
 * A value that does not fit its width is an error, never truncated. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *width_flag(unsigned width)
{
    switch (width) {
    case 1: return "-b";
    case 2: return "-w";
    case 4: return "-d";
    default: return "-q";
    }
}

int wp_encode_value(uint64_t value, int negative, unsigned width, int order, uint8_t *out,
                    const char *expr, wp_error *err)
{
    if (width < 8) {
        unsigned bits = width * 8;
        uint64_t max_unsigned = ((uint64_t)1 << bits) - 1;
        /* Negative values may use the signed range: -1 is 0xff with -b. */
        int fits =
            negative ? (int64_t)value >= -((int64_t)1 << (bits - 1)) : value <= max_unsigned;
        if (!fits) {
            char shown[32];
            snprintf(shown, sizeof shown, "%s%#llx", negative ? "-" : "",
                     (unsigned long long)(negative ? 0 - value : value));
            bool literal = strcmp(shown, expr) == 0;
            return wp_fail(err, WP_EINVAL,
                           "value '%s'%s%s%s does not fit in %u byte%s (%s); use a wider "
                           "-w, -d or -q",
                           expr, literal ? "" : " (", literal ? "" : shown, literal ? "" : ")",
                           width, width == 1 ? "" : "s", width_flag(width));
        }
    }
    for (unsigned i = 0; i < width; i++) {
        unsigned shift = 8 * (order == WP_ORDER_BIG ? width - 1 - i : i);
        out[i] = (uint8_t)(value >> shift);
    }
    return WP_OK;
}

uint64_t wp_decode_unit(const uint8_t *in, unsigned width, int order)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) {
        unsigned shift = 8 * (order == WP_ORDER_BIG ? width - 1 - i : i);
        v |= (uint64_t)in[i] << shift;
    }
    return v;
}

/* One code point from UTF-8, rejecting overlongs, surrogates and junk. */
static int utf8_next(const unsigned char **p, const unsigned char *end, uint32_t *cp)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int n;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        *p = s + 1;
        return 0;
    } else if ((c & 0xe0) == 0xc0) {
        n = 1;
        c &= 0x1f;
        min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 2;
        c &= 0x0f;
        min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 3;
        c &= 0x07;
        min = 0x10000;
    } else
        return -1;
    if (end - s <= n)
        return -1;
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return -1;
    *cp = c;
    *p = s + n + 1;
    return 0;
}

int wp_encode_utf16le(const char *utf8, size_t len, int zero, wp_buf *out, wp_error *err)
{
    const unsigned char *p = (const unsigned char *)utf8;
    const unsigned char *end = p + len;
    while (p < end) {
        uint32_t cp;
        size_t at = (size_t)(p - (const unsigned char *)utf8);
        if (utf8_next(&p, end, &cp))
            return wp_fail(err, WP_EINVAL, "--string is not valid UTF-8 at byte %zu", at);
        uint16_t units[2];
        int n = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units[0] = (uint16_t)(0xd800 | (cp >> 10));
            units[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
            n = 2;
        } else {
            units[0] = (uint16_t)cp;
        }
        for (int i = 0; i < n; i++) {
            uint8_t le[2] = {(uint8_t)units[i], (uint8_t)(units[i] >> 8)};
            if (wp_buf_append(out, le, 2))
                return wp_fail(err, WP_ENOMEM, "out of memory");
        }
    }
    if (zero && wp_buf_append(out, "\0\0", 2))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    return WP_OK;
}

int wp_unescape(const char *text, wp_buf *out, wp_error *err)
{
    static const char from[] = "abefnrtv0\\\"'";
    static const char to[] = "\a\b\x1b\f\n\r\t\v\0\\\"'";
    for (const char *p = text; *p; p++) {
        char c = *p;
        if (c == '\\') {
            const char *hit = p[1] ? strchr(from, p[1]) : NULL;
            if (p[1] == 'x') {
                int hi = wp_hex_value(p[2]), lo = hi < 0 ? -1 : wp_hex_value(p[3]);
                if (hi < 0)
                    return wp_fail(err, WP_EINVAL,
                                   "--string: \\x needs one or two hex "
                                   "digits (\\x41); write \\\\ for a backslash");
                c = (char)(lo < 0 ? hi : hi * 16 + lo);
                p += lo < 0 ? 2 : 3;
            } else if (hit) {
                c = to[hit - from];
                p++;
            } else if (!p[1]) {
                return wp_fail(err, WP_EINVAL,
                               "--string ends in a lone backslash; write "
                               "\\\\ for a backslash");
            } else {
                return wp_fail(err, WP_EINVAL,
                               "--string: unknown escape '\\%c'; the "
                               "escapes are \\n \\t \\r \\0 \\xNN \\\\ \\a \\b "
                               "\\e \\f \\v \\\" \\'",
                               p[1]);
            }
        }
        if (wp_buf_append(out, &c, 1))
            return wp_fail(err, WP_ENOMEM, "out of memory");
    }
    return WP_OK;
}
