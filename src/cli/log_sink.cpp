// A spdlog sink that redacts secrets before writing to stderr.
#include "cli/log_sink.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

#include "cli/terminal.h"
#include "util/redact.h"

namespace pgark::cli {
namespace {

class ScrubbingStderrSink : public spdlog::sinks::base_sink<std::mutex> {
  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        write_log_line(redact::scrub(fmt::to_string(formatted)));
    }
    void flush_() override { std::fflush(stderr); }
};

}  // namespace

void setup_logging(const std::string& level) {
    auto logger = std::make_shared<spdlog::logger>("pgark", std::make_shared<ScrubbingStderrSink>());
    logger->set_pattern("%Y-%m-%d %H:%M:%S %l: %v");
    logger->set_level(spdlog::level::from_str(level == "warn" ? "warning" : level));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

}  // namespace pgark::cli
