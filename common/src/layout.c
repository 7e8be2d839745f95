/* The layout of the public structs, for a front end that declares them by
 * hand (GDB's ctypes): it checks every field it declares against this
 * table at load and refuses a core that differs, so a struct cannot change
 * under a plugin unnoticed.  A new field of a struct below gets a row. */
#include <stddef.h>

#include "writephys.h"

#define WP_STRUCT(T)                                                                           \
    {                                                                                          \
#T, NULL, 0, sizeof(T)                                                                 \
    }
#define WP_FIELD(T, F)                                                                         \
    {                                                                                          \
#T, #F, offsetof(T, F), sizeof(((T *)0)->F)                                            \
    }

static const wp_layout_row rows[] = {
    WP_STRUCT(wp_error),
    WP_FIELD(wp_error, status),
    WP_FIELD(wp_error, message),

    WP_STRUCT(wp_buf),
    WP_FIELD(wp_buf, data),
    WP_FIELD(wp_buf, len),
    WP_FIELD(wp_buf, cap),

    WP_STRUCT(wp_target_info),
    WP_FIELD(wp_target_info, connected),
    WP_FIELD(wp_target_info, remote),
    WP_FIELD(wp_target_info, stopped),
    WP_FIELD(wp_target_info, byte_order),
    WP_FIELD(wp_target_info, generation),
    WP_FIELD(wp_target_info, arch),

    WP_STRUCT(wp_host),
    WP_FIELD(wp_host, api_version),
    WP_FIELD(wp_host, size),
    WP_FIELD(wp_host, ctx),
    WP_FIELD(wp_host, packet_command),
    WP_FIELD(wp_host, connect_command),
    WP_FIELD(wp_host, send_packet),
    WP_FIELD(wp_host, monitor),
    WP_FIELD(wp_host, read_memory),
    WP_FIELD(wp_host, write_memory),
    WP_FIELD(wp_host, evaluate),
    WP_FIELD(wp_host, read_register),
    WP_FIELD(wp_host, target_info),
    WP_FIELD(wp_host, interrupted),
    WP_FIELD(wp_host, flush_caches),
    WP_FIELD(wp_host, write_memory_bulk),
    WP_FIELD(wp_host, progress),

    WP_STRUCT(wp_result),
    WP_FIELD(wp_result, status),
    WP_FIELD(wp_result, text),
    WP_FIELD(wp_result, error),
    WP_FIELD(wp_result, fields),
    WP_FIELD(wp_result, address),
    WP_FIELD(wp_result, length),
    WP_FIELD(wp_result, bytes_done),
    WP_FIELD(wp_result, in_doubt),
    WP_FIELD(wp_result, verified),
    WP_FIELD(wp_result, dry_run),
    WP_FIELD(wp_result, backend),
    WP_FIELD(wp_result, data),

    WP_STRUCT(wp_route_options),
    WP_FIELD(wp_route_options, backend),
    WP_FIELD(wp_route_options, force),
    WP_FIELD(wp_route_options, verify),
    WP_FIELD(wp_route_options, for_write),

    WP_STRUCT(wp_walk_step),
    WP_FIELD(wp_walk_step, name),
    WP_FIELD(wp_walk_step, table),
    WP_FIELD(wp_walk_step, index),
    WP_FIELD(wp_walk_step, entry_addr),
    WP_FIELD(wp_walk_step, entry),

    WP_STRUCT(wp_translation),
    WP_FIELD(wp_translation, virt),
    WP_FIELD(wp_translation, phys),
    WP_FIELD(wp_translation, page_size),
    WP_FIELD(wp_translation, flags),
    WP_FIELD(wp_translation, mode),
    WP_FIELD(wp_translation, nsteps),
    WP_FIELD(wp_translation, steps),
    WP_FIELD(wp_translation, stopped),
};

const wp_layout_row *wp_layout(size_t *count)
{
    if (count)
        *count = sizeof rows / sizeof rows[0];
    return rows;
}
