/* The choice of a route among the session's rows: by name, or `auto`
 * trying them in order. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static int usable(wp_session *s, wp_route_slot *slot, const wp_target_info *info, int for_write,
                  wp_error *err)
{
    if ((slot->route->flags & WP_ROUTE_REMOTE) && !info->remote)
        return wp_fail(err, WP_ENOROUTE,
                       "the target is not a gdb-remote connection; "
                       "physical memory needs a stub such as QEMU's");
    return slot->route->probe(s, slot->state, for_write, err);
}

static int usable_named(wp_session *s, wp_route_slot *slot, const wp_target_info *info,
                        int for_write, wp_error *err)
{
    return usable(s, slot, info, (for_write ? WP_PROBE_WRITE : 0) | WP_PROBE_NAMED, err);
}

/* `auto` tries each automatic route in order and never falls back to the
 * debugger's virtual addresses; when none fits, the message gives each
 * route's reason and the routes a user may name. */
static int select_auto(wp_session *s, const wp_target_info *info, int for_write,
                       wp_route_slot **out, char *skipped, size_t cap, wp_error *err)
{
    char why[sizeof err->message] = "";
    char hints[sizeof err->message] = "";
    char unknown[160] = "";
    size_t tried = 0;
    for (size_t i = 0; i < s->nroutes; i++) {
        wp_route_slot *slot = &s->routes[i];
        if (!(slot->route->flags & WP_ROUTE_AUTO)) {
            if (slot->route->manual_hint && strlen(hints) < sizeof hints / 2)
                snprintf(hints + strlen(hints), sizeof hints - strlen(hints), "; %s",
                         slot->route->manual_hint);
            continue;
        }
        wp_error e = {0};
        int rc = usable(s, slot, info, for_write ? WP_PROBE_WRITE : 0, &e);
        if (rc == WP_OK) {
            *out = slot;
            return WP_OK;
        }
        if (rc == WP_ENOROUTE_SILENT) {
            /* Not this kind of stub: named in one list, not one reason each. */
            size_t n = strlen(unknown);
            if (n < sizeof unknown / 2)
                snprintf(unknown + n, sizeof unknown - n, "%s%s", n ? ", " : "",
                         slot->route->name);
            continue;
        }
        if (rc == WP_ENOROUTE && skipped && !skipped[0])
            snprintf(skipped, cap, "the %s route is not used: %.400s", slot->route->name,
                     e.message);
        if (rc != WP_ENOROUTE) {
            *err = e;
            return rc;
        }
        if (strlen(why) < sizeof why / 2)
            snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s: %.150s",
                     tried++ ? "; " : "", slot->route->name, e.message);
    }
    if (!info->remote)
        return wp_fail(err, WP_ENOROUTE,
                       "the target is not a gdb-remote connection; "
                       "physical memory needs a stub such as QEMU's%s",
                       hints);
    char none[240] = "";
    if (unknown[0])
        snprintf(none, sizeof none, "%sthe stub answers as none of: %s", why[0] ? "; " : ": ",
                 unknown);
    return wp_fail(err, WP_ENOROUTE,
                   "no route to physical memory%s%s%s%s; name one with "
                   "--backend NAME%s",
                   why[0] ? " (" : "", why, why[0] ? ")" : "", none, hints);
}

int wp_route_select(wp_session *s, const char *name, const wp_target_info *info, int for_write,
                    wp_route_slot **out, char *skipped, size_t cap, wp_error *err)
{
    *out = NULL;
    if (skipped)
        skipped[0] = '\0';
    if (!name || strcmp(name, "auto") == 0)
        return select_auto(s, info, for_write, out, skipped, cap, err);
    wp_route_slot *slot = wp_session_find_route(s, name);
    if (!slot)
        return wp_fail(err, WP_EINVAL, "unknown backend '%s'", name);
    int rc = usable_named(s, slot, info, for_write, err);
    if (rc == WP_ENOROUTE_SILENT)
        rc = err->status = WP_ENOROUTE;
    if (rc == WP_OK)
        *out = slot;
    return rc;
}
