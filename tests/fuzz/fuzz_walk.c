/* libFuzzer: the page walker on arbitrary registers and tables (issue 23).
 * The input is the architecture, the registers a guest can hold, the
 * address and the memory the tables are read from; no register value or
 * table may crash or hang the walk, and a translation keeps the page
 * offset.  The walk runs through vtop --walk too, so its text is built. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "internal.h"

static const char *const arches[] = {"i386:x86-64", "i386", "aarch64", "riscv:rv64",
                                     "riscv:rv32"};
static const char *const regs[] = {"cr0",     "cr3",       "cr4",       "efer", "cpsr", "SCTLR",
                                   "TCR_EL1", "TTBR0_EL1", "TTBR1_EL1", "satp", "priv"};

typedef struct input {
    const uint8_t *mem; /* the tables: every physical address reads from here */
    size_t mem_len;
    uint64_t values[sizeof regs / sizeof regs[0]];
    const char *arch;
} input;

static input *current;

static uint64_t take64(const uint8_t **data, size_t *size)
{
    uint64_t v = 0;
    for (int i = 0; i < 8 && *size; i++, (*data)++, (*size)--)
        v |= (uint64_t) * *data << (8 * i);
    return v;
}

static int info(void *ctx, wp_target_info *ti, wp_error *err)
{
    (void)err;
    input *in = ctx;
    ti->connected = ti->remote = ti->stopped = 1;
    ti->byte_order = WP_ORDER_LITTLE;
    snprintf(ti->arch, sizeof ti->arch, "%s", in->arch);
    return 0;
}

static int read_register(void *ctx, const char *name, uint64_t *value, wp_error *err)
{
    input *in = ctx;
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        if (strcmp(regs[i], name) == 0) {
            *value = in->values[i];
            return 0;
        }
    wp_error_set(err, WP_EHOST, "Invalid register");
    return WP_EHOST;
}

static int mem_probe(wp_session *s, void *state, int intent, wp_error *err)
{
    (void)s, (void)state, (void)intent, (void)err;
    return WP_OK;
}

static int mem_mode(wp_session *s, void *state, wp_error *err)
{
    (void)s, (void)state, (void)err;
    return WP_OK;
}

static int mem_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf, size_t len,
                     wp_write_outcome *out, wp_error *err)
{
    (void)s, (void)state, (void)addr, (void)buf, (void)len, (void)out;
    return wp_fail(err, WP_ETARGET, "read-only");
}

/* Physical memory: the input's bytes, folded over every address; addresses
 * whose low byte is 0xee fail, as a hole would. */
static int mem_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                    wp_error *err)
{
    (void)s, (void)state;
    if ((addr & 0xff) == 0xee || !current->mem_len)
        return wp_fail(err, WP_ETARGET, "no memory at 0x%llx", (unsigned long long)addr);
    for (size_t i = 0; i < len; i++) {
        uint64_t a = addr + i;
        uint64_t k = a < current->mem_len ? a : (a ^ (a >> 12) ^ (a >> 29)) % current->mem_len;
        buf[i] = current->mem[k];
    }
    return (int)len;
}

static size_t mem_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                        size_t remaining)
{
    (void)s, (void)state, (void)is_write, (void)addr;
    return remaining < 64 ? remaining : 64;
}

static const wp_route mem_route = {
    .name = "tables",
    .summary = "the fuzzer's memory",
    .flags = WP_ROUTE_MAPLESS,
    .probe = mem_probe,
    .begin = mem_mode,
    .end = mem_mode,
    .write = mem_write,
    .read = mem_read,
    .chunk = mem_chunk,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    input in = {0};
    in.arch = arches[data[0] % (sizeof arches / sizeof arches[0])];
    int with_root = (data[0] >> 4) & 1;
    data++, size--;
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        in.values[i] = take64(&data, &size);
    /* Paging and the MMU on more often than not: the walk is the point. */
    in.values[0] |= 0x80000001ull;
    in.values[5] |= 1;
    in.values[4] &= ~0xcull; /* EL0/EL1 */
    uint64_t va = take64(&data, &size);
    uint64_t root = take64(&data, &size);
    in.mem = data;
    in.mem_len = size;
    current = &in;

    wp_host host = {0};
    host.api_version = WP_API_VERSION;
    host.size = sizeof host;
    host.ctx = &in;
    host.target_info = info;
    host.read_register = read_register;
    wp_session *s = wp_session_new(&host, NULL);
    if (!s || wp_session_add_route(s, &mem_route, NULL))
        abort();
    wp_route_options opt = {"tables", 0, 0, 0};
    wp_translation t;
    wp_error err = {0};
    for (int pass = 0; pass < 2; pass++) {
        uint64_t addr = pass ? va ^ 0xffff000000000000ull : va;
        int rc = wp_virtual_to_physical(s, &opt, with_root ? &root : NULL, addr, &t, &err);
        if (t.nsteps > sizeof t.steps / sizeof t.steps[0])
            abort();
        if (rc == WP_OK) {
            if (!t.page_size || (t.page_size & (t.page_size - 1)))
                abort();
            if ((t.phys ^ addr) & (t.page_size - 1))
                abort();
        } else if (!err.message[0]) {
            abort();
        }
    }
    char va_text[24];
    snprintf(va_text, sizeof va_text, "0x%llx", (unsigned long long)va);
    const char *argv[] = {"vtop", "--walk", "--backend", "tables", va_text};
    wp_result res;
    wp_command_run(s, 5, argv, &res);
    wp_result_free(&res);
    wp_session_free(s);
    return 0;
}
