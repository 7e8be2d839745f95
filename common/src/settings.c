/* Settings: the defaults every command starts from, kept in the session
 * for the life of the debugger.  GDB reaches them as `set writephys NAME
 * VALUE`, both debuggers as `writephys-settings set NAME VALUE`: one table,
 * so the names and values are the same everywhere. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static int on_off(const char *value, int *out)
{
    if (strcmp(value, "on") == 0 || strcmp(value, "1") == 0 || strcmp(value, "yes") == 0)
        return *out = 1, 1;
    if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0 || strcmp(value, "no") == 0)
        return *out = 0, 1;
    return 0;
}

static int set_verify(wp_session *s, void *state, const char *value, wp_error *err)
{
    (void)s, (void)err;
    wp_settings *st = state;
    int flag;
    if (strcmp(value, "auto") == 0)
        st->verify = -1;
    else if (on_off(value, &flag))
        st->verify = flag;
    else
        return WP_EINVAL;
    return WP_OK;
}

static void get_verify(const wp_session *s, const void *state, char *buf, size_t cap)
{
    (void)s;
    const wp_settings *st = state;
    snprintf(buf, cap, "%s", st->verify < 0 ? "auto" : st->verify ? "on" : "off");
}

static int set_backend(wp_session *s, void *state, const char *value, wp_error *err)
{
    wp_settings *st = state;
    if (strcmp(value, "auto") != 0 && !wp_session_find_route(s, value))
        return wp_fail(err, WP_EINVAL, "unknown backend '%s' for backend", value);
    snprintf(st->backend, sizeof st->backend, "%s", value);
    return WP_OK;
}

static void get_backend(const wp_session *s, const void *state, char *buf, size_t cap)
{
    (void)s;
    snprintf(buf, cap, "%s", ((const wp_settings *)state)->backend);
}

static int set_progress(wp_session *s, void *state, const char *value, wp_error *err)
{
    (void)s, (void)err;
    return on_off(value, &((wp_settings *)state)->progress) ? WP_OK : WP_EINVAL;
}

static void get_progress(const wp_session *s, const void *state, char *buf, size_t cap)
{
    (void)s;
    snprintf(buf, cap, "%s", ((const wp_settings *)state)->progress ? "on" : "off");
}

const wp_setting wp_generic_settings[] = {
    {"verify", "auto, on or off",
     "whether writes are read back and compared (auto: RAM and ROM yes, devices no)",
     set_verify, get_verify},
    {"backend", "auto or a route's name", "the route commands use when --backend is not given",
     set_backend, get_backend},
    {"progress", "on or off", "whether transfers longer than half a second show progress",
     set_progress, get_progress},
};
const size_t wp_generic_setting_count = WP_ARRAY_LEN(wp_generic_settings);

void wp_settings_init(wp_settings *st)
{
    st->verify = -1;
    snprintf(st->backend, sizeof st->backend, "auto");
    st->progress = 1;
}

static const struct wp_setting_slot *find_setting(const wp_session *s, const char *name)
{
    for (size_t i = 0; s && name && i < s->nsettings; i++)
        if (strcmp(s->setting_rows[i].row->name, name) == 0)
            return &s->setting_rows[i];
    return NULL;
}

static int unknown_setting(const wp_session *s, const char *name, wp_error *err)
{
    char names[256] = "";
    size_t n = 0;
    for (size_t i = 0; i < s->nsettings && n < sizeof names; i++)
        n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "",
                              s->setting_rows[i].row->name);
    return wp_fail(err, WP_EINVAL, "unknown setting '%s' (%s)", name, names);
}

int wp_setting_set(wp_session *s, const char *name, const char *value, wp_error *err)
{
    if (!s || !name || !value)
        return wp_fail(err, WP_EINVAL, "no session, setting or value");
    const struct wp_setting_slot *slot = find_setting(s, name);
    if (!slot)
        return unknown_setting(s, name, err);
    wp_error why = {0};
    int rc = slot->row->set(s, slot->state, value, &why);
    if (rc && why.message[0])
        return wp_fail(err, rc, "%s", why.message);
    if (rc)
        return wp_fail(err, rc, "bad value '%s' for %s (%s)", value, name, slot->row->values);
    return WP_OK;
}

int wp_setting_get(const wp_session *s, const char *name, char *buf, size_t cap)
{
    const struct wp_setting_slot *slot = find_setting(s, name);
    if (!slot)
        return WP_EINVAL;
    slot->row->get(s, slot->state, buf, cap);
    return WP_OK;
}

/* ---- the writephys-settings command ---- */

static const char usage[] = "usage: writephys-settings [show [NAME] | set NAME VALUE]";

/* @SETTINGS@: each row's name, values and doc (commands.c expands it). */
static const char help[] =
    "Show or change writephys' settings: the defaults of every command.\n"
    "Usage: writephys-settings [show [NAME]]\n"
    "       writephys-settings set NAME VALUE\n"
    "\n"
    "@SETTINGS@\n"
    "\n"
    "They last as long as the debugger.  In GDB, 'set writephys NAME VALUE'\n"
    "and 'show writephys NAME' do the same.  --help (-h) shows this text,\n"
    "--version names the core and --mi adds a GDB/MI record, as for every\n"
    "command.\n"
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
        return unknown_setting(s, only, err);
    for (size_t i = 0; i < s->nsettings; i++) {
        const char *name = s->setting_rows[i].row->name;
        if (only && strcmp(only, name) != 0)
            continue;
        wp_setting_get(s, name, value, sizeof value);
        wp_buf_printf(&res->text, "writephys-settings: %s = %s\n", name, value);
    }
    return WP_OK;
}

const wp_command_def wp_cmd_settings = {
    .name = "writephys-settings",
    .usage = usage,
    .help = help,
    .options = {WP_OPTS_ALWAYS},
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
