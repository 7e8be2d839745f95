/* The bytes a write sends, streamed: a buffer as it lies, a pattern
 * expanded once, or a file read a stage at a time.  Nothing of the
 * transfer's size is ever allocated (issue 18): the stages are the
 * session's own reused buffers, so their pages stay warm between commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

void wp_source_copy_pattern(const wp_source *src, uint64_t offset, uint8_t *out, size_t n)
{
    size_t pos = (size_t)(offset % src->pattern_len);
    while (n) {
        size_t run = src->pattern_len - pos < n ? src->pattern_len - pos : n;
        memcpy(out, src->pattern + pos, run);
        out += run;
        n -= run;
        pos = 0;
    }
}

static int file_bytes(const wp_source *src, uint64_t offset, uint8_t *out, size_t n,
                      wp_error *err)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(src->fd, out + got, n - got, (off_t)(src->fd_offset + offset + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return wp_fail(err, WP_EIO, "cannot read '%s': %s", src->path, strerror(errno));
        if (r == 0)
            return wp_fail(err, WP_EIO, "cannot read '%s': the file shrank while writing",
                           src->path);
        got += (size_t)r;
    }
    return WP_OK;
}

int wp_source_copy(const wp_source *src, uint64_t offset, uint8_t *out, size_t n, wp_error *err)
{
    if (src->is_file)
        return file_bytes(src, offset, out, n, err);
    wp_source_copy_pattern(src, offset, out, n);
    return WP_OK;
}

int wp_source_reader_open(wp_source_reader *rd, wp_session *s, int slot, const wp_source *src,
                          wp_error *err)
{
    memset(rd, 0, sizeof *rd);
    rd->src = src;
    if (!src->is_file && src->pattern_len == src->total)
        return WP_OK; /* a plain buffer: viewed where it lies */
    rd->buf = wp_session_scratch(s, slot);
    if (!rd->buf)
        return wp_fail(err, WP_ENOMEM, "out of memory");
    /* A pattern up to half a stage is laid out once, a stage and one
     * repetition long: any offset's next stage starts inside it. */
    if (!src->is_file && src->pattern_len <= WP_STAGE_BYTES / 2) {
        size_t len = WP_STAGE_BYTES + src->pattern_len;
        wp_source_copy_pattern(src, 0, rd->buf, len);
        rd->expanded = 1;
    }
    return WP_OK;
}

int wp_source_view(wp_source_reader *rd, uint64_t offset, size_t n, const uint8_t **out,
                   wp_error *err)
{
    const wp_source *src = rd->src;
    if (!rd->buf) {
        *out = src->pattern + offset;
        return WP_OK;
    }
    if (n > WP_STAGE_BYTES)
        return wp_fail(err, WP_EINVAL, "internal: a stage of %zu bytes", n);
    if (rd->expanded) {
        *out = rd->buf + offset % src->pattern_len;
        return WP_OK;
    }
    *out = rd->buf;
    return wp_source_copy(src, offset, rd->buf, n, err);
}

size_t wp_source_stage(const wp_source_reader *rd, uint64_t left)
{
    if (!rd->buf)
        return left > SIZE_MAX ? SIZE_MAX : (size_t)left;
    return left < WP_STAGE_BYTES ? (size_t)left : WP_STAGE_BYTES;
}

uint64_t wp_source_file_stamp(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return 0;
    uint64_t h = 1469598103934665603ull; /* FNV-1a over what a change moves */
    const uint64_t parts[] = {(uint64_t)st.st_size,        (uint64_t)st.st_ino,
                              (uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec,
                              (uint64_t)st.st_ctim.tv_sec, (uint64_t)st.st_ctim.tv_nsec};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (int b = 0; b < 8; b++)
            h = (h ^ ((parts[i] >> (8 * b)) & 0xff)) * 1099511628211ull;
    return h | 1;
}
