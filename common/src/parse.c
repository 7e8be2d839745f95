/* The command language: argv in, a request out.  One loop reads every
 * line against the option rows of the command (and of the routes, for a
 * command that moves memory); rules that need the whole line are the
 * command's own check().  Nothing here talks to the target; every mistake
 * is one line. */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int wp_parse_u64(const char *text, bool allow_size_suffix, uint64_t *out)
{
    if (!text || !*text || isspace((unsigned char)*text) || *text == '-' || *text == '+')
        return WP_EINVAL;
    int base = 10;
    const char *p = text;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
        if (!isxdigit((unsigned char)*p))
            return WP_EINVAL;
    } else if (p[0] == '0' && p[1]) {
        base = 8; /* as C, GDB and LLDB read 010 */
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, base);
    if (errno == ERANGE || end == p)
        return WP_EINVAL;
    unsigned shift = 0;
    if (allow_size_suffix && *end) {
        switch (*end) {
        case 'k':
        case 'K': shift = 10; break;
        case 'm':
        case 'M': shift = 20; break;
        case 'g':
        case 'G': shift = 30; break;
        default: return WP_EINVAL;
        }
        end++;
        if (v > (UINT64_MAX >> shift))
            return WP_EINVAL;
    }
    if (*end)
        return WP_EINVAL;
    *out = (uint64_t)v << shift;
    return WP_OK;
}

int wp_parse_literal(const char *text, uint64_t *value, int *negative)
{
    int neg = text && (text[0] == '-' || text[0] == '+');
    neg = neg && text[0] == '-';
    const char *digits = text && (text[0] == '-' || text[0] == '+') ? text + 1 : text;
    uint64_t v;
    if (wp_parse_u64(digits, false, &v))
        return WP_EINVAL;
    if (neg && v > (uint64_t)1 << 63)
        return WP_EINVAL;
    *value = neg ? (uint64_t)0 - v : v;
    *negative = neg && v != 0;
    return WP_OK;
}

/* An option found for a word: its row, and where its value lands. */
typedef struct found_option {
    const wp_option *o;
    const wp_route *route; /* a route's own option */
    size_t route_slot;
} found_option;

typedef struct find_ctx {
    const char *arg;
    const char **inline_value;
    found_option *out;
    const wp_session *s;
} find_ctx;

static int matches(const wp_option *o, const char *arg, const char **inline_value)
{
    if (arg[1] == '-') {
        const char *name = arg + 2;
        size_t n = strcspn(name, "=");
        if (strlen(o->name) != n || strncmp(o->name, name, n) != 0)
            return 0;
        *inline_value = name[n] == '=' ? name + n + 1 : NULL;
        return 1;
    }
    *inline_value = NULL;
    return arg[1] && !arg[2] && o->short_name == arg[1];
}

static int find_fn(void *vctx, const wp_option *o, const wp_route *route)
{
    find_ctx *c = vctx;
    if (!matches(o, c->arg, c->inline_value))
        return 0;
    c->out->o = o;
    c->out->route = route;
    for (size_t i = 0; route && c->s && i < c->s->nroutes; i++)
        if (c->s->routes[i].route == route)
            c->out->route_slot = i;
    return 1;
}

/* Calls fn on the rows of one command's sets (not the routes'). */
static int each_own_option(const wp_command_def *cmd, wp_option_fn fn, void *ctx)
{
    for (size_t k = 0; k < WP_MAX_OPTION_SETS && cmd->options[k].count; k++)
        for (size_t i = 0; i < cmd->options[k].count; i++)
            if (fn(ctx, &cmd->options[k].rows[i], NULL))
                return 1;
    return 0;
}

int wp_command_each_option(const wp_session *s, const wp_command_def *cmd, wp_option_fn fn,
                           void *ctx)
{
    if (each_own_option(cmd, fn, ctx))
        return 1;
    for (size_t r = 0; cmd->route_options && s && r < s->nroutes; r++) {
        const wp_route *route = s->routes[r].route;
        for (size_t i = 0; i < route->noptions; i++)
            if (fn(ctx, &route->options[i], route))
                return 1;
    }
    return 0;
}

/* Which set a row of cmd's own belongs to: is its offset into the request? */
static int row_in_request(const wp_command_def *cmd, const wp_option *o)
{
    for (size_t k = 0; k < WP_MAX_OPTION_SETS && cmd->options[k].count; k++)
        if (o >= cmd->options[k].rows && o < cmd->options[k].rows + cmd->options[k].count)
            return cmd->options[k].in_request;
    return 0;
}

/* "-5" and "-$rax" are values, not options. */
static bool looks_negative_value(const char *arg)
{
    return arg[0] == '-' && (isdigit((unsigned char)arg[1]) || arg[1] == '$' || arg[1] == '(');
}

int wp_parse_size(const char *opt, const char *value, uint64_t *out, wp_error *err)
{
    if (wp_parse_u64(value, true, out))
        return wp_fail(err, WP_EINVAL, "bad number '%s' for --%s (use 4096, 0x1000 or 4K)",
                       value, opt);
    return WP_OK;
}

/* Stores one option's value by its kind, then runs the row's own check. */
static int store_option(const wp_session *s, const wp_option *o, const char *value, void *slot,
                        wp_error *err)
{
    switch (o->kind) {
    case WP_OPTION_FLAG: *(int *)slot = o->flag ? o->flag : 1; break;
    case WP_OPTION_SIZE: {
        wp_size_arg *size = slot;
        size->given = 1;
        if (wp_parse_size(o->name, value, &size->value, err))
            return err->status;
        break;
    }
    default: {
        const char *needs = o->arg ? o->arg : o->kind == WP_OPTION_PATH ? "a path" : NULL;
        if (!*value && needs)
            return wp_fail(err, WP_EINVAL, "--%s needs %s", o->name, needs);
        *(const char **)slot = value;
        break;
    }
    }
    return o->check ? o->check(s, o, value, slot, err) : WP_OK;
}

/* Does any command (or route) know the option a word names? */
static int known_elsewhere(const wp_session *s, const wp_command_def *const *all, size_t nall,
                           const char *arg)
{
    const char *value;
    found_option f = {0};
    find_ctx c = {arg, &value, &f, s};
    for (size_t i = 0; i < nall; i++)
        if (wp_command_each_option(s, all[i], find_fn, &c))
            return 1;
    return 0;
}

/* Where a row's value lands: the request, the command's args, a route's. */
static void *option_slot(wp_request *r, const found_option *f, wp_error *err)
{
    if (f->route) {
        void **block = &r->route_args[f->route_slot];
        if (!*block)
            *block = calloc(1, f->route->args_size ? f->route->args_size : 1);
        if (!*block)
            wp_fail(err, WP_ENOMEM, "out of memory");
        return *block ? (char *)*block + f->o->offset : NULL;
    }
    return (char *)(row_in_request(r->cmd, f->o) ? (void *)r : r->args) + f->o->offset;
}

static int named_fn(void *ctx, const wp_option *o, const wp_route *route)
{
    return !route && strcmp(o->name, ctx) == 0;
}

static int is_option_of(const wp_command_def *cmd, const char *name)
{
    return each_own_option(cmd, named_fn, (void *)name);
}

int wp_parse_command(const wp_session *s, const wp_command_def *cmd,
                     const wp_command_def *const *all, size_t nall, int argc,
                     const char *const *argv, wp_request *r, wp_error *err)
{
    memset(r, 0, sizeof *r);
    r->name = "writephys";
    if (argc < 1 || !argv || !argv[0])
        return wp_fail(err, WP_EINVAL, "empty command");
    r->cmd = cmd;
    if (!r->cmd)
        return wp_fail(err, WP_EINVAL, "unknown command '%s'", argv[0]);
    r->name = r->cmd->name;
    r->args = calloc(1, cmd->args_size ? cmd->args_size : 1);
    /* Positionals: the first is ADDRESS, the rest VALUEs. */
    r->values = calloc((size_t)argc, sizeof *r->values);
    if (!r->values || !r->args)
        return wp_fail(err, WP_ENOMEM, "out of memory");
    enum { MAX_SEEN = 64 };
    const wp_option *seen[MAX_SEEN];
    size_t nseen = 0;
    const char *address = NULL;
    size_t npos = 0;
    bool options_done = false;
    found_option picked = {0}; /* the first route option given */
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!arg)
            return wp_fail(err, WP_EINVAL, "empty argument");
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        if (options_done || arg[0] != '-' || !arg[1] || looks_negative_value(arg)) {
            if (!*arg)
                return wp_fail(err, WP_EINVAL, "empty argument");
            if (npos++ == 0)
                address = arg;
            else
                r->values[r->nvalues++] = arg;
            continue;
        }
        const char *value = NULL;
        found_option f = {0};
        find_ctx c = {arg, &value, &f, s};
        if (!wp_command_each_option(s, cmd, find_fn, &c)) {
            if (known_elsewhere(s, all, nall, arg))
                return wp_fail(err, WP_EINVAL, "option '%s' does not apply to %s", arg,
                               r->name);
            return wp_fail(err, WP_EINVAL, "unknown option '%s'; see 'help %s'", arg, r->name);
        }
        if (f.o->offset == offsetof(wp_request, help) && !f.route && row_in_request(cmd, f.o)) {
            r->help = 1; /* the help wins over whatever else the line holds */
            return WP_OK;
        }
        /* One rule for every option: at most once.  Alternatives of one
         * choice (-b/-w, --verify/--no-verify) say which to keep. */
        for (size_t k = 0; k < nseen; k++) {
            if (seen[k] == f.o)
                return wp_fail(err, WP_EINVAL, "option '--%s' given twice; give it once",
                               f.o->name);
            if (f.o->choice && seen[k]->choice == f.o->choice)
                return wp_fail(err, WP_EINVAL, "%s", f.o->choice);
        }
        if (nseen == MAX_SEEN)
            return wp_fail(err, WP_EINVAL, "too many options");
        seen[nseen++] = f.o;
        if (f.o->kind != WP_OPTION_FLAG && !value) {
            if (i + 1 >= argc)
                return wp_fail(err, WP_EINVAL, "option '%s' needs a value", arg);
            value = argv[++i];
        } else if (f.o->kind == WP_OPTION_FLAG && value) {
            return wp_fail(err, WP_EINVAL, "option '--%s' takes no value", f.o->name);
        }
        void *slot = option_slot(r, &f, err);
        if (!slot)
            return err->status;
        int rc = store_option(s, f.o, value, slot, err);
        if (rc)
            return rc;
        if (f.route && !picked.route) {
            picked = f;
        } else if (f.route && picked.route != f.route) {
            return wp_fail(err, WP_EINVAL, "--%s and --%s are options of two routes (%s, %s)",
                           picked.o->name, f.o->name, picked.route->name, f.route->name);
        }
    }
    r->address = address;
    int backend_given = r->backend != NULL;
    wp_request_settle(s, r);
    if (cmd->prepare)
        cmd->prepare((wp_session *)s, r);
    if (r->version)
        return WP_OK;
    if (npos == 0 && !r->cmd->raw_args)
        return wp_fail(err, WP_EINVAL, "missing %s; %s",
                       r->cmd->first ? r->cmd->first : "ADDRESS", r->cmd->usage);
    /* A route's own option picks that route, and no other. */
    if (picked.route) {
        if (backend_given && strcmp(r->backend, picked.route->name) != 0)
            return wp_fail(err, WP_EINVAL,
                           "--%s applies to the %s route only, not --backend %s",
                           picked.o->name, picked.route->name, r->backend);
        r->backend = picked.route->name;
    }
    /* --root names another address space, so it goes with a virtual ADDRESS. */
    if (r->root && !r->is_virtual && is_option_of(cmd, "virtual"))
        return wp_fail(err, WP_EINVAL, "--root applies to a virtual ADDRESS: add --virtual");
    return r->cmd->check ? r->cmd->check(r, npos, err) : WP_OK;
}

void wp_request_free(wp_request *r)
{
    free(r->values);
    r->values = NULL;
    free(r->args);
    r->args = NULL;
    for (size_t i = 0; i < WP_MAX_ROUTES; i++) {
        free(r->route_args[i]);
        r->route_args[i] = NULL;
    }
}

/* Appends a word to a space-separated list, keeping its would-be length. */
size_t wp_add_word(char *list, size_t cap, size_t len, const char *dashes, const char *word)
{
    if (len < cap)
        snprintf(list + len, cap - len, "%s%s%s", len ? " " : "", dashes, word);
    return len + (len ? 1 : 0) + strlen(dashes) + strlen(word);
}

/* `~` and `~/...` are $HOME (or the password file's home), `~user/...` that
 * user's home, as GDB's restore and dump (readline's tilde_expand) take
 * them.  1: the result does not fit; 2: no such user. */
int wp_expand_path(const char *path, char *out, size_t cap)
{
    int n;
    if (path[0] == '~') {
        const char *rest = strchr(path, '/');
        size_t name_len = rest ? (size_t)(rest - path - 1) : strlen(path + 1);
        rest = rest ? rest : path + strlen(path);
        const char *home = NULL;
        if (name_len == 0) {
            home = getenv("HOME");
            if (!home || !*home) {
                struct passwd *pw = getpwuid(getuid());
                home = pw ? pw->pw_dir : NULL;
            }
        } else {
            char name[256];
            if (name_len >= sizeof name)
                return 2;
            memcpy(name, path + 1, name_len);
            name[name_len] = '\0';
            struct passwd *pw = getpwnam(name);
            if (!pw)
                return 2;
            home = pw->pw_dir;
        }
        if (home && *home) {
            n = snprintf(out, cap, "%s%s", home, rest);
            return n < 0 || (size_t)n >= cap;
        }
    }
    n = snprintf(out, cap, "%s", path);
    return n < 0 || (size_t)n >= cap;
}

int wp_option_path(const char *option, const char *path, char *out, size_t cap, wp_error *err)
{
    switch (wp_expand_path(path, out, cap)) {
    case 0: return WP_OK;
    case 1: return wp_fail(err, WP_EINVAL, "%s path '%s' is too long", option, path);
    default: {
        const char *slash = strchr(path, '/');
        int len = slash ? (int)(slash - path) : (int)strlen(path);
        return wp_fail(err, WP_EINVAL, "%s '%s': there is no user '%.*s' to expand '%.*s' to",
                       option, path, len - 1, path + 1, len, path);
    }
    }
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int wp_split_args(const char *line, wp_buf *words, size_t *count, wp_error *err)
{
    *count = 0;
    const char *p = line;
    for (;;) {
        while (blank(*p))
            p++;
        if (!*p)
            return WP_OK;
        char quote = 0;
        for (; *p && (quote || !blank(*p)); p++) {
            char c = *p;
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                    continue;
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                    continue;
                }
                if (c == '\\' && p[1] && strchr("\"\\`", p[1]))
                    c = *++p;
            } else if (c == '"' || c == '\'') {
                quote = c;
                continue;
            } else if (c == '\\' && p[1] && (blank(p[1]) || strchr("\"'`\\", p[1]))) {
                c = *++p;
            }
            if (wp_buf_append(words, &c, 1))
                return wp_fail(err, WP_ENOMEM, "out of memory");
        }
        if (quote)
            return wp_fail(err, WP_EINVAL, "unterminated %s quote",
                           quote == '"' ? "double" : "single");
        if (wp_buf_append(words, "", 1))
            return wp_fail(err, WP_ENOMEM, "out of memory");
        ++*count;
    }
}
