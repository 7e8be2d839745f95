/* Helpers shared by the unit tests. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include "writephys.h"
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#define MAX_ARGS 32

/* Splits a command line on spaces; '~' inside a word stands for a space. */
static inline int split_args(const char *line, char *storage, size_t cap, const char **argv)
{
    strncpy(storage, line, cap - 1);
    storage[cap - 1] = '\0';
    int argc = 0;
    for (char *tok = strtok(storage, " "); tok && argc < MAX_ARGS; tok = strtok(NULL, " ")) {
        for (char *c = tok; *c; c++)
            if (*c == '~')
                *c = ' ';
        argv[argc++] = tok;
    }
    return argc;
}

static inline int run_suite(const char *name, const CU_TestInfo *tests)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_SuiteInfo suites[] = {{name, NULL, NULL, NULL, NULL, (CU_TestInfo *)tests},
                             CU_SUITE_INFO_NULL};
    CU_register_suites(suites);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    int failed = (int)CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed != 0;
}

/* Runs a command line one way or another (split here, or by the core). */
typedef int (*line_runner)(const char *line, wp_result *res);

/* The line succeeds and what it prints contains part. */
static inline void expect_printed_part(line_runner run, const char *line, const char *part)
{
    wp_result res;
    int rc = run(line, &res);
    const char *text = res.text.data ? res.text.data : "";
    if (rc || !strstr(text, part))
        fprintf(stderr, "\n  '%s' printed '%s' (error '%s')\n", line, text, res.error.message);
    CU_ASSERT_EQUAL(rc, WP_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, part));
    wp_result_free(&res);
}

#endif
