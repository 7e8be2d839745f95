/* vtop: a virtual address to the physical one, through the target's page
 * tables (WinDbg's !vtop); --walk shows every level. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char usage[] = "usage: vtop [OPTIONS] ADDRESS";

static const char help[] =
    "Translate a virtual address through the target's page tables.\n"
    "Usage: vtop [OPTIONS] ADDRESS\n"
    "\n"
    "ADDRESS is a virtual address, a debugger expression.  The mode and the\n"
    "root come from the debugger's registers: x86-64 (4- and 5-level) and i386\n"
    "(PAE, non-PAE) from CR0/CR3/CR4/EFER; aarch64 EL1 stage 1 from SCTLR_EL1,\n"
    "TCR_EL1 and TTBR0/1_EL1 (4K, 16K and 64K granules, each half its own;\n"
    "52-bit and 5-level FEAT_LPA/LPA2 layouts); riscv Sv32/39/48/57\n"
    "from satp.  The tables are read as physical memory through the route.\n"
    "\n"
    "--walk          Show every level: table, index, entry address and value,\n"
    "                the entry's bits; write an entry with writephys at the\n"
    "                address shown.\n"
    "--root VALUE    Walk another address space: VALUE replaces CR3, satp, or\n"
    "                the TTBR of the address's half.\n"
    "--force         Read tables even where the memory map shows a device or a\n"
    "                hole (a device's registers may change when read).\n"
    "--backend NAME  Route to physical memory (default auto):\n"
    "@ROUTES@\n"
    "--help, -h      Show this text.\n"
    "\n"
    "writephys --virtual and readphys --virtual take a virtual ADDRESS the same\n"
    "way: every page is translated before anything is written.\n"
    "\n"
    "Examples:\n"
    "  vtop $rip\n"
    "  vtop --walk 0xffff888000001000\n"
    "  vtop --root 0x1234000 0x400000\n"
    "  writephys --virtual --string \"patched\" &linux_banner\n";

static int check(wp_request *r, size_t npos, wp_error *err)
{
    if (npos > 1)
        return wp_fail(err, WP_EINVAL, "unexpected argument '%s'; %s", r->values[0], usage);
    r->is_virtual = 1;
    return WP_OK;
}

int wp_request_address(wp_session *s, const wp_request *r, uint64_t addr, uint64_t *root_value,
                       wp_address *where, wp_error *err)
{
    *where = (wp_address){addr, r->is_virtual, NULL};
    if (!r->root)
        return WP_OK;
    int negative = 0;
    int rc = wp_evaluate(s, "--root", r->root, root_value, &negative, err);
    if (!rc && negative)
        rc = wp_fail(err, WP_EINVAL, "--root '%s' is negative", r->root);
    where->root = root_value;
    return rc;
}

void wp_format_segments(wp_buf *out, const wp_segments *segs)
{
    wp_buf_printf(out, " (physical ");
    for (size_t k = 0; k < segs->count && k < 4; k++) {
        const wp_segment *g = &segs->items[k];
        if (segs->count == 1 && k == 0)
            wp_buf_printf(out, "0x%llx", (unsigned long long)g->phys);
        else
            wp_buf_printf(out, "%s0x%llx-0x%llx", k ? ", " : "", (unsigned long long)g->phys,
                          (unsigned long long)(g->phys + g->len - 1));
    }
    if (segs->count > 4)
        wp_buf_printf(out, " and %zu more ranges", segs->count - 4);
    wp_buf_printf(out, ")");
}

static int run(wp_session *s, const wp_request *r, uint64_t addr, wp_result *res, wp_error *err)
{
    uint64_t root = 0;
    wp_address where;
    int rc = wp_request_address(s, r, addr, &root, &where, err);
    if (rc)
        return rc;
    wp_route_options opt = {r->backend, r->force, 0, 0};
    wp_translation t;
    rc = wp_virtual_to_physical(s, &opt, where.root, addr, &t, err);
    int steps = (int)t.nsteps;
    if (r->walk || (rc == WP_EREFUSED && steps))
        wp_buf_printf(&res->text, "vtop: %s walk of 0x%llx\n", t.mode,
                      (unsigned long long)addr);
    for (int i = 0; r->walk && i < steps; i++) {
        const wp_walk_step *st = &t.steps[i];
        char bits[96];
        wp_describe_entry(strncmp(t.mode, "aarch64", 7) == 0 ? WP_PAGING_ARM64
                          : strncmp(t.mode, "riscv", 5) == 0 ? WP_PAGING_SV39
                                                             : WP_PAGING_X86_64_4,
                          st->entry, bits, sizeof bits);
        wp_buf_printf(&res->text,
                      "  %-4s table 0x%llx index %u: entry at physical 0x%llx = 0x%016llx "
                      "[%s]\n",
                      st->name, (unsigned long long)st->table, st->index,
                      (unsigned long long)st->entry_addr, (unsigned long long)st->entry, bits);
    }
    if (rc) {
        if (!r->walk)
            wp_buf_clear(&res->text);
        return rc;
    }
    res->length = t.page_size;
    res->bytes_done = t.phys;
    snprintf(res->backend, sizeof res->backend, "%s", r->backend);
    wp_buf_printf(&res->text, "vtop: 0x%llx -> physical 0x%llx (", (unsigned long long)addr,
                  (unsigned long long)t.phys);
    wp_format_translation(&res->text, &t);
    wp_buf_printf(&res->text, ")\n");
    /* For MI: kept in the result until mi_fields writes them. */
    wp_buf_printf(&res->data, "%s", t.mode);
    res->verified = (int)t.flags;
    return WP_OK;
}

static void mi_fields(wp_result *res)
{
    wp_mi_field(res, "virtual", "0x%llx", (unsigned long long)res->address);
    wp_mi_field(res, "physical", "0x%llx", (unsigned long long)res->bytes_done);
    wp_mi_field(res, "page-size", "%llu", (unsigned long long)res->length);
    unsigned flags = (unsigned)res->verified;
    wp_mi_field(res, "writable", "%s", (flags & WP_PAGE_WRITE) ? "yes" : "no");
    wp_mi_field(res, "user", "%s", (flags & WP_PAGE_USER) ? "yes" : "no");
    wp_mi_field(res, "executable", "%s", (flags & WP_PAGE_EXEC) ? "yes" : "no");
    wp_mi_field(res, "mode", "%s", res->data.data ? res->data.data : "");
}

const wp_command_def wp_cmd_vtop = {
    .name = "vtop",
    .usage = usage,
    .help = help,
    /* --force: the map's refusal of a table read offers it, so it works. */
    .options = WP_OPT_ROOT | WP_OPT_WALK | WP_OPT_BACKEND | WP_OPT_FORCE,
    .check = check,
    .run = run,
    .mi_fields = mi_fields,
};
