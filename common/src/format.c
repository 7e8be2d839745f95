/* Text the user sees: hex dumps and byte previews.  Both debuggers print
 * exactly this, so the two front ends show the same output. */
#include <stdio.h>

#include "internal.h"

void wp_format_hexdump(wp_buf *out, uint64_t addr, const uint8_t *data, size_t len,
                       unsigned width, int order)
{
    const size_t per_line = 16;
    int addr_digits = (addr + len - 1 > 0xffffffffULL) ? 16 : 8;
    for (size_t off = 0; off < len; off += per_line) {
        size_t n = len - off < per_line ? len - off : per_line;
        wp_buf_printf(out, "%0*llx ", addr_digits, (unsigned long long)(addr + off));
        size_t i = 0;
        for (; i + width <= n; i += width) {
            if (width == 1 && i == 8)
                wp_buf_printf(out, " ");
            wp_buf_printf(out, " %0*llx", (int)width * 2,
                          (unsigned long long)wp_decode_unit(data + off + i, width, order));
        }
        for (; i < n; i++) /* a tail shorter than one unit, byte by byte */
            wp_buf_printf(out, " %02x", data[off + i]);
        /* Pad short last lines so the ASCII column lines up. */
        size_t full = per_line / width * (width * 2 + 1) + (width == 1);
        size_t used = (n / width) * (width * 2 + 1) + (n % width) * 3 + (width == 1 && n > 8);
        wp_buf_printf(out, "%*s  |", (int)(full - used), "");
        for (i = 0; i < n; i++) {
            uint8_t c = data[off + i];
            wp_buf_printf(out, "%c", c >= 0x20 && c < 0x7f ? c : '.');
        }
        wp_buf_printf(out, "|\n");
    }
}

void wp_format_bytes_preview(wp_buf *out, const uint8_t *data, uint64_t len, size_t limit)
{
    size_t shown = len < limit ? (size_t)len : limit;
    for (size_t i = 0; i < shown; i++)
        wp_buf_printf(out, "%s%02x", i ? " " : "", data[i]);
    if (len > shown)
        wp_buf_printf(out, " ... (%llu more)", (unsigned long long)(len - shown));
}
