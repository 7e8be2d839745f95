/* Write, read and fill through the qemu route against a fake stub:
 * chunking, BytesWritten at every failure position, the mode restored on
 * every path, memory-map refusals, verification. */
#include <stdio.h>
#include <stdlib.h>

#include "fake_target.h"
#include "internal.h"
#include "test_util.h"

static fake_target T;
static wp_session *S;
static const wp_route_options AUTO = {"auto", 0, -1, 0};

/* Each case starts afresh; the case before it must not have sent a packet
 * the fake does not know. */
static void setup(void)
{
    CU_ASSERT_EQUAL(T.unexpected, 0);
    wp_session_free(S);
    fake_init(&T);
    wp_host h = fake_host(&T);
    S = wp_session_new(&h, NULL);
}

static uint8_t *pattern(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + seed);
    return p;
}

static void test_chunking_at_packet_size(void)
{
    static const size_t packet_sizes[] = {0x100, 0x1000};
    for (size_t k = 0; k < WP_ARRAY_LEN(packet_sizes); k++) {
        setup();
        T.packet_size = packet_sizes[k];
        uint64_t addr = 0x1230;
        size_t chunk = fake_chunk(&T, addr, 1 << 16);
        const size_t lengths[] = {1, chunk - 1, chunk, chunk + 1, 3 * chunk, 3 * chunk + 5};
        for (size_t i = 0; i < WP_ARRAY_LEN(lengths); i++) {
            uint8_t *data = pattern(lengths[i], (unsigned)i);
            size_t done = 99;
            wp_error err = {0};
            T.m_packets = 0;
            int rc = wp_write_physical(S, &AUTO, addr, data, lengths[i], &done, &err);
            CU_ASSERT_EQUAL(rc, WP_OK);
            CU_ASSERT_EQUAL(done, lengths[i]);
            CU_ASSERT_EQUAL(memcmp(T.ram + addr, data, lengths[i]), 0);
            CU_ASSERT(T.max_payload <= T.packet_size - 1);
            size_t expect_packets = 0;
            for (size_t off = 0; off < lengths[i]; expect_packets++)
                off += fake_chunk(&T, addr + off, lengths[i] - off);
            CU_ASSERT_EQUAL((size_t)T.m_packets, expect_packets);
            CU_ASSERT_EQUAL(T.mode, 0);
            CU_ASSERT_EQUAL(T.virtual_writes, 0);
            free(data);
        }
    }
}

/* A failure at packet k leaves exactly k chunks written, and says where. */
static void test_bytes_written_at_every_position(void)
{
    const size_t len = 5000;
    uint8_t *data = pattern(len, 3);
    for (int k = 1; k <= 3; k++) {
        setup();
        size_t chunk = fake_chunk(&T, 0x2000, len);
        fake_fault_at(&T, "M", k, "E14");
        size_t done = 99;
        wp_error err = {0};
        int rc = wp_write_physical(S, &AUTO, 0x2000, data, len, &done, &err);
        size_t expect = (size_t)(k - 1) * chunk;
        CU_ASSERT_EQUAL(rc, WP_ETARGET);
        CU_ASSERT_EQUAL(done, expect);
        char where[32];
        snprintf(where, sizeof where, "0x%zx", 0x2000 + expect);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, where));
        char count[32];
        snprintf(count, sizeof count, "%zu of %zu bytes written", expect, len);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, count));
        CU_ASSERT_EQUAL(memcmp(T.ram + 0x2000, data, expect), 0);
        CU_ASSERT_EQUAL(T.ram[0x2000 + expect], 0); /* nothing beyond */
        CU_ASSERT_EQUAL(T.mode, 0);
        CU_ASSERT_EQUAL(T.flushes, expect ? 1 : 0);
    }
    free(data);
}

static void test_mode_restored_on_every_path(void)
{
    static const char *const bad_replies[] = {"E14", "garbage", "", "OKOK", "E.denied"};
    uint8_t data[3000] = {1};
    for (size_t i = 0; i < WP_ARRAY_LEN(bad_replies); i++) {
        setup();
        fake_fault_at(&T, "M", 2, bad_replies[i]);
        size_t done;
        wp_error err = {0};
        CU_ASSERT_NOT_EQUAL(wp_write_physical(S, &AUTO, 0, data, sizeof data, &done, &err),
                            WP_OK);
        CU_ASSERT_EQUAL(T.mode, 0);
        CU_ASSERT_STRING_EQUAL(T.log[T.packets - 1], "Qqemu.PhyMemMode:0");
    }
    /* A stub that goes silent (a timeout) mid-write: the count is a range,
     * and the M in doubt is the last packet of the command. */
    setup();
    fake_fault_at(&T, "M", 2, FAKE_LATE);
    size_t late_done;
    wp_error late = {0};
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0, data, sizeof data, &late_done, &late),
                    WP_EHOST);
    CU_ASSERT_EQUAL(T.m_packets, 2);
    CU_ASSERT_EQUAL(strncmp(T.log[T.packets - 1], "M", 1), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(late.message, "were in flight, their outcome unknown"));
    CU_ASSERT_PTR_NOT_NULL(strstr(late.message, "switch back to virtual mode was not sent"));
    /* Ctrl-C after the first packet: the write stops, the count is exact. */
    setup();
    fake_fault_at(&T, "M", 1, FAKE_CTRL_C);
    size_t done;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0, data, sizeof data, &done, &err), WP_EINTR);
    CU_ASSERT_EQUAL(done, fake_chunk(&T, 0, sizeof data));
    CU_ASSERT_EQUAL(T.m_packets, 1);
    CU_ASSERT_EQUAL(T.mode, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "interrupted"));
    /* A lost connection: the count is exact and the message says the mode
     * could not be restored. */
    setup();
    fake_fault_at(&T, "M", 2, FAKE_LOSE);
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0, data, sizeof data, &done, &err), WP_EHOST);
    CU_ASSERT_EQUAL(T.m_packets, 1);
    CU_ASSERT_EQUAL(done, fake_chunk(&T, 0, sizeof data));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "Remote connection closed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "may still be in physical mode"));
    /* A refused restore keeps the count, and says the mode may be wrong. */
    setup();
    fake_fault_at(&T, "restore", 1, "E01");
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0, data, sizeof data, &done, &err), WP_ETARGET);
    CU_ASSERT_EQUAL(done, sizeof data);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "all 3000 bytes were written"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "may still be in physical mode"));
    /* Already in physical mode: left there, never switched to virtual. */
    setup();
    T.mode = 1;
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0, data, 10, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(T.mode, 1);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "Qqemu.PhyMemMode"), 0);
}

/* Never through virtual addressing: no route, no write of any kind. */
static void test_no_route_no_write(void)
{
    uint8_t data[16] = {0xaa};
    struct {
        const char *what;
        int has_phys, refuse, noop;
    } cases[] = {
        {"no PhyMemMode", 0, 0, 0},
        {"switch refused", 1, 1, 0},
        {"switch ignored", 1, 0, 1},
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(cases); i++) {
        setup();
        T.has_phys = cases[i].has_phys;
        if (cases[i].refuse)
            fake_fault_at(&T, "switch", 1, "E01");
        if (cases[i].noop)
            fake_fault_at(&T, "switch", 1, FAKE_IGNORE);
        size_t done = 99;
        wp_error err = {0};
        int rc = wp_write_physical(S, &AUTO, 0x100, data, sizeof data, &done, &err);
        CU_ASSERT_EQUAL(rc, WP_ENOROUTE);
        CU_ASSERT_EQUAL(done, 0);
        CU_ASSERT_EQUAL(T.m_packets, 0);
        CU_ASSERT_EQUAL(fake_count_prefix(&T, "M"), 0);
        CU_ASSERT_EQUAL(fake_count_prefix(&T, "X"), 0);
        CU_ASSERT_EQUAL(T.mode, 0);
        CU_ASSERT_EQUAL(T.flushes, 0);
    }
    /* With `auto`, the message names the routes and how to choose. */
    CU_ASSERT_EQUAL(T.virtual_writes, 0);
    setup();
    T.has_phys = 0;
    wp_error err = {0};
    size_t done;
    wp_write_physical(S, &AUTO, 0, data, 1, &done, &err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "--backend flat"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "openocd"));
}

static void test_target_state_refusals(void)
{
    uint8_t data[4] = {1, 2, 3, 4};
    struct {
        int connected, stopped, remote;
        int rc;
        const char *message;
    } cases[] = {
        {0, 1, 1, WP_ESTATE, "no target"},
        {1, 0, 1, WP_ESTATE, "running"},
        {1, 1, 0, WP_ENOROUTE, "not a gdb-remote"},
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(cases); i++) {
        setup();
        T.connected = cases[i].connected;
        T.stopped = cases[i].stopped;
        T.remote = cases[i].remote;
        size_t done = 9;
        wp_error err = {0};
        CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0, data, 4, &done, &err), cases[i].rc);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, cases[i].message));
        CU_ASSERT_EQUAL(T.packets, 0);
        CU_ASSERT_EQUAL(done, 0);
    }
}

static void test_memory_map_decisions(void)
{
    uint8_t data[32];
    memset(data, 0x5a, sizeof data);
    struct {
        uint64_t addr;
        size_t len;
        int force;
        int rc;
        const char *message;
    } cases[] = {
        {FAKE_RAM_SIZE - 16, 32, 0, WP_EREFUSED, "is ROM"}, /* straddles RAM end */
        {FAKE_DEV_BASE + FAKE_DEV_SIZE - 4, 8, 0, WP_EREFUSED, "unassigned"},
        {0x300000, 4, 0, WP_EREFUSED, "unassigned"},
        {0x300000, 4, 1, WP_OK, ""}, /* forced: unassigned reads prove nothing */
        {FAKE_ROM_BASE, 4, 1, WP_EVERIFY, "rom memory did not keep"},
        {FAKE_DEV_BASE, 4, 0, WP_OK, ""}, /* not verified */
    };
    static uint8_t before[FAKE_RAM_SIZE];
    for (size_t i = 0; i < WP_ARRAY_LEN(cases); i++) {
        setup();
        memcpy(before, T.ram, sizeof before);
        wp_route_options opt = {"qemu", cases[i].force, -1, 0};
        size_t done = 99;
        wp_error err = {0};
        int rc = wp_write_physical(S, &opt, cases[i].addr, data, cases[i].len, &done, &err);
        CU_ASSERT_EQUAL(rc, cases[i].rc);
        if (!strstr(err.message, cases[i].message))
            fprintf(stderr, "\n  case %zu said '%s'\n", i, err.message);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, cases[i].message));
        if (rc == WP_EREFUSED) {
            CU_ASSERT_EQUAL(T.m_packets, 0);
            CU_ASSERT_EQUAL(fake_count_prefix(&T, "Qqemu"), 0); /* not even the switch */
            CU_ASSERT_EQUAL(done, 0);
            /* This row's own range, where it lies in RAM, is untouched. */
            uint64_t end = cases[i].addr + cases[i].len;
            if (cases[i].addr < FAKE_RAM_SIZE)
                CU_ASSERT_EQUAL(
                    memcmp(T.ram + cases[i].addr, before + cases[i].addr,
                           (end < FAKE_RAM_SIZE ? end : FAKE_RAM_SIZE) - cases[i].addr),
                    0);
            /* And the region the refusal names overlaps this row's range. */
            unsigned long long from = 0, to = 0;
            CU_ASSERT_EQUAL(sscanf(err.message, "0x%llx-0x%llx", &from, &to), 2);
            CU_ASSERT(from < end && to >= cases[i].addr);
        }
        CU_ASSERT_EQUAL(T.mode, 0);
    }
    /* A device range is written but not read back unless asked. */
    setup();
    size_t done;
    wp_error err = {0};
    wp_route_options opt = {"auto", 0, -1, 0};
    T.packets = 0;
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, FAKE_DEV_BASE, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "m"), 0);
    /* A write that is not plain RAM can change the map (flash in ID mode
     * becomes i/o): the next command learns the route afresh. */
    CU_ASSERT_EQUAL(T.monitors, 1);
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, 0, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(T.monitors, 2);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "qqemu.Supported"), 2);
    /* RAM writes keep the probe for the rest of the stop, but read the map
     * once per command: the machine may change while it stays stopped... */
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, 0, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, 8, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "qqemu.Supported"), 2);
    CU_ASSERT_EQUAL(T.monitors, 4);
    /* ...and learn the probe again after the host reports a new stop. */
    T.generation++;
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, 0, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(fake_count_prefix(&T, "qqemu.Supported"), 3);
    CU_ASSERT_EQUAL(T.monitors, 5);
}

/* Leading bytes of RAM at 0 that hold the pattern written. */
static size_t landed(const uint8_t *data, size_t n)
{
    size_t k = 0;
    while (k < n && T.ram[k] == data[k])
        k++;
    return k;
}

/* Issue 17 item 8: every packet kind the qemu route sends × every fault.
 * After each: the stub's mode is what it was (or the message says it may
 * not be), and the count is what landed (or a range that holds it). */
static void test_fault_sweep(void)
{
    static const char *const kinds[] = {"probe",  "supported", "monitor", "query",
                                        "switch", "M",         "m",       "restore"};
    static const char *const faults[] = {"E01",          "garbage", FAKE_CTRL_C,
                                         FAKE_CTRL_C_IN, FAKE_LATE, FAKE_LOSE};
    static uint8_t data[3000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i % 251 + 1); /* never 0: what landed shows */
    for (size_t k = 0; k < WP_ARRAY_LEN(kinds); k++)
        for (size_t f = 0; f < WP_ARRAY_LEN(faults); f++)
            for (int nth = 1; nth <= 2; nth++) {
                setup();
                fake_fault_at(&T, kinds[k], nth, faults[f]);
                size_t done = 99999;
                wp_error err = {0};
                int rc = wp_write_physical(S, &AUTO, 0, data, sizeof data, &done, &err);
                size_t got = landed(data, sizeof data);
                unsigned long long lo = 0, hi = 0;
                const char *range = strstr(err.message, " to ");
                int ranged =
                    rc && range && sscanf(err.message, "%llu to %llu of", &lo, &hi) == 2;
                int count_ok = rc == WP_OK ? done == sizeof data && got == sizeof data
                               : ranged    ? lo <= got && got <= hi && done == lo
                                           : done == got;
                int restored =
                    T.mode == 0 || strstr(err.message, "may still be in physical mode");
                /* With the link up and in step, the mode must be back. */
                int link_fine = !T.lost && !T.behind && strcmp(kinds[k], "restore") != 0;
                if (!count_ok || !restored || (link_fine && T.mode != 0))
                    fprintf(stderr, "\n  %s #%d x %s: rc %d done %zu landed %zu mode %d: %s\n",
                            kinds[k], nth, faults[f], rc, done, got, T.mode, err.message);
                CU_ASSERT(count_ok);
                CU_ASSERT(restored);
                CU_ASSERT(!link_fine || T.mode == 0);
                T.unexpected = 0; /* garbage may leave the fake's parser lost */
            }
}

/* Region edges: a write that ends on the last byte of RAM goes; one that
 * starts on the first byte of the next region (ROM) or crosses into it is
 * refused; the same for reads at a device's edges. */
static void test_map_boundaries(void)
{
    setup();
    const uint8_t data[4] = {9, 8, 7, 6};
    uint8_t back[4];
    size_t done = 0;
    wp_error err = {0};
    wp_route_options opt = {"qemu", 0, -1, 0};
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, FAKE_RAM_SIZE - 4, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(done, 4);
    CU_ASSERT_EQUAL(T.ram[FAKE_RAM_SIZE - 1], 6);
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, FAKE_RAM_SIZE - 3, data, 4, &done, &err),
                    WP_EREFUSED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "0x100000-0x10ffff is ROM"));
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, FAKE_ROM_BASE, data, 4, &done, &err),
                    WP_EREFUSED);
    CU_ASSERT_EQUAL(done, 0);
    /* The ROM's last byte, read; the device's first, refused; the hole after. */
    CU_ASSERT_EQUAL(
        wp_read_physical(S, &opt, FAKE_ROM_BASE + FAKE_ROM_SIZE - 4, back, 4, &done, &err),
        WP_OK);
    CU_ASSERT_EQUAL(wp_read_physical(S, &opt, FAKE_DEV_BASE, back, 1, &done, &err),
                    WP_EREFUSED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "0x200000-0x200fff is a device"));
    CU_ASSERT_EQUAL(wp_read_physical(S, &opt, FAKE_DEV_BASE - 1, back, 1, &done, &err),
                    WP_EREFUSED);
    if (!strstr(err.message, "0x110000-0x1fffff is unassigned"))
        fprintf(stderr, "\n  said %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "0x110000-0x1fffff is unassigned"));
    CU_ASSERT_EQUAL(T.mode, 0);
}

/* SPEC rule 8: the chipset maps ROM back over RAM (PAM) while the target
 * stays stopped; the next command acts on the new map, not the stop's. */
static void test_map_changes_within_a_stop(void)
{
    static const char rom_over_ram[] =
        "FlatView #1\n"
        " AS \"memory\", root: system\n"
        "  0000000000000000-0000000000000fff (prio 0, ram): pc.ram\n"
        "  0000000000001000-0000000000001fff (prio 1, rom): pc.rom\n"
        "  0000000000002000-00000000000fffff (prio 0, ram): pc.ram\n";
    setup();
    const uint8_t data[4] = {1, 2, 3, 4};
    size_t done = 9;
    wp_error err = {0};
    wp_route_options opt = {"auto", 0, -1, 0};
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, 0x1000, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(done, 4);
    T.mtree = rom_over_ram; /* same stop: generation unchanged */
    T.ram[0x1004] = 0;
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, 0x1004, data, 4, &done, &err), WP_EREFUSED);
    CU_ASSERT_EQUAL(done, 0);
    CU_ASSERT(strstr(err.message, "0x1000-0x1fff is ROM (pc.rom)") != NULL);
    CU_ASSERT_EQUAL(T.ram[0x1004], 0);
    /* And back: RAM again, the write goes through. */
    fake_target fresh;
    fake_init(&fresh);
    T.mtree = fresh.mtree;
    CU_ASSERT_EQUAL(wp_write_physical(S, &opt, 0x1004, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(T.ram[0x1007], 4);
    CU_ASSERT_EQUAL(T.mode, 0);
}

static void test_read_and_fill(void)
{
    setup();
    for (size_t i = 0; i < 10000; i++)
        T.ram[0x4000 + i] = (uint8_t)(i * 13);
    uint8_t out[10000];
    size_t got = 0;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_read_physical(S, &AUTO, 0x4000, out, sizeof out, &got, &err), WP_OK);
    CU_ASSERT_EQUAL(got, sizeof out);
    CU_ASSERT_EQUAL(memcmp(out, T.ram + 0x4000, sizeof out), 0);
    CU_ASSERT_EQUAL(T.mode, 0);
    /* Device reads need --force: they may have side effects. */
    CU_ASSERT_EQUAL(wp_read_physical(S, &AUTO, FAKE_DEV_BASE, out, 4, &got, &err), WP_EREFUSED);
    /* Fill: the pattern repeats, also across packet boundaries. */
    const uint8_t pat[3] = {1, 2, 3};
    size_t filled = 0;
    CU_ASSERT_EQUAL(wp_fill_physical(S, &AUTO, 0x8001, 9001, pat, 3, &filled, &err), WP_OK);
    CU_ASSERT_EQUAL(filled, 9001);
    for (size_t i = 0; i < 9001; i++)
        if (T.ram[0x8001 + i] != pat[i % 3]) {
            CU_FAIL("fill pattern");
            break;
        }
    CU_ASSERT_EQUAL(T.ram[0x8001 + 9001], 0);
    /* Bad calls set the count too. */
    filled = 7;
    CU_ASSERT_EQUAL(wp_fill_physical(S, &AUTO, 0, 10, pat, 0, &filled, &err), WP_EINVAL);
    CU_ASSERT_EQUAL(filled, 0);
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, UINT64_MAX - 1, pat, 3, &filled, &err),
                    WP_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "64-bit"));
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0, pat, 0, &filled, &err), WP_EINVAL);
}

static uint64_t progress_last, progress_total;
static int progress_calls, progress_backwards;

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    if (done <= progress_last)
        progress_backwards++;
    progress_last = done;
    progress_total = total;
    progress_calls++;
}

/* Progress comes after every packet of a long transfer, growing, and ends
 * at the total; a small transfer, or the setting off, reports none. */
static void test_progress(void)
{
    setup();
    wp_host h = fake_host(&T);
    h.progress = on_progress;
    wp_session_free(S);
    S = wp_session_new(&h, NULL);
    const size_t big = 300000;
    uint8_t *data = pattern(big, 1);
    size_t done;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0, data, 10000, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(progress_calls, 0);
    int before = T.m_packets;
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0, data, big, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(progress_calls, T.m_packets - before);
    CU_ASSERT_EQUAL(progress_backwards, 0);
    CU_ASSERT_EQUAL(progress_last, big);
    CU_ASSERT_EQUAL(progress_total, big);
    int calls = progress_calls;
    CU_ASSERT_EQUAL(wp_setting_set(S, "progress", "off", &err), WP_OK);
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0, data, big, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(progress_calls, calls);
    free(data);
}

static void test_flat_route(void)
{
    setup();
    wp_route_options flat = {"flat", 0, -1, 0};
    const uint8_t data[4] = {9, 8, 7, 6};
    size_t done = 0;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_write_physical(S, &flat, 0x10, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(memcmp(T.virt + 0x10, data, 4), 0);
    CU_ASSERT_EQUAL(T.packets, 0);
    CU_ASSERT_EQUAL(wp_write_physical(S, &flat, 0x2000, data, 4, &done, &err), WP_ETARGET);
    CU_ASSERT_EQUAL(done, 0);
    /* The debugger may have sent part of the chunk before the refused packet. */
    if (!strstr(err.message, "0 to 4 of 4 bytes written (0x2000-0x2003 were in flight"))
        fprintf(stderr, "\n  flat refusal said '%s'\n", err.message);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "0 to 4 of 4 bytes written (0x2000-0x2003 "
                                               "were in flight"));
    /* openocd named on a stub that is not OpenOCD: a clear refusal. */
    wp_route_options ocd = {"openocd", 0, -1, 0};
    CU_ASSERT_EQUAL(wp_write_physical(S, &ocd, 0x10, data, 4, &done, &err), WP_ENOROUTE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "not OpenOCD"));
}

/* Within a stop a repeated small write costs the switch, the write, the
 * read-back and the switch back: what the first command learnt holds. */
static void test_repeated_small_writes(void)
{
    setup();
    const uint8_t data[4] = {1, 2, 3, 4};
    size_t done;
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0x100, data, 4, &done, &err), WP_OK);
    int before = T.packets;
    CU_ASSERT_EQUAL(wp_write_physical(S, &AUTO, 0x200, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(T.packets - before, 4); /* switch, M, m, switch back */
    wp_route_options fast = {"auto", 0, 0, 0};
    before = T.packets;
    CU_ASSERT_EQUAL(wp_write_physical(S, &fast, 0x300, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(T.packets - before, 3);
    CU_ASSERT_EQUAL(T.mode, 0);
    CU_ASSERT_EQUAL(memcmp(T.ram + 0x300, data, 4), 0);
    /* A failed restore makes the route ask again: the stub is still in
     * physical mode, so the next write leaves it there, as it found it. */
    fake_fault_at(&T, "restore", 4, "E01");
    CU_ASSERT_EQUAL(wp_write_physical(S, &fast, 0x300, data, 4, &done, &err), WP_ETARGET);
    before = T.packets;
    CU_ASSERT_EQUAL(wp_write_physical(S, &fast, 0x300, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(T.packets - before, 2); /* the mode query, then M */
    CU_ASSERT_EQUAL(T.mode, 1);
    /* A new stop: the probe and the mode are learnt again. */
    T.mode = 0;
    T.generation++;
    before = T.packets;
    CU_ASSERT_EQUAL(wp_write_physical(S, &fast, 0x300, data, 4, &done, &err), WP_OK);
    CU_ASSERT_EQUAL(T.packets - before, 7); /* probe 2, query, switch, query, M, back */
}

static const CU_TestInfo tests[] = {
    {"repeated small writes", test_repeated_small_writes},
    {"chunking at PacketSize", test_chunking_at_packet_size},
    {"BytesWritten at every position", test_bytes_written_at_every_position},
    {"mode restored on every path", test_mode_restored_on_every_path},
    {"no route, no write", test_no_route_no_write},
    {"target state refusals", test_target_state_refusals},
    {"memory-map decisions", test_memory_map_decisions},
    {"map changes within a stop", test_map_changes_within_a_stop},
    {"map boundaries", test_map_boundaries},
    {"fault sweep: every packet kind x every fault", test_fault_sweep},
    {"read and fill", test_read_and_fill},
    {"progress", test_progress},
    {"flat route", test_flat_route},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    int rc = run_suite("dataspace", tests);
    rc |= T.unexpected != 0;
    wp_session_free(S);
    return rc;
}
