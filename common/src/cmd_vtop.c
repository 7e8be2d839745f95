/* vtop: a virtual address to the physical one, through the target's page
 * tables (WinDbg's !vtop); --walk shows every level. */
#include <stddef.h>
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
    "--version       Name the core and the route a write would take now.\n"
    "--mi            Also print the result as a GDB/MI record (^done,...).\n"
    "\n"
    "writephys --virtual and readphys --virtual take a virtual ADDRESS the same\n"
    "way: every page is translated before anything is written.\n"
    "\n"
    "Examples:\n"
    "  vtop $rip\n"
    "  vtop --walk 0xffff888000001000\n"
    "  vtop --root 0x1234000 0x400000\n"
    "  writephys --virtual --string \"patched\" &linux_banner\n";

/* The options of vtop alone. */
typedef struct vtop_args {
    int walk;
} vtop_args;
#define A(r) ((vtop_args *)(r)->args)

static const wp_option walk_rows[] = {
    {"walk", 0, WP_OPTION_FLAG, NULL, NULL, "Every level of the walk.", NULL,
     offsetof(vtop_args, walk), 0, NULL},
};

static int check(wp_request *r, size_t npos, wp_error *err)
{
    if (npos > 1)
        return wp_fail(err, WP_EINVAL, "unexpected argument '%s'; %s", r->values[0], usage);
    r->is_virtual = 1;
    return WP_OK;
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
    if (A(r)->walk || (rc == WP_EREFUSED && steps))
        wp_buf_printf(&res->text, "vtop: %s walk of 0x%llx\n", t.mode,
                      (unsigned long long)addr);
    for (int i = 0; A(r)->walk && i < steps; i++) {
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
        if (!A(r)->walk)
            wp_buf_clear(&res->text);
        return rc;
    }
    res->length = t.page_size;
    snprintf(res->backend, sizeof res->backend, "%s", r->backend);
    wp_buf_printf(&res->text, "vtop: 0x%llx -> physical 0x%llx (", (unsigned long long)addr,
                  (unsigned long long)t.phys);
    wp_format_translation(&res->text, &t);
    wp_buf_printf(&res->text, ")\n");
    wp_mi_field(res, "virtual", "0x%llx", (unsigned long long)addr);
    wp_mi_field(res, "physical", "0x%llx", (unsigned long long)t.phys);
    wp_mi_field(res, "page-size", "%llu", (unsigned long long)t.page_size);
    wp_mi_field(res, "writable", "%s", (t.flags & WP_PAGE_WRITE) ? "yes" : "no");
    wp_mi_field(res, "user", "%s", (t.flags & WP_PAGE_USER) ? "yes" : "no");
    wp_mi_field(res, "executable", "%s", (t.flags & WP_PAGE_EXEC) ? "yes" : "no");
    wp_mi_field(res, "mode", "%s", t.mode);
    return WP_OK;
}

const wp_command_def wp_cmd_vtop = {
    .name = "vtop",
    .usage = usage,
    .help = help,
    /* --force: the map's refusal of a table read offers it, so it works. */
    .options = {WP_OPTS_BACKEND, WP_OPTS_FORCE, WP_OPTS_ROOT, WP_OPTION_SET(walk_rows, 0),
                WP_OPTS_ALWAYS},
    .args_size = sizeof(vtop_args),
    .check = check,
    .run = run,
};
