// writephys for LLDB: the same writephys and readphys as in GDB.
//
// Load with:  plugin load build/plugin-lldb/libwritephys_lldb.so
//
// Glue only.  The C core parses, encodes, talks to the stub and formats
// every message; this file supplies the core's host callbacks on LLDB's SB
// API, the way SOS's LLDBServices adapts its debugger-neutral core.

#include <lldb/API/LLDB.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "writephys.h"

namespace lldb
{
bool PluginInitialize(SBDebugger debugger);
}

namespace
{

// Once LLDB's own Ctrl-C handler has marked the command interpreter
// interrupted, it refuses every nested command, so the packet that switches
// the stub back to virtual mode could no longer be sent.  While the core
// runs, Ctrl-C only raises this flag, which the core reads between packets.
volatile std::sig_atomic_t g_ctrl_c = 0;

void OnCtrlC(int)
{
    g_ctrl_c = 1;
}

class CtrlCFlag
{
  public:
    CtrlCFlag()
    {
        g_ctrl_c = 0;
        struct sigaction ours = {};
        ours.sa_handler = OnCtrlC;
        sigemptyset(&ours.sa_mask);
        installed_ = sigaction(SIGINT, &ours, &previous_) == 0;
    }
    ~CtrlCFlag()
    {
        if (installed_)
            sigaction(SIGINT, &previous_, nullptr);
    }
    CtrlCFlag(const CtrlCFlag &) = delete;
    CtrlCFlag &operator=(const CtrlCFlag &) = delete;

  private:
    struct sigaction previous_;
    bool installed_;
};

// Everything the callbacks need, one per debugger that loaded the plugin.
class LldbHost
{
  public:
    explicit LldbHost(lldb::SBDebugger debugger) : debugger_(debugger)
    {
        wp_host host = {};
        host.api_version = WP_API_VERSION;
        host.size = sizeof host;
        host.ctx = this;
        host.packet_command = "process plugin packet send %s";
        host.connect_command = "gdb-remote %s";
        // SBProcess::WriteMemory runs at `memory write` speed; each raw packet
        // through the interpreter costs a command line.
        host.write_memory_bulk = WriteMemoryBulk;
        host.send_packet = SendPacket;
        host.monitor = Monitor;
        host.read_memory = ReadMemory;
        host.write_memory = WriteMemory;
        host.evaluate = Evaluate;
        host.read_register = ReadRegister;
        host.target_info = TargetInfo;
        host.interrupted = Interrupted;
        host.flush_caches = FlushCaches;
        host.progress = Progress;
        wp_error err = {};
        session_ = wp_session_new(&host, &err);
        if (!session_)
            load_error_ = err.message;
    }

    // Empty when the core accepted this plugin; otherwise why not.
    const std::string &LoadError() const { return load_error_; }
    wp_session *Session() { return session_; }

    ~LldbHost() { wp_session_free(session_); }

    // Runs one command line through the core and reports it LLDB's way.
    bool Run(const char *name, char **args, lldb::SBCommandReturnObject &result)
    {
        NoticeTargetChanges();
        std::vector<const char *> argv{name};
        for (char **a = args; a && *a; a++)
            argv.push_back(*a);
        wp_result res;
        int rc;
        {
            CtrlCFlag guard;
            started_ = std::chrono::steady_clock::now();
            last_shown_ = 0;
            rc = wp_command_run(session_, static_cast<int>(argv.size()), argv.data(), &res);
            ClearProgress();
        }
        if (const char *variable = wp_command_result_variable(name))
            SetResultVariable(variable, res.bytes_done);
        if (rc == WP_OK) {
            if (res.text.data)
                result.Printf("%s", res.text.data);
            result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
        } else {
            // LLDB's own form ("error: writephys: ..."), so that `lldb -b`,
            // lldb-vscode and scripts see a failure; the text after the
            // prefix is the line GDB prints.
            result.SetError(res.error.message);
            result.SetStatus(lldb::eReturnStatusFailed);
        }
        wp_result_free(&res);
        return rc == WP_OK;
    }

  private:
    static LldbHost &Self(void *ctx) { return *static_cast<LldbHost *>(ctx); }

    double Elapsed() const
    {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_)
            .count();
    }

    // Progress: rewritten in place on a terminal; under an IDE's adapter
    // (lldb-vscode, lldb-dap) a line per second on stdout, which the adapter
    // sends to the debug console as output events; nothing in a script.
    static bool UnderAdapter()
    {
        char name[64] = "";
        FILE *f = std::fopen("/proc/self/comm", "r");
        if (f) {
            if (!std::fgets(name, sizeof name, f))
                name[0] = '\0';
            std::fclose(f);
        }
        return std::strncmp(name, "lldb-vscode", 11) == 0 ||
               std::strncmp(name, "lldb-dap", 8) == 0;
    }

    static void Progress(void *ctx, uint64_t done, uint64_t total)
    {
        LldbHost &self = Self(ctx);
        double now = self.Elapsed();
        FILE *out = self.debugger_.GetOutputFileHandle();
        bool tty = out && isatty(fileno(out));
        static const bool adapter = UnderAdapter();
        int style = tty ? WP_PROGRESS_IN_PLACE : adapter ? WP_PROGRESS_LINES : WP_PROGRESS_OFF;
        if (!wp_progress_due(style, now, &self.last_shown_))
            return;
        char line[160];
        wp_progress_line(done, total, now, line, sizeof line);
        if (tty) {
            std::fprintf(out, "\r%-*s", self.shown_, line);
            self.shown_ = std::max(self.shown_, static_cast<int>(std::strlen(line)));
            std::fflush(out);
        } else {
            std::printf("%s\n", line);
            std::fflush(stdout);
        }
    }

    void ClearProgress()
    {
        FILE *out = debugger_.GetOutputFileHandle();
        if (shown_ && out) {
            std::fprintf(out, "\r%*s\r", shown_, "");
            std::fflush(out);
        }
        shown_ = 0;
    }

    // LLDB's counterpart of GDB's convenience variable: a persistent
    // expression variable, which scripts read as `expr $_writephys_written`.
    void SetResultVariable(const char *variable, uint64_t value)
    {
        lldb::SBTarget target = debugger_.GetSelectedTarget();
        if (!target.IsValid())
            return;
        lldb::SBExpressionOptions options;
        options.SetSuppressPersistentResult(true);
        std::string name = std::string("$") + variable;
        std::string number = std::to_string(value) + "ULL";
        // A bare persistent variable is looked up without the expression
        // parser, which an assignment needs (~1 ms): a repeated count that
        // the variable still holds is not assigned again.
        lldb::SBValue now = target.EvaluateExpression(name.c_str(), options);
        if (now.IsValid() && now.GetError().Success() && now.GetValueAsUnsigned() == value)
            return;
        lldb::SBValue v = target.EvaluateExpression((name + " = " + number).c_str(), options);
        if (!v.IsValid() || v.GetError().Fail())
            target.EvaluateExpression(("unsigned long long " + name + " = " + number).c_str(),
                                      options);
    }

    lldb::SBProcess Process() { return debugger_.GetSelectedTarget().GetProcess(); }

    // The generation the core sees: one value per stop of one process.
    uint64_t Generation()
    {
        lldb::SBProcess process = Process();
        uint64_t unique = process.IsValid() ? process.GetUniqueID() : 0;
        uint64_t stop = process.IsValid() ? process.GetStopID() : 0;
        return unique << 32 | (stop & 0xffffffffu);
    }

    void NoticeTargetChanges()
    {
        uint64_t generation = Generation();
        if (generation != generation_) {
            generation_ = generation;
            if (cache_off_until_stop_)
                RestoreMemoryCache(); // the stop cleared the cache
        }
    }

    // Runs an LLDB command and returns its output, or fails with its error.
    bool Command(const std::string &line, std::string &out, wp_error *err)
    {
        lldb::SBCommandReturnObject result;
        debugger_.GetCommandInterpreter().HandleCommand(line.c_str(), result);
        out = result.GetOutput() ? result.GetOutput() : "";
        if (!result.Succeeded()) {
            std::string why = result.GetError() ? result.GetError() : "command failed";
            if (why.rfind("error: ", 0) == 0)
                why.erase(0, 7);
            wp_error_set(err, WP_EHOST, why.c_str());
            return false;
        }
        return true;
    }

    bool ConnectionLost()
    {
        lldb::SBProcess process = Process();
        if (!process.IsValid())
            return true;
        lldb::StateType state = process.GetState();
        return state == lldb::eStateExited || state == lldb::eStateDetached ||
               state == lldb::eStateInvalid;
    }

    // The SB API has no call for raw packets, so they go through the
    // gdb-remote process plugin's own command, `process plugin packet send`,
    // which frames, checksums and waits exactly as LLDB does for its own
    // packets.  Its arguments are split like a command line, so only packets
    // without quotes, backslashes or spaces may pass (ours are hex, commas,
    // colons, dots and letters).
    static int SendPacket(void *ctx, const char *packet, size_t len, wp_buf *reply,
                          wp_error *err)
    {
        LldbHost &self = Self(ctx);
        std::string p(packet, len);
        if (p.find_first_of(" \t\"'`\\\n") != std::string::npos) {
            wp_error_set(err, WP_EINVAL, "packet cannot pass through LLDB's command line");
            return WP_EINVAL;
        }
        std::string out;
        if (!self.Command("process plugin packet send " + p, out, err))
            return WP_EHOST;
        size_t at = out.find("response: ");
        if (at == std::string::npos) {
            wp_error_set(err, WP_EHOST, "LLDB printed no reply for the packet");
            return WP_EHOST;
        }
        at += 10;
        size_t end = out.find('\n', at);
        std::string response = out.substr(at, end == std::string::npos ? end : end - at);
        // LLDB prints an empty reply and a lost connection alike.
        if (response.empty() && self.ConnectionLost()) {
            wp_error_set(err, WP_EHOST, "the connection to the stub was lost");
            return WP_EHOST;
        }
        return wp_buf_append(reply, response.data(), response.size());
    }

    static int Monitor(void *ctx, const char *command, wp_buf *out, wp_error *err)
    {
        std::string text;
        if (!Self(ctx).Command(std::string("process plugin packet monitor ") + command, text,
                               err))
            return WP_EHOST;
        // The stub's output (its O packets) comes first, then LLDB's echo of
        // the qRcmd packet and the final reply: OK, Enn, or the command's
        // result in hex (OpenOCD's Tcl results), as GDB reads it
        // (remote_target::rcmd).
        size_t echo = text.rfind("  packet: qRcmd,");
        std::string response;
        if (echo != std::string::npos) {
            size_t at = text.find("response: ", echo);
            if (at != std::string::npos) {
                at += 10;
                response = text.substr(at, text.find('\n', at) - at);
            }
            text.erase(echo);
        }
        // An empty final reply is no answer: GDB says "Target does not
        // support this command" (remote_target::rcmd); a lost link looks
        // the same to LLDB.
        if (echo != std::string::npos && response.empty()) {
            wp_error_set(err, WP_EHOST,
                         "the stub gave no answer (it has no monitor commands, or the "
                         "connection was lost)");
            return WP_EHOST;
        }
        if (response.size() == 3 && response[0] == 'E' &&
            isxdigit((unsigned char)response[1]) && isxdigit((unsigned char)response[2])) {
            // GDB shows no code, only the text before it: so do we.
            char why[sizeof err->message];
            wp_stub_error_line(text.c_str(), why, sizeof why);
            wp_error_set(err, WP_ETARGET, why);
            return WP_ETARGET;
        }
        if (response != "OK" && response.size() % 2 == 0 &&
            response.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
            for (size_t i = 0; i + 1 < response.size(); i += 2)
                text += (char)std::stoi(response.substr(i, 2), nullptr, 16);
        }
        return wp_buf_append(out, text.data(), text.size());
    }

    // LLDB words a stub's E reply "memory read failed for" / "memory write
    // failed for" (ProcessGDBRemote::DoReadMemory, DoWriteMemory): the
    // target refused.  Anything else leaves the outcome unknown.
    static int MemoryStatus(const lldb::SBError &error, const char *refusal)
    {
        const char *why = error.GetCString();
        return why && std::strncmp(why, refusal, std::strlen(refusal)) == 0 ? WP_ETARGET
                                                                            : WP_EHOST;
    }

    static int ReadMemory(void *ctx, uint64_t addr, void *buf, size_t len, wp_error *err)
    {
        lldb::SBError error;
        size_t got = Self(ctx).Process().ReadMemory(addr, buf, len, error);
        if (error.Fail() || got != len) {
            int status = MemoryStatus(error, "memory read failed for");
            wp_error_set(err, status, error.GetCString() ? error.GetCString() : "short read");
            return status;
        }
        return WP_OK;
    }

    // Process::WriteMemory stops at the first packet that fails and returns
    // the bytes before it; LLDB words an E reply "memory write failed for"
    // (ProcessGDBRemote::DoWriteMemory): then the stub refused the packet.
    static int WriteMemoryBulk(void *ctx, uint64_t addr, const void *buf, size_t len,
                               size_t *written, wp_error *err)
    {
        lldb::SBError error;
        *written = Self(ctx).Process().WriteMemory(addr, buf, len, error);
        if (!error.Fail() && *written == len)
            return WP_OK;
        std::string why = error.GetCString() ? error.GetCString() : "short write";
        int status = MemoryStatus(error, "memory write failed for");
        // "failed to send packet" is LLDB's word for a packet that got no
        // answer (a timeout, a lost link: ProcessGDBRemote::DoWriteMemory):
        // the core then sends nothing more that writes.
        if (why.compare(0, 21, "failed to send packet") == 0)
            wp_session_set_link_doubt(Self(ctx).Session(), 1);
        // LLDB quotes the whole packet; its head is enough for one line.
        size_t quote = why.find("'M");
        size_t close = quote == std::string::npos ? quote : why.find('\'', quote + 1);
        if (close != std::string::npos && close - quote > 24)
            why.replace(quote + 20, close - quote - 20, "...");
        why = "LLDB: " + why;
        wp_error_set(err, status, why.c_str());
        return status;
    }

    static int WriteMemory(void *ctx, uint64_t addr, const void *buf, size_t len, wp_error *err)
    {
        lldb::SBError error;
        size_t put = Self(ctx).Process().WriteMemory(addr, buf, len, error);
        if (error.Fail() || put != len) {
            int status = MemoryStatus(error, "memory write failed for");
            wp_error_set(err, status, error.GetCString() ? error.GetCString() : "short write");
            return status;
        }
        return WP_OK;
    }

    // LLDB's expression errors are a header line, then "error: <user
    // expression 0>:1:1: use of undeclared identifier 'x'"; keep the latter.
    static std::string FirstDiagnostic(const std::string &text)
    {
        size_t pos = 0;
        while (pos < text.size()) {
            size_t nl = text.find('\n', pos);
            std::string line = text.substr(pos, nl == std::string::npos ? nl : nl - pos);
            pos = nl == std::string::npos ? text.size() : nl + 1;
            if (line.rfind("error: ", 0) == 0)
                line.erase(0, 7);
            if (line.rfind("<user expression", 0) == 0) {
                size_t colon = line.find(": ");
                if (colon != std::string::npos)
                    line.erase(0, colon + 2);
            }
            if (!line.empty() && line != "expression failed to parse:")
                return line;
        }
        return "the expression has no value";
    }

    static int Evaluate(void *ctx, const char *expr, uint64_t *value, int *negative,
                        wp_error *err)
    {
        LldbHost &self = Self(ctx);
        lldb::SBTarget target = self.debugger_.GetSelectedTarget();
        lldb::SBFrame frame = self.Process().GetSelectedThread().GetSelectedFrame();
        lldb::SBValue v =
            frame.IsValid() ? frame.EvaluateExpression(expr) : target.EvaluateExpression(expr);
        lldb::SBError error = v.GetError();
        if (!v.IsValid() || error.Fail()) {
            std::string why = FirstDiagnostic(error.GetCString() ? error.GetCString() : "");
            wp_error_set(err, WP_EHOST, why.c_str());
            return WP_EHOST;
        }
        uint32_t flags = v.GetType().GetCanonicalType().GetTypeFlags();
        if (!(flags &
              (lldb::eTypeIsInteger | lldb::eTypeIsPointer | lldb::eTypeIsEnumeration))) {
            std::string why = std::string("not an integer (type ") +
                              (v.GetTypeName() ? v.GetTypeName() : "?") + ")";
            wp_error_set(err, WP_EHOST, why.c_str());
            return WP_EHOST;
        }
        if (flags & lldb::eTypeIsSigned) {
            int64_t s = v.GetValueAsSigned(error);
            *value = static_cast<uint64_t>(s);
            *negative = s < 0;
        } else {
            *value = v.GetValueAsUnsigned(error);
            *negative = 0;
        }
        return WP_OK;
    }

    static int ReadRegister(void *ctx, const char *name, uint64_t *value, wp_error *err)
    {
        lldb::SBFrame frame = Self(ctx).Process().GetSelectedThread().GetSelectedFrame();
        lldb::SBValue reg = frame.IsValid() ? frame.FindRegister(name) : lldb::SBValue();
        lldb::SBError error;
        uint64_t v = reg.IsValid() ? reg.GetValueAsUnsigned(error) : 0;
        if (!reg.IsValid() || error.Fail()) {
            std::string why = std::string("no register '") + name + "'";
            wp_error_set(err, WP_EHOST, why.c_str());
            return WP_EHOST;
        }
        *value = v;
        return WP_OK;
    }

    static int TargetInfo(void *ctx, wp_target_info *info, wp_error *)
    {
        LldbHost &self = Self(ctx);
        lldb::SBProcess process = self.Process();
        lldb::StateType state = process.IsValid() ? process.GetState() : lldb::eStateInvalid;
        info->connected = state != lldb::eStateInvalid && state != lldb::eStateExited &&
                          state != lldb::eStateDetached && state != lldb::eStateUnloaded;
        const char *plugin = process.IsValid() ? process.GetPluginName() : nullptr;
        info->remote = plugin && std::strcmp(plugin, "gdb-remote") == 0;
        info->stopped = state == lldb::eStateStopped || state == lldb::eStateCrashed ||
                        state == lldb::eStateSuspended;
        info->byte_order = process.IsValid() && process.GetByteOrder() == lldb::eByteOrderBig
                               ? WP_ORDER_BIG
                               : WP_ORDER_LITTLE;
        info->generation = self.Generation();
        const char *triple = self.debugger_.GetSelectedTarget().GetTriple();
        std::string arch = triple ? triple : "";
        arch = arch.substr(0, arch.find('-'));
        std::snprintf(info->arch, sizeof info->arch, "%s", arch.c_str());
        return WP_OK;
    }

    static int Interrupted(void *ctx)
    {
        // An IDE interrupts through the interpreter rather than a signal.
        return g_ctrl_c || Self(ctx).debugger_.GetCommandInterpreter().WasInterrupted();
    }

    static void FlushCaches(void *ctx);
    void RestoreMemoryCache();

    lldb::SBDebugger debugger_;
    std::chrono::steady_clock::time_point started_;
    double last_shown_ = 0;
    int shown_ = 0;
    wp_session *session_;
    std::string load_error_;
    uint64_t generation_ = 0;
    bool cache_off_until_stop_ = false;
};

// LLDB's process memory cache is keyed by virtual address, and a physical
// write may alias any of them.  The SB API of LLDB 14 has no call that
// clears it (Process::Flush is private, and `memory write` flushes only the
// range it writes), but LLDB clears it at every stop and does not consult it
// while target.process.disable-memory-cache is true.  So a write turns the
// cache off until the target has stopped again; the next command after that
// stop turns it back on, unless the user had it off already.
void LldbHost::FlushCaches(void *ctx)
{
    LldbHost &self = Self(ctx);
    if (self.cache_off_until_stop_)
        return;
    std::string shown;
    wp_error ignored;
    if (!self.Command("settings show target.process.disable-memory-cache", shown, &ignored) ||
        shown.find("= false") == std::string::npos)
        return; // already off: nothing can be stale
    std::string out;
    if (self.Command("settings set target.process.disable-memory-cache true", out, &ignored))
        self.cache_off_until_stop_ = true;
}

void LldbHost::RestoreMemoryCache()
{
    std::string out;
    wp_error ignored;
    if (Command("settings set target.process.disable-memory-cache false", out, &ignored))
        cache_off_until_stop_ = false;
}

class PhysCommand : public lldb::SBCommandPluginInterface
{
  public:
    PhysCommand(LldbHost *host, const char *name) : host_(host), name_(name) {}

    bool DoExecute(lldb::SBDebugger, char **command,
                   lldb::SBCommandReturnObject &result) override
    {
        return host_->Run(name_, command, result);
    }

  private:
    LldbHost *host_;
    const char *name_;
};

void Register(lldb::SBCommandInterpreter interpreter, LldbHost *host, const char *name)
{
    // The core owns the help text, so `help writephys` reads as in GDB.
    std::string help = wp_command_help(host->Session(), name);
    std::string summary = help.substr(0, help.find('\n'));
    lldb::SBCommand cmd =
        interpreter.AddCommand(name, new PhysCommand(host, name), summary.c_str());
    cmd.SetHelpLong(help.substr(help.find('\n') + 1).c_str());
}

} // namespace

bool lldb::PluginInitialize(lldb::SBDebugger debugger)
{
    // Lives as long as the debugger: LLDB never unloads a plugin.
    auto *host = new LldbHost(debugger);
    if (!host->LoadError().empty()) {
        std::fprintf(stderr, "writephys: %s\n", host->LoadError().c_str());
        return false;
    }
    lldb::SBCommandInterpreter interpreter = debugger.GetCommandInterpreter();
    for (size_t i = 0; i < wp_command_count(); i++)
        Register(interpreter, host, wp_command_name(i));
    return true;
}
