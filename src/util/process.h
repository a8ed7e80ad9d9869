// Child processes (pg_dump, pg_restore, ...) with explicit argv and environment, owned by RAII:
// a Child that goes out of scope while still running is terminated and reaped.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "util/fd.h"

namespace pgark {

struct ProcessSpec {
    std::string program;                         // looked up in PATH when it has no '/'
    std::vector<std::string> args;               // argv[1..]; never put secrets here
    std::map<std::string, std::string> env_set;  // added to / replacing the inherited environment
    std::vector<std::string> env_unset;          // removed from the inherited environment
    enum class In { inherit, null, pipe } stdin_mode = In::null;
    enum class Out { inherit, null, pipe, fd } stdout_mode = Out::pipe;
    int stdout_fd = -1;          // with Out::fd
    bool capture_stderr = true;  // keep the tail of stderr for error messages
    // With capture_stderr: called on the draining thread with each complete stderr line (without the
    // newline) as it arrives; a line is kept in the tail only when it returns true. Lets a caller follow
    // a chatty tool's progress (pg_restore --verbose) while error messages keep only what matters.
    std::function<bool(std::string_view line)> stderr_line;
    std::optional<std::string> cwd;
};

struct ExitStatus {
    bool exited = false;  // normal exit (code valid) vs killed by a signal
    int code = -1;
    int signal = 0;
    bool ok() const { return exited && code == 0; }
    std::string describe() const;  // "exit code 1" / "killed by signal 9 (Killed)"
};

class Child {
  public:
    static std::unique_ptr<Child> spawn(const ProcessSpec& spec);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    int stdin_fd() const { return stdin_.get(); }
    int stdout_fd() const { return stdout_.get(); }
    void close_stdin() { stdin_.reset(); }
    void close_stdout() { stdout_.reset(); }

    // Waits for exit (not cancellable: the child was told to stop or is finishing).
    ExitStatus wait();
    // Waits for exit, throwing Interrupted on SIGINT/SIGTERM (the destructor then stops the child).
    ExitStatus wait_cancellable();
    // The same, calling `tick` about every 50 ms while waiting (progress sampling).
    ExitStatus wait_cancellable(const std::function<void()>& tick);
    // Sends a signal to the child's process group.
    void kill(int signo);
    // Terminates gently, then forcefully after `grace`; waits. No-op when already reaped.
    void terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
    // Tail of the child's stderr (up to 64 KiB), after wait().
    std::string stderr_text() const;
    const std::string& program() const { return program_; }

  private:
    Child() = default;
    void record_exit(int wait_status);
    pid_t pid_ = -1;
    bool reaped_ = false;
    ExitStatus status_;
    std::string program_;
    UniqueFd stdin_, stdout_;
    std::thread stderr_thread_;
    std::shared_ptr<std::string> stderr_buf_;
};

// Bytes read so far (rchar of /proc/PID/io) by all live processes of process group `pgid`: a
// progress estimate for tools such as pg_restore whose workers read one archive.
std::uint64_t process_group_read_bytes(pid_t pgid);

struct RunResult {
    ExitStatus status;
    std::string out;
    std::string err;
};

// Runs to completion, capturing stdout (if piped) and stderr; optional stdin text.
RunResult run_process(ProcessSpec spec, const std::optional<std::string>& input = std::nullopt);

// Full path of an executable found in PATH, or empty.
std::string find_in_path(const std::string& name);

}  // namespace pgark
