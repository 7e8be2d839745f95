/* The route registry and the route handle, through a route defined here:
 * a fake memory with state of its own, added to a session with no change to
 * the core.  It is chosen, probed, opened once for many accesses and closed
 * once, exactly like the built-in routes. */
#include <stddef.h>
#include <stdio.h>

#include "fake_target.h"
#include "internal.h"
#include "test_util.h"

#define DISK_SIZE 0x10000u

typedef struct disk_state {
    uint8_t mem[DISK_SIZE];
    int probes, begins, ends, forgets, writes, reads;
    int in_mode;
    uint64_t sector; /* --sector, for the command it was given to */
    int given;
    int cache; /* the disk-cache setting */
} disk_state;

static disk_state *last_state; /* the session owns it; seen for the checks */

static void disk_forget(void *state)
{
    ((disk_state *)state)->forgets++;
}

static int disk_probe(wp_session *s, void *state, int for_write, wp_error *err)
{
    (void)for_write;
    (void)s;
    (void)err;
    last_state = state;
    last_state->probes++;
    return WP_OK;
}

static int disk_begin(wp_session *s, void *state, wp_error *err)
{
    (void)s;
    (void)err;
    disk_state *d = state;
    d->begins++;
    d->in_mode = 1;
    return WP_OK;
}

static int disk_end(wp_session *s, void *state, wp_error *err)
{
    (void)s;
    (void)err;
    disk_state *d = state;
    d->ends++;
    d->in_mode = 0;
    return WP_OK;
}

static int disk_write(wp_session *s, void *state, uint64_t addr, const uint8_t *buf, size_t len,
                      wp_write_outcome *out, wp_error *err)
{
    (void)s;
    (void)out;
    disk_state *d = state;
    if (!d->in_mode || addr + len > DISK_SIZE)
        return wp_fail(err, WP_ETARGET, "outside the disk");
    memcpy(d->mem + addr, buf, len);
    d->writes++;
    return WP_OK;
}

static int disk_read(wp_session *s, void *state, uint64_t addr, uint8_t *buf, size_t len,
                     wp_error *err)
{
    (void)s;
    disk_state *d = state;
    if (!d->in_mode || addr + len > DISK_SIZE)
        return wp_fail(err, WP_ETARGET, "outside the disk");
    memcpy(buf, d->mem + addr, len);
    d->reads++;
    return (int)len;
}

static size_t disk_chunk(wp_session *s, void *state, int is_write, uint64_t addr,
                         size_t remaining)
{
    (void)s;
    (void)state;
    (void)is_write;
    (void)addr;
    return remaining < 100 ? remaining : 100;
}

/* The route's own option and setting: a row of the route's, nothing else. */
typedef struct disk_args {
    wp_size_arg sector;
} disk_args;

static const wp_option disk_options[] = {
    {"sector", 0, WP_OPTION_SIZE, NULL, "N", "The disk's sector to start at.", NULL,
     offsetof(disk_args, sector), 0, NULL},
};

static int disk_arguments(wp_session *s, void *state, const void *args, wp_error *err)
{
    (void)s;
    disk_state *d = state;
    const disk_args *a = args;
    if (a->sector.value > 15)
        return wp_fail(err, WP_EINVAL, "--sector %llu: the disk has 16",
                       (unsigned long long)a->sector.value);
    d->sector = a->sector.value;
    d->given = 1;
    return WP_OK;
}

static int set_cache(wp_session *s, void *state, const char *value, wp_error *err)
{
    (void)s, (void)err;
    disk_state *d = state;
    if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
        return WP_EINVAL;
    d->cache = strcmp(value, "on") == 0;
    return WP_OK;
}

static void get_cache(const wp_session *s, const void *state, char *buf, size_t cap)
{
    (void)s;
    snprintf(buf, cap, "%s", ((const disk_state *)state)->cache ? "on" : "off");
}

static const wp_setting disk_settings[] = {
    {"disk-cache", "on or off", "whether the disk caches", set_cache, get_cache},
};

static const wp_route disk_route = {
    .name = "disk",
    .summary = "a test's own memory",
    .flags = WP_ROUTE_AUTO | WP_ROUTE_MAPLESS,
    .state_size = sizeof(disk_state),
    .forget = disk_forget,
    .probe = disk_probe,
    .begin = disk_begin,
    .end = disk_end,
    .write = disk_write,
    .read = disk_read,
    .chunk = disk_chunk,
    .options = disk_options,
    .noptions = 1,
    .args_size = sizeof(disk_args),
    .arguments = disk_arguments,
    .settings = disk_settings,
    .nsettings = 1,
};

static fake_target T;

static wp_session *new_session(void)
{
    fake_init(&T);
    T.has_phys = 0; /* qemu's probe fails, so auto moves on to the disk */
    wp_host h = fake_host(&T);
    wp_session *s = wp_session_new(&h, NULL);
    CU_ASSERT_EQUAL_FATAL(wp_session_add_route(s, &disk_route, NULL), WP_OK);
    return s;
}

static void test_added_route_through_commands(void)
{
    wp_session *s = new_session();
    wp_result res;
    const char *argv[] = {"writephys", "--backend", "disk", "-w", "0x10", "0x1234", "7"};
    CU_ASSERT_EQUAL(wp_command_run(s, 7, argv, &res), WP_OK);
    CU_ASSERT_STRING_EQUAL(res.text.data,
                           "writephys: wrote 4 bytes at physical 0x10 via disk, verified\n");
    CU_ASSERT(last_state->mem[0x10] == 0x34 && last_state->mem[0x12] == 7);
    CU_ASSERT_EQUAL(last_state->begins, 1);
    CU_ASSERT_EQUAL(last_state->ends, 1);
    CU_ASSERT_EQUAL(T.flushes, 1);
    wp_result_free(&res);
    /* auto reaches it after the built-in routes that do not fit. */
    const char *auto_argv[] = {"readphys", "0x10", "--length", "2"};
    CU_ASSERT_EQUAL(wp_command_run(s, 4, auto_argv, &res), WP_OK);
    CU_ASSERT_STRING_EQUAL(res.backend, "disk");
    wp_result_free(&res);
    /* Completion and help list it; --backend accepts it by name only. */
    char words[256];
    wp_command_completions(s, "writephys", "--backend", words, sizeof words);
    CU_ASSERT_STRING_EQUAL(words, "auto direct qemu vmware kgdb openocd flat disk");
    CU_ASSERT_PTR_NOT_NULL(strstr(wp_command_help(s, "readphys"), "disk      a test's own"));
    const char *bad[] = {"writephys", "--backend", "dis", "0", "1"};
    CU_ASSERT_EQUAL(wp_command_run(s, 5, bad, &res), WP_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(
        res.error.message, "choose auto, direct, qemu, vmware, kgdb, openocd, flat or disk"));
    wp_result_free(&res);
    /* A name in use, or a row without its functions, is refused. */
    wp_route incomplete = {.name = "half"};
    CU_ASSERT_EQUAL(wp_session_add_route(s, &disk_route, NULL), WP_EINVAL);
    CU_ASSERT_EQUAL(wp_session_add_route(s, &incomplete, NULL), WP_EINVAL);
    wp_session_free(s);
}

static const char *run_line(wp_session *s, const char *line, int *rc, wp_result *res)
{
    static char storage[512];
    const char *argv[MAX_ARGS];
    int argc = split_args(line, storage, sizeof storage, argv);
    *rc = wp_command_run(s, argc, argv, res);
    return *rc ? res->error.message : res->text.data;
}

/* A route's own option and setting need nothing but the route's row: the
 * parser, help, completion and the settings table pick them up. */
static void test_route_option_and_setting(void)
{
    wp_session *s = new_session();
    wp_result res;
    int rc;
    const char *out = run_line(s, "writephys --sector 3 0x10 9", &rc, &res);
    CU_ASSERT_EQUAL(rc, WP_OK);
    CU_ASSERT_STRING_EQUAL(out,
                           "writephys: wrote 1 byte at physical 0x10 via disk, verified\n");
    CU_ASSERT(last_state->given && last_state->sector == 3);
    wp_result_free(&res);
    out = run_line(s, "writephys --sector 16 0x10 9", &rc, &res);
    CU_ASSERT_EQUAL(rc, WP_EINVAL);
    CU_ASSERT_STRING_EQUAL(out, "writephys: --sector 16: the disk has 16");
    wp_result_free(&res);
    out = run_line(s, "writephys --backend qemu --sector 1 0x10 9", &rc, &res);
    CU_ASSERT_STRING_EQUAL(out, "writephys: --sector applies to the disk route only, not "
                                "--backend qemu");
    wp_result_free(&res);
    out = run_line(s, "vtop --sector 1 0", &rc, &res);
    CU_ASSERT_STRING_EQUAL(out, "vtop: option '--sector' does not apply to vtop");
    wp_result_free(&res);
    out = run_line(s, "writephys --sector 1 --direct-map 0xffff888000000000 0x10 9", &rc, &res);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "are options of two routes (disk, kgdb)"));
    wp_result_free(&res);
    char words[1024];
    wp_command_completions(s, "readphys", NULL, words, sizeof words);
    CU_ASSERT_PTR_NOT_NULL(strstr(words, "--direct-map --sector"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(wp_command_help(s, "readphys"),
               "--sector N\n                The disk's sector to start at.\n"));
    /* The setting: shown, set, refused with its values, in the help. */
    out = run_line(s, "writephys-settings set disk-cache on", &rc, &res);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "writephys-settings: disk-cache = on\n"));
    wp_result_free(&res);
    CU_ASSERT_EQUAL(last_state->cache, 1);
    out = run_line(s, "writephys-settings set disk-cache maybe", &rc, &res);
    CU_ASSERT_STRING_EQUAL(out,
                           "writephys-settings: bad value 'maybe' for disk-cache (on or off)");
    wp_result_free(&res);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(wp_command_help(s, "writephys-settings"), "disk-cache   on or off: whether"));
    wp_session_free(s);
}

/* One open, many accesses with exact counts, one close: one mode switch. */
static void test_handle_many_accesses(void)
{
    wp_session *s = new_session();
    wp_route_options opt = {"disk", 0, -1, 0};
    wp_route_handle *h = NULL;
    wp_error err = {0};
    CU_ASSERT_EQUAL_FATAL(wp_route_open(s, &opt, &h, &err), WP_OK);
    CU_ASSERT_STRING_EQUAL(wp_route_of(h)->name, "disk");
    /* A second handle on the same session is refused while one is open. */
    wp_route_handle *second = NULL;
    CU_ASSERT_EQUAL(wp_route_open(s, &opt, &second, &err), WP_ESTATE);
    CU_ASSERT_PTR_NULL(second);
    uint8_t data[250], back[250];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ 0x5a);
    for (int k = 0; k < 5; k++) {
        size_t done = 0;
        CU_ASSERT_EQUAL(wp_route_write(h, 0x100u * (unsigned)k, data, sizeof data, &done, &err),
                        WP_OK);
        CU_ASSERT_EQUAL(done, sizeof data);
        CU_ASSERT_EQUAL(wp_route_read(h, 0x100u * (unsigned)k, back, sizeof back, &done, &err),
                        WP_OK);
        CU_ASSERT_EQUAL(memcmp(back, data, sizeof data), 0);
    }
    CU_ASSERT_EQUAL(last_state->writes, 5 * 3); /* 250 bytes in chunks of 100 */
    /* A failure mid-way counts exactly and names the first address. */
    size_t done = 99;
    CU_ASSERT_EQUAL(wp_route_write(h, DISK_SIZE - 150, data, sizeof data, &done, &err),
                    WP_ETARGET);
    CU_ASSERT_EQUAL(done, 100);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "failed at 0xffce"));
    /* The region of a route without a map is all RAM, unnamed. */
    CU_ASSERT_EQUAL(wp_route_region(h, 0x10).kind, WP_REGION_RAM);
    CU_ASSERT_EQUAL(wp_route_close(h, &err), WP_OK);
    CU_ASSERT_EQUAL(last_state->begins, 1);
    CU_ASSERT_EQUAL(last_state->ends, 1);
    CU_ASSERT_EQUAL(T.flushes, 1);
    /* A new stop makes the route forget what it learnt, once. */
    int forgets = last_state->forgets;
    T.generation++;
    CU_ASSERT_EQUAL(wp_route_open(s, &opt, &h, &err), WP_OK);
    CU_ASSERT_EQUAL(last_state->forgets, forgets + 1);
    CU_ASSERT_EQUAL(wp_route_close(h, &err), WP_OK);
    wp_session_free(s);
}

/* A host built for another API is refused with a message. */
static void test_version_check(void)
{
    fake_init(&T);
    wp_host h = fake_host(&T);
    h.api_version = WP_API_VERSION + 1;
    wp_error err = {0};
    CU_ASSERT_PTR_NULL(wp_session_new(&h, &err));
    CU_ASSERT_EQUAL(err.status, WP_EVERSION);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "rebuild"));
    h = fake_host(&T);
    h.size = sizeof h - 8;
    CU_ASSERT_PTR_NULL(wp_session_new(&h, &err));
    CU_ASSERT_STRING_EQUAL(wp_version(), WP_VERSION);
    CU_ASSERT_EQUAL(wp_api_version(), WP_API_VERSION);
}

static const CU_TestInfo tests[] = {
    {"a route added by a tool, through the commands", test_added_route_through_commands},
    {"one handle, many accesses", test_handle_many_accesses},
    {"a route's own option and setting", test_route_option_and_setting},
    {"API version check", test_version_check},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return run_suite("routes", tests);
}
