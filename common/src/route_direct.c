/* The direct route: for a QEMU on this host, guest RAM through the QEMU
 * process's own memory (/proc/PID/mem), at the host addresses QEMU's
 * monitor gives for each RAM region (gpa2hva), as gdb-pt-dump, pwndbg and
 * drgn read it; and written the same way.
 *
 * Safety: only the process at the other end of the debugger's own socket,
 * only if its executable is a qemu-system, and only host ranges inside one
 * of that process's mappings of a RAM region.  ROM and devices (and RAM the
 * route cannot vouch for) go through the qemu route in the same command.
 * Under TCG a write that bypasses QEMU leaves its translated code stale, so
 * `auto` writes directly only under KVM; naming --backend direct is the
 * opt-in for data under TCG. */
#define _GNU_SOURCE /* process_vm_readv, process_vm_writev */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

#define DIRECT_CHUNK (1u << 20) /* Ctrl-C and progress between megabytes */
#define MAX_PEERS    8
#define MAX_RAM      128 /* RAM regions beyond these go through the stub */

typedef struct ram_region {
    uint64_t gpa, last, hva;
    uint64_t checked; /* the command that last saw QEMU give this hva */
} ram_region;

typedef struct direct_state {
    /* learnt once per connection: kept while this process's sockets stay
     * the same (a connected socket's peer cannot change) */
    int probed; /* 0 unknown, 1 usable, -1 absent, -2 broken (why) */
    uint64_t sockets;
    char why[300];
    int pid;
    int kvm; /* QEMU runs KVM: direct writes see fresh code too */
    /* per stop */
    int fd_open;
    int fd;       /* /proc/PID/mem, opened O_RDWR: the fall-back of process_vm_* */
    int vm_calls; /* process_vm_readv/writev work for this process */
    /* learnt per map: re-derived whenever QEMU's map changes */
    int ram_known;
    uint64_t ram_serial;
    ram_region ram[MAX_RAM]; /* in the state: it outlives stops, nothing to free */
    size_t nram;
    /* per open route */
    int stub_open; /* the qemu route entered for ROM and devices */
    int used_direct, used_stub, wrote_direct;
    wp_route_slot *stub;
} direct_state;

static void close_mem(direct_state *d)
{
    if (d->fd_open)
        close(d->fd);
    d->fd_open = 0;
}

/* A new stop: what holds for the connection stays (the host addresses of
 * the RAM of a map that has not changed among them), the rest goes. */
static void direct_forget(void *state)
{
    direct_state *d = state;
    close_mem(d);
    d->vm_calls = 1;
    d->stub_open = d->used_direct = d->used_stub = d->wrote_direct = 0;
}

/* Another connection: nothing learnt holds. */
static void forget_connection(direct_state *d)
{
    direct_forget(d);
    d->nram = 0;
    d->ram_known = 0;
    d->probed = d->pid = d->kvm = 0;
}

static int absent(direct_state *d, wp_error *err, const char *why)
{
    d->probed = -1;
    snprintf(d->why, sizeof d->why, "%s", why);
    return wp_fail(err, WP_ENOROUTE_SILENT, "%s", why);
}

static int broken(direct_state *d, wp_error *err)
{
    d->probed = -2;
    return wp_fail(err, WP_ENOROUTE, "%s", d->why);
}

/* The QEMU at the other end of the debugger's connection, if any. */
static int find_qemu(direct_state *d, wp_error *err)
{
    int pids[MAX_PEERS], qemu = 0, count = 0;
    size_t hidden = 0;
    size_t n = wp_local_peers(pids, MAX_PEERS, &hidden);
    for (size_t i = 0; i < n; i++) {
        char exe[512];
        if (wp_process_exe(pids[i], exe, sizeof exe) == 0) {
            const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
            if (strncmp(base, "qemu-system-", 12) == 0) {
                qemu = pids[i];
                count++;
            }
        }
    }
    if (count == 0 && hidden) {
        snprintf(d->why, sizeof d->why,
                 "the stub's process on this host cannot be inspected by this user (QEMU runs "
                 "as another user, or with -runas, which makes it non-dumpable); the qemu "
                 "route is used");
        return broken(d, err);
    }
    if (count == 0)
        return absent(d, err, "the stub is not a QEMU process on this host");
    if (count > 1) {
        snprintf(d->why, sizeof d->why,
                 "this debugger is connected to %d QEMU processes, "
                 "so it cannot tell which one is the target",
                 count);
        return broken(d, err);
    }
    d->pid = qemu;
    return WP_OK;
}

static void permission_hint(direct_state *d, int error)
{
    char yama[16] = "";
    FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
    if (f) {
        if (!fgets(yama, sizeof yama, f))
            yama[0] = '\0';
        fclose(f);
        yama[strcspn(yama, "\n")] = '\0';
    }
    snprintf(d->why, sizeof d->why,
             "cannot open /proc/%d/mem: %s (QEMU runs as another user or with -runas, or %s "
             "forbids it; the qemu route is used)",
             d->pid, strerror(error),
             yama[0] ? (yama[0] == '0' ? "the kernel" : "Yama's ptrace_scope") : "the kernel");
    if (yama[0] && yama[0] != '0') {
        size_t n = strlen(d->why);
        snprintf(d->why + n - 1, sizeof d->why - n + 1, ", ptrace_scope=%s)", yama);
    }
}

/* Each RAM region's host address, checked against the process's mappings,
 * for the map as it is now. */
static const ram_region *ram_at(const direct_state *d, uint64_t addr)
{
    for (size_t i = 0; i < d->nram; i++)
        if (addr >= d->ram[i].gpa && addr <= d->ram[i].last)
            return &d->ram[i];
    return NULL;
}

/* QEMU's host address for guest physical gpa (gpa2hva), or 0. */
static int region_hva(wp_session *s, uint64_t gpa, uint64_t *hva, wp_error *err)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "gpa2hva 0x%llx", (unsigned long long)gpa);
    wp_buf out = {0};
    unsigned long long value = 0;
    wp_error why = {0};
    const char *is = NULL;
    int rc = wp_qemu_monitor(s, cmd, &out, &why);
    if (rc == WP_EINTR || rc == WP_EHOST) {
        wp_buf_free(&out);
        *err = why;
        return rc;
    }
    if (rc == WP_OK && out.data)
        is = strstr(out.data, " is 0x");
    *hva = is && sscanf(is, " is 0x%llx", &value) == 1 ? value : 0;
    wp_buf_free(&out);
    return WP_OK;
}

static int learn_regions(wp_session *s, direct_state *d, const wp_memmap *map, wp_error *err)
{
    d->nram = 0;
    d->ram_known = 0;
    for (size_t i = 0; i < map->count && d->nram < MAX_RAM; i++) {
        const wp_region *r = &map->regions[i];
        if (r->kind != WP_REGION_RAM)
            continue;
        uint64_t hva = 0;
        int rc = region_hva(s, r->start, &hva, err);
        if (rc)
            return rc;
        if (hva && wp_process_maps_cover(d->pid, hva, r->last - r->start + 1, 1))
            d->ram[d->nram++] = (ram_region){r->start, r->last, hva, wp_session_command(s)};
    }
    d->ram_known = 1;
    return WP_OK;
}

/* The RAM region holding addr, its host address confirmed for this command:
 * a DIMM unplugged and another plugged at the same address leaves QEMU's
 * map text as it was, but its memory elsewhere.  One gpa2hva per region a
 * command touches; when QEMU moved one, every host address is learnt anew. */
static int fresh_region(wp_session *s, direct_state *d, uint64_t addr, const ram_region **out,
                        wp_error *err)
{
    ram_region *r = (ram_region *)ram_at(d, addr);
    *out = r;
    if (!r || r->checked == wp_session_command(s))
        return WP_OK;
    uint64_t hva = 0;
    int rc = region_hva(s, r->gpa, &hva, err);
    if (rc)
        return rc;
    if (hva == r->hva) {
        r->checked = wp_session_command(s);
        return WP_OK;
    }
    const wp_memmap *map;
    uint64_t serial;
    rc = wp_qemu_current_map(s, &map, &serial, err);
    if (!rc)
        rc = learn_regions(s, d, map, err);
    d->ram_serial = serial;
    *out = rc ? NULL : ram_at(d, addr);
    return rc;
}

/* The map as it is for this command, and the host addresses for it. */
static int current_regions(wp_session *s, direct_state *d, wp_error *err)
{
    const wp_memmap *map;
    uint64_t serial;
    int rc = wp_qemu_current_map(s, &map, &serial, err);
    if (rc == WP_OK && (!d->ram_known || serial != d->ram_serial)) {
        rc = learn_regions(s, d, map, err);
        d->ram_serial = serial;
    }
    if (rc == WP_EINTR || rc == WP_EHOST)
        return rc;
    if (rc) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        return wp_fail(err, WP_ENOROUTE, "%s", why);
    }
    if (!d->nram)
        return wp_fail(err, WP_ENOROUTE, "QEMU gave no host address for any RAM region");
    return WP_OK;
}

static int open_mem(direct_state *d, wp_error *err)
{
    char path[48];
    snprintf(path, sizeof path, "/proc/%d/mem", d->pid);
    d->fd = open(path, O_RDWR | O_CLOEXEC);
    if (d->fd < 0) {
        permission_hint(d, errno);
        return broken(d, err);
    }
    d->fd_open = 1;
    d->vm_calls = 1;
    return WP_OK;
}

static int direct_probe(wp_session *s, void *state, int intent, wp_error *err)
{
    direct_state *d = state;
    const wp_host *host = wp_session_host(s);
    uint64_t sockets = wp_local_sockets_signature();
    if (d->probed && d->sockets != sockets)
        forget_connection(d);
    if (!d->probed) {
        d->sockets = sockets;
        if (!host->monitor || !host->send_packet)
            return absent(d, err, "this debugger has no monitor commands");
        /* A QEMU process behind the socket may serve something else on it
         * (a kernel's kgdb on a QEMU serial port): its gdbstub says so. */
        int qemu = 0;
        int rc = wp_qemu_has_phys_mode(s, &qemu, err);
        if (rc)
            return rc;
        if (qemu < 0)
            return absent(d, err, "the stub is not QEMU's gdbstub");
        rc = find_qemu(d, err);
        if (rc)
            return rc;
        rc = open_mem(d, err);
        if (rc)
            return rc;
        d->probed = 1;
        wp_buf out = {0};
        wp_error why = {0};
        if (wp_qemu_monitor(s, "info kvm", &out, &why) == WP_OK && out.data)
            d->kvm = strstr(out.data, "enabled") != NULL;
        wp_buf_free(&out);
    }
    if (d->probed == 1 && !d->fd_open) {
        int rc = open_mem(d, err);
        if (rc)
            return rc;
    }
    if (d->probed == -1)
        return wp_fail(err, WP_ENOROUTE_SILENT, "%s", d->why);
    if (d->probed == -2)
        return wp_fail(err, WP_ENOROUTE, "%s", d->why);
    int rc = current_regions(s, d, err);
    if (rc)
        return rc;
    /* Under TCG a direct write leaves translated code stale: `auto` leaves
     * writes to the stub, without a word (this is the rule, not a fault). */
    if ((intent & WP_PROBE_WRITE) && !d->kvm && !(intent & WP_PROBE_NAMED))
        return wp_fail(err, WP_ENOROUTE_SILENT,
                       "QEMU runs TCG: writes go through the stub, which keeps its "
                       "translated code fresh (name --backend direct to write data directly)");
    return WP_OK;
}

/* ROM, devices and RAM without a host address: the qemu route, entered on
 * first use and left in end(). */
static int stub(wp_session *s, direct_state *d, wp_error *err)
{
    if (d->stub_open)
        return WP_OK;
    d->stub = wp_session_find_route(s, "qemu");
    if (!d->stub)
        return wp_fail(err, WP_ENOROUTE, "no qemu route for what is not RAM");
    int rc = d->stub->route->probe(s, d->stub->state, WP_PROBE_WRITE | WP_PROBE_NAMED, err);
    if (!rc) {
        d->stub_open = 1; /* from the switch on, end() must switch back */
        rc = d->stub->route->begin ? d->stub->route->begin(s, d->stub->state, err) : WP_OK;
    }
    return rc;
}

static int direct_begin(wp_session *s, void *state, wp_error *err)
{
    (void)s;
    (void)err;
    direct_state *d = state;
    d->stub_open = d->used_direct = d->used_stub = d->wrote_direct = 0;
    return WP_OK;
}

static int direct_end(wp_session *s, void *state, wp_error *err)
{
    direct_state *d = state;
    if (!d->stub_open)
        return WP_OK;
    d->stub_open = 0;
    return d->stub->route->end ? d->stub->route->end(s, d->stub->state, err) : WP_OK;
}

static void direct_restore_hint(wp_session *s, char *buf, size_t cap)
{
    wp_route_slot *q = wp_session_find_route(s, "qemu");
    if (q && q->route->restore_hint)
        q->route->restore_hint(s, buf, cap);
}

static size_t direct_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                           size_t remaining)
{
    direct_state *d = state;
    const ram_region *r = ram_at(d, addr);
    if (r) {
        uint64_t left = r->last - addr + 1;
        size_t n = remaining < DIRECT_CHUNK ? remaining : DIRECT_CHUNK;
        return left < n ? (size_t)left : n;
    }
    /* Through the stub, up to the next RAM region. */
    size_t n = remaining;
    for (size_t i = 0; i < d->nram; i++)
        if (d->ram[i].gpa > addr && d->ram[i].gpa - addr < n)
            n = (size_t)(d->ram[i].gpa - addr);
    wp_route_slot *q = wp_session_find_route(s, "qemu");
    return q ? q->route->chunk(s, q->state, is_write, addr, n) : n;
}

/* QEMU's memory at a host address: process_vm_writev/readv, the fastest
 * way in; /proc/PID/mem where the kernel refuses those calls. */
static ssize_t vm_access(direct_state *d, int is_write, uint8_t *buf, size_t len, uint64_t hva)
{
    if (d->vm_calls) {
        struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)hva, len};
        ssize_t n = is_write ? process_vm_writev(d->pid, &local, 1, &remote, 1, 0)
                             : process_vm_readv(d->pid, &local, 1, &remote, 1, 0);
        if (n >= 0 || (errno != ENOSYS && errno != EPERM))
            return n;
        d->vm_calls = 0;
    }
    return is_write ? pwrite(d->fd, buf, len, (off_t)hva) : pread(d->fd, buf, len, (off_t)hva);
}

static int direct_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf,
                        size_t len, wp_write_outcome *out, wp_error *err)
{
    direct_state *d = state;
    const ram_region *r;
    int fresh = fresh_region(s, d, addr, &r, err);
    if (fresh)
        return fresh;
    if (!r || r->last - addr + 1 < len) {
        int rc = stub(s, d, err);
        d->used_stub = 1;
        return rc ? rc : d->stub->route->write(s, d->stub->state, addr, buf, len, out, err);
    }
    d->used_direct = d->wrote_direct = 1;
    ssize_t n = vm_access(d, 1, (uint8_t *)(uintptr_t)buf, len, r->hva + (addr - r->gpa));
    if (n < 0)
        return wp_fail(err, WP_ETARGET, "writing QEMU's memory failed: %s", strerror(errno));
    if ((size_t)n != len)
        return wp_fail(err, WP_ETARGET, "QEMU's memory took %zd of %zu bytes", n, len);
    return WP_OK;
}

static int direct_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                       wp_error *err)
{
    direct_state *d = state;
    const ram_region *r;
    int fresh = fresh_region(s, d, addr, &r, err);
    if (fresh)
        return fresh;
    if (!r || r->last - addr + 1 < len) {
        int rc = stub(s, d, err);
        d->used_stub = 1;
        return rc ? rc : d->stub->route->read(s, d->stub->state, addr, buf, len, err);
    }
    d->used_direct = 1;
    ssize_t n = vm_access(d, 0, buf, len, r->hva + (addr - r->gpa));
    if (n <= 0)
        return wp_fail(err, WP_ETARGET, "reading QEMU's memory failed: %s",
                       n < 0 ? strerror(errno) : "nothing read");
    return (int)n;
}

static int direct_memmap(wp_session *s, void *state, const wp_memmap **map, wp_error *err)
{
    /* The probe read it for this command (no second read), unless a write
     * of the command changed it: then the host addresses follow it too. */
    int rc = current_regions(s, state, err);
    return rc ? rc : wp_qemu_current_map(s, map, NULL, err);
}

static void direct_via(wp_session *s, void *state, char *buf, size_t cap)
{
    (void)s;
    direct_state *d = state;
    /* Only a write under TCG can leave translated code stale. */
    const char *tcg = d->wrote_direct && !d->kvm
                          ? " (under TCG: code QEMU translated from these bytes may still run)"
                          : "";
    if (d->used_direct && d->used_stub)
        snprintf(buf, cap, "direct for RAM and qemu for the rest%s", tcg);
    else if (d->used_stub)
        snprintf(buf, cap, "qemu");
    else
        snprintf(buf, cap, "direct%s", tcg);
}

const wp_route wp_route_direct = {
    .name = "direct",
    .summary = "a local QEMU's RAM through its process memory (writes by auto under KVM "
               "only)",
    .flags = WP_ROUTE_AUTO | WP_ROUTE_REMOTE,
    .state_size = sizeof(direct_state),
    .forget = direct_forget,
    .probe = direct_probe,
    .begin = direct_begin,
    .end = direct_end,
    .write = direct_write,
    .read = direct_read,
    .chunk = direct_chunk,
    .memmap = direct_memmap,
    .restore_hint = direct_restore_hint,
    .via = direct_via,
    /* Ports are QEMU's through its stub's monitor, as for the qemu route. */
    .port_read = wp_qemu_port_read,
    .port_write = wp_qemu_port_write,
};
