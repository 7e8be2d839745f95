/* Settings: the defaults every command starts from, kept in the session
 * for the life of the debugger.  GDB reaches them as `set writephys NAME
 * VALUE`, both debuggers as `writephys-settings set NAME VALUE`: one table,
 * so the names and values are the same everywhere. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const struct setting_row {
    const char *name;
    const char *values; /* for help and errors */
    const char *doc;
} settings[] = {
    {"verify", "auto, on or off",
     "whether writes are read back and compared (auto: RAM and ROM yes, devices no)"},
    {"backend", "auto or a route's name", "the route commands use when --backend is not given"},
    {"progress", "on or off", "whether transfers longer than half a second show progress"},
    {"read-length", "a size (128, 0x100, 4K)", "readphys' default --length"},
    {"read-width", "1, 2, 4 or 8", "readphys' default grouping (-b, -w, -d, -q)"},
    {"direct-map", "auto or an address",
     "the kgdb route's base: the kernel's virtual address of physical 0 (auto: from the "
     "kernel's symbols)"},
};

void wp_settings_init(wp_settings *st)
{
    st->verify = -1;
    snprintf(st->backend, sizeof st->backend, "auto");
    st->progress = 1;
    st->read_length = 128;
    st->read_width = 1;
}

size_t wp_setting_count(void)
{
    return WP_ARRAY_LEN(settings);
}

const char *wp_setting_name(size_t index)
{
    return index < WP_ARRAY_LEN(settings) ? settings[index].name : NULL;
}

const char *wp_setting_doc(size_t index)
{
    return index < WP_ARRAY_LEN(settings) ? settings[index].doc : NULL;
}

static int on_off(const char *value, int *out)
{
    if (strcmp(value, "on") == 0 || strcmp(value, "1") == 0 || strcmp(value, "yes") == 0)
        return *out = 1, 1;
    if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0 || strcmp(value, "no") == 0)
        return *out = 0, 1;
    return 0;
}

int wp_setting_set(wp_session *s, const char *name, const char *value, wp_error *err)
{
    if (!s || !name || !value)
        return wp_fail(err, WP_EINVAL, "no session, setting or value");
    wp_settings *st = &s->settings;
    int flag;
    uint64_t n;
    if (strcmp(name, "verify") == 0) {
        if (strcmp(value, "auto") == 0)
            st->verify = -1;
        else if (on_off(value, &flag))
            st->verify = flag;
        else
            return wp_fail(err, WP_EINVAL, "bad value '%s' for verify (auto, on or off)",
                           value);
    } else if (strcmp(name, "backend") == 0) {
        if (strcmp(value, "auto") != 0 && !wp_session_find_route(s, value))
            return wp_fail(err, WP_EINVAL, "unknown backend '%s' for backend", value);
        snprintf(st->backend, sizeof st->backend, "%s", value);
    } else if (strcmp(name, "progress") == 0) {
        if (!on_off(value, &flag))
            return wp_fail(err, WP_EINVAL, "bad value '%s' for progress (on or off)", value);
        st->progress = flag;
    } else if (strcmp(name, "read-length") == 0) {
        if (wp_parse_u64(value, true, &n) || n == 0 || n > (1u << 20))
            return wp_fail(err, WP_EINVAL, "bad value '%s' for read-length (1 to 1M)", value);
        st->read_length = n;
    } else if (strcmp(name, "read-width") == 0) {
        if (wp_parse_u64(value, false, &n) || (n != 1 && n != 2 && n != 4 && n != 8))
            return wp_fail(err, WP_EINVAL, "bad value '%s' for read-width (1, 2, 4 or 8)",
                           value);
        st->read_width = (unsigned)n;
    } else if (strcmp(name, "direct-map") == 0) {
        if (strcmp(value, "auto") == 0)
            st->direct_map_set = 0;
        else if (wp_parse_u64(value, false, &n) == WP_OK) {
            if (wp_kgdb_check_base(n, "direct-map", err))
                return err->status;
            st->direct_map_set = 1, st->direct_map = n;
        } else
            return wp_fail(err, WP_EINVAL,
                           "bad value '%s' for direct-map (auto or an address such as "
                           "0xffff888000000000)",
                           value);
    } else {
        return wp_fail(err, WP_EINVAL,
                       "unknown setting '%s' (verify, backend, progress, "
                       "read-length, read-width, direct-map)",
                       name);
    }
    return WP_OK;
}

int wp_setting_get(const wp_session *s, const char *name, char *buf, size_t cap)
{
    const wp_settings *st = &s->settings;
    if (strcmp(name, "verify") == 0)
        snprintf(buf, cap, "%s", st->verify < 0 ? "auto" : st->verify ? "on" : "off");
    else if (strcmp(name, "backend") == 0)
        snprintf(buf, cap, "%s", st->backend);
    else if (strcmp(name, "progress") == 0)
        snprintf(buf, cap, "%s", st->progress ? "on" : "off");
    else if (strcmp(name, "read-length") == 0)
        snprintf(buf, cap, "%llu", (unsigned long long)st->read_length);
    else if (strcmp(name, "read-width") == 0)
        snprintf(buf, cap, "%u", st->read_width);
    else if (strcmp(name, "direct-map") == 0 && st->direct_map_set)
        snprintf(buf, cap, "0x%llx", (unsigned long long)st->direct_map);
    else if (strcmp(name, "direct-map") == 0)
        snprintf(buf, cap, "auto");
    else
        return WP_EINVAL;
    return WP_OK;
}

/* ---- the writephys-settings command ---- */

static const char usage[] = "usage: writephys-settings [show [NAME] | set NAME VALUE]";

static const char help[] =
    "Show or change writephys' settings: the defaults of every command.\n"
    "Usage: writephys-settings [show [NAME]]\n"
    "       writephys-settings set NAME VALUE\n"
    "\n"
    "verify       auto, on or off: read back after a write (auto: RAM and ROM\n"
    "             yes, devices no; --verify and --no-verify override it).\n"
    "backend      auto or a route's name: the route when --backend is not given.\n"
    "progress     on or off: progress for transfers longer than half a second.\n"
    "read-length  readphys' default --length (128).\n"
    "read-width   readphys' default grouping: 1, 2, 4 or 8 (-b, -w, -d, -q).\n"
    "direct-map   auto or an address: the kgdb route's base, the kernel's\n"
    "             virtual address of physical 0 (auto: from the kernel's symbols).\n"
    "\n"
    "They last as long as the debugger.  In GDB, 'set writephys NAME VALUE'\n"
    "and 'show writephys NAME' do the same.\n"
    "\n"
    "Examples:\n"
    "  writephys-settings set verify off\n"
    "  writephys-settings set read-width 4\n"
    "  writephys-settings show\n";

static int check(wp_request *r, size_t npos, wp_error *err)
{
    const char *verb = r->address;
    if (npos == 0)
        return WP_OK;
    if (strcmp(verb, "show") == 0 && npos <= 2)
        return WP_OK;
    if (strcmp(verb, "set") == 0 && npos == 3)
        return WP_OK;
    return wp_fail(err, WP_EINVAL, "%s", usage);
}

static int run(wp_session *s, const wp_request *r, uint64_t addr, wp_result *res, wp_error *err)
{
    (void)addr;
    if (r->address && strcmp(r->address, "set") == 0) {
        int rc = wp_setting_set(s, r->values[0], r->values[1], err);
        if (rc)
            return rc;
    }
    const char *only = r->address && r->nvalues ? r->values[0] : NULL;
    char value[64];
    if (only && wp_setting_get(s, only, value, sizeof value))
        return wp_fail(err, WP_EINVAL,
                       "unknown setting '%s' (verify, backend, progress, "
                       "read-length, read-width, direct-map)",
                       only);
    for (size_t i = 0; i < WP_ARRAY_LEN(settings); i++) {
        if (only && strcmp(only, settings[i].name) != 0)
            continue;
        wp_setting_get(s, settings[i].name, value, sizeof value);
        wp_buf_printf(&res->text, "writephys-settings: %s = %s\n", settings[i].name, value);
    }
    return WP_OK;
}

const wp_command_def wp_cmd_settings = {
    .name = "writephys-settings",
    .usage = usage,
    .help = help,
    .options = 0,
    .raw_args = 1,
    .check = check,
    .run = run,
};

/* ---- progress, worded once for every front end ---- */

size_t wp_progress_line(uint64_t done, uint64_t total, double seconds, char *buf, size_t cap)
{
    double mib = 1024.0 * 1024.0;
    double rate = seconds > 0 ? (double)done / mib / seconds : 0;
    double left = rate > 0 ? ((double)(total - done) / mib) / rate : 0;
    int n = snprintf(buf, cap, "writephys: %.1f of %.1f MiB (%u%%), %.1f MiB/s, %.1f s left",
                     (double)done / mib, (double)total / mib,
                     total ? (unsigned)(done * 100 / total) : 100u, rate, left);
    return n < 0 ? 0 : (size_t)n;
}
