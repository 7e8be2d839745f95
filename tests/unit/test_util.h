/* Helpers shared by the unit tests. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <CUnit/Basic.h>
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

#endif
