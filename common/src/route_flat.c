/* The flat route: physical equals the debugger's addresses, for targets whose
 * MMU is off or absent.  Only when named; `auto` never picks it, because on a
 * target with paging on it would write to a virtual address.  So it checks
 * the translation registers first: translation on is a refusal, and an
 * address it could not check is never called physical. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define FLAT_CHUNK 65536

typedef struct flat_state {
    int shown;     /* translation seen to be off */
    char why[160]; /* otherwise, why it could not be seen */
} flat_state;

static int reg(wp_session *s, const char *name, uint64_t *value)
{
    wp_error ignored = {0};
    return wp_session_register(s, name, value, &ignored);
}

static int translating(wp_session *s, flat_state *f, const char *what, wp_error *err)
{
    (void)s;
    (void)f;
    return wp_fail(err, WP_ENOROUTE,
                   "%s: the debugger's addresses are virtual, so the flat route would not "
                   "reach physical memory; choose a physical route (auto)",
                   what);
}

/* x86: CR0.PG.  aarch64: SCTLR_ELx.M for the current EL.  riscv: satp's
 * mode, unless the hart runs in M-mode, which never translates. */
static int check_translation(wp_session *s, flat_state *f, const char *arch, wp_error *err)
{
    uint64_t v = 0;
    arch = wp_session_family(s, arch);
    if (strstr(arch, "86")) {
        if (reg(s, "cr0", &v))
            return snprintf(f->why, sizeof f->why, "no cr0 register to check paging"), WP_OK;
        if (v & (1u << 31))
            return translating(s, f, "paging is on (CR0.PG=1)", err);
    } else if (strstr(arch, "aarch64")) {
        uint64_t cpsr = 0;
        if (reg(s, "cpsr", &cpsr))
            return snprintf(f->why, sizeof f->why, "no cpsr register to find the EL"), WP_OK;
        unsigned el = (unsigned)(cpsr >> 2) & 3;
        char name[16];
        snprintf(name, sizeof name, "SCTLR_EL%u", el ? el : 1);
        /* QEMU 7.2 names SCTLR_EL1 "SCTLR" in its system-register list. */
        if (el <= 1 && reg(s, name, &v) && reg(s, "SCTLR", &v) == WP_OK)
            snprintf(name, sizeof name, "SCTLR");
        else if (reg(s, name, &v))
            return snprintf(f->why, sizeof f->why, "no %s register to check the MMU", name),
                   WP_OK;
        if (v & 1) {
            char what[48];
            snprintf(what, sizeof what, "the MMU is on (%s.M=1)", name);
            return translating(s, f, what, err);
        }
    } else if (strstr(arch, "riscv")) {
        uint64_t priv = 0;
        if (reg(s, "priv", &priv) == WP_OK && priv == 3) {
            f->shown = 1; /* M-mode: addresses are physical */
            return WP_OK;
        }
        if (reg(s, "satp", &v))
            return snprintf(f->why, sizeof f->why, "no satp register to check paging"), WP_OK;
        int rv32 = strstr(arch, "rv32") != NULL;
        uint64_t mode = rv32 ? (v >> 31) & 1 : v >> 60;
        if (mode) {
            char what[48];
            snprintf(what, sizeof what, "paging is on (satp mode %llu)",
                     (unsigned long long)mode);
            return translating(s, f, what, err);
        }
    } else {
        snprintf(f->why, sizeof f->why, "architecture '%s' is not one whose MMU it can check",
                 arch[0] ? arch : "unknown");
        return WP_OK;
    }
    f->shown = 1;
    return WP_OK;
}

static void flat_forget(void *state)
{
    memset(state, 0, sizeof(flat_state));
}

static int flat_probe(wp_session *s, void *state, int for_write, wp_error *err)
{
    (void)for_write;
    flat_state *f = state;
    const wp_host *host = wp_session_host(s);
    if (!host->read_memory || !host->write_memory)
        return wp_fail(err, WP_ENOROUTE,
                       "this debugger offers no memory access for "
                       "the flat route");
    wp_target_info info = {0};
    wp_error ignored = {0};
    if (host->target_info)
        host->target_info(host->ctx, &info, &ignored);
    flat_forget(f);
    return check_translation(s, f, info.arch, err);
}

static void flat_claim(wp_session *s, void *state, char *buf, size_t cap)
{
    (void)s;
    flat_state *f = state;
    if (f->shown)
        snprintf(buf, cap, "%s", "");
    else
        snprintf(buf, cap, "the debugger's address; not shown to be physical: %s", f->why);
}

static int flat_begin(wp_session *s, void *state, wp_error *err)
{
    (void)s;
    (void)state;
    (void)err;
    return WP_OK;
}

static int flat_end(wp_session *s, void *state, wp_error *err)
{
    (void)s;
    (void)state;
    (void)err;
    return WP_OK;
}

/* By the host rule a failed access is the debugger's message; here it means
 * the target refused the address. */
/* A failed access through the debugger: its own refusal (WP_ETARGET) or an
 * unknown outcome (WP_EHOST, which the handle takes as the chunk in doubt).
 * The debugger splits a chunk into packets and says only that one failed,
 * so a refused write may still have landed its first packets: in doubt. */
static int failed(wp_write_outcome *out, int rc, size_t len, wp_error *err, const char *what)
{
    if (rc == WP_EINTR)
        return rc;
    if (!err->message[0])
        wp_fail(err, WP_ETARGET, "the debugger could not %s memory", what);
    if (rc == WP_ETARGET && len && strcmp(what, "write") == 0)
        *out = (wp_write_outcome){1, 0, len};
    return err->status = rc == WP_ETARGET ? WP_ETARGET : WP_EHOST;
}

static int flat_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf, size_t len,
                      wp_write_outcome *out, wp_error *err)
{
    (void)state;
    const wp_host *host = wp_session_host(s);
    err->message[0] = '\0';
    int rc = host->write_memory(host->ctx, addr, buf, len, err);
    return rc ? failed(out, rc, len, err, "write") : WP_OK;
}

static int flat_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                     wp_error *err)
{
    (void)state;
    const wp_host *host = wp_session_host(s);
    err->message[0] = '\0';
    int rc = host->read_memory(host->ctx, addr, buf, len, err);
    return rc ? failed(NULL, rc, len, err, "read") : (int)len;
}

static size_t flat_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                         size_t remaining)
{
    (void)s;
    (void)state;
    (void)is_write;
    (void)addr;
    return remaining < FLAT_CHUNK ? remaining : FLAT_CHUNK;
}

const wp_route wp_route_flat = {
    .name = "flat",
    .summary = "physical = the debugger's own addresses, for targets whose MMU is off",
    .flags = WP_ROUTE_MAPLESS,
    .manual_hint = "if the target's MMU is off, choose --backend flat",
    .state_size = sizeof(flat_state),
    .forget = flat_forget,
    .probe = flat_probe,
    .begin = flat_begin,
    .end = flat_end,
    .write = flat_write,
    .read = flat_read,
    .chunk = flat_chunk,
    .claim = flat_claim,
    .no_ports = "it reaches the debugger's memory only",
};
