/* A QEMU-like target behind the core's host callbacks, for unit tests:
 * RAM, ROM, a device and holes; PhyMemMode; faults on demand; a packet log.
 * Packets it does not know are counted in `unexpected`, which every test
 * checks (fake_check). */
#ifndef FAKE_TARGET_H
#define FAKE_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "writephys.h"

#define FAKE_RAM_SIZE   0x100000u /* RAM at 0 */
#define FAKE_ROM_BASE   0x100000u /* 64 KiB ROM */
#define FAKE_ROM_SIZE   0x10000u
#define FAKE_DEV_BASE   0x200000u /* 4 KiB device */
#define FAKE_DEV_SIZE   0x1000u
#define FAKE_MAX_FAULTS 8

/* Special fault replies; any other text is sent as the reply. */
#define FAKE_LOSE      "<lose the connection, from this packet on>"
#define FAKE_IGNORE    "<answer OK, change nothing>"
#define FAKE_CTRL_C    "<act, then the user presses Ctrl-C>"
/* Act, but answer too late: the host times out, and from then on every
 * reply is one packet behind. */
#define FAKE_LATE      "<act, answer after the debugger gave up>"
/* Act, but the user's Ctrl-C ends the debugger's wait: no reply, EINTR. */
#define FAKE_CTRL_C_IN "<act, Ctrl-C while the debugger waits for the reply>"
#define FAKE_MAX_REGS  8

/* Packet kinds for faults: "M", "m" (physical mode), "query"
 * (qqemu.PhyMemMode), "switch" (Qqemu.PhyMemMode:1), "restore"
 * (Qqemu.PhyMemMode:0), "probe" (qqemu.Supported), "supported"
 * (qSupported), "monitor" (a monitor command), "any" (every packet,
 * counted together). */
typedef struct fake_fault {
    const char *kind;
    int nth; /* 1-based, among packets of that kind */
    const char *reply;
} fake_fault;

typedef struct fake_target fake_target;
struct fake_target {
    uint8_t ram[FAKE_RAM_SIZE];
    uint8_t rom[FAKE_ROM_SIZE];
    uint8_t virt[0x1000]; /* what a virtual-mode write would hit */
    int has_phys;         /* PhyMemMode offered */
    int mode;             /* 1 physical */
    size_t packet_size;
    fake_fault faults[FAKE_MAX_FAULTS];
    int connected, stopped, remote, big_endian;
    uint64_t generation; /* what target_info reports */
    const char *arch;    /* default "i386:x86-64" */
    struct {
        const char *name;
        uint64_t value;
    } regs[FAKE_MAX_REGS];               /* what read_register finds */
    int behind;                          /* replies one packet late */
    int faults_off;                      /* acting on a packet whose fault was taken */
    void (*on_M)(struct fake_target *t); /* called before each M packet acts */
    const char *hook_path;               /* for on_M's use */
    char pending[8192];
    const char *mtree; /* monitor output; default is built in */
    /* the CPU's QOM properties (qom-get): default max-x86_64-cpu, 40, 1 */
    const char *cpu_type;
    unsigned phys_bits;
    int pages_1g;
    /* x86 ports (HMP i/o): bytes, CF8, and mechanism #1 onto two functions'
     * configuration space (00:00.0 and 00:03.0) */
    uint8_t ports[0x10000];
    uint32_t cf8;
    uint8_t config[2][256];
    int port_commands;
    /* observed */
    int packets, m_packets, virtual_writes, lost, flushes, interrupted, monitors;
    int unexpected; /* packets the fake does not know */
    int counts[9];  /* per kind, for faults */
    size_t max_payload;
    char log[64][64]; /* first 64 packets, truncated */
};

void fake_init(fake_target *t);
/* The one way to inject a fault: the nth packet of a kind gets reply. */
void fake_fault_at(fake_target *t, const char *kind, int nth, const char *reply);
/* Host with evaluate=NULL: the core parses literals itself. */
wp_host fake_host(fake_target *t);
int fake_count_prefix(const fake_target *t, const char *prefix);
/* The bytes one M packet carries at addr under the fake's PacketSize. */
size_t fake_chunk(const fake_target *t, uint64_t addr, size_t remaining);

#endif
