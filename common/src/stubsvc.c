/* Stub services several routes share: monitor commands, the stub's cached
 * `monitor help`, the qqemu.Supported probe, and QEMU's physical map.
 *
 * The map is read once per command, never kept across commands: the
 * monitor, a management tool, hot-plug, the chipset (PAM) or a reset can
 * change it while the target stays stopped (SPEC rule 8).  Its serial
 * changes only when the text QEMU printed changes, so what a route derives
 * from the map (the direct route's host addresses) is re-derived only then. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

void wp_stubsvc_forget(wp_stubsvc *svc)
{
    svc->cpu_known = 0;
    svc->help_state = 0;
    svc->qemu_phys = 0;
    wp_buf_clear(&svc->help);
    /* The map is read again by the next command anyway; its text and
     * serial live on, so that what routes derived from an unchanged map
     * (host addresses) survives a stop. */
    svc->map_loaded = 0;
}

void wp_stubsvc_free(wp_stubsvc *svc)
{
    wp_stubsvc_forget(svc);
    wp_buf_free(&svc->help);
    wp_buf_free(&svc->map_text);
    wp_memmap_free(&svc->map);
}

int wp_stub_monitor(wp_session *s, const char *command, const char *label, wp_buf *out,
                    wp_error *err)
{
    const wp_host *host = wp_session_host(s);
    if (!host->monitor)
        return wp_fail(err, WP_ENOROUTE, "this debugger cannot run monitor commands");
    err->message[0] = '\0';
    int rc = host->monitor(host->ctx, command, out, err);
    if (rc) {
        if (!err->message[0])
            wp_fail(err, WP_EHOST, "no answer");
        wp_fail_prefix(err, rc == WP_EINTR ? rc : WP_ENOROUTE, "'monitor %s': ", label);
    }
    return rc ? err->status : WP_OK;
}

int wp_qemu_monitor(wp_session *s, const char *command, wp_buf *out, wp_error *err)
{
    return wp_stub_monitor(s, command, command, out, err);
}

int wp_session_stub_help(wp_session *s, const char **text, wp_error *err)
{
    wp_stubsvc *svc = &s->svc;
    if (svc->help_state == 0) {
        wp_buf_clear(&svc->help);
        int rc = wp_qemu_monitor(s, "help", &svc->help, err);
        if (rc == WP_EINTR || rc == WP_EHOST)
            return rc;
        svc->help_state = rc ? -1 : 1;
    }
    if (svc->help_state < 0)
        return wp_fail(err, WP_ENOROUTE, "the stub has no monitor commands");
    *text = svc->help.data ? svc->help.data : "";
    return WP_OK;
}

int wp_qemu_has_phys_mode(wp_session *s, int *has, wp_error *err)
{
    wp_stubsvc *svc = &s->svc;
    if (svc->qemu_phys == 0) {
        const wp_buf *reply;
        int rc = wp_session_send(s, "qqemu.Supported", strlen("qqemu.Supported"), &reply, err);
        if (rc)
            return rc;
        svc->qemu_phys = wp_rsp_feature_present(reply->data, "PhyMemMode") ? 1
                         : reply->len                                      ? -1
                                                                           : -2;
    }
    *has = svc->qemu_phys > 0 ? 1 : svc->qemu_phys == -1 ? 0 : -1;
    return WP_OK;
}

int wp_qemu_current_map(wp_session *s, const wp_memmap **map, uint64_t *serial, wp_error *err)
{
    wp_stubsvc *svc = &s->svc;
    if (svc->map_loaded && svc->map_command == wp_session_command(s)) {
        *map = &svc->map;
        if (serial)
            *serial = svc->map_serial;
        return WP_OK;
    }
    /* Known to be QEMU's stub (one packet), the host may take its cheap
     * monitor path: only other stubs need their failures' own words. */
    int qemu = 0;
    int rc = wp_qemu_has_phys_mode(s, &qemu, err);
    if (rc)
        return rc;
    wp_buf out = {0};
    rc = wp_qemu_monitor(s, "info mtree -f", &out, err);
    if (rc) {
        wp_buf_free(&out);
        svc->map_loaded = 0;
        wp_fail_prefix(err, rc, "cannot read QEMU's memory map (");
        wp_error_append(err, ")");
        return err->status;
    }
    const char *text = out.data ? out.data : "";
    int same = svc->map_text.data && strcmp(svc->map_text.data, text) == 0;
    if (!same) {
        wp_memmap fresh = {0};
        svc->map_loaded = 0;
        rc = wp_memmap_parse(text, &fresh, err);
        if (rc) {
            wp_buf_free(&out);
            return wp_fail_prefix(err, rc, "cannot read QEMU's memory map: ");
        }
        wp_memmap_free(&svc->map);
        svc->map = fresh;
        wp_buf_free(&svc->map_text);
        svc->map_text = out; /* kept to tell the next command's map from this one */
        out = (wp_buf){0};
        svc->map_serial++;
    }
    wp_buf_free(&out);
    svc->map_loaded = 1;
    svc->map_command = wp_session_command(s);
    *map = &svc->map;
    if (serial)
        *serial = svc->map_serial;
    return WP_OK;
}

/* "40", " true", "\"max-x86_64-cpu\"": a QOM property of the first CPU. */
static int cpu_property(wp_session *s, const char *name, char *value, size_t cap)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "qom-get /machine/unattached/device[0] %s", name);
    wp_buf out = {0};
    wp_error ignored = {0};
    int rc = wp_qemu_monitor(s, cmd, &out, &ignored);
    const char *text = out.data ? out.data : "";
    while (*text == ' ' || *text == '"')
        text++;
    snprintf(value, cap, "%.*s", (int)strcspn(text, "\"\r\n"), text);
    wp_buf_free(&out);
    return rc;
}

void wp_qemu_x86_cpu(wp_session *s, unsigned *phys_bits, int *pages_1g)
{
    wp_stubsvc *svc = &s->svc;
    if (!svc->cpu_known) {
        svc->cpu_known = 1;
        svc->phys_bits = 0;
        svc->pages_1g = -1;
        int qemu = -1;
        wp_error ignored = {0};
        char type[64] = "", value[64] = "";
        /* Only QEMU's monitor is asked: another stub's would take the
         * words for its own commands. */
        if (wp_session_host(s)->monitor && wp_qemu_has_phys_mode(s, &qemu, &ignored) == WP_OK &&
            qemu >= 0 && cpu_property(s, "type", type, sizeof type) == WP_OK &&
            strstr(type, "-cpu")) {
            unsigned bits = 0;
            if (cpu_property(s, "phys-bits", value, sizeof value) == WP_OK &&
                sscanf(value, "%u", &bits) == 1 && bits >= 32 && bits <= 52)
                svc->phys_bits = bits;
            if (cpu_property(s, "pdpe1gb", value, sizeof value) == WP_OK)
                svc->pages_1g = strcmp(value, "true") == 0    ? 1
                                : strcmp(value, "false") == 0 ? 0
                                                              : -1;
        }
    }
    *phys_bits = svc->phys_bits;
    *pages_1g = svc->pages_1g;
}

int wp_session_monitor_failures_speak(const wp_session *s)
{
    return !s || (s->svc.qemu_phys != 1 && s->svc.qemu_phys != -1);
}

/* QEMU's HMP `i /b|/h|/w PORT` and `o /SIZE PORT VALUE` (w is 32 bits;
 * QEMU 7.2 refuses /l).  `i` answers "portl[0x0cfc] = 0x29c08086"; `o`
 * answers nothing, so any text is the monitor's refusal. */
/* The first line of text, at most cap characters: a message is one line. */
static int line_length(const char *text, size_t cap)
{
    size_t n = strcspn(text, "\r\n");
    return (int)(n < cap ? n : cap);
}

static char port_letter(unsigned size)
{
    return size == 1 ? 'b' : size == 2 ? 'h' : 'w';
}

int wp_qemu_port_read(wp_session *s, void *state, unsigned port, unsigned size, uint32_t *value,
                      wp_error *err)
{
    (void)state;
    char cmd[48];
    snprintf(cmd, sizeof cmd, "i /%c 0x%x", port_letter(size), port);
    wp_buf out = {0};
    int rc = wp_qemu_monitor(s, cmd, &out, err);
    const char *text = out.data ? out.data : "";
    unsigned at = 0, got = 0;
    char kind = 0;
    if (!rc && (sscanf(text, "port%c[0x%x] = 0x%x", &kind, &at, &got) != 3 || at != port ||
                kind != (size == 1   ? 'b'
                         : size == 2 ? 'w'
                                     : 'l')))
        rc = wp_fail(err, WP_EPROTO,
                     "'monitor %s' answered '%.*s', not 'port...[0x%04x] = 0x...'", cmd,
                     line_length(text, 80), text, port);
    wp_buf_free(&out);
    if (!rc)
        *value = got;
    return rc;
}

int wp_qemu_port_write(wp_session *s, void *state, unsigned port, unsigned size, uint32_t value,
                       wp_error *err)
{
    (void)state;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "o /%c 0x%x 0x%x", port_letter(size), port, value);
    wp_buf out = {0};
    int rc = wp_qemu_monitor(s, cmd, &out, err);
    const char *text = out.data ? out.data : "";
    while (*text == ' ' || *text == '\r' || *text == '\n')
        text++;
    if (!rc && *text)
        rc = wp_fail(err, WP_ETARGET, "'monitor %s' refused: %.*s", cmd,
                     (int)strcspn(text, "\r\n"), text);
    wp_buf_free(&out);
    return rc;
}
