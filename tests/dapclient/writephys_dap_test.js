// Microsoft's DAP test client (@vscode/debugadapter-testsupport) drives
// writephys-dap over lldb-vscode-14 against a paused QEMU guest, as an IDE's
// memory view would.  tests/integration/test_dap_layer.py starts the guest
// and runs this; the oracle is QEMU's own QMP `pmemsave`, which this script
// asks for by a line on stdout ("ORACLE {addr, size}") and gets back as a
// hex line on stdin.  Each check prints "ok NAME"; the first failure throws.
'use strict';
const assert = require('node:assert/strict');
const readline = require('node:readline');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const [runtime, adapter, port, plugin, pagingJson] = process.argv.slice(2);
// Console lines that build x86-64 page tables and enter long mode (test_vtop.py's).
const paging = JSON.parse(pagingJson);
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function oracle(addr, size) {
    process.stdout.write('ORACLE ' + JSON.stringify({ addr, size }) + '\n');
    const { value } = await lines.next();
    return Buffer.from(value.trim(), 'hex');
}

function ok(name, extra) {
    process.stdout.write('ok ' + name + (extra ? ' ' + JSON.stringify(extra) : '') + '\n');
}

function bytesOf(response) {
    return Buffer.from(response.body.data || '', 'base64');
}

async function console_(dc, line) {
    const r = await dc.evaluateRequest({ expression: '`' + line, context: 'repl' });
    assert.ok(r.success, JSON.stringify(r));
    return r.body;
}

// The next memory event, and the request that should cause it.
async function withMemoryEvent(dc, action) {
    const event = dc.waitForEvent('memory', 30000);
    const result = await action();
    // A failed console line sends no event: say why, not "no event".
    if (result && typeof result.result === 'string' && result.result.includes('error:'))
        throw new Error(result.result);
    return [result, (await event).body];
}

async function main() {
    const dc = new DebugClient(runtime, adapter, 'lldb-vscode', { stdio: 'pipe' });
    dc.defaultTimeout = 60000;
    await dc.start();
    const memoryEvents = [];
    dc.on('memory', (e) => memoryEvents.push(e.body));
    try {
        const init = await dc.initializeRequest({
            adapterID: 'lldb-vscode', clientID: 'vscode-testsupport', linesStartAt1: true,
            columnsStartAt1: true, pathFormat: 'path', supportsMemoryEvent: true,
            supportsMemoryReferences: true,
        });
        assert.equal(init.body.supportsReadMemoryRequest, true);
        assert.equal(init.body.supportsWriteMemoryRequest, true);
        // The child's own capabilities pass through.
        assert.equal(init.body.supportsConfigurationDoneRequest, true);
        ok('initialize');

        const attach = await dc.attachRequest({
            initCommands: ['plugin load ' + plugin],
            attachCommands: ['gdb-remote 127.0.0.1:' + port],
        });
        assert.ok(attach.success);
        await dc.configurationDoneRequest();
        // configurationDone resumes the target and the adapter learns of it
        // a little later; a pause before that is lost (see test_dap.py).
        for (let tries = 0; ; tries++) {
            const status = await console_(dc, 'process status');
            if (status.result.includes('running')) break;
            assert.ok(tries < 2000, 'the target never ran');
        }
        const stopped = dc.waitForEvent('stopped');
        await dc.pauseRequest({ threadId: 1 });
        await stopped;
        // A stop event can be an earlier one, delivered late: until LLDB
        // says the process is stopped, it is not.
        for (let tries = 0; ; tries++) {
            const status = await console_(dc, 'process status');
            if (/ stopped\b/.test(status.result)) break;
            assert.ok(tries < 2000, 'the target never stopped: ' + status.result);
        }
        ok('attach and pause');

        // A console writephys: the core's text, its address as a memory
        // reference, and a memory event for open views.
        let [body, event] = await withMemoryEvent(dc, () =>
            console_(dc, 'writephys -d 0x1000 0xfeedf00d'));
        assert.match(body.result, /^\(lldb\) writephys -d 0x1000 0xfeedf00d\n/);
        assert.match(body.result, /writephys: wrote 4 bytes at physical 0x1000 via qemu, verified\n/);
        assert.doesNotMatch(body.result, /\^done|--mi/);
        assert.equal(body.memoryReference, 'phys:0x1000');
        assert.deepEqual(event, { memoryReference: 'phys:0x1000', offset: 0, count: 4 });
        ok('console writephys');

        // readMemory at phys: against QMP.
        let r = await dc.customRequest('readMemory', { memoryReference: 'phys:0x1000', count: 16 });
        assert.ok(r.success);
        assert.equal(r.body.address, '0x1000');
        assert.deepEqual(bytesOf(r), await oracle(0x1000, 16));
        assert.deepEqual(bytesOf(r).subarray(0, 4), Buffer.from([0x0d, 0xf0, 0xed, 0xfe]));
        assert.equal(r.body.unreadableBytes, undefined);
        r = await dc.customRequest('readMemory', { memoryReference: 'phys:0x1000', offset: 2, count: 2 });
        assert.deepEqual(bytesOf(r), Buffer.from([0xed, 0xfe]));
        ok('readMemory');

        // writeMemory, seen by QMP, and its memory event.
        const pattern = Buffer.alloc(300, 0).map((_, i) => (i * 7 + 3) & 0xff);
        [r, event] = await withMemoryEvent(dc, () => dc.customRequest('writeMemory', {
            memoryReference: 'phys:0x2000', offset: 0x10, data: pattern.toString('base64'),
        }));
        assert.ok(r.success);
        assert.equal(r.body.bytesWritten, 300);
        assert.deepEqual(await oracle(0x2010, 300), pattern);
        assert.deepEqual(event, { memoryReference: 'phys:0x2000', offset: 0x10, count: 300 });
        ok('writeMemory');

        // A read that crosses from RAM into a device (VGA's 0xa0000-0xbffff):
        // the RAM part comes back, the device part as unreadableBytes.
        r = await dc.customRequest('readMemory', { memoryReference: 'phys:0x98000', count: 0x10000 });
        assert.ok(r.success);
        assert.equal(bytesOf(r).length, 0x8000);
        assert.deepEqual(bytesOf(r), await oracle(0x98000, 0x8000));
        assert.equal(r.body.unreadableBytes, 0x8000);
        r = await dc.customRequest('readMemory', { memoryReference: 'phys:0xa0000', count: 16 });
        assert.ok(r.success);
        assert.equal(bytesOf(r).length, 0);
        assert.equal(r.body.unreadableBytes, 16);
        ok('readMemory into a device range', { unreadableBytes: 0x8000 });

        // A refused write: ROM.  success false, the core's one line, nothing
        // written; with allowPartial the RAM before the ROM is written.
        const before = await oracle(0xefffe, 4);
        const four = Buffer.from([0xa1, 0xa2, 0xa3, 0xa4]).toString('base64');
        await assert.rejects(
            dc.customRequest('writeMemory', { memoryReference: 'phys:0xefffe', data: four }),
            { message: 'writephys: 0xf0000-0xfffff is ROM (pc.bios); nothing was written ' +
                       '(--force to write anyway)' });
        assert.deepEqual(await oracle(0xefffe, 4), before);
        r = await dc.customRequest('writeMemory', {
            memoryReference: 'phys:0xefffe', data: four, allowPartial: true });
        assert.ok(r.success);
        assert.equal(r.body.bytesWritten, 2);
        assert.deepEqual(await oracle(0xefffe, 4),
                         Buffer.concat([Buffer.from([0xa1, 0xa2]), before.subarray(2)]));
        ok('refused write and allowPartial');

        // 64 KiB at a time, as a hex editor pages through memory.
        const chunks = [];
        const started = process.hrtime.bigint();
        for (let i = 0; i < 16; i++) {
            r = await dc.customRequest('readMemory', {
                memoryReference: 'phys:0x100000', offset: i * 0x10000, count: 0x10000 });
            assert.equal(r.body.unreadableBytes, undefined);
            chunks.push(bytesOf(r));
        }
        const ms = Number(process.hrtime.bigint() - started) / 1e6 / 16;
        assert.deepEqual(Buffer.concat(chunks), await oracle(0x100000, 0x100000));
        ok('64 KiB reads', { ms_per_read: Math.round(ms * 10) / 10 });

        // A console readphys names its address too; a failure names none and
        // sends no memory event.
        body = await console_(dc, 'readphys 0x1000 --length 16');
        assert.match(body.result, /00001000  0d f0 ed fe 00 00 00 00/);
        assert.equal(body.memoryReference, 'phys:0x1000');
        const events = memoryEvents.length;
        body = await console_(dc, 'writephys 0x1000 0x100');
        assert.match(body.result, /error: writephys: value '0x100' does not fit in 1 byte \(-b\)/);
        assert.equal(body.memoryReference, undefined);
        body = await console_(dc, 'writephys --dry-run 0x1000 1');
        assert.match(body.result, /dry run/);
        await console_(dc, 'process status'); // any event would have come before this answer
        assert.equal(memoryEvents.length, events);
        ok('console readphys and a failure');

        // A reference that is not ours would go to the child, which has no
        // readMemory (and would not answer): the layer says so.
        await assert.rejects(
            dc.customRequest('readMemory', { memoryReference: '0x1000', count: 4 }),
            new RegExp("memory reference '0x1000' is neither phys:0xADDRESS nor " +
                       'virt:0xADDRESS, and lldb-vscode-14 has no readMemory'));
        // virt: with paging off (real mode), the core's message.
        await assert.rejects(
            dc.customRequest('readMemory', { memoryReference: 'virt:0x1000', count: 4 }),
            { message: 'readphys: paging is off (CR0.PG=0): physical equals virtual' });
        ok('other references');

        // virt: through the page tables: 0x401000 -> 0x300000, 0x402000 ->
        // 0x7ff000 (read-only, which a physical write ignores), 0x403000
        // unmapped.
        for (const line of paging) {
            const r = await console_(dc, line);
            assert.doesNotMatch(r.result, /error:/, line);
        }
        r = await dc.customRequest('readMemory', { memoryReference: 'virt:0x401ff8', count: 0x1010 });
        assert.ok(r.success);
        assert.deepEqual(bytesOf(r), Buffer.concat([await oracle(0x300ff8, 8),
                                                     await oracle(0x7ff000, 0x1000)]));
        assert.equal(r.body.unreadableBytes, 8);
        const eight = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
        [r, event] = await withMemoryEvent(dc, () => dc.customRequest('writeMemory', {
            memoryReference: 'virt:0x401ffc', data: eight.toString('base64') }));
        assert.equal(r.body.bytesWritten, 8);
        assert.deepEqual(Buffer.concat([await oracle(0x300ffc, 4), await oracle(0x7ff000, 4)]),
                         eight);
        assert.deepEqual(event, { memoryReference: 'virt:0x401ffc', offset: 0, count: 8 });
        body = await console_(dc, 'readphys --virtual 0x402000 --length 4');
        assert.equal(body.memoryReference, 'virt:0x402000');
        await assert.rejects(
            dc.customRequest('readMemory', { memoryReference: 'virt:0x403000', count: 4 }),
            /readphys: .*0x403000 is not mapped/);
        ok('virt: references');
    } finally {
        // lldb-vscode-14 answers one disconnect (DebugClient.stop sends a
        // second, which it leaves unanswered): disconnect, then end it.
        await dc.disconnectRequest({ terminateDebuggee: false }).catch(() => {});
        dc.stopAdapter();
        lines.return();
    }
}

main().then(() => process.exit(0), (e) => {
    process.stdout.write('FAIL ' + (e && e.stack || e) + '\n');
    process.exit(1);
});
