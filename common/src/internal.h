/* Shared declarations of the core's translation units; not installed. */
#ifndef WP_INTERNAL_H
#define WP_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include "writephys.h"

#define WP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- error.c ---- */
int wp_fail(wp_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int wp_buf_printf(wp_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int wp_buf_reserve(wp_buf *buf, size_t extra);
void wp_buf_clear(wp_buf *buf);

/* ---- parse.c: the command language ---- */
enum wp_command_kind { WP_CMD_WRITE, WP_CMD_READ };
enum wp_data_kind { WP_DATA_VALUES, WP_DATA_STRING, WP_DATA_FILE, WP_DATA_FILL };

typedef struct wp_request {
    int kind;                 /* wp_command_kind */
    const char *name;         /* "writephys" / "readphys", prefixes messages */
    int data;                 /* wp_data_kind */
    unsigned width;           /* 1, 2, 4 or 8 */
    int byte_order;           /* WP_ORDER_* */
    const char *address;      /* expression */
    const char **values;      /* expressions, borrowed from argv */
    size_t nvalues;
    const char *text;
    int utf16, zero;
    const char *file;
    uint64_t skip;
    uint64_t length;
    int has_length;
    const char *output;
    const char *backend;      /* canonical name */
    int verify;               /* -1 auto, 0, 1 */
    int force, dry_run;
} wp_request;

int wp_parse_command(int argc, const char *const *argv, wp_request *req,
                     wp_error *err);
void wp_request_free(wp_request *req);
/* The one integer parser: C-style 0x/0 prefixes; sizes may end in K, M, G. */
int wp_parse_u64(const char *text, bool allow_size_suffix, uint64_t *out);

/* ---- encode.c: values to bytes ---- */
int wp_encode_value(uint64_t value, int negative, unsigned width, int order,
                    uint8_t *out, const char *expr, wp_error *err);
int wp_encode_utf16le(const char *utf8, int zero, wp_buf *out, wp_error *err);
uint64_t wp_decode_unit(const uint8_t *in, unsigned width, int order);

/* ---- rsp.c: gdb-remote packet payloads ---- */
size_t wp_hex_encode(const uint8_t *in, size_t len, char *out);
int wp_hex_decode(const char *in, size_t hexlen, uint8_t *out);
/* Classify a reply: 0 for "OK", WP_ETARGET for "Enn", WP_EPROTO otherwise. */
int wp_rsp_expect_ok(const char *reply, size_t len, wp_error *err, const char *what);
int wp_rsp_decode_memory(const char *reply, size_t len, uint8_t *out, size_t want,
                         wp_error *err);
int wp_rsp_feature_present(const char *reply, const char *feature);
int wp_rsp_packet_size(const char *reply, size_t *size);
/* Data bytes that fit one M packet at addr within packet_size payload bytes. */
size_t wp_rsp_write_chunk(size_t packet_size, uint64_t addr, size_t remaining);
size_t wp_rsp_read_chunk(size_t packet_size, size_t remaining);

/* ---- memmap.c: QEMU's flat physical map ---- */
enum wp_region_kind { WP_REGION_UNASSIGNED, WP_REGION_RAM, WP_REGION_ROM,
                      WP_REGION_DEVICE };
typedef struct wp_region {
    uint64_t start, last;     /* inclusive, as QEMU prints them */
    int kind;
    char name[48];
} wp_region;
typedef struct wp_memmap {
    wp_region *regions;       /* sorted, non-overlapping */
    size_t count;
} wp_memmap;
int wp_memmap_parse(const char *text, wp_memmap *map, wp_error *err);
void wp_memmap_free(wp_memmap *map);
/* The region holding addr, or a synthetic UNASSIGNED one up to the next region. */
wp_region wp_memmap_lookup(const wp_memmap *map, uint64_t addr);
const char *wp_region_kind_name(int kind);

/* ---- backends ---- */
typedef struct wp_backend {
    const char *name;
    /* Can the route be used?  No side effects on the target. */
    int (*probe)(wp_session *s, wp_error *err);
    /* Switch into physical mode; *restore says whether end() must switch back. */
    int (*begin)(wp_session *s, int *restore, wp_error *err);
    int (*end)(wp_session *s, int restore, wp_error *err);
    /* Move one chunk; chunk size from max_chunk. */
    int (*write)(wp_session *s, uint64_t addr, const uint8_t *buf, size_t len,
                 wp_error *err);
    int (*read)(wp_session *s, uint64_t addr, uint8_t *buf, size_t len, wp_error *err);
    size_t (*write_chunk)(wp_session *s, uint64_t addr, size_t remaining);
    size_t (*read_chunk)(wp_session *s, size_t remaining);
    /* The memory map, or NULL when the route has none. */
    int (*memmap)(wp_session *s, const wp_memmap **map, wp_error *err);
} wp_backend;

extern const wp_backend wp_backend_qemu;
extern const wp_backend wp_backend_flat;
const wp_backend *wp_backend_find(const char *name);
int wp_backend_select(wp_session *s, const char *name, const wp_backend **out,
                      wp_error *err);

struct wp_session {
    wp_host host;
    /* qemu route, learnt once per stop */
    int qemu_probed;          /* 0 unknown, 1 has PhyMemMode, -1 has not */
    size_t packet_size;
    int map_loaded;
    wp_memmap map;
    wp_buf reply;             /* reused for every packet */
    wp_buf packet;
};

int wp_send(wp_session *s, const char *packet, size_t len, wp_error *err);

/* ---- dataspace.c ---- */
/* A data source: total bytes that repeat a pattern (a plain buffer is a
 * pattern as long as the total). */
typedef struct wp_source {
    const uint8_t *pattern;
    size_t pattern_len;
    uint64_t total;
} wp_source;

typedef struct wp_transfer {
    const wp_backend *backend;
    int verified;             /* read back and compared */
    uint64_t done;            /* the first address not moved is addr + done */
} wp_transfer;

/* Refuses a range that wraps past 2^64. */
int wp_check_span(uint64_t addr, uint64_t len, wp_error *err);
int wp_dataspace_write(wp_session *s, const wp_route_options *opt, uint64_t addr,
                       const wp_source *src, wp_transfer *tr, wp_error *err);
int wp_dataspace_read(wp_session *s, const wp_route_options *opt, uint64_t addr,
                      uint8_t *out, uint64_t len, wp_transfer *tr, wp_error *err);

/* ---- format.c: every message the user sees ---- */
void wp_format_hexdump(wp_buf *out, uint64_t addr, const uint8_t *data, size_t len,
                       unsigned width, int order);
void wp_format_bytes_preview(wp_buf *out, const uint8_t *data, uint64_t len,
                             size_t limit);
#endif
