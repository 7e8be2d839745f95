/* The session: one per debugger.  It holds the route registry with each
 * route's state, and the host generation that state was learnt in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *wp_version(void)
{
    return WP_VERSION;
}

int wp_api_version(void)
{
    return WP_API_VERSION;
}

int wp_session_add_route(wp_session *s, const wp_route *r, wp_error *err)
{
    if (!s)
        return wp_fail(err, WP_EINVAL, "no session");
    if (!r || !r->name || !*r->name || !r->probe || !r->write || !r->read || !r->chunk)
        return wp_fail(err, WP_EINVAL, "a route needs a name, probe, write, read and chunk");
    if (strcmp(r->name, "auto") == 0 || wp_session_find_route(s, r->name))
        return wp_fail(err, WP_EINVAL, "a route named '%s' exists already", r->name);
    if (s->nroutes == WP_MAX_ROUTES)
        return wp_fail(err, WP_ENOMEM, "no room for route '%s'", r->name);
    void *state = calloc(1, r->state_size ? r->state_size : 1);
    if (!state)
        return wp_fail(err, WP_ENOMEM, "out of memory");
    if (r->noptions && (!r->options || !r->arguments)) {
        free(state);
        return wp_fail(err, WP_EINVAL, "route '%s' has options but no arguments()", r->name);
    }
    for (size_t i = 0; i < r->nsettings; i++) {
        int rc = wp_session_add_setting(s, &r->settings[i], state, err);
        if (rc) {
            s->nsettings -= i; /* the rows added so far */
            free(state);
            return rc;
        }
    }
    s->routes[s->nroutes++] = (wp_route_slot){r, state};
    return WP_OK;
}

wp_session *wp_session_alloc(const wp_host *host, wp_error *err)
{
    if (!host || host->api_version != WP_API_VERSION || host->size != sizeof(wp_host)) {
        wp_fail(err, WP_EVERSION,
                "the debugger plugin was built for writephys API %u, "
                "but the core is %s (API %d); rebuild the plugin and the core together",
                host ? host->api_version : 0u, WP_VERSION, WP_API_VERSION);
        return NULL;
    }
    wp_session *s = calloc(1, sizeof *s);
    if (!s) {
        wp_fail(err, WP_ENOMEM, "out of memory");
        return NULL;
    }
    s->host = *host;
    return s;
}

int wp_session_add_setting(wp_session *s, const wp_setting *row, void *state, wp_error *err)
{
    if (!row || !row->name || !row->set || !row->get)
        return wp_fail(err, WP_EINVAL, "a setting needs a name, set and get");
    for (size_t i = 0; i < s->nsettings; i++)
        if (strcmp(s->setting_rows[i].row->name, row->name) == 0)
            return wp_fail(err, WP_EINVAL, "a setting named '%s' exists already", row->name);
    if (s->nsettings == WP_ARRAY_LEN(s->setting_rows))
        return wp_fail(err, WP_ENOMEM, "no room for setting '%s'", row->name);
    s->setting_rows[s->nsettings++] = (struct wp_setting_slot){row, state};
    return WP_OK;
}

void *wp_session_block(wp_session *s, const void *owner, size_t size, void (*init)(void *))
{
    for (size_t i = 0; i < s->nowned; i++)
        if (s->owned[i].owner == owner)
            return s->owned[i].block;
    if (s->nowned == WP_ARRAY_LEN(s->owned))
        return NULL;
    void *block = calloc(1, size ? size : 1);
    if (!block)
        return NULL;
    if (init)
        init(block);
    s->owned[s->nowned++] = (struct wp_owned_block){owner, block};
    return block;
}

void wp_session_forget(wp_session *s)
{
    wp_stubsvc_forget(&s->svc);
    for (size_t i = 0; i < s->nroutes; i++)
        if (s->routes[i].route->forget)
            s->routes[i].route->forget(s->routes[i].state);
}

void wp_session_free(wp_session *s)
{
    if (!s)
        return;
    wp_session_forget(s);
    wp_pci_names_free(s->pci_names);
    for (size_t i = 0; i < s->nroutes; i++)
        free(s->routes[i].state);
    wp_buf_free(&s->reply);
    wp_buf_free(&s->help);
    wp_stubsvc_free(&s->svc);
    for (size_t i = 0; i < WP_ARRAY_LEN(s->scratch); i++)
        free(s->scratch[i]);
    for (size_t i = 0; i < s->nowned; i++)
        free(s->owned[i].block);
    free(s);
}

int wp_session_target_info(wp_session *s, wp_target_info *info, wp_error *err)
{
    memset(info, 0, sizeof *info);
    if (!s->host.target_info) {
        info->connected = info->remote = info->stopped = 1;
        return WP_OK;
    }
    err->message[0] = '\0';
    int rc = s->host.target_info(s->host.ctx, info, err);
    if (rc)
        return err->message[0] ? (err->status = rc)
                               : wp_fail(err, WP_EHOST, "cannot tell the target's state");
    if (!s->generation_known || info->generation != s->generation) {
        wp_session_forget(s);
        s->generation = info->generation;
        s->generation_known = 1;
    }
    return WP_OK;
}

wp_route_slot *wp_session_find_route(const wp_session *s, const char *name)
{
    for (size_t i = 0; s && name && i < s->nroutes; i++)
        if (strcmp(s->routes[i].route->name, name) == 0)
            return (wp_route_slot *)&s->routes[i];
    return NULL;
}

int wp_session_register(wp_session *s, const char *name, uint64_t *value, wp_error *err)
{
    if (!s->host.read_register)
        return wp_fail(err, WP_ENOROUTE, "this debugger cannot read registers");
    wp_error why = {0};
    if (s->host.read_register(s->host.ctx, name, value, &why))
        return wp_fail(err, WP_ENOROUTE, "the stub does not expose register %s (%s)", name,
                       why.message[0] ? why.message : "no value");
    return WP_OK;
}

const char *wp_session_family(wp_session *s, const char *arch)
{
    uint64_t v;
    wp_error ignored = {0};
    if (arch[0])
        return arch;
    /* The debugger did not say: the registers tell. */
    return wp_session_register(s, "cr0", &v, &ignored) == WP_OK    ? "x86"
           : wp_session_register(s, "satp", &v, &ignored) == WP_OK ? "riscv"
           : wp_session_register(s, "cpsr", &v, &ignored) == WP_OK ? "aarch64"
                                                                   : "";
}

int wp_session_interrupted(const wp_session *s)
{
    return s->host.interrupted && s->host.interrupted(s->host.ctx);
}

void wp_session_packet_hint(const wp_session *s, const char *p, char *buf, size_t cap)
{
    const char *how = s->host.packet_command;
    if (how && strstr(how, "%s")) {
        char line[160];
        size_t at = (size_t)(strstr(how, "%s") - how);
        snprintf(line, sizeof line, "%.*s%s%s", (int)at, how, p, how + at + 2);
        snprintf(buf, cap, "'%s'", line);
    } else {
        snprintf(buf, cap, "the packet %s", p);
    }
}

int wp_session_link_doubtful(const wp_session *s)
{
    return s && s->link_doubt;
}

void wp_session_set_link_doubt(wp_session *s, int doubtful)
{
    if (s) /* set by a host or route: an exchange that got no answer */
        s->link_doubt = s->link_silent = doubtful != 0;
}

const wp_host *wp_session_host(const wp_session *s)
{
    return s ? &s->host : NULL;
}

int wp_session_send(wp_session *s, const char *packet, size_t len, const wp_buf **reply,
                    wp_error *err)
{
    if (reply)
        *reply = &s->reply;
    if (!s->host.send_packet)
        return wp_fail(err, WP_ENOROUTE, "this debugger cannot send remote packets");
    wp_buf_clear(&s->reply);
    if (wp_buf_reserve(&s->reply, 0))
        return wp_fail(err, WP_ENOMEM, "out of memory");
    err->message[0] = '\0';
    int rc = s->host.send_packet(s->host.ctx, packet, len, &s->reply, err);
    if (rc == WP_EHOST || rc == WP_EINTR)
        s->link_doubt = 1;
    if (rc == WP_EHOST) /* no answer; Ctrl-C leaves a stub that answers */
        s->link_silent = 1;
    if (rc) {
        if (!err->message[0])
            wp_fail(err, WP_EHOST, "the debugger could not exchange a packet with the stub");
        return err->status = rc < 0 ? rc : WP_EHOST;
    }
    return WP_OK;
}

void wp_session_command_begin(wp_session *s)
{
    s->command++;
    s->in_command = 1;
}

void wp_session_command_end(wp_session *s)
{
    s->in_command = 0;
}

uint8_t *wp_session_scratch(wp_session *s, int slot)
{
    if (slot < 0 || (size_t)slot >= WP_ARRAY_LEN(s->scratch))
        return NULL;
    if (!s->scratch[slot])
        s->scratch[slot] = malloc(2 * (size_t)WP_STAGE_BYTES);
    return s->scratch[slot];
}

int wp_session_link_silent(const wp_session *s)
{
    return s->link_silent;
}

uint64_t wp_session_command(const wp_session *s)
{
    return s->command;
}
