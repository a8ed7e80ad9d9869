// Secret scrubbing for text that leaves the process.
#include "util/redact.h"

#include <algorithm>
#include <mutex>
#include <vector>

namespace pgark::redact {
namespace {
std::mutex g_mu;
std::vector<std::string> g_secrets;
}  // namespace

void register_secret(const std::string& value) {
    // Very short values would scrub ordinary words; they are still never printed by design.
    if (value.size() < 4) return;
    std::lock_guard lk(g_mu);
    if (std::find(g_secrets.begin(), g_secrets.end(), value) == g_secrets.end()) g_secrets.push_back(value);
}

std::string scrub(std::string text) {
    std::lock_guard lk(g_mu);
    for (const auto& s : g_secrets) {
        for (auto pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 8))
            text.replace(pos, s.size(), "********");
    }
    return text;
}

}  // namespace pgark::redact
