/* `help writephys` and `help readphys`: the whole syntax with examples. */
#include <string.h>

#include "internal.h"

static const char writephys_help[] =
"Write the target's physical memory.\n"
"Usage: writephys [OPTIONS] ADDRESS VALUE...\n"
"       writephys [OPTIONS] --string TEXT [--utf16] [--zero] ADDRESS\n"
"       writephys [OPTIONS] --file PATH [--skip N] [--length N] ADDRESS\n"
"       writephys [OPTIONS] --fill --length N ADDRESS VALUE...\n"
"\n"
"ADDRESS is a physical address; ADDRESS and VALUEs are debugger expressions\n"
"($rax+0x10, a symbol, 0x1000, 4096).\n"
"\n"
"-b, -w, -d, -q  Width of each VALUE: 1, 2, 4 or 8 bytes (default -b).  A value\n"
"                that does not fit is an error, never truncated.\n"
"--string TEXT   Write the UTF-8 bytes of TEXT; --utf16 writes UTF-16LE and\n"
"                --zero adds a terminator.\n"
"--file PATH     Write the bytes of a file; --skip N and --length N take part.\n"
"--fill          Repeat the VALUEs over --length N bytes.\n"
"--big-endian, --little-endian\n"
"                Byte order of VALUEs (default: the target's).\n"
"--backend NAME  Route to physical memory: auto (default), qemu, openocd, flat.\n"
"--verify, --no-verify\n"
"                Read back and compare (default: on for RAM and ROM, off for\n"
"                devices, where a read can have side effects).\n"
"--dry-run       Say what would be written where; send nothing.\n"
"--force         Write even where the memory map says ROM or unassigned.\n"
"Sizes (N) take 4096, 0x1000 or 4K/1M/1G.  '--' ends the options.\n"
"\n"
"Examples:\n"
"  writephys 0x1000 0xde 0xad 0xbe 0xef\n"
"  writephys -d 0x2000 0xdeadbeef 0x12345678\n"
"  writephys -q $cr3+8 0x0000000012345067\n"
"  writephys --string \"hello\" --zero 0x3000\n"
"  writephys --file blob.bin --skip 0x200 --length 4K 0x100000\n"
"  writephys --fill --length 1M -d 0x200000 0xcafef00d\n"
"  writephys --dry-run -w 0x1000 0x1234\n";

static const char readphys_help[] =
"Read the target's physical memory as a hex dump, or save it to a file.\n"
"Usage: readphys [OPTIONS] ADDRESS [--length N]\n"
"\n"
"ADDRESS is a physical address, a debugger expression.\n"
"\n"
"--length N      Bytes to read (default 128).\n"
"-b, -w, -d, -q  Group the dump in 1, 2, 4 or 8-byte units (default -b).\n"
"--output FILE   Save the raw bytes to FILE instead of printing them.\n"
"--big-endian, --little-endian\n"
"                Byte order of the units (default: the target's).\n"
"--backend NAME  Route to physical memory: auto (default), qemu, openocd, flat.\n"
"--force         Read even device ranges (reads may have side effects) and\n"
"                unassigned ones.\n"
"\n"
"Examples:\n"
"  readphys 0x1000\n"
"  readphys -d 0xfee00000 --length 64 --force\n"
"  readphys 0x100000 --length 1M --output dump.bin\n";

const char *wp_command_help(const char *command)
{
    return command && strcmp(command, "readphys") == 0 ? readphys_help : writephys_help;
}
