// Webhook notifications; see notify.h.
#include "report/notify.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "report/json.h"
#include "util/host.h"
#include "util/http_post.h"
#include "util/redact.h"
#include "util/time.h"

namespace pgark {

bool should_notify(const JobEvent& e) {
    return !e.ok || (e.previous_ok && !*e.previous_ok);
}

std::string webhook_payload(const JobEvent& e, const std::string& format, const std::string& host) {
    return report::webhook_json(e, format, host);
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
