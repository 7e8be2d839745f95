/* PCI configuration space: ECAM through the physical route where the
 * chipset has it and the memory map agrees, else configuration mechanism
 * #1 through ports 0xcf8/0xcfc.  Mechanism #1 leaves CF8 as it found it
 * when the command ends, so a guest stopped between its own CF8 write and
 * CFC access reads what it meant to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CF8           0xcf8u
#define CFC           0xcfcu
#define Q35_MCH       0x29c08086u /* Intel Q35 MCH: PCIEXBAR at config 0x60 */
#define PCIEXBAR      0x60u
#define ECAM_BUS_SIZE (1u << 20)

static uint32_t cf8_address(unsigned bdf, unsigned off)
{
    return 0x80000000u | bdf << 8 | (off & 0xfcu);
}

static int mech1(wp_pci *p, int is_write, unsigned bdf, unsigned off, unsigned size,
                 uint32_t *value, wp_error *err)
{
    if (!p->cf8_saved) {
        int rc = wp_route_port(p->h, 0, CF8, 4, &p->cf8, err);
        if (rc)
            return rc;
        p->cf8_saved = 1;
    }
    uint32_t a = cf8_address(bdf, off);
    p->cf8_dirty = 1;
    int rc = wp_route_port(p->h, 1, CF8, 4, &a, err);
    return rc ? rc : wp_route_port(p->h, is_write, CFC + (off & 3u), size, value, err);
}

/* The chipset's ECAM window, checked against the map: 0 and no window when
 * there is none (or the map does not show it where the chipset says). */
static int find_ecam(wp_pci *p, wp_error *err)
{
    uint32_t id = 0, lo = 0, hi = 0;
    int rc = mech1(p, 0, 0, 0, 4, &id, err);
    if (rc || id != Q35_MCH)
        return rc;
    rc = mech1(p, 0, 0, PCIEXBAR, 4, &lo, err);
    if (!rc)
        rc = mech1(p, 0, 0, PCIEXBAR + 4, 4, &hi, err);
    if (rc || !(lo & 1) || ((lo >> 1) & 3) == 3)
        return rc;
    unsigned buses = 256u >> ((lo >> 1) & 3);
    uint64_t base =
        ((uint64_t)hi << 32 | lo) & 0x7ffffffffull & ~((uint64_t)buses * ECAM_BUS_SIZE - 1);
    uint64_t last = base + (uint64_t)buses * ECAM_BUS_SIZE - 1;
    wp_region r = wp_route_region(p->h, base);
    if (r.kind != WP_REGION_DEVICE || r.start > base || r.last < last) {
        snprintf(p->note, sizeof p->note,
                 "the chipset's ECAM at 0x%llx is not a device range of the memory map",
                 (unsigned long long)base);
        return WP_OK;
    }
    p->ecam = 1;
    p->ecam_base = base;
    p->ecam_buses = buses;
    return WP_OK;
}

int wp_pci_open(wp_session *s, const char *backend, int for_write, wp_pci *p, wp_error *err)
{
    memset(p, 0, sizeof *p);
    wp_route_options opt = {backend, 0, -1, for_write};
    int rc = wp_route_ports_named(s, backend, err);
    if (rc)
        return wp_fail_prefix(err, rc, "PCI configuration space needs I/O ports: ");
    rc = wp_route_open_checks(s, &opt, &p->h, err);
    if (rc)
        return rc;
    if (!wp_route_has_ports(p->h)) {
        uint32_t ignored = 0;
        rc = wp_route_port(p->h, 0, 0, 1, &ignored, err); /* names why; sends nothing */
        wp_error e = {0};
        wp_route_close(p->h, &e);
        p->h = NULL;
        return wp_fail_prefix(err, rc, "PCI configuration space needs I/O ports: ");
    }
    rc = find_ecam(p, err);
    if (!rc && p->ecam) {
        wp_route_allow(p->h, p->ecam_base,
                       p->ecam_base + (uint64_t)p->ecam_buses * ECAM_BUS_SIZE - 1);
        rc = wp_route_enter(p->h, err); /* closes the handle when it fails */
        if (rc)
            p->h = NULL;
    }
    if (rc) {
        wp_error e = {0};
        wp_pci_close(p, &e);
        return rc;
    }
    snprintf(p->route, sizeof p->route, "%s", wp_route_of(p->h)->name);
    if (p->ecam)
        snprintf(p->path, sizeof p->path, "ECAM at 0x%llx", (unsigned long long)p->ecam_base);
    else
        snprintf(p->path, sizeof p->path, "ports 0xcf8/0xcfc");
    return WP_OK;
}

int wp_pci_close(wp_pci *p, wp_error *err)
{
    int rc = WP_OK;
    if (p->h && p->cf8_dirty) {
        wp_error e = {0};
        rc = wp_route_port_restore(p->h, CF8, 4, p->cf8, &e);
        if (rc)
            wp_fail(err, rc, "CF8 could not be restored to 0x%08x: %s", p->cf8, e.message);
    }
    if (p->h) {
        wp_error e = {0};
        int crc = wp_route_close(p->h, &e);
        if (!rc && crc) {
            *err = e;
            rc = crc;
        }
    }
    p->h = NULL;
    return rc;
}

int wp_pci_finish(wp_pci *p, int rc, wp_error *err)
{
    wp_error e = {0};
    int crc = wp_pci_close(p, &e);
    if (crc && !rc) {
        *err = e;
        return crc;
    }
    if (crc) { /* the first failure stays the status; the restore's is said too */
        wp_error_append(err, "; ");
        wp_error_append(err, e.message);
    }
    return rc;
}

int wp_pci_check(const wp_pci *p, unsigned bdf, unsigned off, size_t len, wp_error *err)
{
    unsigned space = p->ecam ? 4096u : 256u;
    if (p->ecam && (bdf >> 8) >= p->ecam_buses)
        return wp_fail(err, WP_EINVAL, "bus 0x%02x is past the ECAM window (%u buses)",
                       bdf >> 8, p->ecam_buses);
    if (off + len > space)
        return wp_fail(err, WP_EINVAL,
                       "offsets from 0x100 are extended configuration space, reachable only "
                       "through ECAM, which this machine does not offer (%s)",
                       p->note[0] ? p->note : "no MMCONFIG window in its chipset");
    return WP_OK;
}

int wp_pci_access(wp_pci *p, int is_write, unsigned bdf, unsigned off, unsigned size,
                  uint32_t *value, wp_error *err)
{
    if (!p->ecam)
        return mech1(p, is_write, bdf, off, size, value, err);
    uint64_t addr = p->ecam_base + ((uint64_t)bdf << 12) + off;
    uint8_t b[4] = {0};
    size_t done = 0;
    if (is_write) {
        for (unsigned i = 0; i < size; i++)
            b[i] = (uint8_t)(*value >> (8 * i));
        return wp_route_write(p->h, addr, b, size, &done, err);
    }
    int rc = wp_route_read(p->h, addr, b, size, &done, err);
    *value = (uint32_t)wp_decode_unit(b, size, WP_ORDER_LITTLE);
    return rc;
}

int wp_pci_read_block(wp_pci *p, unsigned bdf, unsigned off, uint8_t *buf, size_t len,
                      wp_error *err)
{
    if (p->ecam) {
        size_t done = 0;
        return wp_route_read(p->h, p->ecam_base + ((uint64_t)bdf << 12) + off, buf, len, &done,
                             err);
    }
    for (size_t i = 0; i < len;) {
        unsigned at = off + (unsigned)i;
        unsigned size = (at & 3) == 0 && len - i >= 4   ? 4
                        : (at & 1) == 0 && len - i >= 2 ? 2
                                                        : 1;
        uint32_t v = 0;
        int rc = mech1(p, 0, bdf, at, size, &v, err);
        if (rc)
            return rc;
        for (unsigned k = 0; k < size; k++)
            buf[i + k] = (uint8_t)(v >> (8 * k));
        i += size;
    }
    return WP_OK;
}

int wp_parse_bdf(const char *text, unsigned *bdf, wp_error *err)
{
    unsigned dom = 0, bus = 0, dev = 0, fn = 0;
    int n = 0;
    size_t len = strlen(text);
    int ok = (sscanf(text, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &n) == 4 ||
              (dom = 0, sscanf(text, "%x:%x.%x%n", &bus, &dev, &fn, &n) == 3)) &&
             (size_t)n == len && strspn(text, "0123456789abcdefABCDEF:.") == len;
    if (!ok || len > 12)
        return wp_fail(err, WP_EINVAL, "bad BDF '%s': use bb:dd.f or dddd:bb:dd.f (hex)", text);
    if (dom)
        return wp_fail(err, WP_EINVAL,
                       "PCI domain %04x is out of reach: writephys knows one domain, 0000",
                       dom);
    if (bus > 0xff || dev > 0x1f || fn > 7)
        return wp_fail(err, WP_EINVAL,
                       "BDF '%s' is out of range: bus 0-ff, device 0-1f, function 0-7", text);
    *bdf = bus << 8 | dev << 3 | fn;
    return WP_OK;
}

void wp_format_bdf(char *buf, size_t cap, unsigned bdf)
{
    snprintf(buf, cap, "0000:%02x:%02x.%x", bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
}
