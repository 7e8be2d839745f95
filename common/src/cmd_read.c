/* readphys: a hex dump of physical memory, or its raw bytes saved to a file. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define MAX_DUMP_BYTES (1u << 20) /* a longer readphys needs --output */

static const char usage[] = "usage: readphys [OPTIONS] ADDRESS [--length N]";

static const char help[] =
    "Read the target's physical memory as a hex dump, or save it to a file.\n"
    "Usage: readphys [OPTIONS] ADDRESS [--length N]\n"
    "\n"
    "ADDRESS is a physical address, a debugger expression.\n"
    "\n"
    "--length N      Bytes to read (default 128).\n"
    "-b, -w, -d, -q  Group the dump in 1, 2, 4 or 8-byte units (default -b).\n"
    "--output FILE   Save the raw bytes to FILE instead of printing them (a new\n"
    "                or regular file, replaced only by a complete result: the\n"
    "                bytes go to a new file beside it, renamed over it at the\n"
    "                end; on any failure FILE is left as it was).\n"
    "--big-endian, --little-endian\n"
    "                Byte order of the units (default: the target's).\n"
    "--backend NAME  Route to physical memory (default auto):\n"
    "@ROUTES@\n"
    "--force         Read even device ranges (reads may have side effects) and\n"
    "                unassigned ones.\n"
    "--partial       Read up to the first byte the memory map refuses (a device,\n"
    "                unassigned) and say how many bytes from there it refuses.\n"
    "--virtual       ADDRESS is virtual: translated through the target's page\n"
    "                tables (see 'help vtop'); an unmapped page refuses the "
    "read.\n"
    "--root VALUE    With --virtual: the page-table root of another address space.\n"
    "@ROUTE_OPTIONS@\n"
    "--help, -h      Show this text.\n"
    "--version       Name the core and the route a write would take now.\n"
    "--mi            Also print the result as a GDB/MI record (^done,...).\n"
    "\n"
    "Examples:\n"
    "  readphys 0x1000\n"
    "  readphys -d 0xfee00000 --length 64 --force\n"
    "  readphys 0x100000 --length 1M --output dump.bin\n";

/* The options of readphys alone. */
typedef struct read_args {
    const char *output;
} read_args;
#define A(r) ((read_args *)(r)->args)

static const wp_option output_rows[] = {
    {"output", 0, WP_OPTION_PATH, NULL, "PATH", "Save the raw bytes to a file.", NULL,
     offsetof(read_args, output), 0, NULL},
};

/* ---- readphys' settings: its defaults of --length and the grouping ---- */
typedef struct read_settings {
    uint64_t length;
    unsigned width;
} read_settings;

static void read_settings_init(void *block)
{
    read_settings *st = block;
    st->length = 128;
    st->width = 1;
}

static int set_length(wp_session *s, void *state, const char *value, wp_error *err)
{
    (void)s, (void)err;
    uint64_t n;
    if (wp_parse_u64(value, true, &n) || n == 0 || n > (1u << 20))
        return WP_EINVAL;
    ((read_settings *)state)->length = n;
    return WP_OK;
}

static void get_length(const wp_session *s, const void *state, char *buf, size_t cap)
{
    (void)s;
    snprintf(buf, cap, "%llu", (unsigned long long)((const read_settings *)state)->length);
}

static int set_width(wp_session *s, void *state, const char *value, wp_error *err)
{
    (void)s, (void)err;
    uint64_t n;
    if (wp_parse_u64(value, false, &n) || (n != 1 && n != 2 && n != 4 && n != 8))
        return WP_EINVAL;
    ((read_settings *)state)->width = (unsigned)n;
    return WP_OK;
}

static void get_width(const wp_session *s, const void *state, char *buf, size_t cap)
{
    (void)s;
    snprintf(buf, cap, "%u", ((const read_settings *)state)->width);
}

static const wp_setting read_setting_rows[] = {
    {"read-length", "1 to 1M", "readphys' default --length", set_length, get_length},
    {"read-width", "1, 2, 4 or 8", "readphys' default grouping (-b, -w, -d, -q)", set_width,
     get_width},
};

extern const wp_command_def wp_cmd_readphys; /* its settings are kept by its row */

static void prepare(wp_session *s, wp_request *r)
{
    const read_settings *st =
        s ? wp_session_block(s, &wp_cmd_readphys, sizeof *st, read_settings_init) : NULL;
    if (!r->length.given)
        r->length.value = st ? st->length : 128;
    if (!r->width_given)
        r->width = st ? st->width : 1;
}

static int check(wp_request *r, size_t npos, wp_error *err)
{
    if (npos > 1)
        return wp_fail(err, WP_EINVAL, "unexpected argument '%s'; %s", r->values[0], usage);
    if (r->length.value == 0)
        return wp_fail(err, WP_EINVAL, "--length must be at least 1");
    if (A(r)->output && (r->width_given || r->byte_order != WP_ORDER_TARGET))
        return wp_fail(err, WP_EINVAL,
                       "-b/-w/-d/-q and --big-endian/--little-endian shape "
                       "the dump; --output saves raw bytes");
    if (r->partial && (r->force || r->is_virtual))
        return wp_fail(err, WP_EINVAL, "--partial takes a physical ADDRESS, without --force");
    if (r->length.value > WP_MAX_TRANSFER)
        return wp_fail(err, WP_EINVAL,
                       "--length %llu is more than the 1 GiB one command "
                       "reads",
                       (unsigned long long)r->length.value);
    if (!A(r)->output && r->length.value > MAX_DUMP_BYTES)
        return wp_fail(err, WP_EINVAL,
                       "--length %llu is too long to print; add --output "
                       "FILE",
                       (unsigned long long)r->length.value);
    return WP_OK;
}

/* --output never replaces a file with less than a complete result: the
 * bytes go to a new file beside it, which is renamed over it only when
 * every byte was read and written (issue 23).  Set up before anything is
 * sent: the target must be a regular file or not exist (a FIFO is refused,
 * not waited on), and the new file must be creatable in its directory. */
typedef struct output_file {
    const char *shown; /* as the user typed it */
    char path[4096];   /* expanded; a symbolic link's target, if it is one */
    char temp[4200];   /* the new file beside it */
    int fd;
    bool existed;
} output_file;

/* What happened to the file, for every failure after the new file exists. */
static int output_failed(output_file *o, int rc, wp_error *err)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (!o->temp[0])
        return rc;
    unlink(o->temp);
    o->temp[0] = '\0';
    size_t n = strlen(err->message);
    if (o->existed)
        snprintf(err->message + n, sizeof err->message - n,
                 "; '%s' is unchanged (the new file written beside it was removed)", o->shown);
    else
        snprintf(err->message + n, sizeof err->message - n,
                 "; '%s' was not created (the new file written beside it was removed)",
                 o->shown);
    return rc;
}

static int open_output(const char *shown, output_file *o, wp_error *err)
{
    o->shown = shown;
    o->fd = -1;
    o->temp[0] = '\0';
    int rc = wp_option_path("--output", shown, o->path, sizeof o->path, err);
    if (rc)
        return rc;
    struct stat st;
    o->existed = stat(o->path, &st) == 0;
    if (!o->existed && errno != ENOENT)
        return wp_fail(err, WP_EIO, "cannot open --output '%s': %s", shown, strerror(errno));
    if (o->existed && !S_ISREG(st.st_mode))
        return wp_fail(err, WP_EIO, "--output '%s' is %snot a regular file", shown,
                       S_ISFIFO(st.st_mode) ? "a FIFO, " : "");
    if (o->existed) {
        /* Replace what the name leads to, not a symbolic link on the way. */
        char *real = realpath(o->path, NULL);
        if (!real)
            return wp_fail(err, WP_EIO, "cannot open --output '%s': %s", shown,
                           strerror(errno));
        snprintf(o->path, sizeof o->path, "%s", real);
        free(real);
        if (access(o->path, W_OK) != 0)
            return wp_fail(err, WP_EIO, "cannot open --output '%s': %s", shown,
                           strerror(errno));
    }
    const char *slash = strrchr(o->path, '/');
    int dir_len = slash ? (int)(slash - o->path + 1) : 0;
    snprintf(o->temp, sizeof o->temp, "%.*s.%s.readphys-XXXXXX", dir_len, o->path,
             slash ? slash + 1 : o->path);
    o->fd = mkstemp(o->temp);
    if (o->fd >= 0)
        fcntl(o->fd, F_SETFD, FD_CLOEXEC);
    if (o->fd < 0) {
        o->temp[0] = '\0';
        return wp_fail(err, WP_EIO, "cannot open --output '%s' (a new file beside it): %s",
                       shown, strerror(errno));
    }
    /* The mode the file has, or a new file's (0666 less the umask). */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(o->fd, o->existed ? (st.st_mode & 07777) : (0666 & ~mask)) != 0)
        return output_failed(
            o, wp_fail(err, WP_EIO, "cannot write '%s': %s", shown, strerror(errno)), err);
    return WP_OK;
}

/* The read's bytes, a stage at a time as they come, into the new file. */
static int output_sink(void *ctx, const uint8_t *bytes, size_t len, wp_error *err)
{
    output_file *o = ctx;
    for (size_t off = 0; off < len;) {
        ssize_t n = write(o->fd, bytes + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return wp_fail(err, WP_EIO, "cannot write '%s': %s", o->shown,
                           n < 0 ? strerror(errno) : "no progress");
        off += (size_t)n;
    }
    return WP_OK;
}

/* Every byte is in the new file: it takes the name.  Replacing a file
 * waits for the bytes to be on disk first, so that a crash cannot leave
 * less than the old one. */
static int output_commit(output_file *o, wp_error *err)
{
    if ((o->existed && fsync(o->fd) != 0) || close(o->fd) != 0) {
        o->fd = -1;
        return wp_fail(err, WP_EIO, "cannot write '%s': %s", o->shown, strerror(errno));
    }
    o->fd = -1;
    if (rename(o->temp, o->path) != 0)
        return wp_fail(err, WP_EIO, "cannot replace '%s': %s", o->shown, strerror(errno));
    o->temp[0] = '\0';
    return WP_OK;
}

static int partial_note(wp_result *res, const wp_request *r, uint64_t done, uint64_t refused)
{
    wp_buf_printf(&res->text,
                  "readphys: read %llu of %llu byte%s; the memory map refuses the next %llu "
                  "(not RAM or ROM), which were not read\n",
                  (unsigned long long)done, (unsigned long long)r->length.value,
                  wp_plural(r->length.value), (unsigned long long)refused);
    return WP_OK;
}

static int run(wp_session *s, const wp_request *r, uint64_t addr, wp_result *res, wp_error *err)
{
    res->length = r->length.value;
    int rc = wp_check_span(addr, r->length.value, err);
    if (rc)
        return rc;
    uint64_t length = r->length.value, refused = 0;
    if (r->partial &&
        (rc = wp_map_reach(s, r->backend, addr, r->length.value, 0, &length, &refused, err)))
        return rc;
    if (r->partial)
        wp_mi_field(res, "refused", "%llu", (unsigned long long)refused);
    if (!length)
        return partial_note(res, r, 0, refused);
    int order = WP_ORDER_LITTLE;
    if (r->width > 1 && !A(r)->output) {
        rc = wp_resolve_order(s, r->byte_order, &order, err);
        if (rc)
            return rc;
    }
    output_file *out = NULL;
    if (A(r)->output) {
        out = malloc(sizeof *out);
        if (!out)
            return wp_fail(err, WP_ENOMEM, "out of memory");
        if ((rc = open_output(A(r)->output, out, err))) {
            free(out);
            return rc;
        }
    }
    /* A dump is held whole (it is printed); --output streams, so nothing
     * of a long read's size is allocated. */
    uint8_t *bytes = out ? NULL : malloc((size_t)length);
    if (!out && !bytes)
        rc = wp_fail(err, WP_ENOMEM, "out of memory");
    wp_route_options opt = {r->backend, r->force, 0, 0};
    wp_transfer tr = {0};
    uint64_t root = 0;
    wp_address where;
    if (!rc)
        rc = wp_request_address(s, r, addr, &root, &where, err);
    if (!rc && out)
        rc = wp_dataspace_read_to(s, &opt, &where, length, output_sink, out, &tr, err);
    else if (!rc)
        rc = wp_dataspace_read_at(s, &opt, &where, bytes, length, &tr, err);
    res->bytes_done = tr.done;
    if (tr.route)
        snprintf(res->backend, sizeof res->backend, "%s", tr.route->name);
    if (!rc && tr.note[0])
        wp_buf_printf(&res->text, "readphys: note: %s\n", tr.note);
    if (!rc && A(r)->output) {
        rc = output_commit(out, err);
        if (!rc && r->is_virtual) { /* both addresses, as writephys --virtual says */
            wp_buf_printf(&res->text, "readphys: saved %llu byte%s from virtual 0x%llx",
                          (unsigned long long)tr.done, wp_plural(tr.done),
                          (unsigned long long)addr);
            wp_format_segments(&res->text, &tr.segments);
            wp_buf_printf(&res->text, " to %s via %s\n", A(r)->output, tr.route->name);
        } else if (!rc) {
            wp_buf_printf(
                &res->text, "readphys: saved %llu byte%s from %s0x%llx%s%s%s to %s via %s\n",
                (unsigned long long)tr.done, wp_plural(tr.done), tr.claim[0] ? "" : "physical ",
                (unsigned long long)addr, tr.claim[0] ? " (" : "", tr.claim,
                tr.claim[0] ? ")" : "", A(r)->output, tr.route->name);
        }
    } else if (!rc) {
        wp_format_hexdump(&res->text, addr, bytes, (size_t)tr.done, r->width, order);
        if (r->is_virtual) {
            wp_buf_printf(&res->text, "readphys: virtual 0x%llx", (unsigned long long)addr);
            wp_format_segments(&res->text, &tr.segments);
            wp_buf_printf(&res->text, "\n");
        }
        /* A route without a map cannot refuse device ranges; say so. */
        bool mapless = tr.route->flags & WP_ROUTE_MAPLESS;
        if (tr.claim[0] || (mapless && !r->force))
            wp_buf_printf(&res->text, "readphys: via %s%s%s%s\n", tr.via,
                          tr.claim[0] ? ", at " : "", tr.claim,
                          mapless && !r->force ? "; it has no memory map, so it could not "
                                                 "tell RAM from a device range"
                                               : "");
        if (wp_buf_append(&res->data, bytes, (size_t)tr.done))
            rc = wp_fail(err, WP_ENOMEM, "out of memory");
    }
    if (!rc && refused)
        partial_note(res, r, tr.done, refused);
    wp_segments_free(&tr.segments);
    if (out) {
        if (rc)
            output_failed(out, rc, err);
        free(out);
    }
    free(bytes);
    return rc;
}

static void mi_fields(wp_result *res)
{
    wp_mi_common(res);
    wp_mi_field(res, "bytes-read", "%llu", (unsigned long long)res->bytes_done);
    if (res->data.len) {
        /* The contents field can be long: written straight into the list. */
        wp_buf *out = &res->fields;
        wp_buf_printf(out, "contents=");
        if (wp_buf_reserve(out, 2 * res->data.len + 1) == WP_OK) {
            out->len += wp_hex_encode((const uint8_t *)res->data.data, res->data.len,
                                      out->data + out->len);
            out->data[out->len] = '\0';
        }
        wp_buf_printf(out, "\n");
    }
}

const wp_command_def wp_cmd_readphys = {
    .name = "readphys",
    .usage = usage,
    .help = help,
    .options = {WP_OPTS_WIDTH, WP_OPTS_LENGTH, WP_OPTION_SET(output_rows, 0), WP_OPTS_BACKEND,
                WP_OPTS_FORCE, WP_OPTS_PARTIAL, WP_OPTS_ORDER, WP_OPTS_VIRTUAL, WP_OPTS_ROOT,
                WP_OPTS_ALWAYS},
    .args_size = sizeof(read_args),
    .route_options = 1,
    .settings = read_setting_rows,
    .nsettings = WP_ARRAY_LEN(read_setting_rows),
    .settings_size = sizeof(read_settings),
    .settings_init = read_settings_init,
    .prepare = prepare,
    .check = check,
    .run = run,
    .mi_fields = mi_fields,
};
