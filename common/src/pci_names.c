/* Vendor, device and class names from the system's PCI ID database through
 * pciutils' libpci (pci_lookup_name), loaded with dlopen when first needed,
 * so the core has no hard dependency on it.  Without the library or its
 * database: numbers only, and the first listing says so. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#if defined(__has_include)
#if __has_include(<pci/pci.h>)
#include <pci/pci.h>
#define WP_HAVE_PCI_H 1
#endif
#endif

struct wp_pci_names {
    void *lib;
    int failed; /* 1: numbers only */
    char why[160];
#ifdef WP_HAVE_PCI_H
    struct pci_access *acc;
    char *(*lookup)(struct pci_access *, char *, int, int, ...);
    void (*cleanup)(struct pci_access *);
#endif
};

#ifdef WP_HAVE_PCI_H
/* libpci's error handler must not return (its default exits the process):
 * ours jumps back to the lookup that called it.  The jump target is the
 * calling thread's, set only for the duration of one lookup. */
static _Thread_local jmp_buf *lookup_jump;

/* libpci's own attribute, so that the pointer types match in GCC and clang. */
static void on_error(char *msg, ...) PCI_NONRET;

static void on_error(char *msg, ...)
{
    (void)msg;
    longjmp(*lookup_jump, 1);
}

static void on_warning(char *msg, ...)
{
    (void)msg;
}
#endif

static wp_pci_names *load(wp_session *s)
{
    if (s->pci_names)
        return s->pci_names;
    wp_pci_names *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    s->pci_names = n;
    n->failed = 1;
#ifdef WP_HAVE_PCI_H
    n->lib = dlopen("libpci.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!n->lib) {
        snprintf(n->why, sizeof n->why, "libpci.so.3 is not installed (Debian: pciutils)");
        return n;
    }
    struct pci_access *(*alloc)(void) =
        (struct pci_access * (*)(void)) dlsym(n->lib, "pci_alloc");
    *(void **)&n->lookup = dlsym(n->lib, "pci_lookup_name");
    *(void **)&n->cleanup = dlsym(n->lib, "pci_cleanup");
    n->acc = alloc && n->lookup && n->cleanup ? alloc() : NULL;
    if (!n->acc) {
        snprintf(n->why, sizeof n->why, "libpci.so.3 lacks pci_alloc or pci_lookup_name");
        return n;
    }
    n->acc->error = on_error;
    n->acc->warning = on_warning;
    n->acc->debug = on_warning;
    /* libpci opens NAME, and for NAME.gz also NAME when that is absent. */
    const char *file = n->acc->id_file_name;
    char plain[512] = "";
    size_t len = file ? strlen(file) : 0;
    if (len > 3 && strcmp(file + len - 3, ".gz") == 0 && len - 3 < sizeof plain)
        snprintf(plain, sizeof plain, "%.*s", (int)(len - 3), file);
    if (!file || (access(file, R_OK) != 0 && (!plain[0] || access(plain, R_OK) != 0))) {
        snprintf(n->why, sizeof n->why, "no PCI ID database at %.100s (Debian: pci.ids)",
                 plain[0] ? plain
                 : file   ? file
                          : "libpci's default path");
        return n;
    }
    n->failed = 0;
#else
    snprintf(n->why, sizeof n->why, "writephys was built without pciutils' pci/pci.h");
#endif
    return n;
}

void wp_pci_names_free(wp_pci_names *n)
{
    if (!n)
        return;
#ifdef WP_HAVE_PCI_H
    if (n->acc)
        n->cleanup(n->acc);
#endif
    if (n->lib)
        dlclose(n->lib);
    free(n);
}

const char *wp_pci_names_missing(wp_session *s)
{
    wp_pci_names *n = load(s);
    return !n ? "out of memory" : n->failed ? n->why : NULL;
}

/* kind: 0 vendor (a), 1 device (a, b), 2 class (a = base << 8 | sub). */
int wp_pci_name(wp_session *s, int kind, unsigned a, unsigned b, char *buf, size_t cap)
{
    buf[0] = '\0';
    wp_pci_names *n = load(s);
    if (!n || n->failed)
        return WP_ENOROUTE;
#ifdef WP_HAVE_PCI_H
    jmp_buf here;
    lookup_jump = &here;
    const char *volatile got = NULL; /* read after a longjmp */
    int flags = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;
    if (setjmp(here) == 0) {
        got = kind == 0   ? n->lookup(n->acc, buf, (int)cap, flags | PCI_LOOKUP_VENDOR, a)
              : kind == 1 ? n->lookup(n->acc, buf, (int)cap, flags | PCI_LOOKUP_DEVICE, a, b)
                          : n->lookup(n->acc, buf, (int)cap, flags | PCI_LOOKUP_CLASS, a);
    } else {
        n->failed = 1; /* a malformed database: no more lookups */
        snprintf(n->why, sizeof n->why, "the PCI ID database could not be read");
    }
    lookup_jump = NULL;
    if (got && got != buf)
        snprintf(buf, cap, "%s", got);
    return got ? WP_OK : WP_ENOROUTE;
#else
    (void)kind, (void)a, (void)b, (void)cap;
    return WP_ENOROUTE;
#endif
}
