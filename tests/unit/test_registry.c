/* Every row of the registry describes itself: the tests walk the tables
 * rather than list the rows, so a new command, route, option or setting is
 * held to the same rules without a line here. */
#include <stdio.h>
#include <stdlib.h>

#include "fake_target.h"
#include "internal.h"
#include "test_util.h"

static fake_target T;
static wp_session *S;

typedef struct opt_ctx {
    const wp_command_def *cmd;
    const char *help;  /* the command's help text */
    const char *words; /* its completion words */
    size_t count;
} opt_ctx;

static int check_option(void *vctx, const wp_option *o, const wp_route *route)
{
    opt_ctx *c = vctx;
    c->count++;
    char long_form[64], short_form[4] = "";
    snprintf(long_form, sizeof long_form, "--%s", o->name);
    if (o->short_name)
        snprintf(short_form, sizeof short_form, "-%c", o->short_name);
    CU_ASSERT_PTR_NOT_NULL(o->help);
    CU_ASSERT(o->kind >= WP_OPTION_FLAG && o->kind <= WP_OPTION_SIZE);
    /* Each option is in the command's help (by either name) and completion. */
    int in_help = strstr(c->help, long_form) || (*short_form && strstr(c->help, short_form));
    if (!in_help)
        printf("\n%s: help lacks %s\n", c->cmd->name, long_form);
    CU_ASSERT(in_help);
    CU_ASSERT_PTR_NOT_NULL(strstr(
        c->words, o->short_name && strcmp(o->name, "help") != 0 ? short_form : long_form));
    /* A route's option is the route's: in its help row as it is in ours. */
    if (route)
        CU_ASSERT(c->cmd->route_options);
    return 0;
}

static void test_every_command_row(void)
{
    CU_ASSERT_EQUAL(wp_command_count(), wp_commands_count);
    for (size_t i = 0; i < wp_commands_count; i++) {
        const wp_command_def *cmd = wp_commands[i];
        CU_ASSERT_PTR_NOT_NULL_FATAL(cmd->name);
        CU_ASSERT_PTR_EQUAL(wp_command_find(cmd->name), cmd);
        CU_ASSERT_STRING_EQUAL(wp_command_name(i), cmd->name);
        CU_ASSERT(cmd->usage && strncmp(cmd->usage, "usage: ", 7) == 0);
        CU_ASSERT_PTR_NOT_NULL(cmd->run);
        const char *help = wp_command_help(S, cmd->name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(help);
        CU_ASSERT_PTR_NULL(strchr(help, '@')); /* every mark expanded */
        char *help_copy = strdup(help);
        char words[1024];
        CU_ASSERT(wp_command_completions(S, cmd->name, NULL, words, sizeof words) <
                  sizeof words);
        opt_ctx c = {cmd, help_copy, words, 0};
        wp_command_each_option(S, cmd, check_option, &c);
        CU_ASSERT(c.count >= 2); /* --help and --version at least */
        /* --help runs nothing and prints the help, for every command. */
        const char *argv[] = {cmd->name, "--help"};
        wp_result res;
        CU_ASSERT_EQUAL(wp_command_run(S, 2, argv, &res), WP_OK);
        CU_ASSERT_STRING_EQUAL(res.text.data, help_copy);
        wp_result_free(&res);
        free(help_copy);
        CU_ASSERT_EQUAL(T.packets, 0);
    }
}

/* Two rows of one command never share a name; a choice's rows share a slot. */
static void test_option_rows_are_consistent(void)
{
    for (size_t i = 0; i < wp_commands_count; i++) {
        const wp_command_def *cmd = wp_commands[i];
        const wp_option *rows[64];
        size_t n = 0;
        for (size_t k = 0; k < WP_MAX_OPTION_SETS && cmd->options[k].count; k++)
            for (size_t j = 0; j < cmd->options[k].count && n < 64; j++)
                rows[n++] = &cmd->options[k].rows[j];
        for (size_t a = 0; a < n; a++)
            for (size_t b = a + 1; b < n; b++) {
                CU_ASSERT(strcmp(rows[a]->name, rows[b]->name) != 0);
                CU_ASSERT(!rows[a]->short_name || rows[a]->short_name != rows[b]->short_name);
                if (rows[a]->choice && rows[a]->choice == rows[b]->choice)
                    CU_ASSERT(rows[a]->offset == rows[b]->offset &&
                              rows[a]->flag != rows[b]->flag);
            }
    }
}

/* Every setting: a doc and values, its value as shown sets it again, a bad
 * value is refused with the row's values, and the help lists it. */
static void test_every_setting_row(void)
{
    CU_ASSERT_EQUAL(wp_setting_count(), S->nsettings);
    const char *help = wp_command_help(S, "writephys-settings");
    for (size_t i = 0; i < S->nsettings; i++) {
        const wp_setting *row = S->setting_rows[i].row;
        CU_ASSERT_STRING_EQUAL(wp_setting_name(i), row->name);
        CU_ASSERT(row->doc && *row->doc && row->values && *row->values);
        char value[64], again[64];
        CU_ASSERT_EQUAL(wp_setting_get(S, row->name, value, sizeof value), WP_OK);
        wp_error err = {0};
        CU_ASSERT_EQUAL(wp_setting_set(S, row->name, value, &err), WP_OK);
        wp_setting_get(S, row->name, again, sizeof again);
        CU_ASSERT_STRING_EQUAL(again, value);
        CU_ASSERT_NOT_EQUAL(wp_setting_set(S, row->name, "no such value", &err), WP_OK);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "no such value"));
        CU_ASSERT_PTR_NOT_NULL(strstr(help, row->name));
    }
    wp_error err = {0};
    CU_ASSERT_EQUAL(wp_setting_set(S, "bogus", "1", &err), WP_EINVAL);
    for (size_t i = 0; i < S->nsettings; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, S->setting_rows[i].row->name));
}

/* Every route: a summary, in the help of a command that takes --backend,
 * and a completion of --backend. */
static void test_every_route_row(void)
{
    char words[512];
    wp_command_completions(S, "writephys", "--backend", words, sizeof words);
    const char *help = wp_command_help(S, "writephys");
    for (size_t i = 0; i < wp_builtin_route_count; i++) {
        const wp_route *r = wp_builtin_routes[i];
        CU_ASSERT(r->summary && *r->summary);
        CU_ASSERT_PTR_NOT_NULL(strstr(words, r->name));
        CU_ASSERT_PTR_NOT_NULL(strstr(help, r->name));
        CU_ASSERT(!r->noptions || (r->options && r->arguments && r->args_size));
        for (size_t k = 0; k < r->noptions; k++)
            CU_ASSERT(r->options[k].offset < r->args_size);
    }
}

static const CU_TestInfo tests[] = {
    {"every command row", test_every_command_row},
    {"option rows are consistent", test_option_rows_are_consistent},
    {"every setting row", test_every_setting_row},
    {"every route row", test_every_route_row},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    fake_init(&T);
    wp_host h = fake_host(&T);
    S = wp_session_new(&h, NULL);
    int rc = run_suite("registry", tests);
    wp_session_free(S);
    return rc;
}
