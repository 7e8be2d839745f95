/* Choosing a route.  `auto` tries qemu (openocd joins it when it lands) and
 * never falls back to the debugger's virtual addresses. */
#include <string.h>

#include "internal.h"

int wp_backend_select(wp_session *s, const char *name, const wp_backend **out,
                      wp_error *err)
{
    *out = NULL;
    if (!name || strcmp(name, "auto") == 0) {
        int rc = wp_backend_qemu.probe(s, err);
        if (rc == WP_ENOROUTE)
            return wp_fail(err, WP_ENOROUTE,
                           "no route to physical memory: the stub does not offer QEMU's "
                           "PhyMemMode and the openocd route is not available yet; if "
                           "the target's MMU is off, choose --backend flat");
        if (rc == WP_OK)
            *out = &wp_backend_qemu;
        return rc;
    }
    if (strcmp(name, "openocd") == 0)
        return wp_fail(err, WP_ENOROUTE,
                       "the openocd route is not available in this version; choose "
                       "--backend qemu or flat");
    const wp_backend *b = strcmp(name, "qemu") == 0 ? &wp_backend_qemu
                        : strcmp(name, "flat") == 0 ? &wp_backend_flat : NULL;
    if (!b)
        return wp_fail(err, WP_EINVAL, "unknown backend '%s'", name);
    int rc = b->probe(s, err);
    if (rc == WP_OK)
        *out = b;
    return rc;
}
