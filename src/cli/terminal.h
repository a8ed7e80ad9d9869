// The stderr terminal shared by log lines and the live progress line: log lines erase the progress
// line before they print, and the progress display redraws it a moment later.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace pgark::cli {

// Writes a log line to stderr, first erasing a progress line that is shown.
void write_log_line(const std::string& text);
// Writes a command's result to stdout, first erasing a progress line (both may be one terminal).
void write_output(const std::string& text);

// While alive, redraws the progress meter (util/progress.h) on stderr a few times a second when
// stderr is a terminal; erases it on destruction. Does nothing otherwise.
class ProgressDisplay {
  public:
    ProgressDisplay();
    ~ProgressDisplay();
    ProgressDisplay(const ProgressDisplay&) = delete;
    ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace pgark::cli
