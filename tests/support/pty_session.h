// Runs a program on a pseudo-terminal, as an operator at a shell would: for the interactive
// confirmation prompt and the progress line, which pgark only shows on a terminal.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace pgark::test {

class PtySession {
  public:
    // Starts `program` with the hermetic environment (see pgark_cli.h) plus `env`, its stdin, stdout
    // and stderr all on a new pty.
    PtySession(const std::string& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env);
    ~PtySession();  // kills the process group if still running
    PtySession(const PtySession&) = delete;
    PtySession& operator=(const PtySession&) = delete;

    // Reads output until `text` appears (true) or the timeout passes or the program closes the
    // terminal (false).
    bool expect(const std::string& text, std::chrono::seconds timeout = std::chrono::seconds(60));
    // Types `text` (include "\n" to press Enter).
    void send(const std::string& text);
    // Reads until the program exits; returns its exit code (128 + signal when killed, -1 on timeout).
    int wait(std::chrono::seconds timeout = std::chrono::seconds(300));
    // Everything the terminal showed so far (raw, with \r and escape sequences).
    const std::string& transcript() const { return out_; }

  private:
    bool pump(std::chrono::milliseconds timeout);  // false at end of output
    pid_t pid_ = -1;
    int master_ = -1;
    bool reaped_ = false;
    int code_ = -1;
    std::string out_;
};

}  // namespace pgark::test
