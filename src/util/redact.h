// A process-wide list of secret values (passwords, keys) that must never reach output: log lines and
// error messages pass through scrub() before they are printed.
#pragma once

#include <string>

namespace pgark::redact {

void register_secret(const std::string& value);
// Replaces every registered secret in `text` with "********".
std::string scrub(std::string text);

}  // namespace pgark::redact
