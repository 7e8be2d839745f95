/* writephys core: physical-memory data spaces for whole-machine debugging.
 *
 * The core owns the command language, value encoding, the data-space
 * operations and the routes to physical memory.  It has no debugger headers:
 * it reaches the target only through the wp_host callback table, which the
 * GDB and LLDB front ends (or a unit test) supply.
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

/** Status of every core call.  0 is success; errors are negative. */
typedef enum wp_status {
    WP_OK = 0,            /**< Done. */
    WP_EINVAL = -1,       /**< Bad user input; nothing was sent. */
    WP_ENOROUTE = -2,     /**< No route to physical memory; nothing was written. */
    WP_EREFUSED = -3,     /**< A safety rule refused (unassigned, ROM); nothing was sent. */
    WP_ETARGET = -4,      /**< The target answered with an error. */
    WP_EPROTO = -5,       /**< The target's reply was malformed. */
    WP_EHOST = -6,        /**< A host (debugger) callback failed, e.g. connection lost. */
    WP_EVERIFY = -7,      /**< Read-back differs from what was written. */
    WP_EINTR = -8,        /**< Interrupted by the user (Ctrl-C). */
    WP_ENOMEM = -9,       /**< Out of memory. */
    WP_EIO = -10,         /**< A local file could not be read or written. */
    WP_ESTATE = -11       /**< The target is not in a state to accept the command. */
} wp_status;

/** One line of text for the user, kept apart from the code. */
typedef struct wp_error {
    int status;
    char message[512];
} wp_error;

/** A growable byte buffer the host fills with replies and monitor output. */
typedef struct wp_buf {
    char *data;   /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
} wp_buf;

WP_EXPORT int wp_buf_append(wp_buf *buf, const void *data, size_t len);
WP_EXPORT void wp_buf_free(wp_buf *buf);

/** Set an error from a host callback (printf-free, for ctypes and C++). */
WP_EXPORT void wp_error_set(wp_error *err, int status, const char *message);

enum wp_byte_order { WP_ORDER_TARGET = 0, WP_ORDER_LITTLE = 1, WP_ORDER_BIG = 2 };

/** What the host knows about the target, asked before anything is sent. */
typedef struct wp_target_info {
    int connected;   /* a process/target exists */
    int remote;      /* it is reached through a gdb-remote connection */
    int stopped;     /* all threads stopped: packets may be exchanged */
    int byte_order;  /* WP_ORDER_LITTLE or WP_ORDER_BIG */
} wp_target_info;

/** The host callbacks.  Each returns 0 or a wp_status, filling err. */
typedef struct wp_host {
    void *ctx;
    /* One gdb-remote packet, payload only (the host frames it); the reply's
     * payload goes to *reply.  A lost connection is WP_EHOST. */
    int (*send_packet)(void *ctx, const char *packet, size_t len, wp_buf *reply,
                       wp_error *err);
    /* A stub monitor command ("monitor info mtree -f"); output to *out. */
    int (*monitor)(void *ctx, const char *command, wp_buf *out, wp_error *err);
    /* The debugger's own memory access, for the flat route. */
    int (*read_memory)(void *ctx, uint64_t addr, void *buf, size_t len, wp_error *err);
    int (*write_memory)(void *ctx, uint64_t addr, const void *buf, size_t len,
                        wp_error *err);
    /* Evaluate a debugger expression to an integer.  *negative is set when
     * the value is below zero; *value then holds its two's complement. */
    int (*evaluate)(void *ctx, const char *expr, uint64_t *value, int *negative,
                    wp_error *err);
    int (*target_info)(void *ctx, wp_target_info *info, wp_error *err);
    /* Nonzero once the user pressed Ctrl-C. */
    int (*interrupted)(void *ctx);
    /* Drop every debugger cache that may hold target memory. */
    void (*flush_caches)(void *ctx);
    /* Optional: bytes moved so far of a transfer, after every packet. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
} wp_host;

typedef struct wp_session wp_session;

/** A session per debugger; holds what is learnt about the stub. */
WP_EXPORT wp_session *wp_session_new(const wp_host *host);
WP_EXPORT void wp_session_free(wp_session *s);
/** Forget the stub probe and memory map: call on every stop and new connection. */
WP_EXPORT void wp_session_target_changed(wp_session *s);

/** Route options for the data-space calls. */
typedef struct wp_route_options {
    const char *backend;   /* "auto" (NULL), "qemu", "openocd", "flat" */
    int force;             /* allow ROM and unassigned ranges */
    int verify;            /* -1 auto (RAM and ROM yes, devices no), 0 off, 1 on */
} wp_route_options;

/* The data-space calls, after IDebugDataSpaces: *bytes_done is always set,
 * also on failure, to the bytes that landed (or were read) from `offset` on. */
WP_EXPORT int wp_write_physical(wp_session *s, const wp_route_options *opt,
                                uint64_t offset, const void *buffer, size_t size,
                                size_t *bytes_written, wp_error *err);
WP_EXPORT int wp_read_physical(wp_session *s, const wp_route_options *opt,
                               uint64_t offset, void *buffer, size_t size,
                               size_t *bytes_read, wp_error *err);
WP_EXPORT int wp_fill_physical(wp_session *s, const wp_route_options *opt,
                               uint64_t start, size_t size, const void *pattern,
                               size_t pattern_size, size_t *bytes_filled,
                               wp_error *err);

/** The outcome of one command line, for printing and for GDB/MI. */
typedef struct wp_result {
    int status;
    wp_buf text;            /* what to print on success (may be several lines) */
    wp_error error;         /* the one-line message on failure */
    uint64_t address;
    uint64_t length;        /* bytes asked for */
    uint64_t bytes_done;    /* BytesWritten / bytes read */
    int verified;
    int dry_run;
    char backend[16];
    wp_buf data;            /* readphys without --output: the bytes read */
} wp_result;

/** Run one command line: argv[0] is "writephys" or "readphys". */
WP_EXPORT int wp_command_run(wp_session *s, int argc, const char *const *argv,
                             wp_result *res);
WP_EXPORT void wp_result_free(wp_result *res);

/** The options of a command ("-b -w ... --little-endian"), or of
 * "--backend" (its choices), space-separated into buf, for completion.
 * Returns the length needed; buf holds "" when cap is too small. */
WP_EXPORT size_t wp_command_completions(const char *command, const char *option, char *buf,
                                        size_t cap);

/** The full help text of a command, for `help writephys`. */
WP_EXPORT const char *wp_command_help(const char *command);

/** Parses a plain integer literal as C, GDB and LLDB read it (0x1f, 010,
 * 4096, -1); returns WP_EINVAL for anything else. */
WP_EXPORT int wp_parse_literal(const char *text, uint64_t *value, int *negative);

/** A short line describing a status code. */
WP_EXPORT const char *wp_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif
