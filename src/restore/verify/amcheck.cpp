// Verifier check: amcheck of the restored btree indexes (the extension is created when missing and
// dropped again).
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

namespace {
// The server's own words at the end of a wrapped error ("...: extension \"amcheck\" is not available").
std::string innermost_message(const std::string& what) {
    auto colon = what.rfind(": ");
    return colon == std::string::npos ? what : what.substr(colon + 2);
}
}  // namespace

std::optional<std::string> Verifier::amcheck_schema(Connection& c) {
    std::lock_guard lk(amcheck_mu_);
    if (amcheck_looked_) return amcheck_schema_;
    amcheck_looked_ = true;
    const std::string find =
        "SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = "
        "e.extnamespace WHERE e.extname = 'amcheck'";
    try {
        auto rows = c.query(find);
        if (rows.empty()) {
            // Our session's search_path is empty, so name the schema; the restored database keeps no
            // trace of it (dropped again after the checks).
            c.exec("CREATE EXTENSION amcheck SCHEMA public");
            amcheck_created_ = true;
            rows = c.query(find);
        }
        if (!rows.empty() && rows[0][0]) amcheck_schema_ = *rows[0][0];
    } catch (const PgError& e) {
        amcheck_unavailable_ = innermost_message(e.what());
    }
    return amcheck_schema_;
}

void Verifier::drop_amcheck() {
    std::lock_guard lk(amcheck_mu_);
    if (!amcheck_created_) return;
    Connection c(db_, "pgark verify");
    c.exec("DROP EXTENSION IF EXISTS amcheck");
    amcheck_created_ = false;
}

void Verifier::amcheck_table(Connection& c, const Task& t) {
    std::vector<Row> indexes;
    const auto stmt = copy_stmt_.find(t.data_id);
    auto target = stmt == copy_stmt_.end() ? std::nullopt : parse_copy_target(stmt->second);
    // A table whose COPY statement is unusual (or unknown) is left to the sweep in run_checks().
    if (target && amcheck_schema(c)) {
        indexes = c.query(
            "SELECT c.oid::text, c.oid::regclass::text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c "
            "ON c.oid = i.indexrelid JOIN pg_catalog.pg_am a ON a.oid = c.relam "
            "WHERE i.indrelid = pg_catalog.to_regclass($1) AND a.amname = 'btree' AND c.relkind = 'i' "
            "AND i.indisvalid AND c.relpersistence <> 't'",
            {target->relation});
    }
    {
        std::lock_guard lk(mu_);
        amcheck_left_ += indexes.size();  // this task becomes one unit per index
    }
    for (std::size_t i = 1; i < indexes.size(); ++i)
        queue_.push_front(Task::index(*indexes[i][0], *indexes[i][1]));
    if (!indexes.empty()) run_task(c, Task::index(*indexes[0][0], *indexes[0][1]));
    {
        std::lock_guard lk(mu_);
        --amcheck_left_;
        if (released_all_ && tables_left_ == 0 && amcheck_left_ == 0) queue_.close();
    }
    cv_.notify_all();
}

void Verifier::amcheck_index(Connection& c, const std::string& oid, const std::string& name) {
    std::string bad;
    try {
        // heapallindexed (drill.amcheck = full) also finds every heap tuple in the index: a second full
        // read of the table, for an index the restore has just built from that table.
        c.query("SELECT " + c.quote_ident(*amcheck_schema_) +
                    ".bt_index_check($1::pg_catalog.oid::pg_catalog.regclass, " +
                    (opts_.amcheck_heapallindexed ? "true" : "false") + ")",
                {oid});
    } catch (const PgError& e) {
        bad = name + ": " + redact::scrub(e.what());
    }
    std::lock_guard lk(mu_);
    indexes_checked_.insert(oid);
    if (!bad.empty()) indexes_bad_.push_back(bad);
}

}  // namespace pgark
