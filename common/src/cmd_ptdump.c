/* ptdump: the whole address space as merged ranges with flags, and ptov:
 * every virtual address that maps a physical range (gdb-pt-dump, QEMU's
 * `info mem`, WinDbg's !ptov).  Both walk every table once through
 * wp_walk_each. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The flags as the lines print them: "rw kernel nx". */
static void flag_words(char *buf, size_t cap, const char *mode, unsigned f)
{
    if (strncmp(mode, "aarch64", 7) == 0)
        snprintf(buf, cap, "%s %s%s%s%s", (f & WP_PAGE_WRITE) ? "rw" : "ro",
                 (f & WP_PAGE_USER) ? "user" : "kernel", (f & WP_PAGE_EXEC) ? "" : " uxn",
                 (f & WP_PAGE_KERNEL_EXEC) ? "" : " pxn",
                 (f & WP_PAGE_EXEC) && (f & WP_PAGE_KERNEL_EXEC) ? " x" : "");
    else
        snprintf(buf, cap, "%s %s %s", (f & WP_PAGE_WRITE) ? "rw" : "ro",
                 (f & WP_PAGE_USER) ? "user" : "kernel", (f & WP_PAGE_EXEC) ? "x" : "nx");
}

/* Executable at all: x86/riscv the X/NX bit; aarch64 at EL0 or EL1. */
static int executable(unsigned f)
{
    return (f & (WP_PAGE_EXEC | WP_PAGE_KERNEL_EXEC)) != 0;
}

/* --filter: words separated by commas, each w, x, user, kernel or wx,
 * negated by a leading '!' or "no".  A range is shown when every word holds. */
enum { F_W = 1, F_X = 2, F_USER = 4, F_KERNEL = 8, F_WX = 16 };
typedef struct filter {
    unsigned want, reject;
} filter;

static int parse_filter(const char *text, filter *f, wp_error *err)
{
    memset(f, 0, sizeof *f);
    if (!text)
        return WP_OK;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        int neg = 0;
        const char *w = p;
        if (n && w[0] == '!') {
            neg = 1;
            w++;
            n--;
        } else if (n > 2 && strncmp(w, "no", 2) == 0) {
            neg = 1;
            w += 2;
            n -= 2;
        }
        static const struct {
            const char *name;
            unsigned bit;
        } words[] = {
            {"w", F_W}, {"x", F_X}, {"user", F_USER}, {"kernel", F_KERNEL}, {"wx", F_WX}};
        unsigned bit = 0;
        for (size_t i = 0; i < WP_ARRAY_LEN(words); i++)
            if (strlen(words[i].name) == n && strncmp(words[i].name, w, n) == 0)
                bit = words[i].bit;
        if (!bit)
            return wp_fail(err, WP_EINVAL,
                           "bad --filter word '%.*s' in '%s': w, x, user, kernel or wx, each "
                           "negated by '!' or 'no', separated by commas",
                           (int)(end ? (size_t)(end - p) : strlen(p)), p, text);
        if (neg)
            f->reject |= bit;
        else
            f->want |= bit;
        if (!end)
            break;
        p = end + 1;
        if (!*p)
            return wp_fail(err, WP_EINVAL, "bad --filter '%s': a comma with nothing after it",
                           text);
    }
    if (f->want & f->reject)
        return wp_fail(err, WP_EINVAL, "--filter '%s' asks for a flag and its negation", text);
    return WP_OK;
}

static int filter_holds(const filter *f, unsigned flags)
{
    unsigned have = ((flags & WP_PAGE_WRITE) ? F_W : 0) | (executable(flags) ? F_X : 0) |
                    ((flags & WP_PAGE_USER) ? F_USER : F_KERNEL);
    if ((flags & WP_PAGE_WRITE) && executable(flags))
        have |= F_WX;
    return (have & f->want) == f->want && !(have & f->reject);
}

/* --range A-B: both ends numbers or sizes, B inclusive; A alone is A-A. */
static int parse_range(const char *text, uint64_t *lo, uint64_t *hi, wp_error *err)
{
    *lo = 0;
    *hi = UINT64_MAX;
    if (!text)
        return WP_OK;
    char a[64], b[64];
    const char *dash = strchr(text + 1, '-');
    if (!dash || (size_t)(dash - text) >= sizeof a || strlen(dash + 1) >= sizeof b)
        return wp_fail(err, WP_EINVAL,
                       "bad --range '%s': give START-END, e.g. "
                       "0xffff888000000000-0xffff88807fffffff",
                       text);
    snprintf(a, sizeof a, "%.*s", (int)(dash - text), text);
    snprintf(b, sizeof b, "%s", dash + 1);
    if (wp_parse_u64(a, true, lo) || wp_parse_u64(b, true, hi))
        return wp_fail(err, WP_EINVAL,
                       "bad --range '%s': START and END are numbers "
                       "(0x..., or sizes such as 4K)",
                       text);
    if (*hi < *lo)
        return wp_fail(err, WP_EINVAL, "bad --range '%s': END is below START", text);
    return WP_OK;
}

/* Opens the route and reads the paging registers for a whole-space walk
 * (ptdump, ptov); wp_walk_close closes it after the walk's status rc. */
int wp_walk_open(wp_session *s, const wp_request *r, uint64_t half_va, wp_route_handle **h,
                 wp_walker *w, wp_error *err)
{
    uint64_t root = 0;
    int negative = 0;
    if (r->root) {
        int rc = wp_evaluate(s, "--root", r->root, &root, &negative, err);
        if (!rc && negative)
            rc = wp_fail(err, WP_EINVAL, "--root '%s' is negative", r->root);
        if (rc)
            return rc;
    }
    wp_route_options opt = {r->backend, r->force, 0, 0};
    int rc = wp_route_open(s, &opt, h, err);
    if (rc)
        return rc;
    memset(w, 0, sizeof *w);
    rc = wp_paging_from_target(s, r->root ? &root : NULL, half_va, &w->paging, err);
    if (rc) {
        wp_error ignored = {0};
        wp_route_close(*h, &ignored);
        *h = NULL;
    }
    return rc;
}

int wp_walk_close(wp_route_handle *h, int rc, wp_error *err)
{
    wp_error close_err = {0};
    int close_rc = wp_route_close(h, &close_err);
    if (!rc && close_rc) {
        *err = close_err;
        rc = close_rc;
    }
    return rc;
}

/* ---- ptdump ---- */

static const char ptdump_usage[] =
    "usage: ptdump [--root VALUE] [--range START-END] [--filter FLAGS]";

static const char ptdump_help[] =
    "Show the whole address space of the target's page tables as ranges.\n"
    "Usage: ptdump [OPTIONS]\n"
    "\n"
    "One line per range of virtual addresses: its physical range, page size\n"
    "and flags; adjacent pages with the same size and flags whose frames follow\n"
    "each other are merged (QEMU's 'info mem', gdb-pt-dump).  Every table is\n"
    "read once, through the route, as physical memory; the closing line counts\n"
    "the ranges and the table pages read.  The modes are vtop's: x86-64 (4- and\n"
    "5-level), i386 (PAE and not), aarch64 (TTBR0 and TTBR1, 4K/16K/64K),\n"
    "riscv Sv32/39/48/57.\n"
    "\n"
    "--root VALUE         Dump another address space: VALUE replaces CR3,\n"
    "                     satp, or TTBR0 (TTBR1 when --range starts in the\n"
    "                     upper half).\n"
    "--range START-END    Only virtual addresses in [START, END].\n"
    "--filter FLAGS       Only ranges with these flags: w, x, user, kernel, wx,\n"
    "                     each negated by '!' or 'no', separated by commas\n"
    "                     ('--filter wx,kernel': writable and executable kernel\n"
    "                     pages).\n"
    "--force              Read tables even where the memory map shows a device.\n"
    "--backend NAME       Route to physical memory (default auto):\n"
    "@ROUTES@\n"
    "--help, -h           Show this text.\n"
    "--version            Name the core and the route a write would take now.\n"
    "--mi                 Also print the result as a GDB/MI record (^done,...).\n"
    "\n"
    "Example:\n"
    "  ptdump --range 0xffff888000000000-0xffff88ffffffffff\n"
    "  0xffff888000000000-0xffff88807fffffff -> 0x0-0x7fffffff  2 MiB  rw kernel nx\n";

typedef struct dump_state {
    wp_buf *out;
    const char *mode;
    filter f;
    int open; /* a range is being gathered */
    wp_leaf cur;
    uint64_t cur_end; /* inclusive */
    uint64_t ranges, mapped;
} dump_state;

static void dump_flush(dump_state *d)
{
    if (!d->open)
        return;
    d->open = 0;
    if (!filter_holds(&d->f, d->cur.flags))
        return;
    char size[32], flags[48];
    wp_format_size(size, sizeof size, d->cur.size);
    flag_words(flags, sizeof flags, d->mode, d->cur.flags);
    uint64_t len = d->cur_end - d->cur.va;
    wp_buf_printf(d->out, "0x%llx-0x%llx -> 0x%llx-0x%llx  %s  %s\n",
                  (unsigned long long)d->cur.va, (unsigned long long)d->cur_end,
                  (unsigned long long)d->cur.phys, (unsigned long long)(d->cur.phys + len),
                  size, flags);
    d->ranges++;
    d->mapped += len + 1;
}

/* A guest's tables can hold more leaves than any screen: the text stays
 * bounded. */
#define WP_PTDUMP_MAX_RANGES 1000000u

static int dump_leaf(void *ctx, const wp_leaf *leaf, wp_error *err)
{
    dump_state *d = ctx;
    if (d->open && leaf->va == d->cur_end + 1 && leaf->size == d->cur.size &&
        leaf->flags == d->cur.flags && leaf->phys == d->cur.phys + (leaf->va - d->cur.va)) {
        d->cur_end += leaf->size;
        return WP_OK;
    }
    dump_flush(d);
    if (d->ranges >= WP_PTDUMP_MAX_RANGES)
        return wp_fail(err, WP_EREFUSED,
                       "more than %u ranges (tables that point back at themselves?): narrow "
                       "the dump with --range",
                       WP_PTDUMP_MAX_RANGES);
    d->open = 1;
    d->cur = *leaf;
    d->cur_end = leaf->va + (leaf->size - 1);
    return WP_OK;
}

/* The options of ptdump alone. */
typedef struct ptdump_args {
    const char *range, *filter;
} ptdump_args;
#define A(r) ((ptdump_args *)(r)->args)

static const wp_option ptdump_rows[] = {
    {"range", 0, WP_OPTION_TEXT, "A-B", "A-B", "Only virtual addresses from A to B.", NULL,
     offsetof(ptdump_args, range), 0, NULL},
    {"filter", 0, WP_OPTION_TEXT, "FLAGS (w, x, user, kernel, wx)", "FLAGS",
     "Only mappings with (or, after !, without) these flags.", NULL,
     offsetof(ptdump_args, filter), 0, NULL},
};

static int ptdump_check(wp_request *r, size_t npos, wp_error *err)
{
    if (npos)
        return wp_fail(err, WP_EINVAL, "unexpected argument '%s'; %s", r->address,
                       ptdump_usage);
    uint64_t lo, hi;
    filter f;
    int rc = parse_range(A(r)->range, &lo, &hi, err);
    return rc ? rc : parse_filter(A(r)->filter, &f, err);
}

static int ptdump_run(wp_session *s, const wp_request *r, uint64_t addr, wp_result *res,
                      wp_error *err)
{
    (void)addr;
    uint64_t lo, hi;
    dump_state d = {.out = &res->text};
    int rc = parse_range(A(r)->range, &lo, &hi, err);
    if (!rc)
        rc = parse_filter(A(r)->filter, &d.f, err);
    wp_route_handle *h = NULL;
    wp_walker w;
    if (!rc)
        rc = wp_walk_open(s, r, lo, &h, &w, err);
    if (rc)
        return rc;
    char mode[48] = "";
    d.mode = mode;
    snprintf(mode, sizeof mode, "%s", wp_paging_mode_name(w.paging.mode));
    rc = wp_walk_each(s, h, &w, lo, hi, dump_leaf, &d, mode, sizeof mode, err);
    if (!rc)
        dump_flush(&d);
    rc = wp_walk_close(h, rc, err);
    if (rc)
        return rc;
    wp_buf_printf(
        &res->text, "ptdump: %llu range%s (0x%llx bytes mapped%s), %u table page%s read (%s)\n",
        (unsigned long long)d.ranges, d.ranges == 1 ? "" : "s", (unsigned long long)d.mapped,
        A(r)->filter ? " that pass the filter" : "", w.reads, w.reads == 1 ? "" : "s", mode);
    res->length = d.ranges;
    snprintf(res->backend, sizeof res->backend, "%s", r->backend);
    wp_mi_field(res, "ranges", "%llu", (unsigned long long)d.ranges);
    wp_mi_field(res, "table-pages", "%u", w.reads);
    wp_mi_field(res, "mode", "%s", mode);
    return WP_OK;
}

const wp_command_def wp_cmd_ptdump = {
    .name = "ptdump",
    .usage = ptdump_usage,
    .help = ptdump_help,
    .options = {WP_OPTS_BACKEND, WP_OPTS_FORCE, WP_OPTS_ROOT, WP_OPTION_SET(ptdump_rows, 0),
                WP_OPTS_ALWAYS},
    .args_size = sizeof(ptdump_args),
    .raw_args = 1,
    .check = ptdump_check,
    .run = ptdump_run,
};
