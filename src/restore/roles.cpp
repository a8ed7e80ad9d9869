// Owner roles of an archive against a target server.
#include "restore/roles.h"

#include <set>

#include "pg/sql_literals.h"

namespace pgark {

std::vector<std::string> archive_owners(const ArchiveScanner& scanner) {
    std::set<std::string> owners;
    for (const auto& e : scanner.toc())
        if (!e.owner.empty()) owners.insert(e.owner);
    return {owners.begin(), owners.end()};
}

std::vector<std::string> missing_roles(Connection& c, const std::vector<std::string>& roles) {
    std::vector<std::string> out;
    if (roles.empty()) return out;
    for (const auto& row :
         c.query("SELECT r FROM pg_catalog.unnest($1::text[]) AS r WHERE NOT EXISTS (SELECT 1 "
                 "FROM pg_catalog.pg_roles WHERE rolname = r) ORDER BY 1",
                 {text_array_literal(roles)}))
        if (row[0]) out.push_back(*row[0]);
    return out;
}

}  // namespace pgark
