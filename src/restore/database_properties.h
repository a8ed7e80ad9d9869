// What an archive holds for the database itself: its COMMENT, ACL, security labels and properties
// (ALTER DATABASE ... SET, ALTER ROLE ... IN DATABASE ... SET, connection limit). pg_restore applies
// these only with --create, and pgark creates the database itself, so without this step a clean
// restore silently dropped them (a REVOKE CONNECT ... FROM PUBLIC undone, settings gone).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/verification.h"
#include "pg/archive_scanner.h"
#include "pg/connection.h"

namespace pgark {

struct DatabaseProperties {
    std::vector<std::string> statements;  // the archive's SQL, naming the target database
    bool comment = false, acl = false;    // the archive has a COMMENT / an ACL for the database
    std::size_t settings = 0;             // ... SET statements among them
    bool empty() const { return statements.empty(); }
};

// The database-level entries of `scanner`'s TOC, with the database `source` (as the backup names it)
// renamed to `target` in them. Throws VerifyError when an entry does not name `source`.
DatabaseProperties database_properties(const ArchiveScanner& scanner, const std::string& source,
                                       const std::string& target);

// Runs the statements on `admin` (any database of the target server), then checks that the target
// database carries them: a comment, an ACL, and as many settings. The check is "database properties".
CheckResult apply_database_properties(Connection& admin, const DatabaseProperties& p,
                                      const std::string& target);

}  // namespace pgark
