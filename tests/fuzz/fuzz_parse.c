/* libFuzzer: the command language.  The input is a command line whose words
 * are separated by NUL or newline; nothing is executed (--file and --output
 * would touch real files), only parsed, with the integer parsers too. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "internal.h"

#define MAX_WORDS 64

/* One session for the whole run: --backend is checked against its routes. */
static wp_session *session(void)
{
    static wp_session *s;
    if (!s) {
        wp_host host = {0};
        host.api_version = WP_API_VERSION;
        host.size = sizeof host;
        s = wp_session_new(&host, NULL);
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    const char *argv[MAX_WORDS];
    int argc = 0;
    /* The first byte picks the command: every row of the registry. */
    const wp_command_def *cmd = wp_commands[size ? data[0] % wp_commands_count : 0];
    argv[argc++] = cmd->name;
    char *word = text;
    for (size_t i = 0; i <= size && argc < MAX_WORDS; i++) {
        if (i == size || text[i] == '\n' || text[i] == '\0') {
            text[i] = '\0';
            argv[argc++] = word;
            word = text + i + 1;
        }
    }
    wp_request r;
    wp_error err;
    if (wp_parse_command(session(), cmd, wp_commands, wp_commands_count, argc, argv, &r,
                         &err) != WP_OK) {
        /* Every refusal is one line. */
        if (!err.message[0] || strchr(err.message, '\n'))
            abort();
    } else if (!r.help && !r.version && !cmd->raw_args && !r.address) {
        abort(); /* a command that takes an ADDRESS got one */
    } else if (!r.help && !r.version && cmd->route_options && r.length.value > (1ull << 30)) {
        abort(); /* no transfer past the 1 GiB one command moves */
    }
    wp_request_free(&r);
    /* The line splitter and the --string escapes: one-line refusals. */
    wp_buf words = {0}, bytes = {0};
    size_t count;
    if (wp_split_args(text, &words, &count, &err) != WP_OK && strchr(err.message, '\n'))
        abort();
    if (wp_unescape(text, &bytes, &err) != WP_OK && strchr(err.message, '\n'))
        abort();
    wp_buf_free(&words);
    wp_buf_free(&bytes);
    for (int i = 1; i < argc; i++) {
        uint64_t v;
        int neg;
        wp_parse_u64(argv[i], true, &v);
        wp_parse_literal(argv[i], &v, &neg);
    }
    free(text);
    return 0;
}
