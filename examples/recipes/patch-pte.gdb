# Patch a page-table entry: find it with vtop --walk, then rewrite it with
# writephys at the entry's physical address.  The guest here maps virtual
# 0x401000 through the page table at 0x13000 (see test_examples.py, which
# builds these tables); the PT entry is at physical 0x13008.
vtop --walk 0x401234
# Point the page at frame 0x7ff000 instead, read-only for user mode too.
writephys -q 0x13008 0x7ff005
vtop 0x401234
