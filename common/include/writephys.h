/* writephys core: physical-memory data spaces for whole-machine debugging.
 *
 * The core owns the command language, value encoding, the data-space
 * operations and the routes to physical memory.  It has no debugger headers:
 * it reaches the target only through the wp_host callback table, which the
 * GDB and LLDB front ends (or a unit test) supply.
 *
 * Conventions for every call below:
 * - It returns WP_OK (0) or a negative wp_status.
 * - On failure the wp_error passed in (when not NULL) holds one line of text
 *   for the user, without a command-name prefix, and the same status.
 * - Counts (*bytes_written and the like) are always set, also on failure.
 * - Nothing here keeps global state: everything lives in a wp_session.
 */
#ifndef WRITEPHYS_H
#define WRITEPHYS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define WP_EXPORT __attribute__((visibility("default")))
#else
#define WP_EXPORT
#endif

/** The version of the core (its releases) and of this API (its layout).
 * WP_API_VERSION changes whenever a struct or a signature below changes; a
 * host passes it in wp_host and the core refuses a host built for another. */
#define WP_VERSION     "0.4.0"
#define WP_API_VERSION 5

/** The core's version string and API version, for wrappers that load the
 * core at run time (GDB's ctypes) and must refuse a mismatched one. */
WP_EXPORT const char *wp_version(void);
WP_EXPORT int wp_api_version(void);

/** Status of every core call.  0 is success; errors are negative. */
typedef enum wp_status {
    WP_OK = 0,               /**< Done. */
    WP_EINVAL = -1,          /**< Bad user input; nothing was sent. */
    WP_ENOROUTE = -2,        /**< No route to physical memory; nothing was written. */
    WP_EREFUSED = -3,        /**< A safety rule refused (unassigned, ROM); nothing was sent. */
    WP_ETARGET = -4,         /**< The target answered with an error. */
    WP_EPROTO = -5,          /**< The target's reply was malformed. */
    WP_EHOST = -6,           /**< A host (debugger) callback failed, e.g. connection lost. */
    WP_EVERIFY = -7,         /**< Read-back differs from what was written. */
    WP_EINTR = -8,           /**< Interrupted by the user (Ctrl-C). */
    WP_ENOMEM = -9,          /**< Out of memory. */
    WP_EIO = -10,            /**< A local file could not be read or written. */
    WP_ESTATE = -11,         /**< The target is not in a state to accept the command. */
    WP_EVERSION = -12,       /**< The host was built for another API version. */
    WP_ENOROUTE_SILENT = -13 /**< A route probe: not this kind of target (see wp_route). */
} wp_status;

/** A short phrase describing a status code ("no route to physical memory"). */
WP_EXPORT const char *wp_status_name(int status);

/** One line of text for the user, kept apart from the code. */
typedef struct wp_error {
    int status;
    char message[512];
} wp_error;

/** Sets an error (for host callbacks: printf-free, for ctypes and C++).
 * Only the first line of message is kept. */
WP_EXPORT void wp_error_set(wp_error *err, int status, const char *message);

/** A growable byte buffer the host fills with replies and monitor output.
 * Zero-initialise it; data is NUL-terminated whenever it is not NULL. */
typedef struct wp_buf {
    char *data;
    size_t len;
    size_t cap;
} wp_buf;

/** Appends len bytes; WP_ENOMEM or WP_EINVAL (NULL buf) on failure. */
WP_EXPORT int wp_buf_append(wp_buf *buf, const void *data, size_t len);
WP_EXPORT void wp_buf_free(wp_buf *buf);

enum wp_byte_order { WP_ORDER_TARGET = 0, WP_ORDER_LITTLE = 1, WP_ORDER_BIG = 2 };

/** What the host knows about the target, asked before anything is sent. */
typedef struct wp_target_info {
    int connected;  /**< a process/target exists */
    int remote;     /**< it is reached through a gdb-remote connection */
    int stopped;    /**< all threads stopped: packets may be exchanged */
    int byte_order; /**< WP_ORDER_LITTLE or WP_ORDER_BIG */
    /** Changes whenever what the core learnt about the target may be stale:
     * every stop, resume and new connection.  The core drops what its routes
     * learnt when it sees a new value. */
    uint64_t generation;
    /** The debugger's architecture name ("i386:x86-64", "aarch64",
     * "riscv:rv64", "x86_64"...), or "" when unknown. */
    char arch[32];
} wp_target_info;

/** The host callbacks.
 *
 * The rule for every callback that returns int: 0 on success; when the
 * debugger fails, WP_EHOST with the debugger's own one-line message in err
 * (WP_EINTR when the user interrupted inside the debugger).  The core, not
 * the host, decides what a failure means where it happened (a failed read of
 * the flat route is the target's refusal; a failed packet is a lost link).
 * No callback may call back into the core. */
typedef struct wp_host {
    unsigned api_version; /**< WP_API_VERSION the host was built against */
    size_t size;          /**< sizeof(wp_host) in the host's build */
    void *ctx;
    /** How this debugger's user sends a raw packet and connects to a stub,
     * each with one %s; used in hints ("maint packet %s",
     * "target remote %s").  NULL: hints name the packet alone. */
    const char *packet_command;
    const char *connect_command;
    /** One gdb-remote packet, payload only (the host frames it); the reply's
     * payload goes to *reply.  A lost connection is WP_EHOST. */
    int (*send_packet)(void *ctx, const char *packet, size_t len, wp_buf *reply, wp_error *err);
    /** A stub monitor command ("info mtree -f"); its output to *out. */
    int (*monitor)(void *ctx, const char *command, wp_buf *out, wp_error *err);
    /** The debugger's own memory access (the flat and kgdb routes):
     * WP_ETARGET when the stub answered the access with an error (nothing
     * moved), WP_EHOST when the outcome is unknown. */
    int (*read_memory)(void *ctx, uint64_t addr, void *buf, size_t len, wp_error *err);
    int (*write_memory)(void *ctx, uint64_t addr, const void *buf, size_t len, wp_error *err);
    /** Evaluates a debugger expression to an integer.  *negative is set when
     * the value is below zero; *value then holds its two's complement.  Plain
     * literals never reach it: the core reads those itself. */
    int (*evaluate)(void *ctx, const char *expr, uint64_t *value, int *negative, wp_error *err);
    /** Reads a register by the debugger's name ("cr0", "SCTLR_EL1", "satp");
     * WP_EHOST when the target has no such register.  Optional. */
    int (*read_register)(void *ctx, const char *name, uint64_t *value, wp_error *err);
    int (*target_info)(void *ctx, wp_target_info *info, wp_error *err);
    /** Nonzero once the user pressed Ctrl-C. */
    int (*interrupted)(void *ctx);
    /** Drops every debugger cache that may hold target memory. */
    void (*flush_caches)(void *ctx);
    /** Optional: the debugger's own bulk memory write, as fast as its
     * native command (LLDB's SBProcess::WriteMemory: its raw-packet command
     * costs a command line per packet).  Routes whose stub is in physical
     * mode write through it.  *written: the bytes the stub acknowledged,
     * also on failure; then WP_ETARGET when the stub refused the next
     * packet (it did not land), WP_EHOST when its fate is unknown.  A host
     * whose packet got no answer at all (a timeout, a lost link) also calls
     * wp_session_set_link_doubt: nothing more that writes is then sent. */
    int (*write_memory_bulk)(void *ctx, uint64_t addr, const void *buf, size_t len,
                             size_t *written, wp_error *err);
    /** Optional: bytes moved so far of a transfer, after every packet. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
} wp_host;

typedef struct wp_session wp_session;

/** A session per debugger; it holds what the routes learn about the target.
 * Returns NULL (with err set to WP_EVERSION or WP_ENOMEM) when the host was
 * built for another API version or memory ran out. */
WP_EXPORT wp_session *wp_session_new(const wp_host *host, wp_error *err);
WP_EXPORT void wp_session_free(wp_session *s);

/* ---- Physical memory maps ---- */

enum wp_region_kind { WP_REGION_UNASSIGNED, WP_REGION_RAM, WP_REGION_ROM, WP_REGION_DEVICE };

/** One range of a route's physical memory map. */
typedef struct wp_region {
    uint64_t start, last; /**< inclusive */
    int kind;             /**< wp_region_kind */
    char name[48];
} wp_region;

typedef struct wp_memmap {
    wp_region *regions; /**< sorted, non-overlapping */
    size_t count;
} wp_memmap;

/* ---- Routes: the ways to physical memory ----
 *
 * A route is one row of the session's registry.  The core's own rows are
 * built in; a tool (or a test) adds its own with wp_session_add_route.
 * Generic code loops over the rows and names none of them. */

/* ---- Options and settings: rows owned by a command or a route ----
 *
 * A command or a route lists the options it takes and the settings it
 * keeps; one generic loop parses every line and one table lists every
 * setting, so help, completion, GDB/MI and both debuggers follow the rows. */

enum wp_option_kind {
    WP_OPTION_FLAG, /**< takes no value: stores `flag` (1 when 0) as an int */
    WP_OPTION_TEXT, /**< a word, kept as a const char * (not empty) */
    WP_OPTION_PATH, /**< a file name: completes as a path */
    WP_OPTION_EXPR, /**< an expression the debugger evaluates later */
    WP_OPTION_SIZE  /**< a size (4096, 0x1000, 4K), stored as a wp_size_arg */
};

/** Where a SIZE option lands. */
typedef struct wp_size_arg {
    uint64_t value;
    int given;
} wp_size_arg;

typedef struct wp_option {
    const char *name;    /**< long name without dashes ("direct-map") */
    char short_name;     /**< 0: none */
    int kind;            /**< wp_option_kind */
    const char *arg;     /**< what the value is, for "needs ..." ("a path", "A-B") */
    const char *metavar; /**< the value's name in help ("BASE") */
    const char *help;    /**< for help: lines without indent */
    /** Options that are alternatives of one choice share a choice: at most
     * one of them may be given, and this is the message when two are. */
    const char *choice;
    size_t offset; /**< where the value lands in the owner's argument block */
    int flag;      /**< FLAG: the value stored (0 stores 1) */
    /** Optional: a check of the value after the kind's own, given the
     * slot it landed in. */
    int (*check)(const wp_session *s, const struct wp_option *o, const char *text, void *slot,
                 wp_error *err);
} wp_option;

/** A setting: a default that lasts as long as the session. */
typedef struct wp_setting {
    const char *name;   /**< "read-width" */
    const char *values; /**< for help and for errors ("1, 2, 4 or 8") */
    const char *doc;    /**< one line */
    /** WP_EINVAL without a message: the core says "bad value 'V' for
     * NAME (values)". */
    int (*set)(wp_session *s, void *state, const char *value, wp_error *err);
    void (*get)(const wp_session *s, const void *state, char *buf, size_t cap);
} wp_setting;

enum wp_probe_intent { WP_PROBE_WRITE = 1, WP_PROBE_NAMED = 2 };

/** What a failed route write tells of its len bytes: `landed` of them
 * landed, in order from addr, and `in_doubt` after those were sent with no
 * answer.  A write that leaves known 0 landed nothing, and is wholly in
 * doubt when its status is WP_EHOST or WP_EINTR. */
typedef struct wp_write_outcome {
    int known;
    size_t landed, in_doubt;
} wp_write_outcome;

enum wp_route_flags {
    WP_ROUTE_AUTO = 1,   /**< `auto` tries it, in registry order */
    WP_ROUTE_REMOTE = 2, /**< needs a gdb-remote connection */
    WP_ROUTE_MAPLESS = 4 /**< has no memory map: cannot tell RAM from devices */
};

typedef struct wp_route {
    const char *name;    /**< for --backend; lower case, no spaces */
    const char *summary; /**< one line for help */
    unsigned flags;      /**< wp_route_flags */
    /** For routes `auto` skips: when a user should name it, shown when no
     * route is found ("if the target's MMU is off, choose --backend flat"). */
    const char *manual_hint;
    /** Bytes of state the session allocates (zeroed) for this route. */
    size_t state_size;
    /** Drops what was learnt (new stop or connection) and frees what the
     * state points to; the state itself is the session's.  Optional. */
    void (*forget)(void *state);
    /** Can the route be used now?  intent holds WP_PROBE_WRITE when the
     * accesses will write, WP_PROBE_NAMED when the user named the route.
     * Read-only queries only: no mode switch, no write.  WP_ENOROUTE (with
     * why) when not; WP_ENOROUTE_SILENT when the route does not apply at all
     * (not this kind of target), so that `auto` does not report it. */
    int (*probe)(wp_session *s, void *state, int intent, wp_error *err);
    /** Enters physical mode.  From the first packet that may change the
     * mode on, the state must remember to restore it in end().  Optional
     * (with end): a route whose addresses are always physical has none. */
    int (*begin)(wp_session *s, void *state, wp_error *err);
    /** Leaves physical mode as begin() found it.  Called once after every
     * begin(), also a failed one. */
    int (*end)(wp_session *s, void *state, wp_error *err);
    /** Moves at most one chunk (see chunk); write returns 0 when all len
     * bytes landed, read returns the bytes read (> 0) or a status.  A
     * failed write that knows what landed says so in *out. */
    int (*write)(wp_session *s, void *state, uint64_t addr, const uint8_t *buf, size_t len,
                 wp_write_outcome *out, wp_error *err);
    int (*read)(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                wp_error *err);
    /** The largest access at addr (at most remaining) that write/read take. */
    size_t (*chunk)(wp_session *s, void *state, int is_write, uint64_t addr, size_t remaining);
    /** The physical map, or NULL when the route has none.  Optional. */
    int (*memmap)(wp_session *s, void *state, const wp_memmap **map, wp_error *err);
    /** How the user restores the target when end() failed, phrased for the
     * debugger in use (see wp_host.packet_command).  Optional. */
    void (*restore_hint)(wp_session *s, char *buf, size_t cap);
    /** After probe: "" when the route has shown that its addresses are
     * physical, else why it could not ("the debugger's address; ...").
     * Optional: a route without it always reaches physical addresses. */
    void (*claim)(wp_session *s, void *state, char *buf, size_t cap);
    /** After an access: what to print after "via" when it is more than the
     * route's name ("direct and qemu").  Optional. */
    void (*via)(wp_session *s, void *state, char *buf, size_t cap);
    /** x86 I/O ports, size 1, 2 or 4 bytes; the mode need not be physical.
     * Optional: NULL (the default) when the route has no ports, and then
     * no_ports says why in a phrase ("kgdb reaches memory, not ports"). */
    int (*port_read)(wp_session *s, void *state, unsigned port, unsigned size, uint32_t *value,
                     wp_error *err);
    int (*port_write)(wp_session *s, void *state, unsigned port, unsigned size, uint32_t value,
                      wp_error *err);
    const char *no_ports;
    /** Options of the route's own, taken by every command that moves
     * memory; one of them given picks the route.  Their values land in an
     * argument block of args_size bytes (zeroed per command), which
     * arguments() reads before the command runs: it checks and evaluates
     * them (for this command only).  Optional. */
    const wp_option *options;
    size_t noptions;
    size_t args_size;
    int (*arguments)(wp_session *s, void *state, const void *args, wp_error *err);
    /** Settings the route keeps in its state (they survive forget()).
     * Optional. */
    const wp_setting *settings;
    size_t nsettings;
} wp_route;

/** Adds a route after the built-in ones, with its settings.  WP_EINVAL for
 * a name in use or a row without probe, write, read and chunk. */
WP_EXPORT int wp_session_add_route(wp_session *s, const wp_route *route, wp_error *err);

/** Services the core offers routes. */
/** Sends one packet through the host; *reply points into the session and
 * stays valid until the next packet. */
WP_EXPORT int wp_session_send(wp_session *s, const char *packet, size_t len,
                              const wp_buf **reply, wp_error *err);
WP_EXPORT const wp_host *wp_session_host(const wp_session *s);
/** Whether an exchange ended without an answer (a timeout, a lost link), so
 * that a late reply may still be on its way and every reply after it one
 * packet late.  wp_session_send sets it on a host failure; a route sets it
 * for an empty reply that stands for a timeout, and clears it once it has
 * seen replies in step with its packets. */
WP_EXPORT int wp_session_link_doubtful(const wp_session *s);
WP_EXPORT void wp_session_set_link_doubt(wp_session *s, int doubtful);
/** Whether a failed monitor command's own text must be kept (the stub says
 * why in its output before an error reply, as OpenOCD does): false once the
 * stub is known to be QEMU's, whose monitor never answers with an error.  A
 * host whose way of keeping that text costs more may ask, and save it. */
WP_EXPORT int wp_session_monitor_failures_speak(const wp_session *s);
/** Parses `info mtree -f` output (QEMU's flat views) into a map; free with
 * wp_memmap_free. */
WP_EXPORT int wp_memmap_parse(const char *text, wp_memmap *map, wp_error *err);
WP_EXPORT void wp_memmap_free(wp_memmap *map);

/** Route options for the data-space calls and the route handle. */
typedef struct wp_route_options {
    const char *backend; /**< a route name, or "auto" / NULL */
    int force;           /**< allow ROM and unassigned ranges (and device reads) */
    int verify;          /**< -1 auto (RAM and ROM yes, devices no), 0 off, 1 on (the
                              user's consent to read a device range back) */
    int for_write;       /**< the accesses will write (a route may allow only reads) */
} wp_route_options;

/* ---- The route handle: open once, many accesses, close once ---- */

typedef struct wp_route_handle wp_route_handle;

/** Checks the target, chooses the route, probes it, loads its map and
 * enters physical mode.  One handle per session at a time (WP_ESTATE for a
 * second).  On failure *out is NULL and the mode is as it was. */
WP_EXPORT int wp_route_open(wp_session *s, const wp_route_options *opt, wp_route_handle **out,
                            wp_error *err);
/** Refuses [addr, addr+len) when the map forbids the access (WP_EREFUSED,
 * naming the whole region) or the range wraps (WP_EINVAL).  Sends nothing. */
WP_EXPORT int wp_route_check(wp_route_handle *h, uint64_t addr, uint64_t len, int is_write,
                             wp_error *err);
/** Write or read [addr, addr+size) in as many packets as needed, after
 * wp_route_check.  *done counts the bytes that landed (read) from addr on;
 * on failure err names the first address that failed. */
WP_EXPORT int wp_route_write(wp_route_handle *h, uint64_t addr, const void *buf, size_t size,
                             size_t *done, wp_error *err);
WP_EXPORT int wp_route_read(wp_route_handle *h, uint64_t addr, void *buf, size_t size,
                            size_t *done, wp_error *err);
/** After a failed wp_route_write: the bytes after *done whose fate is
 * unknown, because the exchange that carried them ended without an answer
 * (no reply, a lost link, an interrupt inside the debugger).  0 when the
 * stub's answer is known. */
WP_EXPORT size_t wp_route_in_doubt(const wp_route_handle *h);
/** The map's region at addr (a RAM region from 0 to the top when the route
 * has no map). */
WP_EXPORT wp_region wp_route_region(const wp_route_handle *h, uint64_t addr);
WP_EXPORT const wp_route *wp_route_of(const wp_route_handle *h);
/** Leaves physical mode and flushes the debugger's caches once if anything
 * was written.  Always frees the handle.  On a failed restore the message
 * ends with the route's hint to restore the target by hand. */
WP_EXPORT int wp_route_close(wp_route_handle *h, wp_error *err);

/* ---- The data-space calls, after IDebugDataSpaces ----
 * Each opens a route, moves the bytes and closes it.  *bytes_done is always
 * set, also on failure, to the bytes that landed (or were read) from the
 * start on. */
WP_EXPORT int wp_write_physical(wp_session *s, const wp_route_options *opt, uint64_t offset,
                                const void *buffer, size_t size, size_t *bytes_written,
                                wp_error *err);
WP_EXPORT int wp_read_physical(wp_session *s, const wp_route_options *opt, uint64_t offset,
                               void *buffer, size_t size, size_t *bytes_read, wp_error *err);
WP_EXPORT int wp_fill_physical(wp_session *s, const wp_route_options *opt, uint64_t start,
                               size_t size, const void *pattern, size_t pattern_size,
                               size_t *bytes_filled, wp_error *err);

/* ---- Virtual to physical, after IDebugDataSpaces::VirtualToPhysical ---- */

enum wp_paging_mode {
    WP_PAGING_NONE,
    WP_PAGING_X86_32,
    WP_PAGING_X86_PAE,
    WP_PAGING_X86_64_4,
    WP_PAGING_X86_64_5,
    WP_PAGING_ARM64,
    WP_PAGING_SV32,
    WP_PAGING_SV39,
    WP_PAGING_SV48,
    WP_PAGING_SV57
};

/** What a walk starts from: the mode and the translation registers. */
typedef struct wp_paging {
    int mode;                   /**< wp_paging_mode */
    uint64_t root;              /**< x86, riscv: the first table's physical address */
    uint64_t cr4, efer;         /**< x86: PSE, NXE */
    uint64_t tcr, ttbr0, ttbr1; /**< aarch64 */
    int oa52;                   /**< unused: each aarch64 half's format comes from TCR */
    int big_endian;             /**< tables in big-endian (aarch64 SCTLR.EE) */
    unsigned phys_bits;         /**< x86: the CPU's MAXPHYADDR; 0 unknown (taken as 52) */
    int pages_1g;               /**< x86: 1 GiB pages; 1 yes, 0 no, -1 unknown (yes) */
} wp_paging;

enum wp_page_flags {
    WP_PAGE_WRITE = 1,      /**< writable (every level allows it) */
    WP_PAGE_USER = 2,       /**< reachable from user mode (x86 U/S, arm AP[1], riscv U) */
    WP_PAGE_EXEC = 4,       /**< executable (not NX/XN); aarch64: by EL0 (UXN clear) */
    WP_PAGE_KERNEL_EXEC = 8 /**< aarch64: executable at EL1 (PXN clear) */
};

/** One level of a walk: the table, the index, the entry's address and value. */
typedef struct wp_walk_step {
    const char *name; /**< "PML4", "PD", "L2", ... */
    uint64_t table;
    unsigned index;
    uint64_t entry_addr;
    uint64_t entry;
} wp_walk_step;

typedef struct wp_translation {
    uint64_t virt, phys;
    uint64_t page_size; /**< of the mapping that holds virt */
    unsigned flags;     /**< wp_page_flags */
    char mode[32];      /**< "x86-64 4-level", "aarch64 4K TTBR1", "riscv Sv39" */
    unsigned nsteps;
    wp_walk_step steps[6]; /**< every level read, the last one where it stopped */
    int stopped;           /**< the walk ended at an invalid entry */
} wp_translation;

/** Translates virt through the target's page tables, read with the core's
 * physical reads on the route opt names.  The mode and root come from the
 * debugger's registers; root, when not NULL, replaces the root register
 * (CR3, satp, or the TTBR of virt's half) to walk another address space.
 * *out holds every level read, also when the walk stops: WP_EREFUSED for an
 * unmapped address (the message names the level and entry), WP_EINVAL for a
 * non-canonical address or an unknown mode, WP_ENOROUTE when a register is
 * missing, WP_EREFUSED "paging is off" when virtual equals physical. */
WP_EXPORT int wp_virtual_to_physical(wp_session *s, const wp_route_options *opt,
                                     const uint64_t *root, uint64_t virt, wp_translation *out,
                                     wp_error *err);

/* ---- Commands ---- */

/** The outcome of one command line, for printing and for GDB/MI. */
typedef struct wp_result {
    int status;
    wp_buf text;    /**< what to print on success (may be several lines) */
    wp_error error; /**< the one-line message on failure, "name: ..." */
    /** GDB/MI result fields of a success, one "name=value\n" per field, in
     * the order the command's row lists them. */
    wp_buf fields;
    uint64_t address;
    uint64_t length;     /**< bytes asked for */
    uint64_t bytes_done; /**< BytesWritten / bytes read */
    /** After a failed write: the bytes after bytes_done whose fate is
     * unknown (in flight when the stub stopped answering); else 0. */
    uint64_t in_doubt;
    int verified;
    int dry_run;
    char backend[16];
    wp_buf data; /**< readphys without --output: the bytes read */
} wp_result;

/** The commands the core offers, for wrappers to register: index 0 up to
 * wp_command_count() - 1.  NULL past the end. */
WP_EXPORT size_t wp_command_count(void);
WP_EXPORT const char *wp_command_name(size_t index);

/** Runs one command line: argv[0] is a command's name.  Always fills *res
 * (free it with wp_result_free); returns res->status. */
WP_EXPORT int wp_command_run(wp_session *s, int argc, const char *const *argv, wp_result *res);
WP_EXPORT void wp_result_free(wp_result *res);

/** Runs a command whose arguments are one string, split as LLDB splits a
 * command line, so that a front end without its own splitter (GDB's CLI)
 * hands the core the same words LLDB would: blanks separate; '...' is
 * literal; inside "..." a backslash before " \ or ` is dropped and any
 * other is kept; outside quotes a backslash before a blank, a quote, ` or
 * \ is dropped and any other is kept.  Escapes such as \t are then the
 * command's to read (--string).  An unterminated quote is WP_EINVAL. */
WP_EXPORT int wp_command_run_line(wp_session *s, const char *name, const char *args,
                                  wp_result *res);

/** Completion words, space-separated into buf: a command's options, or the
 * choices of one option ("--backend": the session's routes).  Returns the
 * length needed; buf holds "" when cap is too small. */
WP_EXPORT size_t wp_command_completions(const wp_session *s, const char *command,
                                        const char *option, char *buf, size_t cap);

/** The full help text of a command (NULL for an unknown one); it stays
 * valid as long as the session. */
WP_EXPORT const char *wp_command_help(wp_session *s, const char *command);

/** Settings: defaults that last as long as the session, each a row of
 * the core (shared ones), of a command (readphys' read-length) or of a
 * route (kgdb's direct-map); `writephys-settings show` lists them all.
 * wp_setting_count and its companions enumerate the built-in rows, for
 * wrappers that register them before a session exists.  wp_setting_set
 * returns WP_EINVAL with a one-line message for an unknown name or a bad
 * value; wp_setting_get writes the value as text. */
WP_EXPORT size_t wp_setting_count(void);
WP_EXPORT const char *wp_setting_name(size_t index);
WP_EXPORT const char *wp_setting_doc(size_t index);
WP_EXPORT int wp_setting_set(wp_session *s, const char *name, const char *value, wp_error *err);
WP_EXPORT int wp_setting_get(const wp_session *s, const char *name, char *buf, size_t cap);

/** One line of progress, worded the same in every front end ("writephys:
 * 3.0 of 8.0 MiB (37%), 12.5 MiB/s, 0 s left"); returns its length.  The
 * front end shows it when wp_progress_due says so, and clears it. */
WP_EXPORT size_t wp_progress_line(uint64_t done, uint64_t total, double seconds, char *buf,
                                  size_t cap);

/* ---- What every front end decides alike (frontend.c) ----
 * Policy that is not debugger glue lives here, so that GDB and LLDB
 * cannot differ. */

/** How a front end can show progress: not at all (a script reads its
 * output), rewritten in place on a terminal, or a line at a time (an IDE's
 * console: GDB/MI stream records, lldb-vscode output events). */
enum wp_progress_style { WP_PROGRESS_OFF, WP_PROGRESS_IN_PLACE, WP_PROGRESS_LINES };

/** Whether to show a progress line now, seconds after the transfer began:
 * only once it has run half a second, then every quarter second in place
 * or every second as lines.  *last_shown (0 when the transfer begins) is
 * when the previous line was shown; it is updated when the answer is yes. */
WP_EXPORT int wp_progress_due(int style, double seconds, double *last_shown);

/** The debugger variable a command sets after every run, failed or not, to
 * res->bytes_done, named without '$' ("_writephys_written" for writephys);
 * NULL for a command that sets none. */
WP_EXPORT const char *wp_command_result_variable(const char *command);

/** The line shown for a monitor command the stub answered with an error:
 * "the stub answered with an error", and ": " with the last line the stub
 * printed before (OpenOCD says why there), when it printed one that is not
 * blank.  Returns the length needed. */
WP_EXPORT size_t wp_stub_error_line(const char *output, char *buf, size_t cap);

/** Whether the value of option ("--file") of command is a local path,
 * which a front end completes as file names. */
WP_EXPORT int wp_option_completes_path(const char *command, const char *option);

/** The layout of the public structs a front end may declare by hand (GDB's
 * ctypes): per struct a row with field NULL and its size, then a row per
 * field.  A front end checks each field it declares and refuses a core
 * whose layout differs, so a struct cannot change under it unnoticed. */
typedef struct wp_layout_row {
    const char *type;  /**< "wp_result" */
    const char *field; /**< "bytes_done", or NULL: the row of the struct */
    size_t offset;
    size_t size;
} wp_layout_row;
WP_EXPORT const wp_layout_row *wp_layout(size_t *count);

/** Parses a plain integer literal as C, GDB and LLDB read it (0x1f, 010,
 * 4096, -1); returns WP_EINVAL for anything else. */
WP_EXPORT int wp_parse_literal(const char *text, uint64_t *value, int *negative);

#ifdef __cplusplus
}
#endif

#endif
