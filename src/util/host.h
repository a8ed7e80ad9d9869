// This host's name, as recorded in claims, locks, scratch-database marks and notifications.
#pragma once

#include <string>

namespace pgark {

// gethostname(), or "unknown" when it fails.
std::string host_name();

}  // namespace pgark
