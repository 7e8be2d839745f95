/* readio, writeio, readpci, writepci and pci on the fake's ports and its
 * mechanism #1: the text, CF8 kept, and bad input that sends nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fake_target.h"
#include "internal.h"
#include "test_util.h"

static fake_target T;
static wp_session *S;

static void setup(void)
{
    wp_session_free(S);
    fake_init(&T);
    wp_host h = fake_host(&T);
    S = wp_session_new(&h, NULL);
}

static int run(const char *line, wp_result *res)
{
    static char storage[1024];
    const char *argv[MAX_ARGS];
    int argc = split_args(line, storage, sizeof storage, argv);
    return wp_command_run(S, argc, argv, res);
}

static void expect_part(const char *line, const char *part)
{
    expect_printed_part(run, line, part);
}

/* One line that starts with the command's name; nothing sent at all. */
static void expect_refused(const char *line, const char *part)
{
    wp_result res;
    int packets = T.packets, monitors = T.monitors;
    int rc = run(line, &res);
    CU_ASSERT_NOT_EQUAL(rc, WP_OK);
    char name[32];
    snprintf(name, sizeof name, "%.*s: ", (int)strcspn(line, " "), line);
    CU_ASSERT_EQUAL(strncmp(res.error.message, name, strlen(name)), 0);
    CU_ASSERT_PTR_NULL(strchr(res.error.message, '\n'));
    if (!strstr(res.error.message, part) || T.packets != packets || T.monitors != monitors)
        fprintf(stderr, "\n  '%s' said '%s' (%d packets, %d monitor commands)\n", line,
                res.error.message, T.packets - packets, T.monitors - monitors);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, part));
    CU_ASSERT_EQUAL(T.packets, packets);
    CU_ASSERT_EQUAL(T.monitors, monitors);
    wp_result_free(&res);
}

static void test_ports(void)
{
    setup();
    T.ports[0x71] = 0x26;
    expect_part("readio 0x71", "readio: port 0x71 = 0x26 (1 byte) via qemu\n");
    expect_part("writeio -w 0x80 0x1234",
                "writeio: wrote 0x1234 to port 0x80 (2 bytes) via qemu, not verified");
    CU_ASSERT_EQUAL(T.ports[0x80], 0x34);
    CU_ASSERT_EQUAL(T.ports[0x81], 0x12);
    expect_part("writeio -d 0x84 0xdeadbeef --verify", "(4 bytes) via qemu, verified\n");
    expect_part("readio -d 0x84", "= 0xdeadbeef (4 bytes)");
    CU_ASSERT_EQUAL(T.unexpected, 0);
}

static void test_bad_input_sends_nothing(void)
{
    setup();
    expect_refused("readio 0x10000", "port 0x10000 is past the I/O space");
    expect_refused("readio -d 0xfffd", "port 0xfffd is past the I/O space");
    expect_refused("readio -q 0x70", "option '-q' does not apply to readio");
    expect_refused("writepci -q 00:00.0 0 1", "option '-q' does not apply to writepci");
    expect_refused("readio", "missing PORT");
    expect_refused("readio -1", "PORT '-1' is negative");
    expect_refused("writeio 0x70 0x100", "does not fit in 1 byte (-b); use a wider -w or -d");
    expect_refused("writeio -d 0x70 0x100000000", "does not fit in 4 bytes (-d)");
    expect_refused("writeio 0x70", "missing VALUE");
    expect_refused("writeio 0x70 1 2", "unexpected argument '2'");
    expect_refused("readpci", "missing BDF");
    expect_refused("readpci 0:0", "bad BDF '0:0'");
    expect_refused("readpci 100:00.0", "out of range");
    expect_refused("readpci 00:00.8", "out of range");
    expect_refused("readpci 0001:00:00.0", "PCI domain 0001");
    expect_refused("readpci 00:00.0 0x1000", "OFFSET 0x1000 is past configuration space");
    expect_refused("readpci -d 00:00.0 0x3e", "not a multiple of the width (4 bytes)");
    expect_refused("readpci -d 00:00.0 0 --length 6", "--length 6 is not a positive multiple");
    expect_refused("readpci 00:00.0 0xff0 --length 0x20", "past configuration space");
    expect_refused("readpci 00:00.0 --length 4", "--length needs an OFFSET");
    expect_refused("readpci 00:00.0 zz", "bad OFFSET 'zz'");
    expect_refused("writepci 00:00.0 0x3c", "missing VALUE");
    expect_refused("writepci 00:00.0", "missing OFFSET");
    expect_refused("writepci -w 00:00.0 0x3c 0x10000", "does not fit in 2 bytes");
    expect_refused("writepci -d 00:00.0 0xffc 1 2", "past configuration space");
    expect_refused("pci --bus 0x100", "bad bus '0x100'");
    expect_refused("pci --bus 1 00:00.0", "--bus or a BDF, not both");
    expect_refused("pci 00:00.0 00:03.0", "unexpected argument");
    expect_refused("pci --dump", "needs a value");
    expect_refused("readio --dump x 0x70", "does not apply to readio");
    CU_ASSERT_EQUAL(T.unexpected, 0);
}

static void test_config_space(void)
{
    setup();
    T.cf8 = 0x80001234; /* the guest's, between its CF8 write and its CFC access */
    expect_part("readpci -w 00:03.0 0", "readpci: 0000:00:03.0 offsets 0x0-0x1 through ports "
                                        "0xcf8/0xcfc via qemu\n00000000  8086 ");
    CU_ASSERT_EQUAL(T.cf8, 0x80001234);
    expect_part(
        "writepci 00:03.0 0x3c 0x5a",
        "writepci: wrote 1 byte at 0000:00:03.0 offset 0x3c through ports "
        "0xcf8/0xcfc via qemu, not verified (a device write; --verify reads it back)\n");
    CU_ASSERT_EQUAL(T.config[1][0x3c], 0x5a);
    CU_ASSERT_EQUAL(T.cf8, 0x80001234);
    expect_part("writepci -w 00:03.0 0x3c 0x015b --verify", "via qemu, verified\n");
    CU_ASSERT_EQUAL(T.config[1][0x3d], 0x01);
    expect_part("readpci 00:03.0",
                "00000030  00 00 00 00 00 00 00 00  00 00 00 00 5b 01 00 00");
    /* Without ECAM, extended space is refused after read-only queries. */
    wp_result res;
    CU_ASSERT_EQUAL(run("readpci 00:03.0 0x100", &res), WP_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, "only through ECAM"));
    wp_result_free(&res);
    CU_ASSERT_EQUAL(run("readpci 00:05.0", &res), WP_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, "no device at 0000:00:05.0"));
    wp_result_free(&res);
    CU_ASSERT_EQUAL(run("writepci -w 00:03.0 0 0x1234 --verify", &res), WP_EVERIFY);
    CU_ASSERT_STRING_EQUAL(res.error.message,
                           "writepci: offset 0x0 reads back 0x8086, not 0x1234");
    wp_result_free(&res);
    CU_ASSERT_EQUAL(T.cf8, 0x80001234);
    CU_ASSERT_EQUAL(T.unexpected, 0);
}

static void test_listing(void)
{
    setup();
    T.config[1][0x04] = 0x01; /* I/O decoding on: sizing turns it off and back on */
    wp_result res;
    CU_ASSERT_EQUAL(run("pci", &res), WP_OK);
    const char *text = res.text.data ? res.text.data : "";
    CU_ASSERT_PTR_NOT_NULL(
        strstr(text, "pci: 2 functions through ports 0xcf8/0xcfc via qemu\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "0000:00:00.0 8086:1237 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "0000:00:03.0 8086:100e "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  BAR0 I/O at 0xc000 size 0x40\n"));
    if (!strstr(text, "BAR0 I/O at 0xc000 size 0x40"))
        fprintf(stderr, "\n%s\n", text);
    wp_result_free(&res);
    CU_ASSERT_EQUAL(T.config[1][0x10], 0x01); /* the BAR and decoding as they were */
    CU_ASSERT_EQUAL(T.config[1][0x11], 0xc0);
    CU_ASSERT_EQUAL(T.config[1][0x04], 0x01);
    char path[] = "/tmp/wp-pci-dump-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT(fd >= 0);
    close(fd);
    char line[128];
    snprintf(line, sizeof line, "pci --dump %s", path);
    expect_part(line, "pci: 2 functions through ports 0xcf8/0xcfc via qemu, written to ");
    FILE *f = fopen(path, "r");
    char first[128] = "", second[128] = "";
    CU_ASSERT_PTR_NOT_NULL(f);
    if (f) {
        CU_ASSERT_PTR_NOT_NULL(fgets(first, sizeof first, f));
        CU_ASSERT_PTR_NOT_NULL(fgets(second, sizeof second, f));
        fclose(f);
    }
    CU_ASSERT_EQUAL(strncmp(first, "00:00.0 ", 8), 0);
    CU_ASSERT_STRING_EQUAL(second, "00: 86 80 37 12 00 00 00 00 02 00 00 06 00 00 00 00\n");
    unlink(path);
    CU_ASSERT_EQUAL(T.unexpected, 0);
}

static void test_routes_without_ports(void)
{
    setup();
    /* A named route without ports is refused before anything is sent. */
    expect_refused("readio --backend kgdb 0x70",
                   "readio: the kgdb route has no I/O ports: kgdb's protocol reaches memory "
                   "and registers, not I/O ports");
    expect_refused("writeio --backend vmware 0x70 1", "the vmware route has no I/O ports");
    expect_refused("pci --backend flat", "the flat route has no I/O ports");
    /* A route a tool adds has no ports unless its row says so. */
    for (size_t i = 0; i < S->nroutes; i++)
        if (strcmp(S->routes[i].route->name, "vmware") == 0)
            CU_ASSERT_PTR_NULL(S->routes[i].route->port_read);
}

/* One line for every monitor answer that is not what was asked. */
static void expect_failure(const char *line, int status, const char *part)
{
    wp_result res;
    int rc = run(line, &res);
    if (rc != status || !strstr(res.error.message, part))
        fprintf(stderr, "\n  '%s' said '%s' (%d)\n", line, res.error.message, rc);
    CU_ASSERT_EQUAL(rc, status);
    CU_ASSERT_PTR_NOT_NULL(strstr(res.error.message, part));
    CU_ASSERT_PTR_NULL(strchr(res.error.message, '\n'));
    wp_result_free(&res);
}

static void test_hostile_monitor(void)
{
    /* monitor command 1 is `info mtree -f`, the map every command reads */
    setup();
    fake_fault_at(&T, "monitor", 2, "garbage\nmore");
    expect_failure(
        "readio 0x71", WP_EPROTO,
        "readio: 'monitor i /b 0x71' answered 'garbage', not 'port...[0x0071] = 0x...'");
    setup();
    fake_fault_at(&T, "monitor", 2, "Invalid parameter 'value'\r\n");
    expect_failure("writeio 0x70 1", WP_ETARGET,
                   "writeio: 'monitor o /b 0x70 0x1' refused: Invalid parameter 'value'");
    setup();
    fake_fault_at(&T, "monitor", 2, "portl[0x0cf9] = 0x1");
    expect_failure("readio -d 0xcf8", WP_EPROTO, "not 'port...[0x0cf8] = 0x...'");
    setup();
    fake_fault_at(&T, "monitor", 2, "portb[0x0cf8] = 0x1"); /* another width */
    expect_failure("readio -d 0xcf8", WP_EPROTO, "answered 'portb[0x0cf8] = 0x1'");
    /* Ctrl-C in the middle of mechanism #1: stopped, CF8 still put back. */
    setup();
    T.cf8 = 0x80001234;
    fake_fault_at(&T, "monitor", 6, FAKE_CTRL_C_IN);
    expect_failure("readpci 00:03.0", WP_EINTR, "readpci: ");
    CU_ASSERT_EQUAL(T.cf8, 0x80001234);
    /* A write without an answer: its outcome is unknown, and said so. */
    setup();
    fake_fault_at(&T, "monitor", 2, FAKE_LOSE);
    expect_failure("writeio 0x70 1", WP_ENOROUTE,
                   "writeio: the write to port 0x70 got no answer, its outcome is unknown; ");
    setup();
    fake_fault_at(&T, "monitor", 10, FAKE_LOSE); /* the second value's CFC write */
    expect_failure(
        "writepci 00:03.0 0x3c 1 2", WP_ENOROUTE,
        "writepci: 1 to 2 of 2 bytes written (offset 0x3d got no answer, its outcome "
        "unknown); ");
    CU_ASSERT_EQUAL(T.config[1][0x3c], 1);
    /* A lost link: one line, which says that CF8 could not be put back. */
    setup();
    fake_fault_at(&T, "monitor", 5, FAKE_LOSE);
    expect_failure("pci", WP_ENOROUTE,
                   "Remote connection closed; CF8 could not be restored to "
                   "0x00000000");
    CU_ASSERT_EQUAL(T.unexpected, 0);
}

static const CU_TestInfo tests[] = {
    {"ports", test_ports},
    {"bad input sends nothing", test_bad_input_sends_nothing},
    {"configuration space", test_config_space},
    {"listing and dump", test_listing},
    {"routes without ports", test_routes_without_ports},
    {"hostile monitor answers", test_hostile_monitor},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    int rc = run_suite("pci", tests);
    wp_session_free(S);
    return rc;
}
