// Webhook notifications (notify.webhook_url): one message when a job fails and one when it succeeds
// again after a failure, as pgark's JSON event or a Slack-compatible {"text": ...} payload.
#pragma once

#include <optional>
#include <string>

#include "commands/context.h"

namespace pgark {

struct JobEvent {
    std::string job;  // backup, drill, prune
    std::string database;
    bool ok = false;
    std::optional<bool> previous_ok;  // the job's previous run, when known
    std::string message;              // the error, or a short summary
    double seconds = 0;
};

// Whether an event deserves a message: every failure, and a success that follows a failure.
bool should_notify(const JobEvent& e);
// The request body for notify.format ("json" or "slack"); pure, for tests.
std::string webhook_payload(const JobEvent& e, const std::string& format, const std::string& host);
// Sends the message when configured and deserved; logs (never throws) when the webhook fails.
void notify_job(const Context& ctx, const JobEvent& e);

}  // namespace pgark
