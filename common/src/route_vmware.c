/* The vmware route: the gdbstub of VMware's hypervisors switches its memory
 * packets to physical addresses with `monitor phys` and back with `monitor
 * virt`; its `monitor help` lists both commands, which is how it is known.
 * Its source is not public: what this relies on is that list and the two
 * commands answering without an error (README, Backends).
 *
 * The stub has no query for its mode, so writephys assumes the virtual
 * mode the stub starts in, and puts it back there after every command,
 * whatever happened, as for QEMU. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct vmware_state {
    int probed; /* 1 VMware, -1 not; once per stop */
    wp_stub_mem mem;
    int switched; /* end() must send `monitor virt` */
} vmware_state;

static void vmware_forget(void *state)
{
    vmware_state *v = state;
    v->probed = 0;
    wp_stub_mem_free(&v->mem);
}

/* A line of the help whose first word is `word`. */
static int lists_command(const char *help, const char *word)
{
    size_t n = strlen(word);
    for (const char *line = help; line && *line;) {
        while (*line == ' ' || *line == '\t')
            line++;
        if (strncmp(line, word, n) == 0 &&
            (isspace((unsigned char)line[n]) || !line[n] || line[n] == ':' || line[n] == '-'))
            return 1;
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return 0;
}

static int vmware_probe(wp_session *s, void *state, int intent, wp_error *err)
{
    vmware_state *v = state;
    int silent = (intent & WP_PROBE_NAMED) ? WP_ENOROUTE : WP_ENOROUTE_SILENT;
    if (v->probed == 0) {
        const char *help;
        int rc = wp_session_stub_help(s, &help, err);
        if (rc == WP_ENOROUTE)
            return wp_fail(err, silent,
                           "the stub has no monitor commands, so it is not "
                           "VMware's");
        if (rc)
            return rc;
        v->probed = lists_command(help, "phys") && lists_command(help, "virt") ? 1 : -1;
        if (v->probed > 0 && (rc = wp_stub_mem_learn(s, &v->mem, err)) != WP_OK) {
            v->probed = 0;
            return rc;
        }
    }
    if (v->probed < 0)
        return wp_fail(err, silent,
                       "the stub's 'monitor help' lists no 'phys' and 'virt' commands, so "
                       "it is not VMware's");
    return WP_OK;
}

static int switch_mode(wp_session *s, const char *command, wp_error *err)
{
    wp_buf out = {0};
    int rc = wp_qemu_monitor(s, command, &out, err);
    wp_buf_free(&out);
    return rc;
}

static int vmware_begin(wp_session *s, void *state, wp_error *err)
{
    vmware_state *v = state;
    /* From the first byte sent the mode may have changed. */
    v->switched = 1;
    int rc = switch_mode(s, "phys", err);
    if (rc && rc != WP_EINTR)
        return wp_fail_prefix(err, WP_ENOROUTE,
                              "the stub refused the switch to physical "
                              "addresses: ");
    return rc;
}

static int vmware_end(wp_session *s, void *state, wp_error *err)
{
    vmware_state *v = state;
    if (!v->switched)
        return WP_OK;
    v->switched = 0;
    if (wp_session_link_silent(s)) /* a packet went unanswered: send nothing more */
        return wp_fail(err, WP_EHOST,
                       "the stub stopped answering (a timeout, or the connection was lost), so "
                       "'monitor virt' was not sent");
    int rc = switch_mode(s, "virt", err);
    return rc ? wp_fail_prefix(err, rc, "the switch back to virtual addresses failed: ")
              : WP_OK;
}

static void vmware_restore_hint(wp_session *s, char *buf, size_t cap)
{
    (void)s;
    snprintf(buf, cap,
             "the stub may still use physical addresses ('monitor virt' "
             "restores it)");
}

static int vmware_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf,
                        size_t len, wp_write_outcome *out, wp_error *err)
{
    return wp_stub_mem_write(s, &((vmware_state *)state)->mem, addr, buf, len, out, err);
}

static int vmware_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                       wp_error *err)
{
    (void)state;
    return wp_stub_mem_read(s, addr, buf, len, err);
}

static size_t vmware_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                           size_t remaining)
{
    return wp_stub_mem_chunk(s, &((vmware_state *)state)->mem, is_write, addr, remaining);
}

const wp_route wp_route_vmware = {
    .name = "vmware",
    .summary = "VMware's gdbstub, switched with 'monitor phys' and back with 'monitor virt'",
    .flags = WP_ROUTE_AUTO | WP_ROUTE_REMOTE | WP_ROUTE_MAPLESS,
    .state_size = sizeof(vmware_state),
    .forget = vmware_forget,
    .probe = vmware_probe,
    .begin = vmware_begin,
    .end = vmware_end,
    .write = vmware_write,
    .read = vmware_read,
    .chunk = vmware_chunk,
    .restore_hint = vmware_restore_hint,
    .no_ports = "VMware's stub has no monitor command for I/O ports",
};
