// Webhook notifications; see notify.h.
#include "commands/notify.h"

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "util/host.h"
#include "util/http_post.h"
#include "util/redact.h"
#include "util/time.h"

namespace pgark {

bool should_notify(const JobEvent& e) {
    return !e.ok || (e.previous_ok && !*e.previous_ok);
}

std::string webhook_payload(const JobEvent& e, const std::string& format, const std::string& host) {
    const std::string event = e.ok ? "recovery" : "failure";
    const std::string message = redact::scrub(e.message);
    if (format == "slack") {
        std::string text =
            e.ok ? ":white_check_mark: pgark " + e.job + " of " + e.database + " on " + host +
                       " succeeded again"
                 : ":red_circle: pgark " + e.job + " of " + e.database + " on " + host + " failed";
        if (!message.empty()) text += ": " + message;
        return nlohmann::json{{"text", text}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return nlohmann::json{{"source", "pgark"},
                          {"version", PGARK_VERSION},
                          {"event", event},
                          {"job", e.job},
                          {"database", e.database},
                          {"host", host},
                          {"ok", e.ok},
                          {"seconds", e.seconds},
                          {"time", format_iso8601(std::chrono::system_clock::now())},
                          {"message", message}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // tool output may not be UTF-8
}

void notify_job(const Context& ctx, const JobEvent& e) {
    const auto url = ctx.config().str("notify.webhook_url");
    if (url.empty() || !should_notify(e)) return;
    auto body = webhook_payload(e, ctx.config().str("notify.format"), host_name());
    auto r = http_post_json(url, body);
    if (r.ok)
        spdlog::info("notify: sent the {} {} message to the webhook", e.job, e.ok ? "recovery" : "failure");
    else
        spdlog::warn("notify: the webhook (notify.webhook_url) did not take the {} message: {}", e.job,
                     redact::scrub(r.error));
}

}  // namespace pgark
