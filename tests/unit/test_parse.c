/* The command language: every option, and every bad input gets its own error. */
#include <stdio.h>

#include "fake_target.h"
#include "internal.h"
#include "test_util.h"

extern const wp_command_def wp_cmd_writephys, wp_cmd_readphys;

static fake_target T;
static wp_session *S; /* the route registry that --backend is checked against */

static int parse_line(const char *line, wp_request *r, wp_error *err)
{
    static char storage[512];
    const char *argv[MAX_ARGS];
    int argc = split_args(line, storage, sizeof storage, argv);
    memset(err, 0, sizeof *err);
    return wp_parse_command(S, argc ? wp_command_find(argv[0]) : NULL, wp_commands,
                            wp_commands_count, argc, argv, r, err);
}

typedef struct slot_ctx {
    const char *name;
    const wp_option *found;
} slot_ctx;

static int slot_fn(void *vctx, const wp_option *o, const wp_route *route)
{
    slot_ctx *c = vctx;
    if (route || strcmp(o->name, c->name) != 0)
        return 0;
    c->found = o;
    return 1;
}

/* Where a command's own option landed: found by its row, as the parser does. */
static const void *own(const wp_request *r, const char *name)
{
    slot_ctx c = {name, NULL};
    wp_command_each_option(S, r->cmd, slot_fn, &c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.found);
    return (const char *)r->args + c.found->offset;
}
#define OWN_TEXT(r, name) (*(const char *const *)own(r, name))
#define OWN_SIZE(r, name) (((const wp_size_arg *)own(r, name))->value)
#define OWN_FLAG(r, name) (*(const int *)own(r, name))

static const struct bad_case {
    const char *line;
    const char *message; /* a part of the one-line error */
} bad_cases[] = {
    {"writephys", "missing ADDRESS"},
    {"writephys 0x1000", "no VALUE to write"},
    {"writephys -x 0x1000 1", "unknown option '-x'"},
    {"writephys --bogus 0x1000 1", "unknown option '--bogus'"},
    {"writephys --output f 0x1000 1", "does not apply to writephys"},
    {"readphys --fill 0x1000", "does not apply to readphys"},
    {"writephys -b -w 0x1000 1", "choose one width"},
    {"writephys --big-endian --little-endian -w 0 1", "cannot be combined"},
    {"writephys --verify --no-verify 0 1", "--verify and --no-verify"},
    {"writephys --string", "needs a value"},
    {"writephys --string hi --file f 0x1000", "cannot be combined"},
    {"writephys --string hi --fill --length 4 0x1000 1", "cannot be combined"},
    {"writephys --utf16 0x1000 1", "apply only to --string"},
    {"writephys --zero 0x1000 1", "apply only to --string"},
    {"writephys --skip 4 0x1000 1", "applies only to --file"},
    {"writephys --length 4 0x1000 1", "--length applies to"},
    {"writephys --string hi --length 4 0x1000", "--length applies to"},
    {"writephys --string hi 0x1000 extra", "unexpected argument 'extra'"},
    {"writephys --file f 0x1000 extra", "unexpected argument"},
    {"writephys --fill 0x1000 1", "--fill needs --length"},
    {"writephys --fill --length 0 0x1000 1", "nothing to write"},
    {"writephys --fill --length 4 0x1000", "no VALUE"},
    {"writephys --length abc --fill 0 1", "bad number 'abc' for --length"},
    {"writephys --length -5 --fill 0 1", "bad number '-5'"},
    {"writephys --length 0x --fill 0 1", "bad number"},
    {"writephys --length 99999999999999999999 --fill 0 1", "bad number"},
    {"writephys --length 17179869184G --fill 0 1", "bad number"},
    {"writephys --length 4X --fill 0 1", "bad number"},
    {"writephys --skip 1z --file f 0", "bad number '1z' for --skip"},
    {"writephys --backend bochs 0 1", "unknown backend 'bochs'"},
    {"writephys --backend qemu --direct-map 0 0 1", "applies to the kgdb route only"},
    {"writephys --direct-map= 0 1", "--direct-map needs a value"},
    {"vtop --direct-map 0 0", "does not apply to vtop"},
    {"writephys --dry-run=yes 0 1", "takes no value"},
    {"writephys --string= 0x1000", "empty --string"},
    {"writephys --file= 0x1000", "--file needs a path"},
    {"writephys -w --string hi 0", "not to --string"},
    {"readphys", "missing ADDRESS"},
    {"readphys 0x1000 0x2000", "unexpected argument '0x2000'"},
    {"readphys --length 0 0x1000", "at least 1"},
    {"readphys --output= 0x1000", "--output needs a path"},
};

static void test_bad_inputs(void)
{
    for (size_t i = 0; i < WP_ARRAY_LEN(bad_cases); i++) {
        wp_request r;
        wp_error err;
        int rc = parse_line(bad_cases[i].line, &r, &err);
        if (rc != WP_EINVAL || !strstr(err.message, bad_cases[i].message))
            fprintf(stderr, "\n  case '%s': rc %d, message '%s'\n", bad_cases[i].line, rc,
                    err.message);
        CU_ASSERT_EQUAL(rc, WP_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, bad_cases[i].message));
        CU_ASSERT_PTR_NULL(strchr(err.message, '\n'));
        wp_request_free(&r);
    }
}

static void test_values_and_widths(void)
{
    wp_request r;
    wp_error err;
    CU_ASSERT_EQUAL(parse_line("writephys -d 0x1000 1 2 -3", &r, &err), WP_OK);
    CU_ASSERT_PTR_EQUAL(r.cmd, &wp_cmd_writephys);
    CU_ASSERT_EQUAL(r.data, WP_DATA_VALUES);
    CU_ASSERT_EQUAL(r.width, 4);
    CU_ASSERT_STRING_EQUAL(r.address, "0x1000");
    CU_ASSERT_EQUAL(r.nvalues, 3);
    CU_ASSERT_STRING_EQUAL(r.values[2], "-3");
    CU_ASSERT_STRING_EQUAL(r.backend, "auto");
    CU_ASSERT_EQUAL(r.verify, -1);
    CU_ASSERT_EQUAL(r.byte_order, WP_ORDER_TARGET);
    wp_request_free(&r);

    static const struct {
        const char *flag;
        unsigned width;
    } widths[] = {{"-b", 1}, {"-w", 2}, {"-d", 4}, {"-q", 8}, {"--byte", 1}, {"--qword", 8}};
    for (size_t i = 0; i < WP_ARRAY_LEN(widths); i++) {
        char line[64];
        snprintf(line, sizeof line, "writephys %s 0 1", widths[i].flag);
        CU_ASSERT_EQUAL(parse_line(line, &r, &err), WP_OK);
        CU_ASSERT_EQUAL(r.width, widths[i].width);
        wp_request_free(&r);
    }
    /* The same width twice is not a conflict. */
    /* One rule for every option: at most once. */
    CU_ASSERT_EQUAL(parse_line("writephys -d -d 0 1", &r, &err), WP_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "given twice"));
    wp_request_free(&r);
    /* Options after positionals, and '--' before negative-looking values. */
    CU_ASSERT_EQUAL(parse_line("writephys 0 1 --big-endian -w -- -x", &r, &err), WP_OK);
    CU_ASSERT_EQUAL(r.byte_order, WP_ORDER_BIG);
    CU_ASSERT_EQUAL(r.nvalues, 2);
    CU_ASSERT_STRING_EQUAL(r.values[1], "-x");
    wp_request_free(&r);
    CU_ASSERT_EQUAL(parse_line("writephys 0 -$rax", &r, &err), WP_OK);
    CU_ASSERT_STRING_EQUAL(r.values[0], "-$rax");
    wp_request_free(&r);
}

static void test_data_forms(void)
{
    wp_request r;
    wp_error err;
    CU_ASSERT_EQUAL(parse_line("writephys --string hello~world --utf16 --zero 0x10", &r, &err),
                    WP_OK);
    CU_ASSERT_EQUAL(r.data, WP_DATA_STRING);
    CU_ASSERT_STRING_EQUAL(r.text, "hello world");
    CU_ASSERT(r.utf16 && r.zero);
    wp_request_free(&r);
    CU_ASSERT_EQUAL(parse_line("writephys --string= --zero 0x10", &r, &err), WP_OK);
    wp_request_free(&r);
    CU_ASSERT_EQUAL(parse_line("writephys --file=blob --skip 0x200 --length 4K 0x10", &r, &err),
                    WP_OK);
    CU_ASSERT_EQUAL(r.data, WP_DATA_FILE);
    CU_ASSERT_STRING_EQUAL(OWN_TEXT(&r, "file"), "blob");
    CU_ASSERT_EQUAL(OWN_SIZE(&r, "skip"), 0x200);
    CU_ASSERT_EQUAL(r.length.value, 4096);
    wp_request_free(&r);
    CU_ASSERT_EQUAL(parse_line("writephys --fill --length 1M -q 0x10 1 2", &r, &err), WP_OK);
    CU_ASSERT_EQUAL(r.data, WP_DATA_FILL);
    CU_ASSERT_EQUAL(r.length.value, 1 << 20);
    CU_ASSERT_EQUAL(r.nvalues, 2);
    wp_request_free(&r);
    CU_ASSERT_EQUAL(
        parse_line("writephys --dry-run --force --no-verify --backend flat 0 1", &r, &err),
        WP_OK);
    CU_ASSERT(OWN_FLAG(&r, "dry-run") && r.force);
    CU_ASSERT_EQUAL(r.verify, 0);
    CU_ASSERT_STRING_EQUAL(r.backend, "flat");
    wp_request_free(&r);
}

static void test_readphys(void)
{
    wp_request r;
    wp_error err;
    CU_ASSERT_EQUAL(parse_line("readphys 0x1000", &r, &err), WP_OK);
    CU_ASSERT_PTR_EQUAL(r.cmd, &wp_cmd_readphys);
    CU_ASSERT_EQUAL(r.length.value, 128);
    CU_ASSERT_PTR_NULL(OWN_TEXT(&r, "output"));
    wp_request_free(&r);
    CU_ASSERT_EQUAL(parse_line("readphys 0x1000 --length 0x40 --output out.bin", &r, &err),
                    WP_OK);
    CU_ASSERT_EQUAL(r.length.value, 64);
    CU_ASSERT_STRING_EQUAL(OWN_TEXT(&r, "output"), "out.bin");
    wp_request_free(&r);
}

static void test_integer_parser(void)
{
    static const struct {
        const char *text;
        bool sizes;
        int rc;
        uint64_t value;
    } cases[] = {
        {"0", false, WP_OK, 0},
        {"4096", false, WP_OK, 4096},
        {"0x1000", false, WP_OK, 0x1000},
        {"0X1f", false, WP_OK, 0x1f},
        {"010", false, WP_OK, 8},
        {"0xffffffffffffffff", false, WP_OK, UINT64_MAX},
        {"0x10000000000000000", false, WP_EINVAL, 0},
        {"4K", true, WP_OK, 4096},
        {"2m", true, WP_OK, 2 << 20},
        {"1G", true, WP_OK, 1 << 30},
        {"4K", false, WP_EINVAL, 0},
        {"", false, WP_EINVAL, 0},
        {" 1", false, WP_EINVAL, 0},
        {"+1", false, WP_EINVAL, 0},
        {"-1", false, WP_EINVAL, 0},
        {"1 ", false, WP_EINVAL, 0},
        {"09", false, WP_EINVAL, 0},
        {"0xg", false, WP_EINVAL, 0},
        {"12abc", false, WP_EINVAL, 0},
        {"KK", true, WP_EINVAL, 0},
        {"4KK", true, WP_EINVAL, 0},
    };
    for (size_t i = 0; i < WP_ARRAY_LEN(cases); i++) {
        uint64_t v = 0;
        int rc = wp_parse_u64(cases[i].text, cases[i].sizes, &v);
        CU_ASSERT_EQUAL(rc, cases[i].rc);
        if (rc == WP_OK)
            CU_ASSERT_EQUAL(v, cases[i].value);
    }
    uint64_t v;
    int neg;
    CU_ASSERT_EQUAL(wp_parse_literal("-1", &v, &neg), WP_OK);
    CU_ASSERT(neg && v == UINT64_MAX);
    CU_ASSERT_EQUAL(wp_parse_literal("-0x8000000000000000", &v, &neg), WP_OK);
    CU_ASSERT_EQUAL(wp_parse_literal("-0x8000000000000001", &v, &neg), WP_EINVAL);
    CU_ASSERT_EQUAL(wp_parse_literal("-0", &v, &neg), WP_OK);
    CU_ASSERT(!neg && v == 0);
    CU_ASSERT_EQUAL(wp_parse_literal("$rax", &v, &neg), WP_EINVAL);
}

static void test_completions(void)
{
    char buf[512];
    wp_command_completions(S, "writephys", NULL, buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "-b -w -d -q --string"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "--dry-run"));
    CU_ASSERT_PTR_NULL(strstr(buf, "--output"));
    wp_command_completions(S, "readphys", NULL, buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "--output"));
    CU_ASSERT_PTR_NULL(strstr(buf, "--fill"));
    size_t n = wp_command_completions(S, "readphys", "--backend", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "auto direct qemu vmware kgdb openocd flat");
    CU_ASSERT_EQUAL(n, strlen(buf));
    CU_ASSERT(wp_command_completions(S, "writephys", NULL, buf, 4) > 4);
    CU_ASSERT_STRING_EQUAL(buf, "");
}

static const CU_TestInfo tests[] = {
    {"bad inputs, one error each", test_bad_inputs},
    {"values and widths", test_values_and_widths},
    {"string, file and fill", test_data_forms},
    {"readphys", test_readphys},
    {"the integer parser", test_integer_parser},
    {"completions", test_completions},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    fake_init(&T);
    wp_host h = fake_host(&T);
    S = wp_session_new(&h, NULL);
    int rc = run_suite("parse", tests);
    wp_session_free(S);
    return rc;
}
