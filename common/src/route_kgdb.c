/* The kgdb route: a Linux kernel's own gdbstub (kgdboc) has no physical
 * mode, but the kernel maps all RAM at its direct map, so physical P is
 * virtual BASE + P and the debugger's own memory access reaches it.
 *
 * kgdb is recognised by the shadow thread it lists for each CPU
 * (kernel/debug/gdbstub.c, gdb_cmd_query: thread -2 is "shadowCPU0").
 * BASE comes from --direct-map, the direct-map setting, or on x86-64 the
 * kernel's symbols (page_offset_base, randomised by KASLR).  With symbols
 * the base is checked: the kernel's own linux_banner must read the same at
 * its link address and at BASE + its physical address (phys_base), and
 * nothing past the RAM the kernel maps (max_pfn) is touched, because past
 * it the direct map ends and other kernel mappings begin. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define X86_START_KERNEL_MAP  0xffffffff80000000ull
#define X86_FIXED_PAGE_OFFSET 0xffff888000000000ull /* 4-level, no KASLR of memory */
#define CHECK_BYTES           32
#define PAGE                  4096u

typedef struct kgdb_state {
    /* learnt once per stop */
    int probed;        /* 1 kgdb, -1 not */
    int symbols;       /* 1 the x86-64 symbols were read, -1 none */
    uint64_t sym_base; /* page_offset_base, or the fixed base */
    char sym_base_from[40];
    uint64_t banner_va, banner_pa, ram_end; /* ram_end 0: unknown */
    int shown;                              /* shown_base was checked this stop */
    uint64_t shown_base;
    /* settings: they outlive a stop */
    int setting_set; /* the direct-map setting, when not auto */
    uint64_t setting_base;
    /* --direct-map, for the command it was given to */
    uint64_t option_command;
    uint64_t option_base;
    /* per command */
    uint64_t base;
    char base_from[48];
    int checked; /* the base was shown to map the kernel's own image */
} kgdb_state;

static void kgdb_forget(void *state)
{
    kgdb_state *k = state;
    k->probed = 0;
    k->symbols = 0;
    k->sym_base = 0;
    k->shown = 0;
}

/* kgdb lists a shadow thread per CPU first, thread -2 for CPU 0, and names
 * it "shadowCPU0".  qfThreadInfo goes first because every stub answers it:
 * QEMU 7.2 leaves qThreadExtraInfo of a thread it does not know unanswered. */
static int is_kgdb(wp_session *s, kgdb_state *k, wp_error *err)
{
    const wp_buf *reply;
    k->probed = -1;
    int qemu = 0;
    int rc = wp_qemu_has_phys_mode(s, &qemu, err);
    if (rc || qemu >= 0)
        return rc; /* QEMU's gdbstub */
    rc = wp_session_send(s, "qfThreadInfo", 12, &reply, err);
    if (rc || reply->len < 9 || memcmp(reply->data, "mfffffffe", 9) != 0 ||
        (reply->len > 9 && reply->data[9] != ','))
        return rc;
    static const char probe[] = "qThreadExtraInfo,fffffffe";
    rc = wp_session_send(s, probe, sizeof probe - 1, &reply, err);
    if (rc)
        return rc;
    static const char want[] = "shadowCPU0";
    char text[sizeof want] = "";
    if (reply->len == 2 * (sizeof want - 1) &&
        wp_hex_decode(reply->data, reply->len, (uint8_t *)text) == 0 &&
        memcmp(text, want, sizeof want - 1) == 0)
        k->probed = 1;
    return WP_OK;
}

static int eval_quiet(wp_session *s, const char *expr, uint64_t *value)
{
    int negative = 0;
    wp_error ignored = {0};
    return wp_evaluate(s, "a kernel symbol", expr, value, &negative, &ignored);
}

/* x86-64 only: the other architectures' bases need more than symbol
 * values (arm64's PAGE_OFFSET is a build constant), so they are given. */
static void read_symbols(wp_session *s, kgdb_state *k)
{
    k->symbols = -1;
    k->sym_base = k->ram_end = 0;
    wp_target_info info = {0};
    wp_error ignored = {0};
    if (wp_session_target_info(s, &info, &ignored) ||
        (!strstr(info.arch, "x86-64") && !strstr(info.arch, "x86_64")))
        return;
    uint64_t phys_base = 0, max_pfn = 0;
    /* Pointer casts: LLDB casts a symbol without a type to nothing else. */
    if (eval_quiet(s, "(char *)&linux_banner", &k->banner_va))
        return; /* no kernel symbols */
    if (eval_quiet(s, "*(unsigned long long *)&page_offset_base", &k->sym_base) == WP_OK) {
        snprintf(k->sym_base_from, sizeof k->sym_base_from, "page_offset_base");
    } else {
        /* Without CONFIG_DYNAMIC_MEMORY_LAYOUT the base is a constant. */
        k->sym_base = X86_FIXED_PAGE_OFFSET;
        snprintf(k->sym_base_from, sizeof k->sym_base_from, "the fixed x86-64 base");
    }
    if (eval_quiet(s, "*(unsigned long long *)&phys_base", &phys_base) ||
        k->banner_va < X86_START_KERNEL_MAP)
        return;
    k->banner_pa = k->banner_va - X86_START_KERNEL_MAP + phys_base;
    k->ram_end = eval_quiet(s, "*(unsigned long long *)&max_pfn", &max_pfn) == WP_OK &&
                         max_pfn < (1ull << 52)
                     ? max_pfn * PAGE
                     : 0;
    k->symbols = 1;
}

/* Reads the kernel's banner at its link address and through the direct
 * map; equal and not blank shows that BASE + P is physical P. */
static int check_base(wp_session *s, kgdb_state *k, wp_error *err)
{
    if (k->shown && k->shown_base == k->base) {
        k->checked = 1; /* shown this stop already */
        return WP_OK;
    }
    const wp_host *host = wp_session_host(s);
    uint8_t linked[CHECK_BYTES], mapped[CHECK_BYTES], blank[CHECK_BYTES] = {0};
    wp_error e = {0};
    if (host->read_memory(host->ctx, k->banner_va, linked, sizeof linked, &e) ||
        memcmp(linked, blank, sizeof blank) == 0)
        return WP_OK; /* nothing to compare with: stays unchecked */
    uint64_t at = k->base + k->banner_pa;
    int rc = host->read_memory(host->ctx, at, mapped, sizeof mapped, &e);
    if (rc || memcmp(linked, mapped, sizeof linked) != 0)
        return wp_fail(err, WP_ENOROUTE,
                       "the direct-map base 0x%llx (%s) does not map the kernel's own image: "
                       "linux_banner at physical 0x%llx reads %s at 0x%llx; give the right "
                       "base with --direct-map",
                       (unsigned long long)k->base, k->base_from,
                       (unsigned long long)k->banner_pa, rc ? "nothing" : "otherwise",
                       (unsigned long long)at);
    k->checked = k->shown = 1;
    k->shown_base = k->base;
    return WP_OK;
}

/* A direct-map base a user gave: refused unless it is a kernel (upper-half)
 * address, so that no base can send a write to user space. */
static int check_user_base(uint64_t base, const char *what, wp_error *err)
{
    if (base >> 63)
        return WP_OK;
    return wp_fail(err, WP_EINVAL,
                   "%s 0x%llx is not a kernel address: the direct map lies in the upper half "
                   "of the address space (x86-64 without KASLR: 0xffff888000000000)",
                   what, (unsigned long long)base);
}

static int kgdb_probe(wp_session *s, void *state, int intent, wp_error *err)
{
    kgdb_state *k = state;
    if (k->probed == 0) {
        int rc = is_kgdb(s, k, err);
        if (rc)
            return rc;
    }
    if (k->probed < 0)
        return wp_fail(err, (intent & WP_PROBE_NAMED) ? WP_ENOROUTE : WP_ENOROUTE_SILENT,
                       "the stub does not answer as kgdb (no shadowCPU0 thread)");
    if (k->symbols == 0)
        read_symbols(s, k);
    k->checked = 0;
    if (k->option_command && k->option_command == wp_session_command(s)) {
        k->base = k->option_base;
        snprintf(k->base_from, sizeof k->base_from, "--direct-map");
    } else if (k->setting_set) {
        k->base = k->setting_base;
        snprintf(k->base_from, sizeof k->base_from, "the direct-map setting");
    } else if (k->symbols > 0 || (k->symbols < 0 && k->sym_base)) {
        k->base = k->sym_base;
        snprintf(k->base_from, sizeof k->base_from, "%s", k->sym_base_from);
    } else {
        return wp_fail(err, WP_ENOROUTE,
                       "kgdb needs the kernel's direct-map base: load the kernel's symbols, "
                       "or give --direct-map BASE (the virtual address of physical 0)");
    }
    return k->symbols > 0 ? check_base(s, k, err) : WP_OK;
}

/* The virtual address of [addr, addr+len), refused before anything is
 * sent when it would leave the direct map. */
static int direct_address(const kgdb_state *k, uint64_t addr, size_t len, uint64_t *va,
                          wp_error *err)
{
    if (k->ram_end && (addr >= k->ram_end || len > k->ram_end - addr))
        return wp_fail(err, WP_EREFUSED,
                       "physical 0x%llx is past the end of the RAM the kernel maps (0x%llx, "
                       "from max_pfn)",
                       (unsigned long long)(addr < k->ram_end ? k->ram_end : addr),
                       (unsigned long long)k->ram_end);
    if (addr > UINT64_MAX - k->base || len > UINT64_MAX - k->base - addr)
        return wp_fail(err, WP_EREFUSED,
                       "physical 0x%llx is past the end of the direct map at 0x%llx",
                       (unsigned long long)addr, (unsigned long long)k->base);
    *va = k->base + addr;
    return WP_OK;
}

/* One access at the direct map.  A fault (the stub answered with an error)
 * means the page is not mapped, no RAM there, and nothing of this chunk
 * moved: a chunk never crosses a page.  Any other failure leaves the
 * outcome unknown. */
static int kgdb_access(wp_session *s, kgdb_state *k, uint64_t addr, uint8_t *in,
                       const uint8_t *out, size_t len, wp_error *err)
{
    uint64_t va = 0;
    int rc = direct_address(k, addr, len, &va, err);
    if (rc)
        return rc;
    const wp_host *host = wp_session_host(s);
    err->message[0] = '\0';
    rc = out ? host->write_memory(host->ctx, va, out, len, err)
             : host->read_memory(host->ctx, va, in, len, err);
    if (rc == WP_ETARGET) {
        char why[200];
        snprintf(why, sizeof why, "%.150s", err->message);
        return wp_fail(err, WP_EREFUSED,
                       "the kernel faulted at physical 0x%llx (no RAM mapped there); nothing "
                       "there was %s (%.120s)",
                       (unsigned long long)addr, out ? "written" : "read", why);
    }
    if (rc && !err->message[0])
        wp_fail(err, rc, "the debugger gave no reason");
    return rc ? (err->status = rc == WP_EINTR ? rc : WP_EHOST) : WP_OK;
}

static int kgdb_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf, size_t len,
                      wp_write_outcome *out, wp_error *err)
{
    (void)out;
    return kgdb_access(s, state, addr, NULL, buf, len, err);
}

static int kgdb_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                     wp_error *err)
{
    int rc = kgdb_access(s, state, addr, buf, NULL, len, err);
    return rc ? rc : (int)len;
}

static size_t kgdb_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                         size_t remaining)
{
    (void)s;
    (void)state;
    (void)is_write;
    size_t to_page = PAGE - (size_t)(addr % PAGE);
    return remaining < to_page ? remaining : to_page;
}

static void kgdb_claim(wp_session *s, void *state, char *buf, size_t cap)
{
    (void)s;
    kgdb_state *k = state;
    /* Worded to follow "at" (readphys' "via ..., at ...") and to stand in
     * writephys' parentheses; "via" names the base and where it came from. */
    if (k->checked)
        buf[0] = '\0';
    else
        snprintf(buf, cap,
                 "the direct map's address; not shown to be physical: no kernel "
                 "symbols to check the base against");
}

static void kgdb_via(wp_session *s, void *state, char *buf, size_t cap)
{
    (void)s;
    kgdb_state *k = state;
    snprintf(buf, cap, "kgdb (the kernel's direct map at 0x%llx, from %s)",
             (unsigned long long)k->base, k->base_from);
}

/* ---- the route's own option and setting ---- */

typedef struct kgdb_args {
    const char *direct_map; /* an expression */
} kgdb_args;

static const wp_option kgdb_options[] = {
    {"direct-map", 0, WP_OPTION_EXPR, "a value", "BASE",
     "For kgdb: the kernel's virtual address of physical 0, when\n"
     "the debugger has no kernel symbols to find it (implies\n"
     "--backend kgdb).",
     NULL, offsetof(kgdb_args, direct_map), 0, NULL},
};

static int kgdb_arguments(wp_session *s, void *state, const void *args, wp_error *err)
{
    kgdb_state *k = state;
    const kgdb_args *a = args;
    if (!a->direct_map)
        return WP_OK;
    int negative = 0;
    int rc = wp_evaluate(s, "--direct-map", a->direct_map, &k->option_base, &negative, err);
    if (!rc && negative)
        rc = wp_fail(err, WP_EINVAL, "--direct-map '%s' is negative", a->direct_map);
    if (!rc)
        rc = check_user_base(k->option_base, "--direct-map", err);
    k->option_command = rc ? 0 : wp_session_command(s);
    return rc;
}

static int set_direct_map(wp_session *s, void *state, const char *value, wp_error *err)
{
    (void)s;
    kgdb_state *k = state;
    uint64_t n;
    if (strcmp(value, "auto") == 0) {
        k->setting_set = 0;
        return WP_OK;
    }
    if (wp_parse_u64(value, false, &n))
        return WP_EINVAL;
    if (check_user_base(n, "direct-map", err))
        return err->status;
    k->setting_set = 1;
    k->setting_base = n;
    return WP_OK;
}

static void get_direct_map(const wp_session *s, const void *state, char *buf, size_t cap)
{
    (void)s;
    const kgdb_state *k = state;
    if (k->setting_set)
        snprintf(buf, cap, "0x%llx", (unsigned long long)k->setting_base);
    else
        snprintf(buf, cap, "auto");
}

static const wp_setting kgdb_settings[] = {
    {"direct-map", "auto or an address such as 0xffff888000000000",
     "the kgdb route's base: the kernel's virtual address of physical 0 (auto: from the "
     "kernel's symbols)",
     set_direct_map, get_direct_map},
};

const wp_route wp_route_kgdb = {
    .name = "kgdb",
    .summary = "a Linux kernel's kgdb, through the kernel's direct map of RAM "
               "(--direct-map BASE without symbols)",
    .flags = WP_ROUTE_AUTO | WP_ROUTE_REMOTE | WP_ROUTE_MAPLESS,
    .state_size = sizeof(kgdb_state),
    .forget = kgdb_forget,
    .probe = kgdb_probe,
    .write = kgdb_write,
    .read = kgdb_read,
    .chunk = kgdb_chunk,
    .claim = kgdb_claim,
    .via = kgdb_via,
    .no_ports = "kgdb's protocol reaches memory and registers, not I/O ports",
    .options = kgdb_options,
    .noptions = WP_ARRAY_LEN(kgdb_options),
    .args_size = sizeof(kgdb_args),
    .arguments = kgdb_arguments,
    .settings = kgdb_settings,
    .nsettings = WP_ARRAY_LEN(kgdb_settings),
};
