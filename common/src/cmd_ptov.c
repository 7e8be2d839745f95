/* ptov: every virtual address of an address space whose translation lands
 * in a physical range (WinDbg's !ptov, crash's ptov), from one walk of
 * every table (wp_walk_each). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define PTOV_SHOWN     64       /* aliases listed without --all */
#define PTOV_SHOWN_ALL 1000000u /* and with it: a hostile table keeps the text bounded */

static const char usage[] = "usage: ptov [--root VALUE] [--all] PHYS [--length N]";

static const char help[] =
    "List every virtual address that maps a physical range.\n"
    "Usage: ptov [OPTIONS] PHYS [--length N]\n"
    "\n"
    "Walks every table of the address space (the current CR3, TTBR0 and TTBR1,\n"
    "or satp), each read once, and prints each virtual address whose\n"
    "translation lands in [PHYS, PHYS+N), with its page size and flags as vtop\n"
    "prints them; the closing line counts them and the table pages read.\n"
    "\n"
    "--length N      The physical range's length (default 1).\n"
    "--all           List every alias (without it, the first 64).\n"
    "--root VALUE    Another address space: VALUE replaces CR3, satp or TTBR0.\n"
    "--force         Read tables even where the memory map shows a device.\n"
    "--backend NAME  Route to physical memory (default auto):\n"
    "@ROUTES@\n"
    "--help, -h      Show this text.\n"
    "--version       Name the core and the route a write would take now.\n"
    "--mi            Also print the result as a GDB/MI record (^done,...).\n"
    "\n"
    "Examples:\n"
    "  ptov 0x1000000\n"
    "  ptov --all 0x2000 --length 4K\n";

typedef struct ptov_state {
    wp_buf *out;
    const char *mode;
    uint64_t lo, hi; /* the physical range, inclusive */
    int all;
    uint64_t found, shown;
    uint64_t first_va; /* for MI */
} ptov_state;

static int ptov_leaf(void *ctx, const wp_leaf *leaf, wp_error *err)
{
    (void)err;
    ptov_state *p = ctx;
    uint64_t last = leaf->phys + (leaf->size - 1);
    if (last < p->lo || leaf->phys > p->hi)
        return WP_OK;
    uint64_t from = leaf->phys > p->lo ? leaf->phys : p->lo;
    uint64_t to = last < p->hi ? last : p->hi;
    uint64_t va = leaf->va + (from - leaf->phys);
    if (!p->found)
        p->first_va = va;
    p->found++;
    if (p->shown >= (p->all ? PTOV_SHOWN_ALL : PTOV_SHOWN))
        return WP_OK;
    p->shown++;
    wp_translation t = {
        .virt = va, .phys = from, .page_size = leaf->size, .flags = leaf->flags};
    snprintf(t.mode, sizeof t.mode, "%s", p->mode);
    if (from == to)
        wp_buf_printf(p->out, "ptov: 0x%llx -> physical 0x%llx (", (unsigned long long)va,
                      (unsigned long long)from);
    else
        wp_buf_printf(p->out, "ptov: 0x%llx-0x%llx -> physical 0x%llx-0x%llx (",
                      (unsigned long long)va, (unsigned long long)(va + (to - from)),
                      (unsigned long long)from, (unsigned long long)to);
    wp_format_translation(p->out, &t);
    wp_buf_printf(p->out, ")\n");
    return WP_OK;
}

/* The options of ptov alone. */
typedef struct ptov_args {
    int all;
} ptov_args;
#define A(r) ((ptov_args *)(r)->args)

static const wp_option all_rows[] = {
    {"all", 0, WP_OPTION_FLAG, NULL, NULL, "Every alias, not the first 64.", NULL,
     offsetof(ptov_args, all), 0, NULL},
};

static int check(wp_request *r, size_t npos, wp_error *err)
{
    if (npos > 1)
        return wp_fail(err, WP_EINVAL, "unexpected argument '%s'; %s", r->values[0], usage);
    if (r->length.given && r->length.value == 0)
        return wp_fail(err, WP_EINVAL, "--length 0: the range is empty");
    return WP_OK;
}

static int run(wp_session *s, const wp_request *r, uint64_t addr, wp_result *res, wp_error *err)
{
    uint64_t len = r->length.given ? r->length.value : 1;
    if (len - 1 > UINT64_MAX - addr)
        return wp_fail(err, WP_EINVAL, "0x%llx + %llu runs past 2^64", (unsigned long long)addr,
                       (unsigned long long)len);
    ptov_state p = {.out = &res->text, .lo = addr, .hi = addr + (len - 1), .all = A(r)->all};
    wp_route_handle *h = NULL;
    wp_walker w;
    int rc = wp_walk_open(s, r, 0, &h, &w, err);
    if (rc)
        return rc;
    char mode[48];
    snprintf(mode, sizeof mode, "%s", wp_paging_mode_name(w.paging.mode));
    p.mode = mode;
    rc = wp_walk_each(s, h, &w, 0, UINT64_MAX, ptov_leaf, &p, mode, sizeof mode, err);
    rc = wp_walk_close(h, rc, err);
    if (rc)
        return rc;
    char range[64];
    if (len == 1)
        snprintf(range, sizeof range, "physical 0x%llx", (unsigned long long)addr);
    else
        snprintf(range, sizeof range, "physical 0x%llx-0x%llx", (unsigned long long)addr,
                 (unsigned long long)p.hi);
    wp_buf_printf(&res->text, "ptov: %llu virtual address%s map%s %s",
                  (unsigned long long)p.found, p.found == 1 ? "" : "es",
                  p.found == 1 ? "s" : "", range);
    if (p.shown < p.found)
        wp_buf_printf(&res->text, " (the first %llu shown%s)", (unsigned long long)p.shown,
                      A(r)->all ? "" : "; --all lists every one");
    wp_buf_printf(&res->text, "; %u table page%s read (%s)\n", w.reads, w.reads == 1 ? "" : "s",
                  mode);
    res->length = len;
    snprintf(res->backend, sizeof res->backend, "%s", r->backend);
    wp_mi_field(res, "physical", "0x%llx", (unsigned long long)addr);
    wp_mi_field(res, "length", "%llu", (unsigned long long)len);
    wp_mi_field(res, "mappings", "%llu", (unsigned long long)p.found);
    if (p.found)
        wp_mi_field(res, "first-virtual", "0x%llx", (unsigned long long)p.first_va);
    wp_mi_field(res, "table-pages", "%u", w.reads);
    return WP_OK;
}

const wp_command_def wp_cmd_ptov = {
    .name = "ptov",
    .usage = usage,
    .help = help,
    .options = {WP_OPTS_LENGTH, WP_OPTS_BACKEND, WP_OPTS_FORCE, WP_OPTS_ROOT,
                WP_OPTION_SET(all_rows, 0), WP_OPTS_ALWAYS},
    .args_size = sizeof(ptov_args),
    .first = "PHYS",
    .check = check,
    .run = run,
};
