/* pci: the functions on the buses (WinDbg's !pci), each with its IDs,
 * class, names, BARs and capabilities; --dump FILE writes configuration
 * space as `lspci -x` (256 bytes) or `-xxxx` (4096, with ECAM) prints it,
 * so that `lspci -F FILE -vv` decodes it. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char usage[] = "usage: pci [--bus N] [BDF] [--dump FILE]";

static const char help[] =
    "List PCI functions (WinDbg's !pci).\n"
    "Usage: pci [--bus N] [BDF] [--dump FILE]\n"
    "\n"
    "Every function reached from bus 0 through its bridges, or those of one\n"
    "bus, or one BDF (bb:dd.f or dddd:bb:dd.f): BDF, vendor:device, class,\n"
    "revision, names from the system's PCI ID database (pciutils' libpci),\n"
    "BARs (address, size, kind) and capabilities.  BARs are sized as the PCI\n"
    "specification says: decoding off, all ones written, the mask read, the\n"
    "BAR and the command register restored; the target is stopped throughout.\n"
    "The access path is named: ECAM or ports 0xcf8/0xcfc (see readpci).\n"
    "\n"
    "--bus N         Only bus N (0 to 0xff).\n"
    "--dump FILE     Write configuration space in `lspci -x` form (-xxxx with\n"
    "                ECAM) to FILE, for `lspci -F FILE -vv`; BARs are not sized.\n"
    "--backend NAME  Route (default auto); it needs I/O ports:\n"
    "@ROUTES@\n"
    "--help, -h      Show this text.\n"
    "--version       Name the core and the route a write would take now.\n"
    "--mi            Also print the result as a GDB/MI record (^done,...).\n"
    "\n"
    "Examples:\n"
    "  pci\n"
    "  pci 00:03.0\n"
    "  pci --dump /tmp/pci.txt        (then: lspci -F /tmp/pci.txt -vv)\n";

#define MAX_FUNCS 512

typedef struct listing {
    wp_session *s;
    const wp_request *r;
    wp_pci *p;
    wp_buf *out; /* the text, or the dump */
    wp_buf *mi;  /* "bdf vendor:device" words for MI */
    unsigned count;
    unsigned char seen[256]; /* buses scanned */
} listing;

/* The options of pci alone. */
typedef struct pci_args {
    const char *dump; /* --dump FILE */
    const char *bus_text;
    int bus_given;
    unsigned bus;
} pci_args;
#define A(r) ((pci_args *)(r)->args)

static int check_bus(const wp_session *s, const wp_option *o, const char *text, void *slot,
                     wp_error *err)
{
    (void)s, (void)o;
    pci_args *a = (pci_args *)((char *)slot - offsetof(pci_args, bus_text));
    uint64_t bus;
    if (wp_parse_u64(text, false, &bus) || bus > 0xff)
        return wp_fail(err, WP_EINVAL, "bad bus '%s' for --bus: a number from 0 to 0xff", text);
    a->bus = (unsigned)bus;
    a->bus_given = 1;
    return WP_OK;
}

static const wp_option pci_rows[] = {
    {"dump", 0, WP_OPTION_PATH, NULL, "FILE", "Save every function's space for lspci -F.", NULL,
     offsetof(pci_args, dump), 0, NULL},
    {"bus", 0, WP_OPTION_TEXT, NULL, "N", "Only bus N.", NULL, offsetof(pci_args, bus_text), 0,
     check_bus},
};

static int check(wp_request *r, size_t npos, wp_error *err)
{
    unsigned bdf;
    if (npos > 1)
        return wp_fail(err, WP_EINVAL, "unexpected argument '%s'; %s", r->values[0], usage);
    if (npos && A(r)->bus_given)
        return wp_fail(err, WP_EINVAL, "give --bus or a BDF, not both; %s", usage);
    return npos ? wp_parse_bdf(r->address, &bdf, err) : WP_OK;
}

static uint32_t get(const uint8_t *c, unsigned off, unsigned size)
{
    return (uint32_t)wp_decode_unit(c + off, size, WP_ORDER_LITTLE);
}

static const char *cap_name(unsigned id)
{
    static const char *const names[] = {"null",
                                        "power management",
                                        "AGP",
                                        "VPD",
                                        "slot ID",
                                        "MSI",
                                        "CompactPCI hot swap",
                                        "PCI-X",
                                        "HyperTransport",
                                        "vendor-specific",
                                        "debug port",
                                        "CompactPCI resource",
                                        "hot-plug",
                                        "bridge subsystem IDs",
                                        "AGP 8x",
                                        "secure device",
                                        "PCI Express",
                                        "MSI-X",
                                        "SATA",
                                        "advanced features",
                                        "enhanced allocation",
                                        "flattening portal"};
    return id < WP_ARRAY_LEN(names) ? names[id] : "unknown";
}

static const char *ext_cap_name(unsigned id)
{
    switch (id) {
    case 0x01: return "AER";
    case 0x02: return "virtual channel";
    case 0x03: return "serial number";
    case 0x04: return "power budgeting";
    case 0x0b: return "vendor-specific";
    case 0x0d: return "ACS";
    case 0x0e: return "ARI";
    case 0x10: return "SR-IOV";
    case 0x13: return "PRI";
    case 0x15: return "resizable BAR";
    case 0x17: return "TPH";
    case 0x18: return "LTR";
    case 0x19: return "secondary PCIe";
    case 0x1e: return "L1 PM substates";
    default: return "unknown";
    }
}

/* The capability list, guarded against loops a device (or a guest) made. */
static void list_caps(listing *l, const uint8_t *c, size_t len)
{
    if (!(get(c, 0x06, 2) & 0x10))
        return;
    const char *sep = "  capabilities:";
    int express = 0;
    unsigned ptr = c[0x34] & 0xfc;
    for (int n = 0; ptr >= 0x40 && ptr < 0x100 && n < 48; n++) {
        unsigned id = c[ptr];
        express |= id == 0x10;
        wp_buf_printf(l->out, "%s 0x%02x %s (%02x)", sep, ptr, cap_name(id), id);
        sep = ",";
        ptr = c[ptr + 1] & 0xfc;
    }
    if (express && len > 0x100) {
        unsigned off = 0x100;
        for (int n = 0; off >= 0x100 && off < 0x1000 && n < 512; n++) {
            uint32_t h = get(c, off, 4);
            if (h == 0 || h == 0xffffffffu)
                break;
            wp_buf_printf(l->out, "%s 0x%03x %s (%04x)", sep, off, ext_cap_name(h & 0xffff),
                          h & 0xffff);
            sep = ",";
            off = (h >> 20) & 0xffc;
        }
    }
    if (sep[0] == ',')
        wp_buf_printf(l->out, "\n");
}

/* Sizes the BARs (decoding off meanwhile) and prints them. */
static int list_bars(listing *l, unsigned bdf, const uint8_t *c, wp_error *err)
{
    unsigned nbars = (c[0x0e] & 0x7f) == 0 ? 6 : (c[0x0e] & 0x7f) == 1 ? 2 : 0;
    uint32_t cmd = get(c, 0x04, 2), off_cmd = cmd & ~3u;
    int rc = WP_OK;
    if (nbars && (cmd & 3))
        rc = wp_pci_access(l->p, 1, bdf, 0x04, 2, &off_cmd, err);
    for (unsigned i = 0; !rc && i < nbars; i++) {
        unsigned at = 0x10 + 4 * i;
        uint32_t orig = get(c, at, 4), ones = 0xffffffffu, mask = 0, hi_orig = 0, hi_mask = 0;
        int io = orig & 1, wide = !io && ((orig >> 1) & 3) == 2 && i + 1 < nbars;
        rc = wp_pci_access(l->p, 1, bdf, at, 4, &ones, err);
        if (!rc)
            rc = wp_pci_access(l->p, 0, bdf, at, 4, &mask, err);
        if (!rc)
            rc = wp_pci_access(l->p, 1, bdf, at, 4, &orig, err);
        if (!rc && wide) {
            hi_orig = get(c, at + 4, 4);
            ones = 0xffffffffu;
            rc = wp_pci_access(l->p, 1, bdf, at + 4, 4, &ones, err);
            if (!rc)
                rc = wp_pci_access(l->p, 0, bdf, at + 4, 4, &hi_mask, err);
            if (!rc)
                rc = wp_pci_access(l->p, 1, bdf, at + 4, 4, &hi_orig, err);
        }
        if (rc)
            break;
        uint64_t m = ((uint64_t)hi_mask << 32 | mask) & (io ? ~3ull : ~0xfull);
        if (!wide)
            m &= 0xffffffffull;
        uint64_t addr = ((uint64_t)hi_orig << 32 | orig) & (io ? ~3ull : ~0xfull);
        if (m) {
            uint64_t size = m & (~m + 1); /* the lowest bit the BAR decodes */
            wp_buf_printf(l->out, "  BAR%u %s at 0x%llx size 0x%llx%s\n", i,
                          io     ? "I/O"
                          : wide ? "memory 64-bit"
                                 : "memory 32-bit",
                          (unsigned long long)addr, (unsigned long long)size,
                          !io && (orig & 8) ? " prefetchable" : "");
        }
        i += (unsigned)wide;
    }
    if (nbars && (cmd & 3)) {
        wp_error e = {0};
        int crc = wp_pci_access(l->p, 1, bdf, 0x04, 2, &cmd, rc ? &e : err);
        rc = rc ? rc : crc;
    }
    return rc;
}

static void names(listing *l, const uint8_t *c)
{
    unsigned vendor = get(c, 0, 2), device = get(c, 2, 2), cls = get(c, 0x0a, 2);
    char v[128], d[160], k[96];
    wp_session *s = l->s;
    int have_k = wp_pci_name(s, 2, cls, 0, k, sizeof k) == WP_OK;
    int have_v = wp_pci_name(s, 0, vendor, 0, v, sizeof v) == WP_OK;
    int have_d = wp_pci_name(s, 1, vendor, device, d, sizeof d) == WP_OK;
    char num[8];
    snprintf(num, sizeof num, "[%04x]", cls);
    /* libpci names an unknown subclass "Unclassified device [00ff]" itself */
    if (have_k && strstr(k, num))
        wp_buf_printf(l->out, " %s:", k);
    else
        wp_buf_printf(l->out, " %s %s:", have_k ? k : "Class", num);
    if (have_v)
        wp_buf_printf(l->out, " %s", v);
    if (have_d)
        wp_buf_printf(l->out, " %s", d);
    if (!have_v && !have_d)
        wp_buf_printf(l->out, " Device");
}

/* lspci -x: "bb:dd.f" then offset-prefixed lines of 16 bytes, then a blank. */
static void dump_function(listing *l, unsigned bdf, const uint8_t *c, size_t len)
{
    wp_buf_printf(l->out, "%02x:%02x.%x", bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
    names(l, c);
    wp_buf_printf(l->out, "\n");
    for (size_t off = 0; off < len; off += 16) {
        wp_buf_printf(l->out, "%02zx:", off);
        for (size_t i = 0; i < 16; i++)
            wp_buf_printf(l->out, " %02x", c[off + i]);
        wp_buf_printf(l->out, "\n");
    }
    wp_buf_printf(l->out, "\n");
}

static int function(listing *l, unsigned bdf, uint8_t *c, wp_error *err)
{
    size_t len = 256;
    int rc = wp_pci_read_block(l->p, bdf, 0, c, 256, err);
    /* Extended space only for PCI Express functions (it reads 0xff elsewhere). */
    if (!rc && l->p->ecam) {
        int express = 0;
        unsigned ptr = c[0x34] & 0xfc;
        for (int n = 0; (get(c, 6, 2) & 0x10) && ptr >= 0x40 && ptr < 0x100 && n < 48; n++) {
            express |= c[ptr] == 0x10;
            ptr = c[ptr + 1] & 0xfc;
        }
        if (express || A(l->r)->dump) {
            rc = wp_pci_read_block(l->p, bdf, 0x100, c + 0x100, 4096 - 0x100, err);
            len = 4096;
        }
    }
    if (rc)
        return rc;
    char name[16];
    wp_format_bdf(name, sizeof name, bdf);
    l->count++;
    wp_buf_printf(l->mi, "%s%s %04x:%04x", l->mi->len ? "," : "", name, get(c, 0, 2),
                  get(c, 2, 2));
    if (A(l->r)->dump) {
        dump_function(l, bdf, c, l->p->ecam ? 4096 : 256);
        return WP_OK;
    }
    wp_buf_printf(l->out, "%s %04x:%04x", name, get(c, 0, 2), get(c, 2, 2));
    names(l, c);
    wp_buf_printf(l->out, " (rev %02x)", c[8]);
    if ((c[0x0e] & 0x7f) == 1)
        wp_buf_printf(l->out, ", bridge to buses %02x-%02x", c[0x19], c[0x1a]);
    wp_buf_printf(l->out, "\n");
    rc = list_bars(l, bdf, c, err);
    if (!rc)
        list_caps(l, c, len);
    return rc;
}

static int scan_bus(listing *l, unsigned bus, int follow, uint8_t *c, wp_error *err)
{
    if (l->seen[bus])
        return WP_OK; /* a loop of bridges a guest set up */
    l->seen[bus] = 1;
    unsigned below[32];
    unsigned nbelow = 0;
    for (unsigned dev = 0; dev < 32; dev++) {
        for (unsigned fn = 0; fn < 8; fn++) {
            unsigned bdf = bus << 8 | dev << 3 | fn;
            uint32_t id = 0;
            wp_error past = {0};
            if (wp_pci_check(l->p, bdf, 0, 4, &past))
                return WP_OK; /* past the ECAM window: nothing there */
            int rc = wp_pci_access(l->p, 0, bdf, 0, 4, &id, err);
            if (rc)
                return rc;
            if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0) {
                if (fn == 0)
                    break;
                continue;
            }
            if (l->count >= MAX_FUNCS)
                return wp_fail(err, WP_EPROTO, "over %d functions: the listing stops here",
                               MAX_FUNCS);
            rc = function(l, bdf, c, err);
            if (rc)
                return rc;
            if ((c[0x0e] & 0x7f) == 1 && c[0x19] > bus && nbelow < 32)
                below[nbelow++] = c[0x19];
            if (fn == 0 && !(c[0x0e] & 0x80))
                break; /* not multi-function */
        }
    }
    for (unsigned i = 0; follow && i < nbelow; i++) {
        int rc = scan_bus(l, below[i], follow, c, err);
        if (rc)
            return rc;
    }
    return WP_OK;
}

/* Written beside the target and renamed over it: never half a file. */
static int save(const char *shown, const wp_buf *text, wp_error *err)
{
    char path[4096], tmp[4200];
    if (wp_expand_path(shown, path, sizeof path))
        return wp_fail(err, WP_EINVAL, "--dump path '%s' is too long", shown);
    snprintf(tmp, sizeof tmp, "%s.wp-%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wx");
    if (!f)
        return wp_fail(err, WP_EIO, "cannot write --dump '%s': %s", shown, strerror(errno));
    size_t n = text->len ? fwrite(text->data, 1, text->len, f) : 0;
    int bad = n != text->len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return wp_fail(err, WP_EIO, "cannot write --dump '%s': %s", shown, strerror(e));
    }
    return WP_OK;
}

static int run(wp_session *s, const wp_request *r, uint64_t unused, wp_result *res,
               wp_error *err)
{
    (void)unused;
    unsigned bdf = 0;
    if (r->address)
        wp_parse_bdf(r->address, &bdf, err);
    wp_pci p;
    /* Sizing BARs writes them (and restores them); a dump only reads. */
    int rc = wp_pci_open(s, r->backend, !A(r)->dump, &p, err);
    if (rc)
        return rc;
    wp_buf body = {0}, mi = {0};
    listing l = {.s = s, .r = r, .p = &p, .out = &body, .mi = &mi};
    uint8_t *c = calloc(1, 4096);
    if (!c)
        rc = wp_fail(err, WP_ENOMEM, "out of memory");
    if (!rc && r->address) {
        uint32_t id = 0;
        rc = wp_pci_check(&p, bdf, 0, 4, err);
        if (!rc)
            rc = wp_pci_access(&p, 0, bdf, 0, 4, &id, err);
        char name[16];
        wp_format_bdf(name, sizeof name, bdf);
        if (!rc && (id & 0xffff) == 0xffff)
            rc = wp_fail(err, WP_EINVAL, "no device at %s (its vendor ID reads 0xffff)", name);
        if (!rc)
            rc = function(&l, bdf, c, err);
    } else if (!rc) {
        rc = scan_bus(&l, A(r)->bus_given ? (unsigned)A(r)->bus : 0, !A(r)->bus_given, c, err);
    }
    free(c);
    snprintf(res->backend, sizeof res->backend, "%s", p.route);
    rc = wp_pci_finish(&p, rc, err);
    if (!rc && A(r)->dump)
        rc = save(A(r)->dump, &body, err);
    const char *missing = rc ? NULL : wp_pci_names_missing(s);
    if (!rc) {
        wp_buf_printf(&res->text, "pci: %u function%s through %s via %s", l.count,
                      wp_plural(l.count), p.path, p.route);
        if (A(r)->dump)
            wp_buf_printf(&res->text, ", written to %s (lspci -F %s -vv decodes it)",
                          A(r)->dump, A(r)->dump);
        wp_buf_printf(&res->text, "\n");
        if (missing && !s->pci_names_said)
            wp_buf_printf(&res->text, "pci: numbers only: %s\n", missing);
        s->pci_names_said |= missing != NULL;
        if (!A(r)->dump && body.len)
            wp_buf_append(&res->text, body.data, body.len);
        res->length = l.count;
        wp_buf_printf(&res->fields, "path=%s\nfunctions=%s\n", p.path, mi.data ? mi.data : "");
    }
    wp_buf_free(&body);
    wp_buf_free(&mi);
    return rc;
}

static void mi_fields(wp_result *res)
{
    wp_mi_field(res, "count", "%llu", (unsigned long long)res->length);
    wp_mi_field(res, "backend", "%s", res->backend);
}

const wp_command_def wp_cmd_pci = {
    .name = "pci",
    .usage = usage,
    .help = help,
    .options = {WP_OPTS_BACKEND, WP_OPTION_SET(pci_rows, 0), WP_OPTS_ALWAYS},
    .args_size = sizeof(pci_args),
    .raw_args = 1,
    .first = "BDF",
    .check = check,
    .run = run,
    .mi_fields = mi_fields,
};
