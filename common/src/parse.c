/* The command language: argv in, a request out.  One option table serves
 * every command (each command's row says which options it accepts); rules
 * that need the whole line are the command's own check().  Nothing here
 * talks to the target; every mistake is one line. */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

enum opt_id {
    OPT_WIDTH_B,
    OPT_WIDTH_W,
    OPT_WIDTH_D,
    OPT_WIDTH_Q,
    OPT_STRING,
    OPT_UTF16,
    OPT_ZERO,
    OPT_FILE,
    OPT_SKIP,
    OPT_LENGTH,
    OPT_FILL,
    OPT_OUTPUT,
    OPT_BACKEND,
    OPT_VERIFY,
    OPT_NO_VERIFY,
    OPT_DRY_RUN,
    OPT_FORCE,
    OPT_BIG,
    OPT_LITTLE,
    OPT_HELP,
    OPT_VIRTUAL,
    OPT_ROOT,
    OPT_WALK,
    OPT_VERSION,
    OPT_DIRECT_MAP,
    OPT_DUMP,
    OPT_BUS,
    OPT_RANGE,
    OPT_FILTER,
    OPT_ALL,
    OPT_POINTER,
    OPT_DELTA,
    OPT_START,
    OPT_ALIGN,
    OPT_MASK,
    OPT_MAX,
    OPT_MI,
    OPT_PARTIAL
};

static const struct option_row {
    const char *long_name;
    char short_name;
    int takes_value;
    unsigned bit; /* wp_option_bit; 0: every command */
    enum opt_id id;
} options[] = {
    {"byte", 'b', 0, WP_OPT_WIDTH | WP_OPT_WIDTH_124, OPT_WIDTH_B},
    {"word", 'w', 0, WP_OPT_WIDTH | WP_OPT_WIDTH_124, OPT_WIDTH_W},
    {"dword", 'd', 0, WP_OPT_WIDTH | WP_OPT_WIDTH_124, OPT_WIDTH_D},
    {"qword", 'q', 0, WP_OPT_WIDTH, OPT_WIDTH_Q},
    {"string", 0, 1, WP_OPT_STRING, OPT_STRING},
    {"utf16", 0, 0, WP_OPT_STRING, OPT_UTF16},
    {"zero", 0, 0, WP_OPT_STRING, OPT_ZERO},
    {"file", 0, 1, WP_OPT_FILE, OPT_FILE},
    {"skip", 0, 1, WP_OPT_FILE, OPT_SKIP},
    {"length", 0, 1, WP_OPT_LENGTH, OPT_LENGTH},
    {"fill", 0, 0, WP_OPT_FILL, OPT_FILL},
    {"output", 0, 1, WP_OPT_OUTPUT, OPT_OUTPUT},
    {"backend", 0, 1, WP_OPT_BACKEND, OPT_BACKEND},
    {"verify", 0, 0, WP_OPT_VERIFY, OPT_VERIFY},
    {"no-verify", 0, 0, WP_OPT_VERIFY, OPT_NO_VERIFY},
    {"dry-run", 0, 0, WP_OPT_DRY_RUN, OPT_DRY_RUN},
    {"force", 0, 0, WP_OPT_FORCE, OPT_FORCE},
    {"big-endian", 0, 0, WP_OPT_ORDER, OPT_BIG},
    {"little-endian", 0, 0, WP_OPT_ORDER, OPT_LITTLE},
    {"virtual", 0, 0, WP_OPT_VIRTUAL, OPT_VIRTUAL},
    {"root", 0, 1, WP_OPT_ROOT, OPT_ROOT},
    {"walk", 0, 0, WP_OPT_WALK, OPT_WALK},
    {"direct-map", 0, 1, WP_OPT_DIRECT_MAP, OPT_DIRECT_MAP},
    {"dump", 0, 1, WP_OPT_DUMP, OPT_DUMP},
    {"bus", 0, 1, WP_OPT_BUS, OPT_BUS},
    {"range", 0, 1, WP_OPT_RANGE, OPT_RANGE},
    {"filter", 0, 1, WP_OPT_FILTER, OPT_FILTER},
    {"all", 0, 0, WP_OPT_ALL, OPT_ALL},
    {"pointer", 0, 1, WP_OPT_SEARCH, OPT_POINTER},
    {"delta", 0, 1, WP_OPT_SEARCH, OPT_DELTA},
    {"start", 0, 1, WP_OPT_SEARCH, OPT_START},
    {"align", 0, 1, WP_OPT_SEARCH, OPT_ALIGN},
    {"mask", 0, 1, WP_OPT_SEARCH, OPT_MASK},
    {"max", 0, 1, WP_OPT_SEARCH, OPT_MAX},
    {"help", 'h', 0, 0, OPT_HELP},
    {"version", 0, 0, 0, OPT_VERSION},
    {"mi", 0, 0, 0, OPT_MI},
    {"partial", 0, 0, WP_OPT_PARTIAL, OPT_PARTIAL},
};

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

static const struct option_row *find_option(const char *arg, const char **inline_value)
{
    *inline_value = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        size_t n = strcspn(name, "=");
        for (size_t i = 0; i < WP_ARRAY_LEN(options); i++) {
            if (strlen(options[i].long_name) == n &&
                strncmp(options[i].long_name, name, n) == 0) {
                if (name[n] == '=')
                    *inline_value = name + n + 1;
                return &options[i];
            }
        }
        return NULL;
    }
    if (arg[1] && !arg[2])
        for (size_t i = 0; i < WP_ARRAY_LEN(options); i++)
            if (options[i].short_name == arg[1])
                return &options[i];
    return NULL;
}

/* "-5" and "-$rax" are values, not options. */
static bool looks_negative_value(const char *arg)
{
    return arg[0] == '-' && (isdigit((unsigned char)arg[1]) || arg[1] == '$' || arg[1] == '(');
}

static int set_once_int(int *slot, int value, const char *conflict, wp_error *err)
{
    if (*slot != -1 && *slot != value)
        return wp_fail(err, WP_EINVAL, "%s", conflict);
    *slot = value;
    return WP_OK;
}

static int parse_size(const char *opt, const char *value, uint64_t *out, wp_error *err)
{
    if (wp_parse_u64(value, true, out))
        return wp_fail(err, WP_EINVAL, "bad number '%s' for --%s (use 4096, 0x1000 or 4K)",
                       value, opt);
    return WP_OK;
}

static int check_backend(const wp_session *s, const char *value, const char **out,
                         wp_error *err)
{
    if (strcmp(value, "auto") == 0) {
        *out = "auto";
        return WP_OK;
    }
    const wp_route_slot *slot = wp_session_find_route(s, value);
    if (slot) {
        *out = slot->route->name;
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

static int apply_option(const wp_session *s, wp_request *r, const struct option_row *o,
                        const char *value, int *width, int *order, int *verify, wp_error *err)
{
    switch (o->id) {
    case OPT_WIDTH_B:
    case OPT_WIDTH_W:
    case OPT_WIDTH_D:
    case OPT_WIDTH_Q:
        return set_once_int(width, 1 << (o->id - OPT_WIDTH_B),
                            "choose one width: -b, -w, -d or -q", err);
    case OPT_BIG:
        return set_once_int(order, WP_ORDER_BIG,
                            "--big-endian and --little-endian cannot be combined", err);
    case OPT_LITTLE:
        return set_once_int(order, WP_ORDER_LITTLE,
                            "--big-endian and --little-endian cannot be combined", err);
    case OPT_STRING: r->text = value; return WP_OK;
    case OPT_UTF16: r->utf16 = 1; return WP_OK;
    case OPT_ZERO: r->zero = 1; return WP_OK;
    case OPT_FILE:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--file needs a path");
        r->file = value;
        return WP_OK;
    case OPT_SKIP: r->has_skip = 1; return parse_size("skip", value, &r->skip, err);
    case OPT_LENGTH: r->has_length = 1; return parse_size("length", value, &r->length, err);
    case OPT_FILL: r->data = WP_DATA_FILL; return WP_OK;
    case OPT_OUTPUT:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--output needs a path");
        r->output = value;
        return WP_OK;
    case OPT_BACKEND: return check_backend(s, value, &r->backend, err);
    case OPT_VERIFY:
        r->verify_set = 1;
        return set_once_int(verify, 1, "--verify and --no-verify cannot be combined", err);
    case OPT_NO_VERIFY:
        r->verify_set = 1;
        return set_once_int(verify, 0, "--verify and --no-verify cannot be combined", err);
    case OPT_DRY_RUN: r->dry_run = 1; return WP_OK;
    case OPT_FORCE: r->force = 1; return WP_OK;
    case OPT_HELP: return WP_OK;
    case OPT_VIRTUAL: r->is_virtual = 1; return WP_OK;
    case OPT_ROOT:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--root needs a value");
        r->root = value;
        return WP_OK;
    case OPT_WALK: r->walk = 1; return WP_OK;
    case OPT_VERSION: r->version = 1; return WP_OK;
    case OPT_MI: r->mi = 1; return WP_OK;
    case OPT_PARTIAL: r->partial = 1; return WP_OK;
    case OPT_DUMP:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--dump needs a path");
        r->output = value;
        r->dump = 1;
        return WP_OK;
    case OPT_BUS:
        if (wp_parse_u64(value, false, &r->bus) || r->bus > 0xff)
            return wp_fail(err, WP_EINVAL, "bad bus '%s' for --bus: a number from 0 to 0xff",
                           value);
        r->has_bus = 1;
        return WP_OK;
    case OPT_RANGE:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--range needs A-B");
        r->range = value;
        return WP_OK;
    case OPT_FILTER:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--filter needs FLAGS (w, x, user, kernel, wx)");
        r->filter = value;
        return WP_OK;
    case OPT_ALL: r->all = 1; return WP_OK;
    case OPT_POINTER:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--pointer needs a value");
        r->pointer = value;
        return WP_OK;
    case OPT_START:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--start needs an address");
        r->start = value;
        return WP_OK;
    case OPT_MASK:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--mask needs a value");
        r->mask = value;
        return WP_OK;
    case OPT_DELTA: r->has_delta = 1; return parse_size("delta", value, &r->delta, err);
    case OPT_ALIGN:
        r->has_align = 1;
        if (parse_size("align", value, &r->align, err))
            return err->status;
        if (!r->align || (r->align & (r->align - 1)) || r->align > 0x40000000)
            return wp_fail(err, WP_EINVAL, "bad --align '%s': a power of two from 1 to 1G",
                           value);
        return WP_OK;
    case OPT_MAX:
        r->has_max = 1;
        if (parse_size("max", value, &r->max, err))
            return err->status;
        if (!r->max)
            return wp_fail(err, WP_EINVAL, "--max 0: no hit would be shown");
        return WP_OK;
    case OPT_DIRECT_MAP:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--direct-map needs a value");
        r->direct_map = value;
        return WP_OK;
    }
    return wp_fail(err, WP_EINVAL, "internal: unhandled option");
}

int wp_parse_command(const wp_session *s, int argc, const char *const *argv, wp_request *r,
                     wp_error *err)
{
    memset(r, 0, sizeof *r);
    r->verify = s ? s->settings.verify : -1;
    r->backend = s ? s->settings.backend : "auto";
    r->default_length = s ? s->settings.read_length : 128;
    r->name = "writephys";
    if (argc < 1 || !argv || !argv[0])
        return wp_fail(err, WP_EINVAL, "empty command");
    r->cmd = wp_command_find(argv[0]);
    if (!r->cmd)
        return wp_fail(err, WP_EINVAL, "unknown command '%s'", argv[0]);
    r->name = r->cmd->name;
    int width = -1, order = -1, verify = -1;
    bool seen[WP_ARRAY_LEN(options)] = {false};

    /* Positionals: the first is ADDRESS, the rest VALUEs. */
    r->values = calloc((size_t)argc, sizeof *r->values);
    if (!r->values)
        return wp_fail(err, WP_ENOMEM, "out of memory");
    const char *address = NULL;
    size_t npos = 0;
    bool options_done = false;
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
        const char *value;
        const struct option_row *o = find_option(arg, &value);
        if (!o)
            return wp_fail(err, WP_EINVAL, "unknown option '%s'; see 'help %s'", arg, r->name);
        if (o->id == OPT_HELP) {
            r->help = 1; /* the help wins over whatever else the line holds */
            return WP_OK;
        }
        if (o->bit && !(o->bit & r->cmd->options))
            return wp_fail(err, WP_EINVAL, "option '%s' does not apply to %s", arg, r->name);
        /* One rule for every option: at most once.  Alternatives of one
         * choice (-b/-w, --verify/--no-verify) say which to keep. */
        size_t row = (size_t)(o - options);
        if (seen[row])
            return wp_fail(err, WP_EINVAL, "option '--%s' given twice; give it once",
                           o->long_name);
        seen[row] = true;
        if (o->takes_value && !value) {
            if (i + 1 >= argc)
                return wp_fail(err, WP_EINVAL, "option '%s' needs a value", arg);
            value = argv[++i];
        } else if (!o->takes_value && value) {
            return wp_fail(err, WP_EINVAL, "option '--%s' takes no value", o->long_name);
        }
        int rc = apply_option(s, r, o, value, &width, &order, &verify, err);
        if (rc)
            return rc;
    }
    r->address = address;
    bool seen_backend = false;
    for (size_t i = 0; i < WP_ARRAY_LEN(options); i++)
        seen_backend = seen_backend || (seen[i] && options[i].id == OPT_BACKEND);
    /* readphys groups by the read-width setting unless told otherwise. */
    r->width = width != -1                              ? (unsigned)width
               : s && (r->cmd->options & WP_OPT_OUTPUT) ? s->settings.read_width
                                                        : 1;
    r->width_given = width != -1;
    r->byte_order = order == -1 ? WP_ORDER_TARGET : order;
    if (verify != -1)
        r->verify = verify;
    if (r->version)
        return WP_OK;
    if (npos == 0 && !r->cmd->raw_args)
        return wp_fail(err, WP_EINVAL, "missing %s; %s",
                       r->cmd->first ? r->cmd->first : "ADDRESS", r->cmd->usage);
    /* --direct-map is the kgdb route's: it picks that route, and no other. */
    if (r->direct_map) {
        if (seen_backend && strcmp(r->backend, "kgdb") != 0)
            return wp_fail(err, WP_EINVAL,
                           "--direct-map applies to the kgdb route only, not --backend %s",
                           r->backend);
        r->backend = "kgdb";
    }
    /* --root names another address space, so it goes with a virtual ADDRESS. */
    if (r->root && !r->is_virtual && (r->cmd->options & WP_OPT_VIRTUAL))
        return wp_fail(err, WP_EINVAL, "--root applies to a virtual ADDRESS: add --virtual");
    return r->cmd->check ? r->cmd->check(r, npos, err) : WP_OK;
}

void wp_request_free(wp_request *r)
{
    free(r->values);
    r->values = NULL;
}

/* Appends a word to a space-separated list, keeping its would-be length. */
size_t wp_add_word(char *list, size_t cap, size_t len, const char *dashes, const char *word)
{
    if (len < cap)
        snprintf(list + len, cap - len, "%s%s%s", len ? " " : "", dashes, word);
    return len + (len ? 1 : 0) + strlen(dashes) + strlen(word);
}

size_t wp_option_words(unsigned mask, char *list, size_t cap, size_t len)
{
    for (size_t i = 0; i < WP_ARRAY_LEN(options); i++) {
        if (options[i].bit && !(options[i].bit & mask))
            continue;
        char short_name[2] = {options[i].short_name, '\0'};
        len = options[i].short_name && options[i].id != OPT_HELP
                  ? wp_add_word(list, cap, len, "-", short_name)
                  : wp_add_word(list, cap, len, "--", options[i].long_name);
    }
    return len;
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
