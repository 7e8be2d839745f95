/* The command language of writephys and readphys: argv in, a request out.
 * Nothing here talks to the target; every mistake is one line. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum opt_id {
    OPT_WIDTH_B, OPT_WIDTH_W, OPT_WIDTH_D, OPT_WIDTH_Q,
    OPT_STRING, OPT_UTF16, OPT_ZERO, OPT_FILE, OPT_SKIP, OPT_LENGTH, OPT_FILL,
    OPT_OUTPUT, OPT_BACKEND, OPT_VERIFY, OPT_NO_VERIFY, OPT_DRY_RUN, OPT_FORCE,
    OPT_BIG, OPT_LITTLE
};

#define FOR_WRITE 1
#define FOR_READ 2

static const struct option_row {
    const char *long_name;
    char short_name;
    int takes_value;
    int commands;
    enum opt_id id;
} options[] = {
    {"byte", 'b', 0, FOR_WRITE | FOR_READ, OPT_WIDTH_B},
    {"word", 'w', 0, FOR_WRITE | FOR_READ, OPT_WIDTH_W},
    {"dword", 'd', 0, FOR_WRITE | FOR_READ, OPT_WIDTH_D},
    {"qword", 'q', 0, FOR_WRITE | FOR_READ, OPT_WIDTH_Q},
    {"string", 0, 1, FOR_WRITE, OPT_STRING},
    {"utf16", 0, 0, FOR_WRITE, OPT_UTF16},
    {"zero", 0, 0, FOR_WRITE, OPT_ZERO},
    {"file", 0, 1, FOR_WRITE, OPT_FILE},
    {"skip", 0, 1, FOR_WRITE, OPT_SKIP},
    {"length", 0, 1, FOR_WRITE | FOR_READ, OPT_LENGTH},
    {"fill", 0, 0, FOR_WRITE, OPT_FILL},
    {"output", 0, 1, FOR_READ, OPT_OUTPUT},
    {"backend", 0, 1, FOR_WRITE | FOR_READ, OPT_BACKEND},
    {"verify", 0, 0, FOR_WRITE, OPT_VERIFY},
    {"no-verify", 0, 0, FOR_WRITE, OPT_NO_VERIFY},
    {"dry-run", 0, 0, FOR_WRITE, OPT_DRY_RUN},
    {"force", 0, 0, FOR_WRITE | FOR_READ, OPT_FORCE},
    {"big-endian", 0, 0, FOR_WRITE | FOR_READ, OPT_BIG},
    {"little-endian", 0, 0, FOR_WRITE | FOR_READ, OPT_LITTLE},
};

static const char *const backend_names[] = {"auto", "qemu", "openocd", "flat"};

int wp_parse_u64(const char *text, bool allow_size_suffix, uint64_t *out)
{
    if (!text || !*text || isspace((unsigned char)*text) || *text == '-' ||
        *text == '+')
        return WP_EINVAL;
    int base = 10;
    const char *p = text;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
        if (!isxdigit((unsigned char)*p))
            return WP_EINVAL;
    } else if (p[0] == '0' && p[1]) {
        base = 8;   /* as C, GDB and LLDB read 010 */
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, base);
    if (errno == ERANGE || end == p)
        return WP_EINVAL;
    unsigned shift = 0;
    if (allow_size_suffix && *end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
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
    int neg = text && text[0] == '-';
    uint64_t v;
    if (wp_parse_u64(neg ? text + 1 : text, false, &v))
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
    return arg[0] == '-' && (isdigit((unsigned char)arg[1]) || arg[1] == '$' ||
                             arg[1] == '(');
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
        return wp_fail(err, WP_EINVAL,
                       "bad number '%s' for --%s (use 4096, 0x1000 or 4K)", value, opt);
    return WP_OK;
}

static int apply_option(wp_request *r, const struct option_row *o, const char *value,
                        int *width, int *order, wp_error *err)
{
    switch (o->id) {
    case OPT_WIDTH_B: case OPT_WIDTH_W: case OPT_WIDTH_D: case OPT_WIDTH_Q:
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
    case OPT_SKIP: return parse_size("skip", value, &r->skip, err);
    case OPT_LENGTH:
        r->has_length = 1;
        return parse_size("length", value, &r->length, err);
    case OPT_FILL: r->data = WP_DATA_FILL; return WP_OK;
    case OPT_OUTPUT:
        if (!*value)
            return wp_fail(err, WP_EINVAL, "--output needs a path");
        r->output = value;
        return WP_OK;
    case OPT_BACKEND:
        for (size_t i = 0; i < WP_ARRAY_LEN(backend_names); i++)
            if (strcmp(value, backend_names[i]) == 0) {
                r->backend = backend_names[i];
                return WP_OK;
            }
        return wp_fail(err, WP_EINVAL,
                       "unknown backend '%s' (choose auto, qemu, openocd or flat)", value);
    case OPT_VERIFY:
        return set_once_int(&r->verify, 1, "--verify and --no-verify cannot be combined",
                            err);
    case OPT_NO_VERIFY:
        return set_once_int(&r->verify, 0, "--verify and --no-verify cannot be combined",
                            err);
    case OPT_DRY_RUN: r->dry_run = 1; return WP_OK;
    case OPT_FORCE: r->force = 1; return WP_OK;
    }
    return wp_fail(err, WP_EINVAL, "internal: unhandled option");
}

/* Rules that need the whole command line. */
static int check_combination(wp_request *r, size_t npos, wp_error *err)
{
    const char *usage = r->kind == WP_CMD_READ
        ? "usage: readphys [OPTIONS] ADDRESS [--length N]"
        : "usage: writephys [OPTIONS] ADDRESS VALUE...";
    if (npos == 0)
        return wp_fail(err, WP_EINVAL, "missing ADDRESS; %s", usage);
    if (r->kind == WP_CMD_READ) {
        if (npos > 1)
            return wp_fail(err, WP_EINVAL, "unexpected argument '%s'; %s", r->values[0],
                           usage);
        if (!r->has_length)
            r->length = 128;
        if (r->length == 0)
            return wp_fail(err, WP_EINVAL, "--length must be at least 1");
        return WP_OK;
    }
    int sources = (r->text != NULL) + (r->file != NULL) + (r->data == WP_DATA_FILL);
    if (sources > 1)
        return wp_fail(err, WP_EINVAL, "--string, --file and --fill cannot be combined");
    if ((r->utf16 || r->zero) && !r->text)
        return wp_fail(err, WP_EINVAL, "--utf16 and --zero apply only to --string");
    if (r->skip && !r->file)
        return wp_fail(err, WP_EINVAL, "--skip applies only to --file");
    if (r->text || r->file) {
        r->data = r->text ? WP_DATA_STRING : WP_DATA_FILE;
        if (npos > 1)
            return wp_fail(err, WP_EINVAL, "unexpected argument '%s' after ADDRESS",
                           r->values[0]);
        if (r->has_length && r->text)
            return wp_fail(err, WP_EINVAL, "--length applies to --file, --fill and readphys");
        if (r->text && !*r->text && !r->zero)
            return wp_fail(err, WP_EINVAL, "empty --string: nothing to write (add --zero "
                                           "to write just a terminator)");
        r->nvalues = 0;
        return WP_OK;
    }
    if (r->data == WP_DATA_FILL) {
        if (!r->has_length)
            return wp_fail(err, WP_EINVAL, "--fill needs --length N");
        if (r->length == 0)
            return wp_fail(err, WP_EINVAL, "--fill --length 0: nothing to write");
    } else if (r->has_length) {
        return wp_fail(err, WP_EINVAL, "--length applies to --file, --fill and readphys");
    }
    if (npos < 2)
        return wp_fail(err, WP_EINVAL, "no VALUE to write after ADDRESS; %s", usage);
    return WP_OK;
}

int wp_parse_command(int argc, const char *const *argv, wp_request *r, wp_error *err)
{
    memset(r, 0, sizeof *r);
    r->verify = -1;
    r->backend = "auto";
    if (argc < 1 || !argv || !argv[0])
        return wp_fail(err, WP_EINVAL, "empty command");
    r->name = strcmp(argv[0], "readphys") == 0 ? "readphys" : "writephys";
    r->kind = strcmp(argv[0], "readphys") == 0 ? WP_CMD_READ : WP_CMD_WRITE;
    int mask = r->kind == WP_CMD_READ ? FOR_READ : FOR_WRITE;
    int width = -1, order = -1;

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
            return wp_fail(err, WP_EINVAL, "unknown option '%s'; see 'help %s'", arg,
                           r->name);
        if (!(o->commands & mask))
            return wp_fail(err, WP_EINVAL, "option '%s' does not apply to %s", arg,
                           r->name);
        if (o->takes_value && !value) {
            if (i + 1 >= argc)
                return wp_fail(err, WP_EINVAL, "option '%s' needs a value", arg);
            value = argv[++i];
        } else if (!o->takes_value && value) {
            return wp_fail(err, WP_EINVAL, "option '--%s' takes no value", o->long_name);
        }
        int rc = apply_option(r, o, value, &width, &order, err);
        if (rc)
            return rc;
    }
    r->address = address;
    r->width = width == -1 ? 1 : (unsigned)width;
    r->byte_order = order == -1 ? WP_ORDER_TARGET : order;
    int rc = check_combination(r, npos, err);
    if (rc == WP_OK && width != -1 && (r->data == WP_DATA_STRING || r->data == WP_DATA_FILE))
        return wp_fail(err, WP_EINVAL, "-b/-w/-d/-q apply to VALUEs and --fill, not to "
                                       "--string or --file");
    return rc;
}

void wp_request_free(wp_request *r)
{
    free(r->values);
    r->values = NULL;
}

/* Appends a word to a space-separated list, keeping its would-be length. */
static size_t add_word(char *list, size_t cap, size_t len, const char *dashes,
                       const char *word)
{
    if (len < cap)
        snprintf(list + len, cap - len, "%s%s%s", len ? " " : "", dashes, word);
    return len + (len ? 1 : 0) + strlen(dashes) + strlen(word);
}

size_t wp_command_completions(const char *command, const char *option, char *buf, size_t cap)
{
    int mask = command && strcmp(command, "readphys") == 0 ? FOR_READ : FOR_WRITE;
    char words[512] = "";
    size_t n = 0;
    if (option && strcmp(option, "--backend") == 0) {
        for (size_t i = 0; i < WP_ARRAY_LEN(backend_names); i++)
            n = add_word(words, sizeof words, n, "", backend_names[i]);
    } else if (!option) {
        for (size_t i = 0; i < WP_ARRAY_LEN(options); i++) {
            if (!(options[i].commands & mask))
                continue;
            char short_name[2] = {options[i].short_name, '\0'};
            n = options[i].short_name ? add_word(words, sizeof words, n, "-", short_name)
                                      : add_word(words, sizeof words, n, "--",
                                                 options[i].long_name);
        }
    }
    if (buf && cap)
        snprintf(buf, cap, "%s", n < cap && n < sizeof words ? words : "");
    return n;
}
