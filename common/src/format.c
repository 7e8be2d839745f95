/* Text the user sees: hex dumps and byte previews.  Both debuggers print
 * exactly this, so the two front ends show the same output. */
#include <stdio.h>
#include <string.h>

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

void wp_format_size(char *buf, size_t cap, uint64_t size)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
    unsigned u = 0;
    while (u + 1 < WP_ARRAY_LEN(units) && size >= 1024 && size % 1024 == 0) {
        size /= 1024;
        u++;
    }
    snprintf(buf, cap, "%llu %s", (unsigned long long)size, units[u]);
}

void wp_format_translation(wp_buf *out, const wp_translation *t)
{
    char size[32];
    wp_format_size(size, sizeof size, t->page_size);
    wp_buf_printf(out, "%s page, %s, %s", size, (t->flags & WP_PAGE_WRITE) ? "rw" : "ro",
                  (t->flags & WP_PAGE_USER) ? "user" : "kernel");
    if (strncmp(t->mode, "aarch64", 7) == 0) {
        if (!(t->flags & WP_PAGE_EXEC))
            wp_buf_printf(out, ", uxn");
        if (!(t->flags & WP_PAGE_KERNEL_EXEC))
            wp_buf_printf(out, ", pxn");
        if ((t->flags & WP_PAGE_EXEC) && (t->flags & WP_PAGE_KERNEL_EXEC))
            wp_buf_printf(out, ", x");
    } else {
        wp_buf_printf(out, ", %s", (t->flags & WP_PAGE_EXEC) ? "x" : "nx");
    }
}
