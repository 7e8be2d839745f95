/* What every front end decides alike (frontend.c) and the struct layout a
 * front end checks (layout.c). */
#include <string.h>

#include "test_util.h"

/* Each struct's rows tile it: no field overlaps the one before, and no gap
 * is as wide as a field of 8 bytes, so a field left out of the table shows.
 * And the table knows every struct it lists by a size row first. */
static void test_layout_covers_each_struct(void)
{
    size_t n = 0;
    const wp_layout_row *rows = wp_layout(&n);
    CU_ASSERT_TRUE(n > 8);
    size_t structs = 0;
    for (size_t i = 0; i < n;) {
        CU_ASSERT_PTR_NULL(rows[i].field); /* the struct's own row */
        size_t size = rows[i].size, end = 0, j = i + 1;
        structs++;
        for (; j < n && rows[j].field && strcmp(rows[j].type, rows[i].type) == 0; j++) {
            if (rows[j].offset < end || rows[j].offset - end >= 8)
                fprintf(stderr, "\n  %s.%s at %zu after %zu\n", rows[j].type, rows[j].field,
                        rows[j].offset, end);
            CU_ASSERT_TRUE(rows[j].offset >= end && rows[j].offset - end < 8);
            end = rows[j].offset + rows[j].size;
        }
        CU_ASSERT_TRUE(end <= size && size - end < 8);
        i = j;
    }
    CU_ASSERT_EQUAL(structs, 8);
}

static void test_progress_pacing(void)
{
    double last = 0;
    CU_ASSERT_FALSE(wp_progress_due(WP_PROGRESS_IN_PLACE, 0.4, &last));
    CU_ASSERT_TRUE(wp_progress_due(WP_PROGRESS_IN_PLACE, 0.5, &last));
    CU_ASSERT_EQUAL(last, 0.5);
    CU_ASSERT_FALSE(wp_progress_due(WP_PROGRESS_IN_PLACE, 0.7, &last));
    CU_ASSERT_TRUE(wp_progress_due(WP_PROGRESS_IN_PLACE, 0.75, &last));
    last = 0;
    CU_ASSERT_TRUE(wp_progress_due(WP_PROGRESS_LINES, 0.6, &last));
    CU_ASSERT_FALSE(wp_progress_due(WP_PROGRESS_LINES, 1.5, &last));
    CU_ASSERT_TRUE(wp_progress_due(WP_PROGRESS_LINES, 1.6, &last));
    last = 0;
    CU_ASSERT_FALSE(wp_progress_due(WP_PROGRESS_OFF, 10, &last));
    CU_ASSERT_EQUAL(last, 0);
}

static void test_result_variable(void)
{
    CU_ASSERT_STRING_EQUAL(wp_command_result_variable("writephys"), "_writephys_written");
    for (size_t i = 0; i < wp_command_count(); i++)
        if (strcmp(wp_command_name(i), "writephys") != 0)
            CU_ASSERT_PTR_NULL(wp_command_result_variable(wp_command_name(i)));
    CU_ASSERT_PTR_NULL(wp_command_result_variable(NULL));
}

static void test_stub_error_line(void)
{
    char buf[128];
    wp_stub_error_line("", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "the stub answered with an error");
    wp_stub_error_line(NULL, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "the stub answered with an error");
    wp_stub_error_line("\n  \n", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "the stub answered with an error");
    /* OpenOCD's last words, before blank lines. */
    wp_stub_error_line("target halted\r\nno flash bank found\r\n\r\n  \n", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "the stub answered with an error: no flash bank found");
    size_t need = wp_stub_error_line("why", buf, 4);
    CU_ASSERT_EQUAL(need, strlen("the stub answered with an error: why"));
}

static void test_path_options(void)
{
    CU_ASSERT_TRUE(wp_option_completes_path("writephys", "--file"));
    CU_ASSERT_TRUE(wp_option_completes_path("readphys", "--output"));
    CU_ASSERT_TRUE(wp_option_completes_path("pci", "--dump"));
    /* Only where the command takes the option. */
    CU_ASSERT_FALSE(wp_option_completes_path("readphys", "--file"));
    CU_ASSERT_FALSE(wp_option_completes_path("writephys", "--output"));
    CU_ASSERT_FALSE(wp_option_completes_path("writephys", "--string"));
    CU_ASSERT_FALSE(wp_option_completes_path("writephys", "--backend"));
    CU_ASSERT_FALSE(wp_option_completes_path("nosuch", "--file"));
    CU_ASSERT_FALSE(wp_option_completes_path("writephys", NULL));
}

static CU_TestInfo tests[] = {
    {"layout covers each struct", test_layout_covers_each_struct},
    {"progress pacing", test_progress_pacing},
    {"result variable", test_result_variable},
    {"stub error line", test_stub_error_line},
    {"path options", test_path_options},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return run_suite("frontend", tests);
}
