// Database-level properties from the archive, renamed for the target and applied after the restore.
#include "restore/database_properties.h"

#include <regex>

#include "util/error.h"
#include "util/redact.h"
#include "util/text.h"

namespace pgark {
namespace {

// The forms pg_dump may write a database name in: quoted always works; unquoted when it is a plain
// lower-case identifier (pg_dump's fmtId leaves those bare unless they are keywords).
std::vector<std::string> spellings(const std::string& name) {
    std::string quoted = "\"";
    for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += '"';
    std::vector<std::string> out{quoted};
    static const std::regex bare(R"(^[a-z_][a-z0-9_$]*$)");
    if (std::regex_match(name, bare)) out.push_back(name);
    return out;
}

std::string quoted(const std::string& name) {
    return spellings(name).front();
}

// `sql` with every "DATABASE <source>" (followed by a space, ';' or newline) naming `target` instead.
std::string renamed(const std::string& sql, const std::string& source, const std::string& target) {
    std::string out = sql;
    bool found = false;
    for (const auto& s : spellings(source)) {
        const std::string from = "DATABASE " + s;
        std::string result;
        std::size_t at = 0;
        for (auto pos = out.find(from); pos != std::string::npos; pos = out.find(from, pos + from.size())) {
            const auto end = pos + from.size();
            if (end < out.size() && out[end] != ' ' && out[end] != ';' && out[end] != '\n') continue;
            result += out.substr(at, pos - at) + "DATABASE " + quoted(target);
            at = end;
            found = true;
        }
        result += out.substr(at);
        out = result;
        if (found) break;
    }
    if (!found)
        throw VerifyError("the archive's database entry does not name database " + source + ": " +
                          trim(sql).substr(0, 120));
    return out;
}

}  // namespace

DatabaseProperties database_properties(const ArchiveScanner& scanner, const std::string& source,
                                       const std::string& target) {
    DatabaseProperties p;
    for (const auto& e : scanner.toc()) {
        const bool about_database = e.tag.rfind("DATABASE ", 0) == 0;
        const bool properties = e.desc == "DATABASE PROPERTIES";
        if (!properties &&
            !(about_database && (e.desc == "COMMENT" || e.desc == "ACL" || e.desc == "SECURITY LABEL")))
            continue;
        if (trim(e.defn).empty()) continue;
        p.statements.push_back(source == target ? e.defn : renamed(e.defn, source, target));
        if (e.desc == "COMMENT") p.comment = true;
        if (e.desc == "ACL") p.acl = true;
        if (properties) {
            static const std::regex set(R"(\bSET\s+[A-Za-z_][A-Za-z0-9_.]*\s+(TO|=))");
            p.settings += static_cast<std::size_t>(std::distance(
                std::sregex_iterator(e.defn.begin(), e.defn.end(), set), std::sregex_iterator()));
        }
    }
    return p;
}

CheckResult apply_database_properties(Connection& admin, const DatabaseProperties& p,
                                      const std::string& target) {
    const std::string name = "database properties";
    try {
        for (const auto& sql : p.statements) admin.exec(sql);
        auto rows = admin.query(
            "SELECT (pg_catalog.shobj_description(d.oid, 'pg_database') IS NOT NULL)::text, (d.datacl IS NOT "
            "NULL)::text, (SELECT count(*) FROM pg_catalog.pg_db_role_setting s WHERE s.setdatabase = "
            "d.oid)::text "
            "FROM pg_catalog.pg_database d WHERE d.datname = $1",
            {target});
        if (rows.empty()) return CheckResult::fail(name, "database " + target + " is gone");
        std::vector<std::string> wrong;
        if (p.comment && rows[0][0] != "true") wrong.push_back("its comment is missing");
        if (p.acl && rows[0][1] != "true") wrong.push_back("its ACL is missing");
        // Each pg_db_role_setting row holds the settings of one role (or of all) in the database.
        if (p.settings > 0 && rows[0][2] == "0") wrong.push_back("its settings are missing");
        if (!wrong.empty()) {
            std::string list;
            for (const auto& w : wrong) list += (list.empty() ? "" : ", ") + w;
            return CheckResult::fail(name, list);
        }
    } catch (const Error& e) {
        return CheckResult::fail(name, "could not apply the archive's " +
                                           std::to_string(p.statements.size()) +
                                           " database-level statements: " + redact::scrub(e.what()));
    }
    std::vector<std::string> what;
    if (p.comment) what.push_back("comment");
    if (p.acl) what.push_back("ACL");
    if (p.settings > 0) what.push_back(plural(p.settings, "setting", "settings"));
    std::string list;
    for (const auto& w : what) list += (list.empty() ? "" : ", ") + w;
    return CheckResult::pass(name, "as in the backup" + (list.empty() ? std::string() : ": " + list));
}

}  // namespace pgark
