/* writephys: values, a string, a file or a repeated pattern, written to a
 * physical address. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static const char usage[] = "usage: writephys [OPTIONS] ADDRESS VALUE...";

static const char help[] =
    "Write the target's physical memory.\n"
    "Usage: writephys [OPTIONS] ADDRESS VALUE...\n"
    "       writephys [OPTIONS] --string TEXT [--utf16] [--zero] ADDRESS\n"
    "       writephys [OPTIONS] --file PATH [--skip N] [--length N] ADDRESS\n"
    "       writephys [OPTIONS] --fill --length N ADDRESS VALUE...\n"
    "\n"
    "ADDRESS is a physical address; ADDRESS and VALUEs are debugger expressions\n"
    "($rax+0x10, a symbol, 0x1000, 4096).  Plain integer literals (with an\n"
    "optional sign: -1, -0x80, 010) are read by writephys itself, so a value\n"
    "writes the same bytes in every debugger; a negative one is two's complement.\n"
    "\n"
    "-b, -w, -d, -q  Width of each VALUE: 1, 2, 4 or 8 bytes (default -b).  A value\n"
    "                that does not fit is an error, never truncated.\n"
    "--string TEXT   Write the UTF-8 bytes of TEXT; --utf16 writes UTF-16LE and\n"
    "                --zero adds a terminator.  C escapes: \\n \\t \\r \\0 \\xNN \\\\\n"
    "                (\\a \\b \\e \\f \\v \\\" \\' too).\n"
    "--file PATH     Write the bytes of a file; --skip N and --length N take part.\n"
    "--fill          Repeat the VALUEs over --length N bytes.\n"
    "--big-endian, --little-endian\n"
    "                Byte order of VALUEs (default: the target's).\n"
    "--backend NAME  Route to physical memory (default auto):\n"
    "@ROUTES@\n"
    "--verify, --no-verify\n"
    "                Read back and compare (default: on for RAM and ROM, off for\n"
    "                devices, where a read can have side effects; --verify reads\n"
    "                a device back too).\n"
    "--dry-run       Check everything that sends nothing to memory and say what\n"
    "                would be written where.\n"
    "--partial       Write up to the first byte the memory map refuses (ROM,\n"
    "                unassigned) and say how many bytes from there it refuses.\n"
    "--force         Write even where the memory map says ROM or unassigned.\n"
    "--virtual       ADDRESS is virtual: every page is translated through the\n"
    "                target's page tables (see 'help vtop') before anything is\n"
    "                written; an unmapped page refuses the whole write.  Read-only\n"
    "                mappings are no obstacle: the bytes go to the physical "
    "pages.\n"
    "--root VALUE    With --virtual: the page-table root of another address space.\n"
    "@ROUTE_OPTIONS@\n"
    "--help, -h      Show this text.\n"
    "--version       Name the core and the route a write would take now.\n"
    "--mi            Also print the result as a GDB/MI record (^done,...).\n"
    "Sizes (N) take 4096, 0x1000 or 4K/1M/1G; one command moves at most 1 GiB.\n"
    "'--' ends the options.\n"
    "\n"
    "Examples:\n"
    "  writephys 0x1000 0xde 0xad 0xbe 0xef\n"
    "  writephys -d 0x2000 0xdeadbeef 0x12345678\n"
    "  writephys -q $cr3+8 0x0000000012345067\n"
    "  writephys --string \"hello\\n\" --zero 0x3000\n"
    "  writephys --file blob.bin --skip 0x200 --length 4K 0x100000\n"
    "  writephys --fill --length 1M -d 0x200000 0xcafef00d\n"
    "  writephys --dry-run -w 0x1000 0x1234\n"
    "  writephys --virtual -q $rsp 0\n";

/* The options of writephys alone. */
typedef struct write_args {
    const char *file;
    wp_size_arg skip;
    int fill, dry_run;
} write_args;
#define A(r) ((write_args *)(r)->args)

static const wp_option file_rows[] = {
    {"file", 0, WP_OPTION_PATH, NULL, "PATH", "The bytes of a file.", NULL,
     offsetof(write_args, file), 0, NULL},
    {"skip", 0, WP_OPTION_SIZE, NULL, "N", "Start N bytes into the file.", NULL,
     offsetof(write_args, skip), 0, NULL},
};
static const wp_option fill_rows[] = {
    {"fill", 0, WP_OPTION_FLAG, NULL, NULL, "Repeat the VALUEs over --length.", NULL,
     offsetof(write_args, fill), 0, NULL},
};
static const wp_option dry_run_rows[] = {
    {"dry-run", 0, WP_OPTION_FLAG, NULL, NULL, "Check everything, write nothing.", NULL,
     offsetof(write_args, dry_run), 0, NULL},
};

static int check(wp_request *r, size_t npos, wp_error *err)
{
    if (A(r)->fill)
        r->data = WP_DATA_FILL;
    int sources = (r->text != NULL) + (A(r)->file != NULL) + (r->data == WP_DATA_FILL);
    if (r->partial && (r->force || r->is_virtual || A(r)->dry_run))
        return wp_fail(err, WP_EINVAL,
                       "--partial takes a physical ADDRESS, without --force or --dry-run");
    if (sources > 1)
        return wp_fail(err, WP_EINVAL, "--string, --file and --fill cannot be combined");
    if ((r->utf16 || r->zero) && !r->text)
        return wp_fail(err, WP_EINVAL, "--utf16 and --zero apply only to --string");
    if (A(r)->skip.given && !A(r)->file)
        return wp_fail(err, WP_EINVAL, "--skip applies only to --file");
    if (r->text || A(r)->file) {
        r->data = r->text ? WP_DATA_STRING : WP_DATA_FILE;
        if (npos > 1)
            return wp_fail(err, WP_EINVAL, "unexpected argument '%s' after ADDRESS",
                           r->values[0]);
        if (r->length.given && r->text)
            return wp_fail(err, WP_EINVAL, "--length applies to --file, --fill and readphys");
        if (r->text && !*r->text && !r->zero)
            return wp_fail(err, WP_EINVAL,
                           "empty --string: nothing to write (add --zero "
                           "to write just a terminator)");
        if (r->width_given)
            return wp_fail(err, WP_EINVAL,
                           "-b/-w/-d/-q apply to VALUEs and --fill, not to "
                           "--string or --file");
        if (r->byte_order != WP_ORDER_TARGET)
            return wp_fail(err, WP_EINVAL,
                           "--big-endian and --little-endian apply to VALUEs "
                           "and --fill, not to --string or --file");
        if (A(r)->file && r->length.given && r->length.value > WP_MAX_TRANSFER)
            return wp_fail(err, WP_EINVAL,
                           "--length %llu is more than the 1 GiB one command "
                           "writes; split it with --skip and --length",
                           (unsigned long long)r->length.value);
        return WP_OK;
    }
    if (r->data == WP_DATA_FILL) {
        if (!r->length.given)
            return wp_fail(err, WP_EINVAL, "--fill needs --length N");
        if (r->length.value == 0)
            return wp_fail(err, WP_EINVAL, "--fill --length 0: nothing to write");
        if (r->length.value > WP_MAX_TRANSFER)
            return wp_fail(err, WP_EINVAL,
                           "--fill --length %llu is more than the 1 GiB one "
                           "command writes",
                           (unsigned long long)r->length.value);
        if (r->length.value % r->width)
            return wp_fail(err, WP_EINVAL,
                           "--length %llu is not a multiple of the %u-byte "
                           "width",
                           (unsigned long long)r->length.value, r->width);
        if (r->nvalues && r->nvalues * r->width > r->length.value)
            return wp_fail(err, WP_EINVAL,
                           "the pattern is %zu bytes, longer than --length "
                           "%llu: values past the length would be dropped",
                           r->nvalues * r->width, (unsigned long long)r->length.value);
    } else if (r->length.given) {
        return wp_fail(err, WP_EINVAL, "--length applies to --file, --fill and readphys");
    }
    if (npos < 2)
        return wp_fail(err, WP_EINVAL, "no VALUE to write after ADDRESS; %s", usage);
    return WP_OK;
}

#define SMALL_FILE (64u * 1024) /* read whole; a larger file streams */

/* Reads exactly `want` bytes, or to the end when want is UINT64_MAX (files
 * whose size the kernel does not report, such as those of /proc). */
static int read_all(int fd, const char *path, uint64_t want, wp_buf *data, wp_error *err)
{
    for (;;) {
        uint64_t left = want == UINT64_MAX ? WP_MAX_TRANSFER + 1 - data->len : want - data->len;
        if (!left)
            break;
        size_t step = left < (1u << 20) ? (size_t)left : (1u << 20);
        if (wp_buf_reserve(data, step))
            return wp_fail(err, WP_ENOMEM, "out of memory for %s", path);
        ssize_t n = read(fd, data->data + data->len, step);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return wp_fail(err, WP_EIO, "cannot read '%s': %s", path, strerror(errno));
        if (n == 0) /* the end: short of want is the caller's to say */
            break;
        data->len += (size_t)n;
        data->data[data->len] = '\0';
    }
    if (data->len > WP_MAX_TRANSFER)
        return wp_fail(err, WP_EINVAL,
                       "--file '%s' gives more than the 1 GiB one command "
                       "writes; split it with --skip and --length",
                       path);
    return WP_OK;
}

/* The bytes of --file: a regular file with a size is streamed from its fd
 * (*fd stays open for the write); one whose size the kernel does not
 * report (/proc) is read whole into data, as it is small. */
static int read_file(const wp_request *r, wp_buf *data, int *out_fd, uint64_t *offset,
                     uint64_t *length, wp_error *err)
{
    char path[4096];
    *out_fd = -1;
    int rc = wp_option_path("--file", A(r)->file, path, sizeof path, err);
    if (rc)
        return rc;
    /* O_NONBLOCK: a FIFO without a writer must not hang the debugger. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return wp_fail(err, WP_EIO, "cannot open --file '%s': %s", A(r)->file, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = wp_fail(err, WP_EIO, "--file '%s' is not a regular file", A(r)->file);
    if (!rc && fcntl(fd, F_SETFL, 0) != 0)
        rc = wp_fail(err, WP_EIO, "cannot read '%s': %s", A(r)->file, strerror(errno));
    uint64_t size = (uint64_t)st.st_size;
    if (!rc && size && A(r)->skip.value >= size)
        rc =
            wp_fail(err, WP_EINVAL, "--skip %llu is past the end of '%s' (%llu bytes)",
                    (unsigned long long)A(r)->skip.value, A(r)->file, (unsigned long long)size);
    uint64_t avail = size > A(r)->skip.value ? size - A(r)->skip.value : 0;
    if (!rc && size && r->length.given && r->length.value > avail)
        rc = wp_fail(err, WP_EINVAL,
                     "--length %llu runs past the end of '%s' (%llu byte%s "
                     "after --skip)",
                     (unsigned long long)r->length.value, A(r)->file, (unsigned long long)avail,
                     wp_plural(avail));
    if (!rc && size && r->length.given && r->length.value > WP_MAX_TRANSFER)
        rc = wp_fail(err, WP_EINVAL,
                     "--length %llu is more than the 1 GiB one command writes; split it "
                     "with --skip and --length",
                     (unsigned long long)r->length.value);
    if (!rc && size && !r->length.given && avail > WP_MAX_TRANSFER)
        rc = wp_fail(err, WP_EINVAL,
                     "--file '%s': %llu bytes is more than the 1 GiB one "
                     "command writes; split it with --skip and --length",
                     A(r)->file, (unsigned long long)avail);
    /* A small file is read whole before anything is sent (sysfs reports a
     * size it may not hold); a large one streams. */
    if (!rc && size > SMALL_FILE) {
        *out_fd = fd;
        *offset = A(r)->skip.value;
        *length = r->length.given ? r->length.value : avail;
        return WP_OK;
    }
    if (!rc && A(r)->skip.value && lseek(fd, (off_t)A(r)->skip.value, SEEK_SET) < 0)
        rc = wp_fail(err, WP_EIO, "cannot seek in '%s': %s", A(r)->file, strerror(errno));
    if (!rc) /* a size of 0 may be a file of /proc: read to its end */
        rc = read_all(fd, A(r)->file,
                      r->length.given ? r->length.value
                      : size          ? avail
                                      : UINT64_MAX,
                      data, err);
    /* lseek past the end of a /proc file succeeds and reads nothing. */
    if (!rc && A(r)->skip.value && data->len == 0)
        rc = wp_fail(err, WP_EINVAL, "--skip %llu is past the end of '%s'",
                     (unsigned long long)A(r)->skip.value, A(r)->file);
    if (!rc && data->len == 0)
        rc =
            wp_fail(err, WP_EINVAL, "--file '%s' gives no bytes: nothing to write", A(r)->file);
    if (!rc && r->length.given && data->len < r->length.value)
        rc = wp_fail(err, WP_EINVAL,
                     "--length %llu runs past the end of '%s' (%zu byte%s "
                     "after --skip)",
                     (unsigned long long)r->length.value, A(r)->file, data->len,
                     wp_plural(data->len));
    close(fd);
    return rc;
}

/* The bytes of a write (the pattern, for --fill); a file's stay in it. */
static int build_data(wp_session *s, const wp_request *r, int order, wp_buf *data,
                      wp_source *file, wp_error *err)
{
    switch (r->data) {
    case WP_DATA_STRING: {
        wp_buf text = {0};
        int rc = wp_unescape(r->text, &text, err);
        if (!rc && r->utf16)
            rc = wp_encode_utf16le(text.data ? text.data : "", text.len, r->zero, data, err);
        else if (!rc && (wp_buf_append(data, text.data ? text.data : "", text.len) ||
                         (r->zero && wp_buf_append(data, "", 1))))
            rc = wp_fail(err, WP_ENOMEM, "out of memory");
        wp_buf_free(&text);
        if (!rc && data->len == 0)
            rc = wp_fail(err, WP_EINVAL,
                         "empty --string: nothing to write (add --zero "
                         "to write just a terminator)");
        return rc;
    }
    case WP_DATA_FILE: {
        int rc = read_file(r, data, &file->fd, &file->fd_offset, &file->total, err);
        file->is_file = !rc && file->fd >= 0;
        if (file->is_file)
            file->stamp = wp_source_file_stamp(file->fd);
        return rc;
    }
    default: break;
    }
    if (wp_buf_reserve(data, r->nvalues * r->width))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->nvalues; i++) {
        uint64_t v;
        int neg;
        int rc = wp_evaluate(s, "VALUE", r->values[i], &v, &neg, err);
        if (!rc)
            rc = wp_encode_value(v, neg, r->width, order, (uint8_t *)data->data + data->len,
                                 r->values[i], err);
        if (rc)
            return rc;
        data->len += r->width;
    }
    return WP_OK;
}

static const char *verify_note(const wp_request *r, const wp_transfer *tr)
{
    if (tr->verified)
        return "verified";
    if (r->verify == 0)
        return r->verify_set ? "not verified (--no-verify)"
                             : "not verified (the verify setting is off)";
    if (tr->unverified == WP_REGION_UNASSIGNED)
        return "not verified (unassigned memory reads as zero whatever was written; the "
               "stub most likely dropped the bytes)";
    return "not verified (device memory: reads may have side effects; --verify to "
           "read back anyway)";
}

/* "at physical 0x1000", "at 0x1000 (the debugger's address; ...)" or
 * "at virtual 0xffff... (physical 0x1000)". */
static void format_where(wp_buf *out, const wp_address *where, const wp_segments *segs,
                         const char *claim)
{
    if (where->is_virtual) {
        wp_buf_printf(out, "at virtual 0x%llx", (unsigned long long)where->addr);
        wp_format_segments(out, segs);
    } else if (claim[0]) {
        wp_buf_printf(out, "at 0x%llx (%s)", (unsigned long long)where->addr, claim);
    } else {
        wp_buf_printf(out, "at physical 0x%llx", (unsigned long long)where->addr);
    }
}

static int dry_run(wp_session *s, const wp_request *r, const wp_address *where,
                   const wp_source *src, wp_result *res, wp_error *err)
{
    wp_target_info info;
    wp_error ignored = {0};
    int connected = wp_session_target_info(s, &info, &ignored) == WP_OK && info.connected;
    wp_segments segs = {0};
    char route[16] = "", claim[160] = "";
    if (connected) {
        wp_route_options opt = {r->backend, r->force, r->verify, 1};
        int rc = wp_resolve_segments(s, &opt, where, src->total, 1, &segs, route, sizeof route,
                                     claim, sizeof claim, err);
        if (rc) {
            wp_segments_free(&segs);
            return rc;
        }
        snprintf(res->backend, sizeof res->backend, "%s", route);
    } else if (where->is_virtual) {
        return wp_check_target_state(s, &info, err); /* translating needs a target */
    }
    res->dry_run = 1;
    wp_buf_printf(&res->text, "writephys: dry run: would write %llu byte%s ",
                  (unsigned long long)src->total, wp_plural(src->total));
    format_where(&res->text, where, &segs, claim);
    if (connected)
        wp_buf_printf(&res->text, " via %s", route);
    else
        wp_buf_printf(&res->text,
                      " (backend %s; no target, so no route or memory map was "
                      "checked)",
                      r->backend);
    wp_buf_printf(&res->text, "; nothing written: ");
    if (r->data == WP_DATA_FILL) {
        wp_buf_printf(&res->text, "pattern ");
        wp_format_bytes_preview(&res->text, src->pattern, src->pattern_len, 32);
        wp_buf_printf(&res->text, " repeated\n");
    } else {
        uint8_t head[32];
        size_t shown = src->total < sizeof head ? (size_t)src->total : sizeof head;
        const uint8_t *bytes = src->pattern;
        if (src->is_file) { /* only what the preview shows is read */
            int rc = wp_source_copy(src, 0, head, shown, err);
            if (rc) {
                wp_segments_free(&segs);
                return rc;
            }
            bytes = head;
        }
        wp_format_bytes_preview(&res->text, bytes, src->total, 32);
        wp_buf_printf(&res->text, "\n");
    }
    wp_segments_free(&segs);
    return WP_OK;
}

static int run(wp_session *s, const wp_request *r, uint64_t addr, wp_result *res, wp_error *err)
{
    int order = WP_ORDER_LITTLE;
    bool needs_order = r->width > 1 && (r->data == WP_DATA_VALUES || r->data == WP_DATA_FILL);
    int rc = needs_order ? wp_resolve_order(s, r->byte_order, &order, err) : WP_OK;
    uint64_t root = 0;
    wp_address where;
    if (!rc)
        rc = wp_request_address(s, r, addr, &root, &where, err);
    wp_buf data = {0};
    wp_source file = {.fd = -1, .path = A(r)->file};
    if (!rc)
        rc = build_data(s, r, order, &data, &file, err);
    wp_source src = {.pattern = (const uint8_t *)data.data,
                     .pattern_len = data.len,
                     .total = r->data == WP_DATA_FILL ? r->length.value : data.len};
    if (file.is_file) {
        src = file;
        src.pattern_len = (size_t)src.total;
    }
    res->length = src.total;
    if (!rc && src.total == 0)
        rc = wp_fail(err, WP_EINVAL, "empty data: nothing to write");
    uint64_t refused = 0, reach = src.total;
    if (!rc && r->partial) { /* the bytes up to what the map refuses */
        rc = wp_check_span(addr, src.total, err);
        if (!rc)
            rc = wp_map_reach(s, r->backend, addr, src.total, 1, &reach, &refused, err);
        wp_mi_field(res, "refused", "%llu", (unsigned long long)refused);
        src.total = reach;
        src.pattern_len = src.pattern_len < reach ? src.pattern_len : (size_t)reach;
    }
    int none = !rc && r->partial && !reach; /* the map lets it reach no byte */
    if (!rc && !none)
        rc = wp_check_span(addr, src.total, err);
    if (!rc && !none && A(r)->dry_run) {
        rc = dry_run(s, r, &where, &src, res, err);
    } else if (!rc && !none) {
        wp_route_options opt = {r->backend, r->force, r->verify, 1};
        wp_transfer tr;
        rc = wp_dataspace_write_at(s, &opt, &where, &src, &tr, err);
        res->bytes_done = tr.done;
        res->in_doubt = tr.in_doubt;
        res->verified = tr.verified;
        if (tr.route)
            snprintf(res->backend, sizeof res->backend, "%s", tr.route->name);
        if (!rc) {
            if (tr.note[0])
                wp_buf_printf(&res->text, "writephys: note: %s\n", tr.note);
            wp_buf_printf(&res->text, "writephys: wrote %llu byte%s ",
                          (unsigned long long)tr.done, wp_plural(tr.done));
            format_where(&res->text, &where, &tr.segments, tr.claim);
            wp_buf_printf(&res->text, " via %s, %s\n", tr.via, verify_note(r, &tr));
        }
        wp_segments_free(&tr.segments);
    }
    if (!rc && refused)
        wp_buf_printf(&res->text,
                      "writephys: wrote %llu of %llu byte%s; the memory map refuses "
                      "the next %llu (ROM or unassigned), which were not written\n",
                      (unsigned long long)res->bytes_done, (unsigned long long)res->length,
                      wp_plural(res->length), (unsigned long long)refused);
    wp_buf_free(&data);
    if (file.is_file)
        close(file.fd);
    return rc;
}

static void mi_fields(wp_result *res)
{
    wp_mi_common(res);
    wp_mi_field(res, "bytes-written", "%llu", (unsigned long long)res->bytes_done);
    wp_mi_field(res, "verified", "%s", res->verified ? "yes" : "no");
    wp_mi_field(res, "dry-run", "%s", res->dry_run ? "yes" : "no");
}

const wp_command_def wp_cmd_writephys = {
    .name = "writephys",
    .usage = usage,
    .help = help,
    .options = {WP_OPTS_WIDTH, WP_OPTS_STRING, WP_OPTION_SET(file_rows, 0), WP_OPTS_LENGTH,
                WP_OPTION_SET(fill_rows, 0), WP_OPTS_BACKEND, WP_OPTS_VERIFY,
                WP_OPTION_SET(dry_run_rows, 0), WP_OPTS_PARTIAL, WP_OPTS_FORCE, WP_OPTS_ORDER,
                WP_OPTS_VIRTUAL, WP_OPTS_ROOT, WP_OPTS_ALWAYS},
    .args_size = sizeof(write_args),
    .route_options = 1,
    .check = check,
    .run = run,
    .mi_fields = mi_fields,
};
