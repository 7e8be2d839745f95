#include "fake_target.h"

#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char default_mtree[] =
    "FlatView #0\n"
    " AS \"I/O\", root: io\n"
    " Root memory region: io\n"
    "  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\n"
    "\n"
    "FlatView #1\n"
    " AS \"memory\", root: system\n"
    " AS \"cpu-memory-0\", root: system\n"
    " Root memory region: system\n"
    "  0000000000000000-00000000000fffff (prio 0, ram): pc.ram\n"
    "  0000000000100000-000000000010ffff (prio 0, rom): fake.rom\n"
    "  0000000000200000-0000000000200fff (prio 0, i/o): fake.dev\n"
    "\n";

void fake_init(fake_target *t)
{
    memset(t, 0, sizeof *t);
    t->has_phys = 1;
    t->packet_size = 0x1000;
    t->connected = t->stopped = t->remote = 1;
    t->mtree = default_mtree;
    t->cpu_type = "max-x86_64-cpu";
    t->phys_bits = 40;
    t->pages_1g = 1;
    /* a host bridge 8086:1237 and a NIC 8086:100e with one I/O BAR of 0x40 */
    static const uint8_t bridge[16] = {0x86, 0x80, 0x37, 0x12, 0, 0, 0, 0, 2, 0, 0, 6};
    static const uint8_t nic[16] = {0x86, 0x80, 0x0e, 0x10, 3, 0, 0, 0, 3, 0, 0, 2};
    memcpy(t->config[0], bridge, sizeof bridge);
    memcpy(t->config[1], nic, sizeof nic);
    t->config[1][0x10] = 0x01;
    t->config[1][0x11] = 0xc0;
}

/* Mechanism #1: the function CF8 selects, or NULL (reads all ones). */
static uint8_t *fake_config(fake_target *t)
{
    if (!(t->cf8 & 0x80000000u) || (t->cf8 >> 16 & 0xff) != 0 || (t->cf8 >> 8 & 7) != 0)
        return NULL;
    unsigned dev = t->cf8 >> 11 & 0x1f;
    return dev == 0 ? t->config[0] : dev == 3 ? t->config[1] : NULL;
}

static uint32_t port_in(fake_target *t, unsigned port, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned p = port + i;
        uint8_t *c = fake_config(t);
        uint8_t b = p >= 0xcf8 && p < 0xcfc   ? (uint8_t)(t->cf8 >> (8 * (p - 0xcf8)))
                    : p >= 0xcfc && p < 0xd00 ? (c ? c[(t->cf8 & 0xfc) + p - 0xcfc] : 0xff)
                                              : t->ports[p];
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void port_out(fake_target *t, unsigned port, unsigned size, uint32_t v)
{
    if (port == 0xcf8 && size == 4) {
        t->cf8 = v;
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        unsigned p = port + i;
        uint8_t b = (uint8_t)(v >> (8 * i));
        uint8_t *c = fake_config(t);
        if (p >= 0xcfc && p < 0xd00) {
            unsigned off = (t->cf8 & 0xfc) + p - 0xcfc;
            /* a BAR decodes 0x40 bytes of I/O: its low bits stay */
            if (c && c == t->config[1] && off >= 0x10 && off < 0x14)
                b = off == 0x10 ? (uint8_t)((b & 0xc0) | 1) : b;
            if (c && off >= 4) /* IDs are read-only */
                c[off] = b;
        } else if (p < 0xcf8 || p > 0xcfb) {
            t->ports[p] = b;
        }
    }
}

static int reply(wp_buf *buf, const char *text);

/* HMP `i /b|/h|/w PORT` and `o /SIZE PORT VALUE`, as QEMU 7.2 answers. */
static int fake_ports(fake_target *t, const char *cmd, wp_buf *out)
{
    char letter = 0;
    unsigned port = 0, value = 0;
    int n = 0;
    char line[64] = "";
    if (sscanf(cmd, "i /%c %x%n", &letter, &port, &n) == 2 && !cmd[n] &&
        strchr("bhw", letter) && port <= 0xffff) {
        unsigned size = letter == 'b' ? 1 : letter == 'h' ? 2 : 4;
        snprintf(line, sizeof line, "port%c[0x%04x] = 0x%0*x\r\n",
                 letter == 'b'   ? 'b'
                 : letter == 'h' ? 'w'
                                 : 'l',
                 port, (int)(2 * size), port_in(t, port, size));
    } else if (sscanf(cmd, "o /%c %x %x%n", &letter, &port, &value, &n) == 3 && !cmd[n] &&
               strchr("bhw", letter) && port <= 0xffff) {
        port_out(t, port, letter == 'b' ? 1 : letter == 'h' ? 2 : 4, value);
    } else {
        return 0;
    }
    t->port_commands++;
    return reply(out, line) == WP_OK ? 1 : -1;
}

static const char *const kinds[] = {"M",     "m",         "query",   "switch", "restore",
                                    "probe", "supported", "monitor", "any"};

void fake_fault_at(fake_target *t, const char *kind, int nth, const char *reply)
{
    for (int i = 0; i < FAKE_MAX_FAULTS; i++)
        if (!t->faults[i].kind) {
            t->faults[i] = (fake_fault){kind, nth, reply};
            return;
        }
}

size_t fake_chunk(const fake_target *t, uint64_t addr, size_t remaining)
{
    return wp_rsp_write_chunk(t->packet_size, addr, remaining);
}

/* Counts the packet under its kind and "any"; the fault it meets, if any. */
static const char *fault_for(fake_target *t, const char *kind)
{
    const char *hit = NULL;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (strcmp(kinds[k], kind) != 0 && strcmp(kinds[k], "any") != 0)
            continue;
        int n = ++t->counts[k];
        for (int i = 0; i < FAKE_MAX_FAULTS && t->faults[i].kind; i++)
            if (strcmp(t->faults[i].kind, kinds[k]) == 0 && t->faults[i].nth == n)
                hit = t->faults[i].reply;
            else if (strcmp(t->faults[i].kind, kinds[k]) == 0 &&
                     strcmp(t->faults[i].reply, FAKE_LOSE) == 0 && n > t->faults[i].nth)
                hit = FAKE_LOSE;
    }
    return hit;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int reply(wp_buf *buf, const char *text)
{
    return wp_buf_append(buf, text, strlen(text));
}

/* Physical access as QEMU does it: RAM works, ROM reads, the rest drops. */
static uint8_t *phys_byte(fake_target *t, uint64_t a, int write)
{
    if (a < FAKE_RAM_SIZE)
        return &t->ram[a];
    if (!write && a >= FAKE_ROM_BASE && a < FAKE_ROM_BASE + FAKE_ROM_SIZE)
        return &t->rom[a - FAKE_ROM_BASE];
    return NULL;
}

static int do_m(fake_target *t, const char *p, wp_buf *out)
{
    unsigned long long addr, len;
    if (sscanf(p, "m%llx,%llx", &addr, &len) != 2 || 2 * len > t->packet_size)
        return reply(out, "E22");
    /* Hex by table, in one append: walks read many 4 KiB blocks, and the
     * suite runs under valgrind too. */
    static const char digits[] = "0123456789abcdef";
    char hex[2 * 4096];
    size_t n = 0;
    for (unsigned long long i = 0; i < len; i++) {
        uint8_t *b = t->mode ? phys_byte(t, addr + i, 0) : NULL;
        uint8_t v = b ? *b : 0;
        hex[n++] = digits[v >> 4];
        hex[n++] = digits[v & 15];
        if (n == sizeof hex) {
            wp_buf_append(out, hex, n);
            n = 0;
        }
    }
    wp_buf_append(out, hex, n);
    return 0;
}

static int do_M(fake_target *t, const char *p, size_t len, wp_buf *out)
{
    unsigned long long addr, n;
    int used = 0;
    if (sscanf(p, "M%llx,%llx:%n", &addr, &n, &used) != 2 || !used ||
        len - (size_t)used != 2 * n)
        return reply(out, "E22");
    t->m_packets++;
    if (t->on_M)
        t->on_M(t);
    const char *hex = p + used;
    for (unsigned long long i = 0; i < n; i++) {
        uint8_t v = (uint8_t)(hexv(hex[2 * i]) << 4 | hexv(hex[2 * i + 1]));
        if (!t->mode) {
            t->virtual_writes++;
            continue;
        }
        uint8_t *b = phys_byte(t, addr + i, 1);
        if (b)
            *b = v;
    }
    return reply(out, "OK");
}

static int answer(fake_target *t, const char *packet, size_t len, wp_buf *out, wp_error *err,
                  int *late);

/* Replies one packet behind after a FAKE_LATE fault, as a stub that was
 * stalled past the debugger's timeout: each packet gets the previous reply. */
static int fake_send(void *ctx, const char *packet, size_t len, wp_buf *out, wp_error *err)
{
    fake_target *t = ctx;
    int late = 0;
    wp_buf now = {0};
    int rc = answer(t, packet, len, &now, err, &late);
    if (rc == WP_OK && (late || t->behind)) {
        if (t->behind)
            wp_buf_append(out, t->pending, strlen(t->pending));
        snprintf(t->pending, sizeof t->pending, "%s", now.data ? now.data : "");
        if (late && !t->behind) {
            t->behind = 1;
            wp_error_set(err, WP_EHOST, "Ignoring packet error, continuing...: timeout");
            rc = WP_EHOST;
        }
    } else if (rc == WP_OK) {
        wp_buf_append(out, now.data ? now.data : "", now.len);
    }
    wp_buf_free(&now);
    return rc;
}

static int answer(fake_target *t, const char *packet, size_t len, wp_buf *out, wp_error *err,
                  int *late)
{
    char p[8192];
    if (len >= sizeof p)
        len = sizeof p - 1;
    memcpy(p, packet, len);
    p[len] = '\0';
    if (t->packets < 64)
        snprintf(t->log[t->packets], sizeof t->log[0], "%.63s", p);
    t->packets++;
    if (len > t->max_payload)
        t->max_payload = len;
    const char *kind = p[0] == 'M'                            ? "M"
                       : p[0] == 'm'                          ? "m"
                       : strcmp(p, "qqemu.PhyMemMode") == 0   ? "query"
                       : strcmp(p, "Qqemu.PhyMemMode:1") == 0 ? "switch"
                       : strcmp(p, "Qqemu.PhyMemMode:0") == 0 ? "restore"
                       : strcmp(p, "qqemu.Supported") == 0    ? "probe"
                       : strncmp(p, "qSupported", 10) == 0    ? "supported"
                                                              : "other";
    const char *fault = t->faults_off ? NULL : fault_for(t, kind);
    if (t->lost || (fault && strcmp(fault, FAKE_LOSE) == 0)) {
        t->lost = 1;
        wp_error_set(err, WP_EHOST, "Remote connection closed");
        return WP_EHOST;
    }
    if (len + 1 > t->packet_size) /* as QEMU: the line buffer overflows */
        return reply(out, "E22");
    if (fault && strcmp(fault, FAKE_CTRL_C_IN) == 0) {
        wp_buf scratch = {0}; /* it acts; the reply never reaches the debugger */
        int ignored = 0;
        t->faults_off = 1;
        answer(t, packet, len, &scratch, err, &ignored);
        t->faults_off = 0;
        t->packets--; /* answer() counted and logged it a second time */
        wp_buf_free(&scratch);
        t->interrupted = 1;
        wp_error_set(err, WP_EINTR, "Quit");
        return WP_EINTR;
    }
    if (fault && strcmp(fault, FAKE_CTRL_C) == 0)
        t->interrupted = 1;
    else if (fault && strcmp(fault, FAKE_LATE) == 0)
        *late = 1;
    else if (fault && strcmp(fault, FAKE_IGNORE) == 0)
        return reply(out, "OK");
    else if (fault) {
        if (p[0] == 'M')
            t->m_packets++;
        return reply(out, fault);
    }
    if (strcmp(p, "qqemu.Supported") == 0)
        return reply(out, t->has_phys ? "sstepbits;sstep;PhyMemMode" : "");
    if (strcmp(p, "qSupported") == 0) {
        char r[64];
        snprintf(r, sizeof r, "PacketSize=%zx;vContSupported+", t->packet_size);
        return reply(out, r);
    }
    if (!t->has_phys && strstr(p, "PhyMemMode"))
        return reply(out, "");
    if (strcmp(p, "qqemu.PhyMemMode") == 0)
        return reply(out, t->mode ? "1" : "0");
    if (strcmp(p, "Qqemu.PhyMemMode:1") == 0) {
        t->mode = 1;
        return reply(out, "OK");
    }
    if (strcmp(p, "Qqemu.PhyMemMode:0") == 0) {
        t->mode = 0;
        return reply(out, "OK");
    }
    if (p[0] == 'm')
        return do_m(t, p, out);
    if (p[0] == 'M')
        return do_M(t, p, len, out);
    if (strcmp(p, "qfThreadInfo") == 0)
        return reply(out, "m1");
    t->unexpected++;
    return reply(out, "");
}

static int fake_monitor(void *ctx, const char *cmd, wp_buf *out, wp_error *err)
{
    fake_target *t = ctx;
    t->monitors++;
    const char *fault = fault_for(t, "monitor");
    if (t->lost || (fault && strcmp(fault, FAKE_LOSE) == 0)) {
        t->lost = 1;
        wp_error_set(err, WP_EHOST, "Remote connection closed");
        return WP_EHOST;
    }
    if (fault && (strcmp(fault, FAKE_CTRL_C_IN) == 0 || strcmp(fault, FAKE_CTRL_C) == 0)) {
        t->interrupted = 1;
        wp_error_set(err, WP_EINTR, "Quit");
        return WP_EINTR;
    }
    if (fault && strcmp(fault, FAKE_LATE) == 0) {
        wp_error_set(err, WP_EHOST, "Ignoring packet error, continuing...: timeout");
        return WP_EHOST;
    }
    if (fault && fault[0] == 'E') { /* the monitor refused: GDB's error line */
        wp_error_set(err, WP_ETARGET, "Protocol error with Rcmd");
        return WP_ETARGET;
    }
    if (fault && strcmp(fault, FAKE_IGNORE) != 0)
        return reply(out, fault); /* text that is not what was asked */
    if (strcmp(cmd, "help") == 0) /* QEMU's, abridged: no phys, virt or read_memory */
        return reply(out, "gpa2hva addr -- print the host virtual address\n"
                          "info [subcommand] -- show various information\n"
                          "xp /fmt addr -- physical memory dump starting at 'addr'\n");
    const char *qom = "qom-get /machine/unattached/device[0] ";
    if (strncmp(cmd, qom, strlen(qom)) == 0) { /* the CPU's QOM properties */
        const char *prop = cmd + strlen(qom);
        char line[80];
        if (strcmp(prop, "type") == 0)
            snprintf(line, sizeof line, "\"%s\"\r\n", t->cpu_type);
        else if (strcmp(prop, "phys-bits") == 0)
            snprintf(line, sizeof line, "%u\r\n", t->phys_bits);
        else if (strcmp(prop, "pdpe1gb") == 0)
            snprintf(line, sizeof line, "%s\r\n", t->pages_1g ? "true" : "false");
        else
            snprintf(line, sizeof line, "Property '.%s' not found\r\n", prop);
        return reply(out, line);
    }
    if (fake_ports(t, cmd, out))
        return WP_OK;
    if (strcmp(cmd, "info mtree -f") != 0) {
        t->unexpected++;
        return reply(out, "unknown command\n");
    }
    return reply(out, t->mtree);
}

static int fake_register(void *ctx, const char *name, uint64_t *value, wp_error *err)
{
    fake_target *t = ctx;
    for (int i = 0; i < FAKE_MAX_REGS && t->regs[i].name; i++)
        if (strcmp(t->regs[i].name, name) == 0) {
            *value = t->regs[i].value;
            return WP_OK;
        }
    wp_error_set(err, WP_EHOST, "Invalid register");
    return WP_EHOST;
}

static int fake_info(void *ctx, wp_target_info *info, wp_error *err)
{
    (void)err;
    fake_target *t = ctx;
    info->connected = t->connected;
    info->remote = t->remote;
    info->stopped = t->stopped;
    info->byte_order = t->big_endian ? WP_ORDER_BIG : WP_ORDER_LITTLE;
    info->generation = t->generation;
    snprintf(info->arch, sizeof info->arch, "%s", t->arch ? t->arch : "i386:x86-64");
    return 0;
}

static int fake_interrupted(void *ctx)
{
    return ((fake_target *)ctx)->interrupted;
}

static void fake_flush(void *ctx)
{
    ((fake_target *)ctx)->flushes++;
}

static int fake_read_memory(void *ctx, uint64_t addr, void *buf, size_t len, wp_error *err)
{
    fake_target *t = ctx;
    if (addr + len > sizeof t->virt) {
        wp_error_set(err, WP_ETARGET, "Cannot access memory"); /* the stub's E reply */
        return WP_ETARGET;
    }
    memcpy(buf, t->virt + addr, len);
    return 0;
}

static int fake_write_memory(void *ctx, uint64_t addr, const void *buf, size_t len,
                             wp_error *err)
{
    fake_target *t = ctx;
    if (addr + len > sizeof t->virt) {
        wp_error_set(err, WP_ETARGET, "Cannot access memory"); /* the stub's E reply */
        return WP_ETARGET;
    }
    memcpy(t->virt + addr, buf, len);
    return 0;
}

wp_host fake_host(fake_target *t)
{
    wp_host h = {0};
    h.api_version = WP_API_VERSION;
    h.size = sizeof h;
    h.ctx = t;
    h.packet_command = "maint packet %s";
    h.connect_command = "target remote %s";
    h.send_packet = fake_send;
    h.monitor = fake_monitor;
    h.read_memory = fake_read_memory;
    h.write_memory = fake_write_memory;
    h.target_info = fake_info;
    h.read_register = fake_register;
    h.interrupted = fake_interrupted;
    h.flush_caches = fake_flush;
    return h;
}

int fake_count_prefix(const fake_target *t, const char *prefix)
{
    int n = 0;
    for (int i = 0; i < t->packets && i < 64; i++)
        if (strncmp(t->log[i], prefix, strlen(prefix)) == 0)
            n++;
    return n;
}
