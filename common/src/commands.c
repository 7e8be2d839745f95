/* Running a command line: dispatch through the table, the routes' own
 * arguments, --version, help and completion. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
    const wp_command_def *cmd = argc >= 1 && argv ? wp_command_find(argv[0]) : NULL;
    int rc = wp_parse_command(s, cmd, wp_commands, wp_commands_count, argc, argv, &r, &err);
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
    /* The routes' own options: each route checks and takes its values. */
    for (size_t i = 0; !rc && i < s->nroutes; i++)
        if (r.route_args[i])
            rc = s->routes[i].route->arguments(s, s->routes[i].state, r.route_args[i], &err);
    if (!rc)
        rc = r.cmd->run(s, &r, addr, res, &err);
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

typedef struct words_ctx {
    char *list;
    size_t cap, len;
} words_ctx;

static int word_fn(void *vctx, const wp_option *o, const wp_route *route)
{
    (void)route;
    words_ctx *c = vctx;
    char short_name[2] = {o->short_name, '\0'};
    c->len = o->short_name && strcmp(o->name, "help") != 0
                 ? wp_add_word(c->list, c->cap, c->len, "-", short_name)
                 : wp_add_word(c->list, c->cap, c->len, "--", o->name);
    return 0;
}

typedef struct kind_ctx {
    const char *option; /* "--file" */
    int kind;           /* found: its wp_option_kind, else -1 */
} kind_ctx;

static int kind_fn(void *vctx, const wp_option *o, const wp_route *route)
{
    (void)route;
    kind_ctx *c = vctx;
    const char *dashes = c->option;
    if (strncmp(dashes, "--", 2) != 0 || strcmp(dashes + 2, o->name) != 0)
        return 0;
    c->kind = o->kind;
    return 1;
}

/* The kind of value an option of a command takes (-1: no such option). */
int wp_command_option_kind(const wp_session *s, const char *command, const char *option)
{
    const wp_command_def *cmd = wp_command_find(command);
    kind_ctx c = {option, -1};
    if (cmd && option)
        wp_command_each_option(s, cmd, kind_fn, &c);
    return c.kind;
}

size_t wp_command_completions(const wp_session *s, const char *command, const char *option,
                              char *buf, size_t cap)
{
    const wp_command_def *cmd = wp_command_find(command);
    char words[1024] = "";
    size_t n = 0;
    if (cmd && option && strcmp(option, "--backend") == 0 &&
        wp_command_option_kind(s, command, option) >= 0) {
        n = wp_add_word(words, sizeof words, n, "", "auto");
        for (size_t i = 0; s && i < s->nroutes; i++)
            n = wp_add_word(words, sizeof words, n, "", s->routes[i].route->name);
    } else if (cmd && !option) {
        words_ctx c = {words, sizeof words, 0};
        wp_command_each_option(s, cmd, word_fn, &c);
        n = c.len;
    }
    if (buf && cap)
        snprintf(buf, cap, "%s", n < cap && n < sizeof words ? words : "");
    return n;
}

/* Writes text wrapped at 76 columns from column first, each line after
 * the first indented; a newline in text breaks the line there. */
static void wrap(wp_buf *out, const char *text, size_t first, size_t indent)
{
    size_t col = first;
    int line_start = 1;
    for (const char *p = text; *p;) {
        if (*p == '\n' || *p == ' ') {
            if (*p == '\n') {
                wp_buf_printf(out, "\n%*s", (int)indent, "");
                col = indent;
                line_start = 1;
            }
            p++;
            continue;
        }
        size_t n = strcspn(p, " \n");
        if (!line_start && col + 1 + n > 76) {
            wp_buf_printf(out, "\n%*s", (int)indent, "");
            col = indent;
            line_start = 1;
        }
        if (!line_start) {
            wp_buf_printf(out, " ");
            col++;
        }
        wp_buf_printf(out, "%.*s", (int)n, p);
        col += n;
        line_start = 0;
        p += n;
    }
    wp_buf_printf(out, "\n");
}

static void help_routes(wp_session *s)
{
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
}

/* Each route's own options, as the help of the options around them. */
static void help_route_options(wp_session *s)
{
    for (size_t i = 0; i < s->nroutes; i++)
        for (size_t k = 0; k < s->routes[i].route->noptions; k++) {
            const wp_option *o = &s->routes[i].route->options[k];
            wp_buf_printf(&s->help, "--%s%s%s\n%16s", o->name, o->metavar ? " " : "",
                          o->metavar ? o->metavar : "", "");
            wrap(&s->help, o->help ? o->help : "", 16, 16);
        }
}

static void help_settings(wp_session *s)
{
    for (size_t i = 0; i < s->nsettings; i++) {
        const wp_setting *row = s->setting_rows[i].row;
        char line[400];
        snprintf(line, sizeof line, "%s: %s.", row->values, row->doc);
        wp_buf_printf(&s->help, "%-12s ", row->name);
        wrap(&s->help, line, 13, 13);
    }
}

/* The help text, with what the session holds where the row has a mark. */
const char *wp_command_help(wp_session *s, const char *command)
{
    const wp_command_def *cmd = wp_command_find(command);
    if (!cmd || !s)
        return cmd ? cmd->help : NULL;
    static const struct {
        const char *mark;
        void (*expand)(wp_session *s);
    } marks[] = {{"@ROUTES@\n", help_routes},
                 {"@ROUTE_OPTIONS@\n", help_route_options},
                 {"@SETTINGS@\n", help_settings}};
    wp_buf_clear(&s->help);
    const char *p = cmd->help;
    for (;;) {
        const char *next = NULL;
        size_t which = 0;
        for (size_t k = 0; k < WP_ARRAY_LEN(marks); k++) {
            const char *m = strstr(p, marks[k].mark);
            if (m && (!next || m < next))
                next = m, which = k;
        }
        if (!next) {
            wp_buf_printf(&s->help, "%s", p);
            return s->help.data;
        }
        wp_buf_printf(&s->help, "%.*s", (int)(next - p), p);
        marks[which].expand(s);
        p = next + strlen(marks[which].mark);
    }
}
