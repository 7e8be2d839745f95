/* What every front end decides alike: when progress shows, which variable
 * a command sets, the line a stub's failed monitor command gets, which
 * options take paths.  Debugger glue stays in the plugins; these rules
 * live here so that GDB and LLDB cannot differ. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define PROGRESS_AFTER 0.5 /* seconds: a short transfer shows nothing */

int wp_progress_due(int style, double seconds, double *last_shown)
{
    /* On a terminal the line is rewritten in place; an IDE's console keeps
     * every line, so it gets fewer. */
    double every = style == WP_PROGRESS_IN_PLACE ? 0.25 : 1.0;
    if (style == WP_PROGRESS_OFF || seconds < PROGRESS_AFTER)
        return 0;
    if (*last_shown > 0 && seconds - *last_shown < every)
        return 0;
    *last_shown = seconds;
    return 1;
}

const char *wp_command_result_variable(const char *command)
{
    /* BytesWritten, as the data-space call returns it. */
    return command && strcmp(command, "writephys") == 0 ? "_writephys_written" : NULL;
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)p[i]))
            return false;
    return true;
}

size_t wp_stub_error_line(const char *output, char *buf, size_t cap)
{
    /* The stub's last words before the error reply say why. */
    const char *said = NULL;
    size_t said_len = 0;
    for (const char *p = output ? output : ""; *p;) {
        size_t n = strcspn(p, "\r\n");
        if (!blank(p, n)) {
            said = p;
            said_len = n;
        }
        p += n;
        p += strspn(p, "\r\n");
    }
    int n =
        said ? snprintf(buf, cap, "the stub answered with an error: %.*s", (int)said_len, said)
             : snprintf(buf, cap, "the stub answered with an error");
    return n < 0 ? 0 : (size_t)n;
}

int wp_option_completes_path(const char *command, const char *option)
{
    /* The option's own row says: a path option completes as file names. */
    return wp_command_option_kind(NULL, command, option) == WP_OPTION_PATH;
}
