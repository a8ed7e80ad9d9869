// The roles an archive's objects are owned by, and which of them a target server lacks: a restore onto
// a new server failed on `ALTER ... OWNER TO shop_owner` with pg_restore's raw errors and no hint, and
// drills (which restore without owners) never noticed.
#pragma once

#include <string>
#include <vector>

#include "pg/archive_scanner.h"
#include "pg/connection.h"

namespace pgark {

// The owners named in the archive's TOC, sorted, each once.
std::vector<std::string> archive_owners(const ArchiveScanner& scanner);

// Those of `roles` that do not exist on the server `c` is connected to, sorted.
std::vector<std::string> missing_roles(Connection& c, const std::vector<std::string>& roles);

}  // namespace pgark
