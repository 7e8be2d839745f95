/* A QEMU-like target behind the core's host callbacks, for unit tests:
 * RAM, ROM, a device and holes; PhyMemMode; faults on demand; a packet log. */
#ifndef FAKE_TARGET_H
#define FAKE_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "writephys.h"

#define FAKE_RAM_SIZE 0x100000u          /* RAM at 0 */
#define FAKE_ROM_BASE 0x100000u          /* 64 KiB ROM */
#define FAKE_ROM_SIZE 0x10000u
#define FAKE_DEV_BASE 0x200000u          /* 4 KiB device */
#define FAKE_DEV_SIZE 0x1000u

typedef struct fake_target {
    uint8_t ram[FAKE_RAM_SIZE];
    uint8_t rom[FAKE_ROM_SIZE];
    uint8_t virt[0x1000];               /* what a virtual-mode write would hit */
    int has_phys;                       /* PhyMemMode offered */
    int mode;                           /* 1 physical */
    int refuse_switch;                  /* Qqemu.PhyMemMode:1 answers E01 */
    int switch_noop;                    /* answers OK but stays virtual */
    int refuse_restore;                 /* Qqemu.PhyMemMode:0 answers E01 */
    size_t packet_size;
    int fail_m_at;                      /* the Nth M packet (1-based) answers E14 */
    const char *m_reply;                /* used instead of E14 when set */
    int lose_at;                        /* the Nth packet (1-based) loses the link */
    int interrupt_after_m;              /* Ctrl-C after this many M packets */
    int connected, stopped, remote, big_endian;
    const char *mtree;                  /* monitor output; default is built in */
    /* observed */
    int packets, m_packets, virtual_writes, lost, flushes, interrupted;
    size_t max_payload;
    char log[64][64];                   /* first 64 packets, truncated */
} fake_target;

void fake_init(fake_target *t);
wp_host fake_host(fake_target *t);
/* Host with evaluate=NULL: the core parses literals itself. */
int fake_count_prefix(const fake_target *t, const char *prefix);

#endif
