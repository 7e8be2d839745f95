/* libFuzzer: QEMU's `info mtree -f` output.  A parsed map is sorted and
 * non-overlapping, and every lookup lands in a region or a gap. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    wp_memmap map;
    wp_error err;
    if (wp_memmap_parse(text, &map, &err) == WP_OK) {
        for (size_t i = 0; i < map.count; i++) {
            if (map.regions[i].last < map.regions[i].start)
                abort();
            if (i && map.regions[i].start <= map.regions[i - 1].last)
                abort();
            wp_region r = wp_memmap_lookup(&map, map.regions[i].start);
            if (r.start != map.regions[i].start || r.kind != map.regions[i].kind)
                abort();
            if (map.regions[i].last != UINT64_MAX) {
                wp_region after = wp_memmap_lookup(&map, map.regions[i].last + 1);
                if (after.start != map.regions[i].last + 1)
                    abort();
            }
        }
        wp_memmap_free(&map);
    } else if (map.regions || !err.message[0]) {
        abort();
    }
    free(text);
    return 0;
}
