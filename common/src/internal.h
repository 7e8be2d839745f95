/* Shared declarations of the core's translation units; not installed.
 * Layers, top down (no file calls one above it): registry.c (the rows) ->
 * commands.c (dispatch) -> cmd_*.c -> cmdutil.c, dataspace.c, paging.c,
 * pci.c -> handle.c -> routes.c, route_*.c -> stubsvc.c, stubmem.c,
 * localproc.c -> session.c, settings.c, parse.c, options.c -> memmap.c,
 * encode.c, rsp.c, format.c, error.c. */
#ifndef WP_INTERNAL_H
#define WP_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>

#include "writephys.h"

#define WP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define WP_MAX_ROUTES   16
#define WP_MAX_TRANSFER (1ull << 30) /* one command moves at most 1 GiB */

/* Where a range lands: physical pieces in the order of the source. */
typedef struct wp_segment {
    uint64_t phys, len;
} wp_segment;
typedef struct wp_segments {
    wp_segment *items;
    size_t count, cap;
} wp_segments;
void wp_segments_free(wp_segments *segs);

/* An address as the user gave it: physical, or virtual (with --root). */
typedef struct wp_address {
    uint64_t addr;
    int is_virtual;
    const uint64_t *root;
} wp_address;

/* ---- settings.c: the settings every command shares, and the table ---- */
typedef struct wp_settings {
    int verify; /* -1 auto, 0, 1 */
    char backend[16];
    int progress;
} wp_settings;
void wp_settings_init(wp_settings *st);
/* The rows settings.c owns (verify, backend, progress). */
extern const wp_setting wp_generic_settings[];
extern const size_t wp_generic_setting_count;

/* ---- error.c ---- */
int wp_fail(wp_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes err's message with a formatted context ("3 of 8 bytes written; "). */
int wp_fail_prefix(wp_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends text to err's message, as far as it fits. */
void wp_error_append(wp_error *err, const char *text);
int wp_buf_printf(wp_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int wp_buf_reserve(wp_buf *buf, size_t extra);
void wp_buf_clear(wp_buf *buf);
const char *wp_plural(uint64_t n);

/* ---- stubsvc.c: what several routes ask of a stub ---- */
typedef struct wp_stubsvc {
    int qemu_phys;  /* qqemu.Supported: 1 PhyMemMode, -1 without, -2 none; 0 not asked */
    wp_buf help;    /* `monitor help`, once per stop (vmware, openocd) */
    int help_state; /* 0 not asked, 1 answered, -1 refused */
    /* QEMU's physical map, read once per command */
    wp_buf map_text; /* the output it was parsed from */
    wp_memmap map;
    int map_loaded;
    uint64_t map_command; /* the command it was read for */
    uint64_t map_serial;  /* changes when the map does */
    int cpu_known;        /* the x86 CPU's properties below were asked this stop */
    unsigned phys_bits;   /* MAXPHYADDR; 0 unknown */
    int pages_1g;         /* 1, 0, -1 unknown */
} wp_stubsvc;
void wp_stubsvc_forget(wp_stubsvc *svc);
void wp_stubsvc_free(wp_stubsvc *svc);
/* qqemu.Supported, once per stop: *has is 1 when it lists PhyMemMode, 0 when
 * the stub answers as QEMU without it, -1 when it is not QEMU's. */
int wp_qemu_has_phys_mode(wp_session *s, int *has, wp_error *err);
/* A monitor command through the host; a failure names it by label. */
int wp_stub_monitor(wp_session *s, const char *command, const char *label, wp_buf *out,
                    wp_error *err);
/* A QEMU monitor command through the host; a failure names the command. */
int wp_qemu_monitor(wp_session *s, const char *command, wp_buf *out, wp_error *err);
/* QEMU's flat physical map (`info mtree -f`, the view of AS "memory") as it
 * is for the command that runs: read at most once per command.  *serial
 * (may be NULL) changes exactly when the map differs from the last one. */
int wp_qemu_current_map(wp_session *s, const wp_memmap **map, uint64_t *serial, wp_error *err);
/* QEMU's x86 CPU: MAXPHYADDR (0 unknown) and 1 GiB pages (-1 unknown),
 * asked once per stop; a stub that is not QEMU is not asked. */
void wp_qemu_x86_cpu(wp_session *s, unsigned *phys_bits, int *pages_1g);
/* Port I/O through QEMU's HMP `i`/`o`: the port ops of the routes that
 * reach a QEMU monitor. */
int wp_qemu_port_read(wp_session *s, void *state, unsigned port, unsigned size, uint32_t *value,
                      wp_error *err);
int wp_qemu_port_write(wp_session *s, void *state, unsigned port, unsigned size, uint32_t value,
                       wp_error *err);
/* The stub's `monitor help` text, asked once per stop and shared by the
 * routes that recognise a stub from it; WP_ENOROUTE when it has none. */
int wp_session_stub_help(wp_session *s, const char **text, wp_error *err);

/* ---- pci_names.c: libpci's names, loaded when first needed ---- */
typedef struct wp_pci_names wp_pci_names;
void wp_pci_names_free(wp_pci_names *n);
/* NULL when names can be looked up, else why not (a phrase). */
const char *wp_pci_names_missing(wp_session *s);
/* kind 0: vendor a; 1: device b of vendor a; 2: class a (base << 8 | sub).
 * WP_ENOROUTE with buf "" when the database has no name. */
int wp_pci_name(wp_session *s, int kind, unsigned a, unsigned b, char *buf, size_t cap);

/* ---- session.c ---- */
typedef struct wp_route_slot {
    const wp_route *route;
    void *state;
} wp_route_slot;

struct wp_session {
    wp_host host;
    wp_route_slot routes[WP_MAX_ROUTES];
    size_t nroutes;
    uint64_t generation; /* the host's, when the routes last learnt */
    int generation_known;
    int handle_open; /* one route handle at a time */
    int link_doubt;  /* an exchange ended without an answer: replies may lag */
    int link_silent; /* ...because the stub did not answer (not a Ctrl-C) */
    wp_settings settings;
    struct wp_setting_slot {
        const wp_setting *row;
        void *state; /* what the row's set/get reach */
    } setting_rows[32];
    size_t nsettings;
    struct wp_owned_block {
        const void *owner; /* a command's row */
        void *block;
    } owned[16]; /* settings a command keeps, by owner */
    size_t nowned;
    char said_skip[480];
    wp_stubsvc svc;
    uint8_t *scratch[3]; /* reused stages: their pages stay warm */
    uint64_t command;    /* counts commands: what holds for one command is keyed on it */
    int in_command;
    wp_buf reply; /* reused for every packet */
    wp_buf help;  /* the text wp_command_help returned last */
    wp_pci_names *pci_names;
    int pci_names_said; /* "numbers only" was said once */
};

/* A session with no route or setting yet (registry.c fills it). */
wp_session *wp_session_alloc(const wp_host *host, wp_error *err);
int wp_session_add_setting(wp_session *s, const wp_setting *row, void *state, wp_error *err);
/* The block of size bytes an owner (a command's row) keeps for the life
 * of the session, zeroed and then given to init (may be NULL) the first
 * time; NULL when memory is short. */
void *wp_session_block(wp_session *s, const void *owner, size_t size, void (*init)(void *));
/* Drops what every route learnt (new stop or connection). */
void wp_session_forget(wp_session *s);
/* Asks the host for the target's state; drops stale knowledge. */
int wp_session_target_info(wp_session *s, wp_target_info *info, wp_error *err);
wp_route_slot *wp_session_find_route(const wp_session *s, const char *name);
int wp_session_interrupted(const wp_session *s);
/* A register through the host; a failure names the register. */
int wp_session_register(wp_session *s, const char *name, uint64_t *value, wp_error *err);
/* The target's architecture name, or when the debugger gives none, the
 * family its registers show ("x86", "riscv", "aarch64"; "" unknown). */
const char *wp_session_family(wp_session *s, const char *arch);
/* A command starts or ends: the machine may have changed since the last.
 * A route opened outside a command is a command of its own. */
void wp_session_command_begin(wp_session *s);
/* One of the session's reused buffers (slots 0-2), 2 * WP_STAGE_BYTES long;
 * NULL when memory is short. */
uint8_t *wp_session_scratch(wp_session *s, int slot);
void wp_session_command_end(wp_session *s);
uint64_t wp_session_command(const wp_session *s);
/* A packet got no answer at all (a timeout, a lost link): send nothing
 * more this command.  After a Ctrl-C the stub still answers. */
int wp_session_link_silent(const wp_session *s);
/* Formats the host's way of sending packet p ("maint packet p"). */
void wp_session_packet_hint(const wp_session *s, const char *p, char *buf, size_t cap);

/* ---- registry.c: what the core is made of (the top of the core) ---- */
extern const wp_route *const wp_builtin_routes[];
extern const size_t wp_builtin_route_count;
extern const struct wp_command_def *const wp_commands[];
extern const size_t wp_commands_count;
const struct wp_command_def *wp_command_find(const char *name);

/* ---- routes.c: the choice of a route ---- */
/* skipped (may be NULL): why `auto` passed over a route that fits. */
int wp_route_select(wp_session *s, const char *name, const wp_target_info *info, int for_write,
                    wp_route_slot **out, char *skipped, size_t cap, wp_error *err);

/* ---- localproc.c: the process at the other end of our sockets ---- */
/* Distinct processes (not this one) holding the peers of this process's
 * TCP and unix sockets; *hidden counts peers on this host whose process
 * this user cannot see. */
size_t wp_local_peers(int *pids, size_t cap, size_t *hidden);
/* Changes whenever this process's set of sockets does: while it stays the
 * same, so do the peers (a connected socket's peer is fixed). */
uint64_t wp_local_sockets_signature(void);
int wp_process_exe(int pid, char *buf, size_t cap);
/* Does one mapping of pid hold [start, start+len), readable (and writable)? */
int wp_process_maps_cover(int pid, uint64_t start, uint64_t len, int writable);

/* ---- stubmem.c: m/M packets while a stub is in its physical mode ---- */
typedef struct wp_stub_mem {
    size_t packet_size; /* the stub's PacketSize */
    wp_buf packet;
} wp_stub_mem;
/* Asks qSupported for the PacketSize. */
int wp_stub_mem_learn(wp_session *s, wp_stub_mem *m, wp_error *err);
void wp_stub_mem_free(wp_stub_mem *m);
int wp_stub_mem_write(wp_session *s, wp_stub_mem *m, uint64_t addr, const uint8_t *buf,
                      size_t len, wp_write_outcome *out, wp_error *err);
int wp_stub_mem_read(wp_session *s, uint64_t addr, uint8_t *buf, size_t len, wp_error *err);
size_t wp_stub_mem_chunk(wp_session *s, const wp_stub_mem *m, int is_write, uint64_t addr,
                         size_t remaining);

/* ---- parse.c: the command language ---- */
enum wp_data_kind { WP_DATA_VALUES, WP_DATA_STRING, WP_DATA_FILE, WP_DATA_FILL };

struct wp_command_def;

/* A parsed line: what every command has, the options several commands
 * share (options.c), and the command's own options in args. */
typedef struct wp_request {
    const struct wp_command_def *cmd;
    const char *name;    /* the command's, prefixes messages */
    const char *address; /* the first positional (an expression) */
    const char **values; /* the positionals after it, borrowed from argv */
    size_t nvalues;
    void *args; /* the command's own options: its row's args_size bytes */
    /* the routes' own options (--direct-map), by slot; NULL when none */
    void *route_args[WP_MAX_ROUTES];
    int help;    /* --help / -h: print the help, run nothing */
    int version; /* --version: name the core and the route, run nothing */
    int mi;      /* --mi: the result as a GDB/MI record after the text */
    int partial; /* --partial: up to what the map refuses, and say how much */
    /* shared options, as given (0: not given) */
    int width_opt, order_opt, verify_opt;
    /* ...and as the command sees them after the defaults */
    unsigned width; /* 1, 2, 4 or 8 */
    int width_given;
    int byte_order;      /* WP_ORDER_* */
    const char *backend; /* a route name or "auto" */
    int verify;          /* -1 auto, 0, 1 */
    int verify_set;      /* verify came from an option, not the setting */
    int force;
    int is_virtual;   /* --virtual: ADDRESS goes through the page tables */
    const char *root; /* --root: expression for another address space */
    int data;         /* wp_data_kind, as the command's check decides */
    const char *text; /* --string */
    int utf16, zero;
    wp_size_arg length;
} wp_request;

/* A list of option rows; in_request: their offsets are into wp_request,
 * else into the command's args. */
typedef struct wp_option_set {
    const wp_option *rows;
    size_t count;
    int in_request;
} wp_option_set;
#define WP_OPTION_SET(rows, in_request)                                                        \
    {                                                                                          \
        rows, WP_ARRAY_LEN(rows), in_request                                                   \
    }

/* ---- options.c: the options several commands share ---- */
extern const wp_option wp_rows_width[], wp_rows_order[], wp_rows_string[], wp_rows_length[],
    wp_rows_backend[], wp_rows_verify[], wp_rows_force[], wp_rows_virtual[], wp_rows_root[],
    wp_rows_partial[], wp_rows_always[];
/* clang-format off */
#define WP_OPTS_WIDTH     {wp_rows_width, 4, 1}   /* -b -w -d -q */
#define WP_OPTS_WIDTH_124 {wp_rows_width, 3, 1}   /* -b -w -d (ports, PCI registers) */
#define WP_OPTS_ORDER     {wp_rows_order, 2, 1}   /* --big-endian --little-endian */
#define WP_OPTS_STRING    {wp_rows_string, 3, 1}  /* --string --utf16 --zero */
#define WP_OPTS_LENGTH    {wp_rows_length, 1, 1}  /* --length */
#define WP_OPTS_BACKEND   {wp_rows_backend, 1, 1} /* --backend */
#define WP_OPTS_VERIFY    {wp_rows_verify, 2, 1}  /* --verify --no-verify */
#define WP_OPTS_FORCE     {wp_rows_force, 1, 1}   /* --force */
#define WP_OPTS_VIRTUAL   {wp_rows_virtual, 1, 1} /* --virtual */
#define WP_OPTS_ROOT      {wp_rows_root, 1, 1}    /* --root */
#define WP_OPTS_PARTIAL   {wp_rows_partial, 1, 1} /* --partial (readphys, writephys) */
#define WP_OPTS_ALWAYS    {wp_rows_always, 3, 1}  /* --help --mi --version: every command */
/* clang-format on */
/* Settles the shared options' defaults once a line is parsed. */
void wp_request_settle(const wp_session *s, wp_request *r);

/* The one integer parser: C-style 0x/0 prefixes; sizes may end in K, M, G. */
int wp_parse_u64(const char *text, bool allow_size_suffix, uint64_t *out);
/* "bad number '%s' for --%s (use 4096, 0x1000 or 4K)" */
int wp_parse_size(const char *opt, const char *value, uint64_t *out, wp_error *err);
/* Parses argv into req, whose command is cmd.  all: every command's row,
 * so that an option of another command is named as such. */
int wp_parse_command(const wp_session *s, const struct wp_command_def *cmd,
                     const struct wp_command_def *const *all, size_t nall, int argc,
                     const char *const *argv, wp_request *req, wp_error *err);
void wp_request_free(wp_request *req);
/* Splits a line into NUL-separated words (see wp_command_run_line). */
int wp_split_args(const char *line, wp_buf *words, size_t *count, wp_error *err);
/* "~/x" to "$HOME/x"; nonzero when it does not fit. */
int wp_expand_path(const char *path, char *out, size_t cap);
/* wp_expand_path with the error a user sees for `option`. */
int wp_option_path(const char *option, const char *path, char *out, size_t cap, wp_error *err);
size_t wp_add_word(char *list, size_t cap, size_t len, const char *dashes, const char *word);
/* Calls fn for every option cmd takes (its sets, then the routes' own
 * when it takes them), in the order help lists them; fn's nonzero return
 * stops. */
typedef int (*wp_option_fn)(void *ctx, const wp_option *o, const wp_route *route);
int wp_command_each_option(const wp_session *s, const struct wp_command_def *cmd,
                           wp_option_fn fn, void *ctx);
/* The wp_option_kind of a command's option ("--file"), -1 when it has none
 * of that name (commands.c). */
int wp_command_option_kind(const wp_session *s, const char *command, const char *option);

/* ---- the command rows (registry.c lists them) ---- */
#define WP_MAX_OPTION_SETS 16
typedef struct wp_command_def {
    const char *name;
    const char *usage; /* "usage: ..." line for errors */
    const char *help;  /* the text of `help NAME`; "@ROUTES@" lists routes */
    wp_option_set options[WP_MAX_OPTION_SETS]; /* ends at a set of count 0 */
    size_t args_size;                          /* the block its own options land in */
    int route_options; /* takes the routes' own options (it moves memory) */
    /* Settings it keeps: a block of settings_size bytes per session. */
    const wp_setting *settings;
    size_t nsettings;
    size_t settings_size;
    void (*settings_init)(void *block);
    int raw_args;      /* positionals are words, not an ADDRESS to evaluate */
    const char *first; /* what the first positional is called; NULL: ADDRESS */
    /* After parsing, before check: defaults that come from the session. */
    void (*prepare)(wp_session *s, wp_request *r);
    /* Rules that need the whole line; npos counts ADDRESS and the rest. */
    int (*check)(wp_request *r, size_t npos, wp_error *err);
    int (*run)(wp_session *s, const wp_request *r, uint64_t addr, wp_result *res,
               wp_error *err);
    /* GDB/MI fields of a success into res->fields. */
    void (*mi_fields)(wp_result *res);
} wp_command_def;

/* ---- cmdutil.c: what the commands share ---- */
/* Resolves --virtual and --root into where; root_value holds the root. */
int wp_request_address(wp_session *s, const wp_request *r, uint64_t addr, uint64_t *root_value,
                       wp_address *where, wp_error *err);
/* " (physical 0x1000)" or " (physical 0x1ff8-0x1fff, 0x5000-0x5007)" */
void wp_format_segments(wp_buf *out, const wp_segments *segs);
/* Evaluates an expression; plain literals are the core's to read. */
int wp_evaluate(wp_session *s, const char *what, const char *expr, uint64_t *value,
                int *negative, wp_error *err);
int wp_resolve_order(wp_session *s, int requested, int *order, wp_error *err);
/* After a failed device write: did the target answer (it did not land),
 * or is its outcome unknown (no answer, a lost link, Ctrl-C)? */
int wp_write_in_doubt(int status);
/* A VALUE of width bytes (1, 2 or 4), checked as writephys checks values. */
int wp_io_value(wp_session *s, const char *what, const char *expr, unsigned width,
                uint32_t *out, wp_error *err);
/* --partial: how much of [addr, addr+len) from addr the route's map lets
 * a read (RAM, ROM) or a write (RAM, devices) reach, and the run after it
 * that the map refuses; a debug adapter's readMemory (unreadableBytes) and
 * writeMemory (allowPartial) need both. */
int wp_map_reach(wp_session *s, const char *backend, uint64_t addr, uint64_t len, int is_write,
                 uint64_t *ok, uint64_t *refused, wp_error *err);
/* The fields every command's MI record starts with: address, length, backend. */
void wp_mi_common(wp_result *res);
void wp_mi_field(wp_result *res, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- encode.c: values to bytes ---- */
int wp_encode_value(uint64_t value, int negative, unsigned width, int order, uint8_t *out,
                    const char *expr, wp_error *err);
int wp_encode_utf16le(const char *utf8, size_t len, int zero, wp_buf *out, wp_error *err);
/* C escapes of --string (\n \t \0 \xNN \\ ...), the same in every front end. */
int wp_unescape(const char *text, wp_buf *out, wp_error *err);
uint64_t wp_decode_unit(const uint8_t *in, unsigned width, int order);

/* ---- rsp.c: gdb-remote packet payloads ---- */
size_t wp_hex_encode(const uint8_t *in, size_t len, char *out);
int wp_hex_decode(const char *in, size_t hexlen, uint8_t *out);
/* 0-15 for a hex digit, -1 otherwise. */
int wp_hex_value(char c);
/* Classify a reply: 0 for "OK", WP_ETARGET for "Enn", WP_EPROTO otherwise. */
int wp_rsp_expect_ok(const char *reply, size_t len, wp_error *err, const char *what);
int wp_rsp_decode_memory(const char *reply, size_t len, uint8_t *out, size_t want,
                         wp_error *err);
int wp_rsp_feature_present(const char *reply, const char *feature);
int wp_rsp_packet_size(const char *reply, size_t *size);
/* Data bytes that fit one M packet at addr within packet_size payload bytes. */
size_t wp_rsp_write_chunk(size_t packet_size, uint64_t addr, size_t remaining);
size_t wp_rsp_read_chunk(size_t packet_size, size_t remaining);

/* ---- memmap.c ---- */
/* The region holding addr, or a synthetic UNASSIGNED one: the whole hole. */
wp_region wp_memmap_lookup(const wp_memmap *map, uint64_t addr);
const char *wp_region_kind_name(int kind);
/* Refuses a range that wraps past 2^64. */
int wp_check_span(uint64_t addr, uint64_t len, wp_error *err);

/* ---- dataspace.c ---- */
/* A data source: total bytes that repeat a pattern (a plain buffer is a
 * pattern as long as the total). */
typedef struct wp_source {
    const uint8_t *pattern;
    size_t pattern_len;
    uint64_t total;
    /* is_file: the bytes are a file's, from fd_offset (pattern unused) */
    int is_file, fd;
    uint64_t fd_offset;
    uint64_t stamp;   /* the file's size, times and inode when it was opened */
    const char *path; /* for messages */
} wp_source;

/* ---- source.c: the bytes of a write, streamed a stage at a time ---- */
#define WP_STAGE_BYTES (256u * 1024)
typedef struct wp_source_reader {
    const wp_source *src;
    uint8_t *buf; /* NULL for a plain buffer, else a session scratch buffer */
    int expanded; /* buf holds the pattern laid out from offset 0 */
} wp_source_reader;
/* slot: which of the session's scratch buffers to stage in. */
int wp_source_reader_open(wp_source_reader *rd, wp_session *s, int slot, const wp_source *src,
                          wp_error *err);
/* The n bytes at offset (n at most wp_source_stage's answer). */
int wp_source_view(wp_source_reader *rd, uint64_t offset, size_t n, const uint8_t **out,
                   wp_error *err);
/* How much one view may take of what is left. */
size_t wp_source_stage(const wp_source_reader *rd, uint64_t left);
int wp_source_copy(const wp_source *src, uint64_t offset, uint8_t *out, size_t n,
                   wp_error *err);
void wp_source_copy_pattern(const wp_source *src, uint64_t offset, uint8_t *out, size_t n);
/* A file source's stamp now (0 when fstat fails); a read-back can compare
 * only against a file that did not change while it was written. */
uint64_t wp_source_file_stamp(int fd);

typedef struct wp_transfer {
    const wp_route *route;
    int verified;         /* read back and compared */
    int unverified;       /* why not: the wp_region_kind of a range skipped */
    uint64_t done;        /* the first address not moved is addr + done */
    uint64_t in_doubt;    /* bytes after done whose fate is unknown */
    char claim[160];      /* "" when the route showed the address physical */
    wp_segments segments; /* the _at calls: where the bytes went; free it */
    char via[200];        /* what to print after "via" */
    char note[480];       /* said once: a route auto passed over, and why */
} wp_transfer;

int wp_dataspace_write(wp_session *s, const wp_route_options *opt, uint64_t addr,
                       const wp_source *src, wp_transfer *tr, wp_error *err);
int wp_dataspace_write_at(wp_session *s, const wp_route_options *opt, const wp_address *where,
                          const wp_source *src, wp_transfer *tr, wp_error *err);
int wp_dataspace_read_at(wp_session *s, const wp_route_options *opt, const wp_address *where,
                         uint8_t *out, uint64_t len, wp_transfer *tr, wp_error *err);
/* Where a streamed read hands its bytes, a stage at a time, in order. */
typedef int (*wp_read_sink)(void *ctx, const uint8_t *bytes, size_t n, wp_error *err);
int wp_dataspace_read_to(wp_session *s, const wp_route_options *opt, const wp_address *where,
                         uint64_t len, wp_read_sink sink, void *ctx, wp_transfer *tr,
                         wp_error *err);
/* Every check a transfer makes before it moves a byte (target, route, map,
 * the translation of a virtual range), and then the route closed: for dry
 * runs.  route and claim receive the route's name and claim. */
int wp_resolve_segments(wp_session *s, const wp_route_options *opt, const wp_address *where,
                        uint64_t len, int is_write, wp_segments *segs, char *route, size_t cap,
                        char *claim, size_t claim_cap, wp_error *err);
int wp_dataspace_read(wp_session *s, const wp_route_options *opt, uint64_t addr, uint8_t *out,
                      uint64_t len, wp_transfer *tr, wp_error *err);

/* ---- handle.c ---- */
/* A handle for checks only (dry runs): the route is chosen and probed and
 * its map loaded, but the mode is left alone and no access is possible. */
int wp_route_open_checks(wp_session *s, const wp_route_options *opt, wp_route_handle **out,
                         wp_error *err);
/* Enters physical mode on a handle opened for checks.  On failure the
 * handle is closed (and freed). */
int wp_route_enter(wp_route_handle *h, wp_error *err);
void *wp_route_state(const wp_route_handle *h);
/* Said once per session: a route `auto` passed over when it opened this
 * handle, and why ("" when nothing is to be said). */
const char *wp_route_note(const wp_route_handle *h);
/* The route `auto` would choose to read back a write of total bytes made
 * through h, when that is another route and a read-back is wanted (not
 * --no-verify, no route named, big enough to pay its opening); else NULL. */
wp_route_slot *wp_route_read_back(wp_route_handle *h, const wp_route_options *opt,
                                  uint64_t total);
/* "no target" (phrased for the debugger) or "running"; sends nothing. */
int wp_check_target_state(wp_session *s, const wp_target_info *info, wp_error *err);
/* An I/O port through the route: WP_ENOROUTE naming why when it has none.
 * Sends nothing else. */
int wp_route_port(wp_route_handle *h, int is_write, unsigned port, unsigned size,
                  uint32_t *value, wp_error *err);
/* Puts a port back as the command found it: also after Ctrl-C. */
int wp_route_port_restore(wp_route_handle *h, unsigned port, unsigned size, uint32_t value,
                          wp_error *err);
/* A route named by --backend without ports: refused before anything is sent. */
int wp_route_ports_named(wp_session *s, const char *backend, wp_error *err);
/* Whether the route has I/O ports. */
int wp_route_has_ports(const wp_route_handle *h);
/* The command's consent to read and write [start, last] although the map
 * calls it a device (PCI configuration space through ECAM). */
void wp_route_allow(wp_route_handle *h, uint64_t start, uint64_t last);
/* Progress for the accesses that follow: done so far of total. */
void wp_route_progress(wp_route_handle *h, uint64_t done, uint64_t total);

/* ---- paging.c: the page walker ---- */
#define WP_TABLE_BLOCK 4096u
typedef struct wp_walker {
    wp_paging paging;
    /* whole_tables: a range walk reads each table's 4 KiB block once (two
     * packets for 512 entries) rather than one entry a packet; a lone vtop
     * reads just its entries. */
    int whole_tables;
    struct {
        int valid;
        uint64_t addr; /* of the entry, or of the block when whole */
        uint64_t value;
        int whole;
        uint8_t block[WP_TABLE_BLOCK];
    } cache[6]; /* one per level */
    unsigned reads;
} wp_walker;

int wp_paging_from_target(wp_session *s, const uint64_t *root, uint64_t va, wp_paging *p,
                          wp_error *err);
void wp_walker_reset(wp_walker *w);
int wp_walk(wp_route_handle *h, wp_walker *w, uint64_t va, wp_translation *t, wp_error *err);
const char *wp_paging_mode_name(int mode);
void wp_describe_entry(int mode, uint64_t entry, char *buf, size_t cap);
/* Every mapping of the address space whose virtual range meets [lo, hi],
 * depth first, in address order: each present entry of every level decoded
 * by its architecture (aarch64: TTBR0, then TTBR1), each table read once
 * per visit (w->reads counts the 4 KiB pages).  fn's nonzero return stops
 * the walk.  mode: "x86-64 4-level", "aarch64 4K TTBR0+TTBR1". */
typedef struct wp_leaf {
    uint64_t va, phys, size;
    unsigned flags; /* wp_page_flags */
} wp_leaf;
typedef int (*wp_leaf_fn)(void *ctx, const wp_leaf *leaf, wp_error *err);
int wp_walk_each(wp_session *s, wp_route_handle *h, wp_walker *w, uint64_t lo, uint64_t hi,
                 wp_leaf_fn fn, void *ctx, char *mode, size_t mode_cap, wp_error *err);
struct wp_request;
int wp_walk_open(wp_session *s, const struct wp_request *r, uint64_t half_va,
                 wp_route_handle **h, wp_walker *w, wp_error *err);
int wp_walk_close(wp_route_handle *h, int rc, wp_error *err);
/* "2 MiB page, rw, user, nx" */
void wp_format_translation(wp_buf *out, const wp_translation *t);

/* ---- pci.c: configuration space, through ECAM or mechanism #1 ---- */
typedef struct wp_pci {
    wp_route_handle *h;
    int ecam; /* else mechanism #1 through ports */
    uint64_t ecam_base;
    unsigned ecam_buses;
    int cf8_saved, cf8_dirty; /* CF8 as found, restored at close */
    uint32_t cf8;
    char path[48];  /* "ECAM at 0xb0000000" or "ports 0xcf8/0xcfc" */
    char route[16]; /* the route's name */
    char note[120]; /* why there is no ECAM, when the chipset has one */
} wp_pci;
/* BDF is bus << 8 | device << 3 | function. */
int wp_pci_open(wp_session *s, const char *backend, int for_write, wp_pci *p, wp_error *err);
int wp_pci_close(wp_pci *p, wp_error *err);
/* Closes after a command's work whose status is rc: a failed close is
 * the status when rc is not, else appended to err's message. */
int wp_pci_finish(wp_pci *p, int rc, wp_error *err);
/* Refuses [off, off+len) past the space the access path reaches. */
int wp_pci_check(const wp_pci *p, unsigned bdf, unsigned off, size_t len, wp_error *err);
int wp_pci_access(wp_pci *p, int is_write, unsigned bdf, unsigned off, unsigned size,
                  uint32_t *value, wp_error *err);
int wp_pci_read_block(wp_pci *p, unsigned bdf, unsigned off, uint8_t *buf, size_t len,
                      wp_error *err);
int wp_parse_bdf(const char *text, unsigned *bdf, wp_error *err);
/* "0000:00:03.0" */
void wp_format_bdf(char *buf, size_t cap, unsigned bdf);

/* ---- format.c: the shapes of output every command shares ----
 * Where user text lives: a message is written where its condition is
 * found (the command's, route's or service's own file), so that a row is
 * one file; what several commands print alike (dumps, sizes, previews,
 * progress, the " (physical ...)" suffix in cmdutil.c) is here, worded
 * once for both debuggers. */
void wp_format_hexdump(wp_buf *out, uint64_t addr, const uint8_t *data, size_t len,
                       unsigned width, int order);
/* "4 KiB", "2 MiB", "1 GiB" */
void wp_format_size(char *buf, size_t cap, uint64_t size);
void wp_format_bytes_preview(wp_buf *out, const uint8_t *data, uint64_t len, size_t limit);
#endif
