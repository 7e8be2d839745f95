/* Errors and growable buffers: the plumbing every other unit uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int wp_buf_reserve(wp_buf *buf, size_t extra)
{
    if (extra > SIZE_MAX - buf->len - 1)
        return WP_ENOMEM;
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap)
        return WP_OK;
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *data = realloc(buf->data, cap);
    if (!data)
        return WP_ENOMEM;
    buf->data = data;
    buf->cap = cap;
    return WP_OK;
}

int wp_buf_append(wp_buf *buf, const void *data, size_t len)
{
    if (!buf || (!data && len))
        return WP_EINVAL;
    int rc = wp_buf_reserve(buf, len);
    if (rc)
        return rc;
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return WP_OK;
}

int wp_buf_printf(wp_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || wp_buf_reserve(buf, (size_t)n))
        return WP_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return WP_OK;
}

void wp_buf_clear(wp_buf *buf)
{
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

void wp_buf_free(wp_buf *buf)
{
    if (!buf)
        return;
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

int wp_fail(wp_error *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

int wp_fail_prefix(wp_error *err, int status, const char *fmt, ...)
{
    if (err) {
        char rest[sizeof err->message];
        snprintf(rest, sizeof rest, "%s", err->message);
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof err->message)
            snprintf(err->message + n, sizeof err->message - (size_t)n, "%s", rest);
        err->status = status;
    }
    return status;
}

void wp_error_append(wp_error *err, const char *text)
{
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n, "%s", text);
}

const char *wp_plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

void wp_error_set(wp_error *err, int status, const char *message)
{
    if (!err)
        return;
    err->status = status ? status : WP_EHOST;
    snprintf(err->message, sizeof err->message, "%s", message ? message : "");
    /* A host message is one line by contract; keep the first one. */
    char *nl = strchr(err->message, '\n');
    if (nl)
        *nl = '\0';
}

const char *wp_status_name(int status)
{
    switch (status) {
    case WP_OK: return "ok";
    case WP_EINVAL: return "invalid input";
    case WP_ENOROUTE: return "no route to physical memory";
    case WP_EREFUSED: return "refused by the memory map";
    case WP_ETARGET: return "target error";
    case WP_EPROTO: return "malformed reply";
    case WP_EHOST: return "debugger error";
    case WP_EVERIFY: return "verification failed";
    case WP_EINTR: return "interrupted";
    case WP_ENOMEM: return "out of memory";
    case WP_EIO: return "file error";
    case WP_ESTATE: return "target not ready";
    case WP_EVERSION: return "plugin and core versions differ";
    default: return "unknown error";
    }
}
