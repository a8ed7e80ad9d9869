// Verifier check: the schema objects and sequence values the archive holds exist in the restored
// database.
#include "restore/verify/verifier.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <regex>

#include <spdlog/spdlog.h>

#include "core/copy_text_hasher.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/redact.h"
#include "util/test_hooks.h"

namespace pgark {

void Verifier::verify_schema(Connection& c, const ArchiveScanner& scanner) {
    std::vector<std::string> missing;
    std::size_t checked = 0;
    for (const auto& e : scanner.toc()) {
        std::string sql, arg;
        std::vector<std::string> args;  // instead of `arg`, when the query takes several
        const std::string qualified =
            e.schema.empty() ? c.quote_ident(e.tag) : c.quote_ident(e.schema) + "." + c.quote_ident(e.tag);
        if (e.desc == "SCHEMA") {
            sql = "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = $1";
            arg = e.tag;
        } else if (e.desc == "TABLE" || e.desc == "VIEW" || e.desc == "SEQUENCE" || e.desc == "INDEX" ||
                   e.desc == "MATERIALIZED VIEW" || e.desc == "FOREIGN TABLE") {
            sql = "SELECT count(*) FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass($1)";
            arg = qualified;
        } else if (e.desc == "MATERIALIZED VIEW DATA") {
            sql =
                "SELECT count(*) FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass($1) AND "
                "relispopulated";
            arg = qualified;
        } else if (e.desc == "FUNCTION" || e.desc == "PROCEDURE") {
            auto paren = e.tag.find('(');
            if (paren == std::string::npos) continue;
            sql = "SELECT count(*) FROM pg_catalog.pg_proc WHERE oid = pg_catalog.to_regprocedure($1)";
            arg = c.quote_ident(e.schema) + "." + c.quote_ident(e.tag.substr(0, paren)) + e.tag.substr(paren);
        } else if (e.desc == "TYPE" || e.desc == "DOMAIN" || e.desc == "SHELL TYPE") {
            // By name: to_regtype() raises an error for a shell type (CREATE TYPE name; without a
            // definition) instead of returning it.
            sql =
                "SELECT count(*) FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = "
                "t.typnamespace WHERE n.nspname = $1 AND t.typname = $2";
            args = {e.schema, e.tag};
        } else if (e.desc == "EXTENSION") {
            sql = "SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = $1";
            arg = e.tag;
        } else {
            continue;
        }
        ++checked;
        if (args.empty()) args = {arg};
        if (c.scalar(sql, args) == "0")
            missing.push_back(e.desc + " " + (e.schema.empty() ? "" : e.schema + ".") + e.tag);
    }
    if (missing.empty()) {
        out_.checks.push_back(CheckResult::pass("schema", std::to_string(checked) + " objects present"));
    } else {
        std::string list;
        for (std::size_t i = 0; i < missing.size() && i < 10; ++i) list += (i ? ", " : "") + missing[i];
        if (missing.size() > 10) list += ", ...";
        out_.checks.push_back(CheckResult::fail(
            "schema",
            std::to_string(missing.size()) + " of " + std::to_string(checked) + " objects missing: " + list));
    }
}

void Verifier::verify_sequences(Connection& c, const ArchiveScanner& scanner) {
    static const std::regex setval(R"(setval\('((?:[^']|'')+)', (-?\d+), (true|false)\))");
    std::vector<std::string> wrong;
    std::size_t checked = 0;
    for (const auto& e : scanner.toc()) {
        if (e.desc != "SEQUENCE SET") continue;
        std::smatch m;
        if (!std::regex_search(e.defn, m, setval)) continue;
        std::string seq = std::regex_replace(m.str(1), std::regex("''"), "'");
        bool called = m.str(3) == "true";
        auto rows = c.query("SELECT pg_catalog.pg_sequence_last_value($1::regclass)", {seq});
        std::optional<std::string> actual = rows.empty() ? std::nullopt : rows[0][0];
        ++checked;
        bool ok = called ? (actual && *actual == m.str(2)) : !actual;
        if (!ok)
            wrong.push_back(seq + " is at " + (actual ? *actual : "unused") + ", backup had " +
                            (called ? m.str(2) : "unused (next " + m.str(2) + ")"));
    }
    if (wrong.empty())
        out_.checks.push_back(
            CheckResult::pass("sequences", std::to_string(checked) + " sequence values match"));
    else {
        std::string d;
        for (const auto& w : wrong) d += (d.empty() ? "" : "; ") + w;
        out_.checks.push_back(CheckResult::fail("sequences", d));
    }
}

}  // namespace pgark
