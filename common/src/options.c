/* The options several commands share: their rows, and the defaults they
 * settle to.  A command lists the sets it takes in its row; options of one
 * command alone are that command's file's. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define IN_REQUEST(field) offsetof(wp_request, field)

static const char choose_width[] = "choose one width: -b, -w, -d or -q";

const wp_option wp_rows_width[] = {
    {"byte", 'b', WP_OPTION_FLAG, NULL, NULL, "Bytes (the default).", choose_width,
     IN_REQUEST(width_opt), 1, NULL},
    {"word", 'w', WP_OPTION_FLAG, NULL, NULL, "16-bit units.", choose_width,
     IN_REQUEST(width_opt), 2, NULL},
    {"dword", 'd', WP_OPTION_FLAG, NULL, NULL, "32-bit units.", choose_width,
     IN_REQUEST(width_opt), 4, NULL},
    {"qword", 'q', WP_OPTION_FLAG, NULL, NULL, "64-bit units.", choose_width,
     IN_REQUEST(width_opt), 8, NULL},
};

static const char order_conflict[] = "--big-endian and --little-endian cannot be combined";
const wp_option wp_rows_order[] = {
    {"big-endian", 0, WP_OPTION_FLAG, NULL, NULL, "Units in big-endian order.", order_conflict,
     IN_REQUEST(order_opt), WP_ORDER_BIG, NULL},
    {"little-endian", 0, WP_OPTION_FLAG, NULL, NULL, "Units in little-endian order.",
     order_conflict, IN_REQUEST(order_opt), WP_ORDER_LITTLE, NULL},
};

const wp_option wp_rows_string[] = {
    {"string", 0, WP_OPTION_TEXT, NULL, "TEXT", "Text with C escapes.", NULL, IN_REQUEST(text),
     0, NULL},
    {"utf16", 0, WP_OPTION_FLAG, NULL, NULL, "The text as UTF-16LE.", NULL, IN_REQUEST(utf16),
     0, NULL},
    {"zero", 0, WP_OPTION_FLAG, NULL, NULL, "A terminator after the text.", NULL,
     IN_REQUEST(zero), 0, NULL},
};

const wp_option wp_rows_length[] = {
    {"length", 0, WP_OPTION_SIZE, NULL, "N", "How many bytes.", NULL, IN_REQUEST(length), 0,
     NULL},
};

static int check_backend(const wp_session *s, const wp_option *o, const char *value, void *slot,
                         wp_error *err)
{
    (void)o;
    const char **out = slot;
    if (strcmp(value, "auto") == 0) {
        *out = "auto";
        return WP_OK;
    }
    const wp_route_slot *found = wp_session_find_route(s, value);
    if (found) {
        *out = found->route->name;
        return WP_OK;
    }
    char names[256] = "auto";
    size_t count = s ? s->nroutes : 0;
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(names);
        snprintf(names + n, sizeof names - n, "%s%s", i + 1 == count ? " or " : ", ",
                 s->routes[i].route->name);
    }
    return wp_fail(err, WP_EINVAL, "unknown backend '%s' (choose %s)", value, names);
}

const wp_option wp_rows_backend[] = {
    {"backend", 0, WP_OPTION_TEXT, NULL, "NAME", "The route to physical memory.", NULL,
     IN_REQUEST(backend), 0, check_backend},
};

static const char verify_conflict[] = "--verify and --no-verify cannot be combined";
const wp_option wp_rows_verify[] = {
    {"verify", 0, WP_OPTION_FLAG, NULL, NULL, "Read back and compare.", verify_conflict,
     IN_REQUEST(verify_opt), 1, NULL},
    {"no-verify", 0, WP_OPTION_FLAG, NULL, NULL, "Do not read back.", verify_conflict,
     IN_REQUEST(verify_opt), 2, NULL},
};

const wp_option wp_rows_force[] = {
    {"force", 0, WP_OPTION_FLAG, NULL, NULL, "Past the map's refusals.", NULL,
     IN_REQUEST(force), 0, NULL},
};

const wp_option wp_rows_virtual[] = {
    {"virtual", 0, WP_OPTION_FLAG, NULL, NULL, "ADDRESS is virtual.", NULL,
     IN_REQUEST(is_virtual), 0, NULL},
};

const wp_option wp_rows_root[] = {
    {"root", 0, WP_OPTION_EXPR, "a value", "VALUE",
     "The page-table root of another address space.", NULL, IN_REQUEST(root), 0, NULL},
};

const wp_option wp_rows_partial[] = {
    {"partial", 0, WP_OPTION_FLAG, NULL, NULL, "Up to what the map refuses; say how much.",
     NULL, IN_REQUEST(partial), 0, NULL},
};

const wp_option wp_rows_always[] = {
    {"help", 'h', WP_OPTION_FLAG, NULL, NULL, "Show the help.", NULL, IN_REQUEST(help), 0,
     NULL},
    {"mi", 0, WP_OPTION_FLAG, NULL, NULL, "The result as a GDB/MI record too.", NULL,
     IN_REQUEST(mi), 0, NULL},
    {"version", 0, WP_OPTION_FLAG, NULL, NULL, "Name the core and the route.", NULL,
     IN_REQUEST(version), 0, NULL},
};

void wp_request_settle(const wp_session *s, wp_request *r)
{
    r->width_given = r->width_opt != 0;
    r->width = r->width_given ? (unsigned)r->width_opt : 1; /* readphys' prepare may differ */
    r->byte_order = r->order_opt ? r->order_opt : WP_ORDER_TARGET;
    r->verify_set = r->verify_opt != 0;
    if (r->verify_set)
        r->verify = r->verify_opt == 1;
    else
        r->verify = s ? s->settings.verify : -1;
    if (!r->backend)
        r->backend = s ? s->settings.backend : "auto";
}

/* The counts internal.h's WP_OPTS_* macros give. */
_Static_assert(WP_ARRAY_LEN(wp_rows_width) == 4, "WP_OPTS_WIDTH");
_Static_assert(WP_ARRAY_LEN(wp_rows_order) == 2, "WP_OPTS_ORDER");
_Static_assert(WP_ARRAY_LEN(wp_rows_string) == 3, "WP_OPTS_STRING");
_Static_assert(WP_ARRAY_LEN(wp_rows_length) == 1, "WP_OPTS_LENGTH");
_Static_assert(WP_ARRAY_LEN(wp_rows_backend) == 1, "WP_OPTS_BACKEND");
_Static_assert(WP_ARRAY_LEN(wp_rows_verify) == 2, "WP_OPTS_VERIFY");
_Static_assert(WP_ARRAY_LEN(wp_rows_force) == 1, "WP_OPTS_FORCE");
_Static_assert(WP_ARRAY_LEN(wp_rows_virtual) == 1, "WP_OPTS_VIRTUAL");
_Static_assert(WP_ARRAY_LEN(wp_rows_root) == 1, "WP_OPTS_ROOT");
_Static_assert(WP_ARRAY_LEN(wp_rows_partial) == 1, "WP_OPTS_PARTIAL");
_Static_assert(WP_ARRAY_LEN(wp_rows_always) == 3, "WP_OPTS_ALWAYS");
