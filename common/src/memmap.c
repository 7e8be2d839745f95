/* QEMU's flat physical memory map, from `info mtree -f`.
 *
 * In physical mode QEMU answers OK to writes it drops (unassigned addresses,
 * ROM), so the map is how the core knows what a write will really do.  The
 * output holds several flat views (port I/O, SMM, bus masters); the physical
 * map is the one listed for AS "memory". */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *wp_region_kind_name(int kind)
{
    switch (kind) {
    case WP_REGION_RAM: return "ram";
    case WP_REGION_ROM: return "rom";
    case WP_REGION_DEVICE: return "device";
    default: return "unassigned";
    }
}

static int kind_from_text(const char *t, size_t n)
{
    if (n > 3 && strncmp(t, "nv-", 3) == 0) {
        t += 3;
        n -= 3;
    }
    if (n == 3 && strncmp(t, "ram", 3) == 0)
        return WP_REGION_RAM;
    /* romd is a flash in read mode: writes reach its command interface. */
    if ((n == 3 && strncmp(t, "rom", 3) == 0) || (n == 4 && strncmp(t, "romd", 4) == 0))
        return WP_REGION_ROM;
    return WP_REGION_DEVICE; /* i/o, ramd, iommu: reads may have side effects */
}

/* "  0000000000000000-00000000000bffff (prio 0, ram): pc.ram" */
static int parse_region_line(const char *line, wp_region *r)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    char *end;
    if (!isxdigit((unsigned char)*p))
        return -1;
    unsigned long long start = strtoull(p, &end, 16);
    if (*end != '-' || !isxdigit((unsigned char)end[1]))
        return -1;
    unsigned long long last = strtoull(end + 1, &end, 16);
    if (strncmp(end, " (prio ", 7) != 0 || last < start)
        return -1;
    const char *comma = strchr(end, ',');
    const char *close = comma ? strstr(comma, "): ") : NULL;
    if (!comma || !close)
        return -1;
    const char *kind = comma + 1;
    while (*kind == ' ')
        kind++;
    r->start = start;
    r->last = last;
    r->kind = kind_from_text(kind, (size_t)(close - kind));
    const char *name = close + 3;
    size_t n = strcspn(name, " \r\n");
    if (n >= sizeof r->name)
        n = sizeof r->name - 1;
    memcpy(r->name, name, n);
    r->name[n] = '\0';
    return 0;
}

static int by_start(const void *a, const void *b)
{
    const wp_region *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int wp_memmap_parse(const char *text, wp_memmap *map, wp_error *err)
{
    map->regions = NULL;
    map->count = 0;
    size_t cap = 0;
    bool in_view = false, is_memory = false, found = false;
    for (const char *line = text; line && *line;) {
        const char *next = strchr(line, '\n');
        size_t len = next ? (size_t)(next - line) : strlen(line);
        char buf[512];
        if (len >= sizeof buf)
            len = sizeof buf - 1;
        memcpy(buf, line, len);
        buf[len] = '\0';
        line = next ? next + 1 : NULL;

        if (strncmp(buf, "FlatView #", 10) == 0) {
            if (is_memory)
                break; /* the memory view is complete */
            in_view = true;
            continue;
        }
        if (!in_view)
            continue;
        const char *t = buf;
        while (*t == ' ')
            t++;
        if (strncmp(t, "AS \"memory\",", 12) == 0) {
            is_memory = found = true;
            continue;
        }
        if (!is_memory)
            continue;
        wp_region r;
        if (parse_region_line(buf, &r) != 0)
            continue; /* "Root memory region:", other AS lines, blanks */
        if (map->count == cap) {
            cap = cap ? cap * 2 : 32;
            wp_region *grown = realloc(map->regions, cap * sizeof *grown);
            if (!grown) {
                wp_memmap_free(map);
                return wp_fail(err, WP_ENOMEM, "out of memory");
            }
            map->regions = grown;
        }
        map->regions[map->count++] = r;
    }
    if (!found || map->count == 0) {
        wp_memmap_free(map);
        return wp_fail(err, WP_EPROTO,
                       "could not find the physical map (AS \"memory\") in QEMU's "
                       "'info mtree -f'");
    }
    qsort(map->regions, map->count, sizeof *map->regions, by_start);
    for (size_t i = 1; i < map->count; i++)
        if (map->regions[i].start <= map->regions[i - 1].last) {
            wp_memmap_free(map);
            return wp_fail(err, WP_EPROTO, "QEMU's flat map has overlapping regions");
        }
    return WP_OK;
}

void wp_memmap_free(wp_memmap *map)
{
    free(map->regions);
    map->regions = NULL;
    map->count = 0;
}

wp_region wp_memmap_lookup(const wp_memmap *map, uint64_t addr)
{
    size_t lo = 0, hi = map->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (map->regions[mid].last < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < map->count && map->regions[lo].start <= addr)
        return map->regions[lo];
    /* The whole hole, so that a message shows the map as it is. */
    wp_region gap = {lo ? map->regions[lo - 1].last + 1 : 0, UINT64_MAX, WP_REGION_UNASSIGNED,
                     "unassigned"};
    if (lo < map->count)
        gap.last = map->regions[lo].start - 1;
    return gap;
}

int wp_check_span(uint64_t addr, uint64_t len, wp_error *err)
{
    if (len && len - 1 > UINT64_MAX - addr)
        return wp_fail(err, WP_EINVAL,
                       "0x%llx + %llu bytes runs past the end of the "
                       "64-bit address space",
                       (unsigned long long)addr, (unsigned long long)len);
    return WP_OK;
}
