/* The command table and what every command shares: dispatch, expression
 * evaluation, byte order, help and completion.  A new command is a row
 * here and a file of its own; the wrappers register whatever the table
 * lists. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const wp_command_def *const commands[] = {
    &wp_cmd_writephys, &wp_cmd_readphys, &wp_cmd_vtop,       &wp_cmd_readio,
    &wp_cmd_writeio,   &wp_cmd_readpci,  &wp_cmd_writepci,   &wp_cmd_pci,
    &wp_cmd_ptdump,    &wp_cmd_ptov,     &wp_cmd_searchphys, &wp_cmd_settings,
};

size_t wp_command_count(void)
{
    return WP_ARRAY_LEN(commands);
}

const char *wp_command_name(size_t index)
{
    return index < WP_ARRAY_LEN(commands) ? commands[index]->name : NULL;
}

const wp_command_def *wp_command_find(const char *name)
{
    for (size_t i = 0; name && i < WP_ARRAY_LEN(commands); i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

/* Is text a plain integer literal, signed or not, in C's notation?  Those
 * are the core's to read, so a value means the same bytes in every
 * debugger (GDB negates in unsigned arithmetic, LLDB in signed). */
static bool literal_syntax(const char *text)
{
    const char *p = text + (*text == '-' || *text == '+');
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        if (!*p)
            return false;
        while (isxdigit((unsigned char)*p))
            p++;
        return !*p;
    }
    if (!*p)
        return false;
    while (isdigit((unsigned char)*p))
        p++;
    return !*p;
}

static int no_target_hint(wp_session *s, wp_error *err)
{
    wp_target_info info;
    wp_error ignored = {0};
    if (wp_session_target_info(s, &info, &ignored) == WP_OK && !info.connected)
        return wp_check_target_state(s, &info, err);
    return WP_OK;
}

int wp_evaluate(wp_session *s, const char *what, const char *expr, uint64_t *value,
                int *negative, wp_error *err)
{
    if (literal_syntax(expr)) {
        if (wp_parse_literal(expr, value, negative))
            return wp_fail(err, WP_EINVAL, "bad number '%s' for %s: %s", expr, what,
                           expr[0] == '-' ? "below -2^63, outside 64 bits"
                                          : "not a number in C notation, or over 64 bits");
        return WP_OK;
    }
    if (!s->host.evaluate)
        return wp_fail(err, WP_EINVAL, "bad number '%s' for %s", expr, what);
    wp_error why = {0};
    int rc = s->host.evaluate(s->host.ctx, expr, value, negative, &why);
    if (rc) {
        /* "$rip" without a target is no target, not a bad expression. */
        if (no_target_hint(s, err))
            return err->status;
        return wp_fail(err, WP_EINVAL, "cannot evaluate %s '%s': %s", what, expr,
                       why.message[0] ? why.message : "the debugger gave no value");
    }
    return WP_OK;
}

int wp_resolve_order(wp_session *s, int requested, int *order, wp_error *err)
{
    if (requested != WP_ORDER_TARGET) {
        *order = requested;
        return WP_OK;
    }
    wp_target_info info;
    wp_error ignored = {0};
    if (wp_session_target_info(s, &info, &ignored) == 0 &&
        (info.byte_order == WP_ORDER_LITTLE || info.byte_order == WP_ORDER_BIG)) {
        *order = info.byte_order;
        return WP_OK;
    }
    return wp_fail(err, WP_EINVAL,
                   "cannot tell the target's byte order; pass "
                   "--little-endian or --big-endian");
}

void wp_mi_field(wp_result *res, const char *name, const char *fmt, ...)
{
    wp_buf *out = &res->fields;
    va_list ap;
    va_start(ap, fmt);
    char value[64];
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    wp_buf_printf(out, "%s=%s\n", name, value);
}

void wp_mi_common(wp_result *res)
{
    wp_mi_field(res, "address", "0x%llx", (unsigned long long)res->address);
    wp_mi_field(res, "length", "%llu", (unsigned long long)res->length);
    if (res->backend[0])
        wp_mi_field(res, "backend", "%s", res->backend);
}

static void set_error(wp_result *res, const char *name, const wp_error *err);

/* --mi: the fields as one GDB/MI result record after the text, for a
 * script or an adapter that reads the console (lldb-vscode). */
static void mi_record(wp_result *res)
{
    wp_buf_printf(&res->text, "^done");
    for (const char *p = res->fields.data; p && *p;) {
        size_t n = strcspn(p, "\n"), eq = strcspn(p, "=");
        eq = eq < n ? eq : n;
        wp_buf_printf(&res->text, ",%.*s=\"", (int)eq, p);
        for (size_t i = eq + 1; i < n;) {
            size_t k = strcspn(p + i, "\"\\\n"); /* a c-string: \" and \\ escaped */
            wp_buf_append(&res->text, p + i, k);
            i += k;
            if (i < n)
                wp_buf_printf(&res->text, "\\%c", p[i++]);
        }
        wp_buf_printf(&res->text, "\"");
        p += n + (p[n] == '\n');
    }
    wp_buf_printf(&res->text, "\n");
}

/* --version: the core, and the route a write would take now. */
static int run_version(wp_session *s, const wp_request *r, wp_result *res, wp_error *err)
{
    (void)err;
    char route[160] = "no target";
    wp_target_info info;
    wp_error why = {0};
    if (wp_session_target_info(s, &info, &why) == WP_OK && info.connected) {
        wp_route_options opt = {r->backend, 0, -1, 1};
        wp_route_handle *h = NULL;
        if (wp_route_open_checks(s, &opt, &h, &why) == WP_OK) {
            snprintf(route, sizeof route, "%s", wp_route_of(h)->name);
            wp_route_close(h, &why);
        } else {
            snprintf(route, sizeof route, "none (%.140s)", why.message);
        }
    }
    wp_buf_printf(&res->text, "%s: writephys %s (core API %d); route for a write now: %s\n",
                  r->name, WP_VERSION, WP_API_VERSION, route);
    wp_mi_field(res, "version", "%s", WP_VERSION);
    wp_mi_field(res, "api", "%d", WP_API_VERSION);
    wp_mi_field(res, "route", "%.60s", route);
    return WP_OK;
}

static void set_error(wp_result *res, const char *name, const wp_error *err)
{
    res->status = err->status ? err->status : WP_EHOST;
    snprintf(res->error.message, sizeof res->error.message, "%s: %.480s", name, err->message);
    res->error.status = res->status;
}

static int run_command(wp_session *s, int argc, const char *const *argv, wp_result *res);

/* One command: everything it learns of the machine holds for it alone. */
int wp_command_run(wp_session *s, int argc, const char *const *argv, wp_result *res)
{
    if (!s)
        return run_command(s, argc, argv, res);
    wp_session_command_begin(s);
    int rc = run_command(s, argc, argv, res);
    wp_session_command_end(s);
    return rc;
}

static int run_command(wp_session *s, int argc, const char *const *argv, wp_result *res)
{
    memset(res, 0, sizeof *res);
    wp_request r;
    wp_error err = {0};
    int rc = wp_parse_command(s, argc, argv, &r, &err);
    if (!rc && !s)
        rc = wp_fail(&err, WP_EINVAL, "no session");
    if (!rc && r.help) {
        wp_buf_printf(&res->text, "%s", wp_command_help(s, r.name));
        wp_request_free(&r);
        return WP_OK;
    }
    if (!rc && r.version) {
        rc = run_version(s, &r, res, &err);
        if (rc)
            set_error(res, r.name, &err);
        else if (r.mi)
            mi_record(res);
        wp_request_free(&r);
        return rc;
    }
    uint64_t addr = 0;
    int negative = 0;
    const char *first = r.cmd && r.cmd->first ? r.cmd->first : "ADDRESS";
    if (!rc && !r.cmd->raw_args)
        rc = wp_evaluate(s, first, r.address, &addr, &negative, &err);
    if (!rc && negative)
        rc = wp_fail(&err, WP_EINVAL, "%s '%s' is negative", first, r.address);
    res->address = addr;
    if (!rc && r.direct_map) {
        rc = wp_evaluate(s, "--direct-map", r.direct_map, &s->direct_map, &negative, &err);
        if (!rc && negative)
            rc = wp_fail(&err, WP_EINVAL, "--direct-map '%s' is negative", r.direct_map);
        if (!rc)
            rc = wp_kgdb_check_base(s->direct_map, "--direct-map", &err);
        s->direct_map_given = rc == WP_OK;
    }
    if (!rc)
        rc = r.cmd->run(s, &r, addr, res, &err);
    s->direct_map_given = 0;
    if (rc)
        set_error(res, r.name ? r.name : "writephys", &err);
    else if (r.cmd->mi_fields)
        r.cmd->mi_fields(res);
    if (!rc && r.mi)
        mi_record(res);
    wp_request_free(&r);
    return rc;
}

int wp_command_run_line(wp_session *s, const char *name, const char *args, wp_result *res)
{
    memset(res, 0, sizeof *res);
    wp_buf words = {0};
    wp_error err = {0};
    size_t n = 0;
    int rc = wp_split_args(args ? args : "", &words, &n, &err);
    const char **argv = rc ? NULL : calloc(n + 2, sizeof *argv);
    if (!rc && !argv)
        rc = wp_fail(&err, WP_ENOMEM, "out of memory");
    if (rc) {
        set_error(res, wp_command_find(name) ? name : "writephys", &err);
        wp_buf_free(&words);
        return rc;
    }
    argv[0] = name;
    const char *w = words.data;
    for (size_t i = 0; i < n; i++, w += strlen(w) + 1)
        argv[i + 1] = w;
    rc = wp_command_run(s, (int)n + 1, argv, res);
    free(argv);
    wp_buf_free(&words);
    return rc;
}

void wp_result_free(wp_result *res)
{
    if (res) {
        wp_buf_free(&res->text);
        wp_buf_free(&res->data);
        wp_buf_free(&res->fields);
    }
}

size_t wp_command_completions(const wp_session *s, const char *command, const char *option,
                              char *buf, size_t cap)
{
    const wp_command_def *cmd = wp_command_find(command);
    char words[1024] = "";
    size_t n = 0;
    if (cmd && option && strcmp(option, "--backend") == 0 && (cmd->options & WP_OPT_BACKEND)) {
        n = wp_add_word(words, sizeof words, n, "", "auto");
        for (size_t i = 0; s && i < s->nroutes; i++)
            n = wp_add_word(words, sizeof words, n, "", s->routes[i].route->name);
    } else if (cmd && !option) {
        n = wp_option_words(cmd->options, words, sizeof words, 0);
    }
    if (buf && cap)
        snprintf(buf, cap, "%s", n < cap && n < sizeof words ? words : "");
    return n;
}

/* The help text with the session's routes where the row says @ROUTES@. */
const char *wp_command_help(wp_session *s, const char *command)
{
    const wp_command_def *cmd = wp_command_find(command);
    if (!cmd || !s)
        return cmd ? cmd->help : NULL;
    wp_buf_clear(&s->help);
    const char *mark = strstr(cmd->help, "@ROUTES@");
    if (!mark) {
        wp_buf_printf(&s->help, "%s", cmd->help);
        return s->help.data;
    }
    wp_buf_printf(&s->help, "%.*s", (int)(mark - cmd->help), cmd->help);
    wp_buf_printf(&s->help, "  %-9s tries, in order:", "auto");
    for (size_t i = 0; i < s->nroutes; i++)
        if (s->routes[i].route->flags & WP_ROUTE_AUTO)
            wp_buf_printf(&s->help, " %s", s->routes[i].route->name);
    const char *sep = " (only when named:";
    for (size_t i = 0; i < s->nroutes; i++)
        if (!(s->routes[i].route->flags & WP_ROUTE_AUTO)) {
            wp_buf_printf(&s->help, "%s %s", sep, s->routes[i].route->name);
            sep = ",";
        }
    wp_buf_printf(&s->help, "%s\n", *sep == ',' ? ")" : "");
    for (size_t i = 0; i < s->nroutes; i++)
        wp_buf_printf(&s->help, "  %-9s %s\n", s->routes[i].route->name,
                      s->routes[i].route->summary ? s->routes[i].route->summary : "");
    wp_buf_printf(&s->help, "%s", mark + strlen("@ROUTES@\n"));
    return s->help.data;
}
