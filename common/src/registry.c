/* What the core is made of: the built-in routes, in the order `auto` tries
 * them, and the commands.  A new route or command is one file and one row
 * here; its options and settings are its own rows, which the session and
 * the wrappers pick up from it.  Nothing below this file names a row. */
#include <string.h>

#include "internal.h"

extern const wp_route wp_route_direct;
extern const wp_route wp_route_qemu;
extern const wp_route wp_route_vmware;
extern const wp_route wp_route_kgdb;
extern const wp_route wp_route_openocd;
extern const wp_route wp_route_flat;

const wp_route *const wp_builtin_routes[] = {
    &wp_route_direct, &wp_route_qemu,    &wp_route_vmware,
    &wp_route_kgdb,   &wp_route_openocd, &wp_route_flat,
};
const size_t wp_builtin_route_count = WP_ARRAY_LEN(wp_builtin_routes);

extern const wp_command_def wp_cmd_writephys;
extern const wp_command_def wp_cmd_readphys;
extern const wp_command_def wp_cmd_vtop;
extern const wp_command_def wp_cmd_settings;
extern const wp_command_def wp_cmd_readio;
extern const wp_command_def wp_cmd_writeio;
extern const wp_command_def wp_cmd_readpci;
extern const wp_command_def wp_cmd_writepci;
extern const wp_command_def wp_cmd_pci;
extern const wp_command_def wp_cmd_ptdump;
extern const wp_command_def wp_cmd_ptov;
extern const wp_command_def wp_cmd_searchphys;

const wp_command_def *const wp_commands[] = {
    &wp_cmd_writephys, &wp_cmd_readphys, &wp_cmd_vtop,       &wp_cmd_readio,
    &wp_cmd_writeio,   &wp_cmd_readpci,  &wp_cmd_writepci,   &wp_cmd_pci,
    &wp_cmd_ptdump,    &wp_cmd_ptov,     &wp_cmd_searchphys, &wp_cmd_settings,
};
const size_t wp_commands_count = WP_ARRAY_LEN(wp_commands);

size_t wp_command_count(void)
{
    return wp_commands_count;
}

const char *wp_command_name(size_t index)
{
    return index < wp_commands_count ? wp_commands[index]->name : NULL;
}

const wp_command_def *wp_command_find(const char *name)
{
    for (size_t i = 0; name && i < wp_commands_count; i++)
        if (strcmp(wp_commands[i]->name, name) == 0)
            return wp_commands[i];
    return NULL;
}

/* Settings in the order they are listed: the shared ones, then each
 * command's, then each route's. */
static int add_settings(wp_session *s, wp_error *err)
{
    int rc = WP_OK;
    for (size_t i = 0; !rc && i < wp_generic_setting_count; i++)
        rc = wp_session_add_setting(s, &wp_generic_settings[i], &s->settings, err);
    for (size_t c = 0; !rc && c < wp_commands_count; c++) {
        const wp_command_def *cmd = wp_commands[c];
        if (!cmd->nsettings)
            continue;
        void *block = wp_session_block(s, cmd, cmd->settings_size, cmd->settings_init);
        if (!block)
            return wp_fail(err, WP_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < cmd->nsettings; i++)
            rc = wp_session_add_setting(s, &cmd->settings[i], block, err);
    }
    return rc;
}

wp_session *wp_session_new(const wp_host *host, wp_error *err)
{
    wp_session *s = wp_session_alloc(host, err);
    if (!s)
        return NULL;
    wp_settings_init(&s->settings);
    int rc = add_settings(s, err);
    for (size_t i = 0; !rc && i < wp_builtin_route_count; i++)
        rc = wp_session_add_route(s, wp_builtin_routes[i], err);
    if (rc) {
        wp_session_free(s);
        return NULL;
    }
    return s;
}

/* The built-in settings, for wrappers that register them before a session
 * exists (GDB's `set writephys`): the same order as a session lists. */
static const wp_setting *builtin_setting(size_t index)
{
    if (index < wp_generic_setting_count)
        return &wp_generic_settings[index];
    index -= wp_generic_setting_count;
    for (size_t c = 0; c < wp_commands_count; c++) {
        if (index < wp_commands[c]->nsettings)
            return &wp_commands[c]->settings[index];
        index -= wp_commands[c]->nsettings;
    }
    for (size_t r = 0; r < wp_builtin_route_count; r++) {
        if (index < wp_builtin_routes[r]->nsettings)
            return &wp_builtin_routes[r]->settings[index];
        index -= wp_builtin_routes[r]->nsettings;
    }
    return NULL;
}

size_t wp_setting_count(void)
{
    size_t n = 0;
    while (builtin_setting(n))
        n++;
    return n;
}

const char *wp_setting_name(size_t index)
{
    const wp_setting *row = builtin_setting(index);
    return row ? row->name : NULL;
}

const char *wp_setting_doc(size_t index)
{
    const wp_setting *row = builtin_setting(index);
    return row ? row->doc : NULL;
}
