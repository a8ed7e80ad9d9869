// Verification of a restored database against its backup, overlapping the restore where it can.
#include "commands/restored_verifier.h"

#include <xxhash.h>

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

// Tables of at least this many 8 KiB blocks (32 MiB) per worker are read in parallel block ranges.
constexpr long long kBlocksPerRange = 4096;

// The server's own words at the end of a wrapped error ("...: extension \"amcheck\" is not available").
std::string innermost_message(const std::string& what) {
    auto colon = what.rfind(": ");
    return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

VerifyOptions VerifyOptions::from_config(const config::Config& config, DrillLevel level, int jobs) {
    VerifyOptions o;
    o.level = level;
    o.jobs = jobs;
    const auto& amcheck = config.str("drill.amcheck");
    o.amcheck = amcheck != "off";
    o.amcheck_heapallindexed = amcheck == "full";
    o.user_checks = config.user_checks();
    return o;
}

std::vector<std::string> large_object_oids(const ArchiveScanner& scanner) {
    std::vector<std::string> oids;
    for (const auto& e : scanner.toc())
        if (e.desc == "BLOB") oids.push_back(e.tag);
    return oids;
}

std::string oid_array(const std::vector<std::string>& oids) {
    std::string a = "{";
    for (const auto& o : oids) {
        if (o.empty() || o.find_first_not_of("0123456789") != std::string::npos)
            throw VerifyError("the archive names a large object '" + o + "' that is not an OID");
        a += (a.size() > 1 ? "," : "") + o;
    }
    return a + "}";
}

Verifier::Verifier(ConnParams db, const Manifest& m, VerifyOptions opts, const ArchiveScanner& scanner)
    : db_(std::move(db)), m_(m), opts_(std::move(opts)), scanner_(scanner) {
    session_.timezone = m_.timezone;
    session_.client_encoding = m_.encoding.empty() ? "UTF8" : m_.encoding;
    opts_.jobs = std::max(1, opts_.jobs);
    table_tasks_ = opts_.level >= DrillLevel::rows;
    amcheck_tasks_ = opts_.level >= DrillLevel::schema && opts_.amcheck;

    std::map<std::pair<std::string, std::string>, std::size_t> by_name;
    out_.tables.resize(m_.tables.size());
    for (std::size_t i = 0; i < m_.tables.size(); ++i) {
        const auto& exp = m_.tables[i];
        auto& tr = out_.tables[i];
        tr.schema = exp.schema;
        tr.name = exp.name;
        tr.expected_rows = exp.rows;
        tr.expected_hash = exp.hash;
        by_name[{exp.schema, exp.name}] = i;
    }
    for (const auto& t : scanner_.table_data()) {
        copy_stmt_[t.dump_id] = t.copy_stmt;
        if (auto it = by_name.find({t.schema, t.table}); it != by_name.end()) {
            table_of_data_[t.dump_id] = it->second;
            data_of_table_[it->second] = t.dump_id;
        }
    }
    readiness_.emplace(scanner_.toc());
    table_queued_.assign(m_.tables.size(), false);
    if (table_tasks_) tables_left_ = m_.tables.size();
    if (amcheck_tasks_) amcheck_left_ = readiness_->tables().size();
}

Verifier::~Verifier() {
    stop_workers();
    // Also when interrupted: after `pgark restore` the database is the user's, not a scratch one.
    if (amcheck_created_) {
        try {
            drop_amcheck();
        } catch (const std::exception& e) {
            spdlog::warn("could not drop the amcheck extension pgark created in {}: {}", db_.dbname(),
                         redact::scrub(e.what()));
        } catch (const Cancelled&) {
            // Cancellation reached the cleanup itself: the next run sweeps what is left.
        }
    }
}

void Verifier::start() {
    if (!table_tasks_ && !amcheck_tasks_) return;
    for (int i = 0; i < opts_.jobs; ++i) workers_.emplace_back([this] { worker(); });
}

void Verifier::item_restored(int dump_id) {
    if (!opts_.during_restore) return;
    std::lock_guard lk(mu_);
    if (released_all_) return;
    release(readiness_->finished(dump_id));
}

void Verifier::restore_done() {
    std::lock_guard lk(mu_);
    if (released_all_) return;
    released_all_ = true;
    const auto ready = readiness_->finish_all();
    if (table_tasks_) {
        // Every table not queued yet, in one order: those released now, those without a data block in
        // the archive (reported as such), and any whose data pg_restore's progress never named.
        std::vector<std::size_t> rest(m_.tables.size());
        std::iota(rest.begin(), rest.end(), std::size_t{0});
        queue_largest_first(std::move(rest));
    }
    queue_indexes(ready);
    if (tables_left_ == 0 && amcheck_left_ == 0) queue_.close();
}

void Verifier::queue_largest_first(std::vector<std::size_t> tables) {
    // Several tables at once: the largest first, so that a small one does not delay the one that sets
    // the verification's length.
    std::stable_sort(tables.begin(), tables.end(),
                     [this](std::size_t a, std::size_t b) { return m_.tables[a].rows > m_.tables[b].rows; });
    for (std::size_t i : tables) {
        if (table_queued_[i]) continue;
        table_queued_[i] = true;
        queue_.push_back(Task::whole_table(i));
    }
}

void Verifier::queue_indexes(const RestoreReadiness::Ready& ready) {
    if (amcheck_tasks_)
        for (int id : ready.indexes) queue_.push_back(Task::table_indexes(id));
}

void Verifier::release(const RestoreReadiness::Ready& ready) {
    if (table_tasks_) {
        std::vector<std::size_t> tables;
        for (int id : ready.contents) {
            auto it = table_of_data_.find(id);
            if (it != table_of_data_.end()) tables.push_back(it->second);
        }
        queue_largest_first(std::move(tables));
    }
    queue_indexes(ready);
}

void Verifier::worker() {
    PGcancel* cancel_handle = nullptr;
    try {
        Connection c(db_, "pgark verify");
        session_.apply(c);
        cancel_handle = PQgetCancel(c.raw());
        {
            std::lock_guard lk(mu_);
            if (cancel_handle) cancels_.push_back(cancel_handle);
        }
        while (auto t = queue_.pop()) {
            cancel::throw_if_requested();
            run_task(c, *t);
            test_hooks::crash_point("verify: task done");
        }
    } catch (...) {
        fail(std::current_exception());
    }
    if (cancel_handle) {
        std::lock_guard lk(mu_);
        cancels_.erase(std::remove(cancels_.begin(), cancels_.end(), cancel_handle), cancels_.end());
        PQfreeCancel(cancel_handle);
    }
}

void Verifier::fail(std::exception_ptr e) {
    {
        std::lock_guard lk(mu_);
        if (!failure_) failure_ = e;
    }
    queue_.abandon();
    cv_.notify_all();
}

void Verifier::stop_workers() {
    queue_.abandon();
    {
        std::lock_guard lk(mu_);
        char err[256];
        for (PGcancel* cn : cancels_) PQcancel(cn, err, sizeof err);
    }
    for (auto& t : workers_)
        if (t.joinable()) t.join();
    workers_.clear();
}

void Verifier::run_task(Connection& c, const Task& t) {
    spdlog::debug("verify: {} {}{}", t.kind == Task::Kind::amcheck_index ? "amcheck" : "task",
                  t.kind == Task::Kind::amcheck_index ? t.index_name : std::to_string(t.table),
                  t.kind == Task::Kind::table_range ? " from block " + std::to_string(t.first_block) : "");
    switch (t.kind) {
        case Task::Kind::table:
        case Task::Kind::table_range:
            verify_table(c, t);
            return;
        case Task::Kind::amcheck_table:
            amcheck_table(c, t);
            return;
        case Task::Kind::amcheck_index:
            amcheck_index(c, t.index_oid, t.index_name);
            {
                std::lock_guard lk(mu_);
                --amcheck_left_;
                if (released_all_ && tables_left_ == 0 && amcheck_left_ == 0) queue_.close();
            }
            cv_.notify_all();
            return;
    }
}

void Verifier::verify_table(Connection& c, const Task& t) {
    const auto& exp = m_.tables[t.table];
    ContentHash h;
    std::string error;
    try {
        auto data = data_of_table_.find(t.table);
        if (opts_.level < DrillLevel::content) {
            h.rows = count_table_rows(c, exp.schema, exp.name);
        } else if (data == data_of_table_.end()) {
            throw VerifyError("the archive has no data block for this table");
        } else if (t.kind == Task::Kind::table_range) {
            h = hash_copy_out(c, copy_out_range_statement(*parse_copy_target(copy_stmt_.at(data->second)),
                                                          t.first_block, t.end_block));
        } else {
            const std::string& stmt = copy_stmt_.at(data->second);
            auto target = parse_copy_target(stmt);
            std::uint64_t parts = 1, blocks = 0;
            if (opts_.jobs > 1 && target && !target->columns.empty() && c.server_version_num() >= 140000) {
                auto rows = c.query(
                    "SELECT c.relkind::text, pg_catalog.pg_relation_size(c.oid) / "
                    "pg_catalog.current_setting('block_size')::bigint FROM pg_catalog.pg_class c "
                    "WHERE c.oid = pg_catalog.to_regclass($1)",
                    {target->relation});
                if (!rows.empty() && rows[0][0] == "r" && rows[0][1]) {
                    blocks = std::stoull(*rows[0][1]);
                    auto per_range = static_cast<std::uint64_t>(
                        std::max(1LL, test_hooks::number("PGARK_TEST_BLOCKS_PER_RANGE", kBlocksPerRange)));
                    parts =
                        std::min<std::uint64_t>(static_cast<std::uint64_t>(opts_.jobs), blocks / per_range);
                }
            }
            if (parts < 2) {
                h = hash_table_content(c, stmt);
            } else {
                spdlog::debug("verify: reading {} in {} ranges of {} blocks", target->relation, parts,
                              blocks / parts);
                // The other ranges go to the front of the queue, for the other workers to pick up now.
                std::uint64_t step = blocks / parts;
                {
                    std::lock_guard lk(mu_);
                    in_progress_[t.table].parts_left = static_cast<int>(parts);
                }
                for (std::uint64_t p = parts - 1; p >= 1; --p)
                    queue_.push_front(Task::range(
                        t.table, p * step, p + 1 < parts ? std::optional((p + 1) * step) : std::nullopt));
                h = hash_copy_out(c, copy_out_range_statement(*target, 0, step));
            }
        }
    } catch (const Error& e) {
        error = redact::scrub(e.what());
    }
    finish_table_part(t.table, h, error);
}

void Verifier::finish_table_part(std::size_t table, const ContentHash& h, const std::string& error) {
    {
        std::lock_guard lk(mu_);
        auto& p = in_progress_[table];
        p.sum.rows += h.rows;
        p.sum.sum += h.sum;
        if (!error.empty() && p.error.empty()) p.error = error;
        if (--p.parts_left > 0) return;
        TableResult& tr = out_.tables[table];
        if (!p.error.empty()) {
            tr.ok = false;
            tr.detail = p.error;
        } else {
            tr.actual_rows = p.sum.rows;
            if (opts_.level >= DrillLevel::content) tr.actual_hash = copy_hash_hex(p.sum.sum);
            if (*tr.actual_rows != tr.expected_rows) {
                tr.ok = false;
                tr.detail = "expected " + std::to_string(tr.expected_rows) + " rows, found " +
                            std::to_string(*tr.actual_rows);
            } else if (tr.actual_hash && *tr.actual_hash != tr.expected_hash) {
                tr.ok = false;
                tr.detail = "same row count, different contents (hash " + tr.expected_hash + " expected, " +
                            *tr.actual_hash + " found)";
            }
        }
        in_progress_.erase(table);
        --tables_left_;
        if (released_all_ && tables_left_ == 0 && amcheck_left_ == 0) queue_.close();
    }
    cv_.notify_all();
}

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

void Verifier::wait_until(const std::function<bool()>& done) {
    std::unique_lock lk(mu_);
    while (!done() && !failure_) {
        cv_.wait_for(lk, std::chrono::milliseconds(200));
        if (table_tasks_) progress::raise_to(m_.tables.size() - tables_left_);
        if (cancel::requested()) {
            lk.unlock();
            cancel::throw_if_requested();
        }
    }
    if (failure_) std::rethrow_exception(failure_);
}

void Verifier::verify_data() {
    restore_done();
    if (opts_.level < DrillLevel::schema) return;
    {
        Connection c(db_, "pgark verify");
        session_.apply(c);
        verify_schema(c, scanner_);
        verify_sequences(c, scanner_);
        if (opts_.level >= DrillLevel::content) verify_large_objects(c);
    }
    if (!table_tasks_) return;
    progress::begin("verify tables", m_.tables.size(), progress::Unit::items);
    wait_until([this] { return tables_left_ == 0; });
}

void Verifier::run_checks() {
    restore_done();
    if (opts_.level >= DrillLevel::schema && opts_.amcheck) {
        wait_until([this] { return amcheck_left_ == 0; });
        stop_workers();
        Connection c(db_, "pgark verify");
        session_.apply(c);
        auto schema = amcheck_schema(c);
        if (!schema) {
            out_.checks.push_back(CheckResult::skip(
                "amcheck", "skipped: amcheck not available (" + amcheck_unavailable_ + ")"));
        } else {
            // Indexes not on a table of the backup (materialized views, tables without data).
            auto all = c.query(
                "SELECT c.oid::text, c.oid::regclass::text FROM pg_catalog.pg_index i JOIN "
                "pg_catalog.pg_class c "
                "ON c.oid = i.indexrelid JOIN pg_catalog.pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' "
                "AND c.relkind = 'i' AND i.indisvalid AND c.relpersistence <> 't' "
                "AND c.relnamespace <> 'pg_catalog'::pg_catalog.regnamespace "
                "AND c.relnamespace <> 'pg_toast'::pg_catalog.regnamespace");
            for (const auto& row : all) {
                cancel::throw_if_requested();
                if (!indexes_checked_.count(*row[0])) amcheck_index(c, *row[0], *row[1]);
            }
            drop_amcheck();
            if (indexes_bad_.empty()) {
                out_.checks.push_back(CheckResult::pass(
                    "amcheck",
                    std::to_string(indexes_checked_.size()) + " btree indexes consistent with their tables"));
            } else {
                std::string d;
                for (const auto& b : indexes_bad_) d += (d.empty() ? "" : "; ") + b;
                out_.checks.push_back(CheckResult::fail("amcheck", d));
            }
        }
    }
    run_user_checks();
}

void Verifier::verify_schema(Connection& c, const ArchiveScanner& scanner) {
    std::vector<std::string> missing;
    std::size_t checked = 0;
    for (const auto& e : scanner.toc()) {
        std::string sql, arg;
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
        } else if (e.desc == "TYPE" || e.desc == "DOMAIN") {
            sql = "SELECT count(*) FROM pg_catalog.pg_type WHERE oid = pg_catalog.to_regtype($1)";
            arg = qualified;
        } else if (e.desc == "EXTENSION") {
            sql = "SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = $1";
            arg = e.tag;
        } else {
            continue;
        }
        ++checked;
        if (c.scalar(sql, {arg}) == "0")
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

void Verifier::verify_large_objects(Connection& c) {
    auto oids =
        opts_.large_object_oids
            ? c.query(
                  "SELECT oid::text FROM pg_catalog.pg_largeobject_metadata WHERE oid = ANY($1::oid[]) "
                  "ORDER BY oid",
                  {oid_array(*opts_.large_object_oids)})
            : c.query("SELECT oid::text FROM pg_catalog.pg_largeobject_metadata ORDER BY oid");
    std::uint64_t sum = 0;
    for (const auto& row : oids) {
        // One XXH3 over the object's bytes, as the archive scanner hashes large objects.
        XXH3_state_t* st = XXH3_createState();
        XXH3_64bits_reset(st);
        const long chunk = 1 << 20;
        for (long off = 0;; off += chunk) {
            cancel::throw_if_requested();
            auto hex = c.scalar("SELECT encode(pg_catalog.lo_get($1::oid, $2::bigint, $3::int), 'hex')",
                                {*row[0], std::to_string(off), std::to_string(chunk)});
            std::string bytes(hex.size() / 2, '\0');
            for (std::size_t i = 0; i < bytes.size(); ++i)
                bytes[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
            XXH3_64bits_update(st, bytes.data(), bytes.size());
            if (static_cast<long>(bytes.size()) < chunk) break;
        }
        sum += XXH3_64bits_digest(st);
        XXH3_freeState(st);
    }
    bool ok = oids.size() == m_.large_objects &&
              (m_.large_objects == 0 || copy_hash_hex(sum) == m_.large_objects_hash);
    auto detail = std::to_string(oids.size()) + " large objects" +
                  (ok ? " match"
                      : ", backup had " + std::to_string(m_.large_objects) + " (hash " +
                            m_.large_objects_hash + " expected, " + copy_hash_hex(sum) + " found)");
    out_.checks.push_back(ok ? CheckResult::pass("large objects", detail)
                             : CheckResult::fail("large objects", detail));
}

void Verifier::run_user_checks() {
    for (const auto& uc : opts_.user_checks) {
        cancel::throw_if_requested();
        std::string name = "check: " + uc.name;
        try {
            Connection c(db_, "pgark drill check");
            c.exec("SET statement_timeout = '10min'");
            auto rows = c.query(uc.sql);
            if (rows.size() != 1 || rows[0].empty()) {
                out_.checks.push_back(CheckResult::fail(
                    name, "returned " + std::to_string(rows.size()) + " rows; a check must return one row"));
                continue;
            }
            std::string value = rows[0][0] ? *rows[0][0] : "NULL";
            if (value == uc.expect)
                out_.checks.push_back(CheckResult::pass(name, "returned " + value));
            else
                out_.checks.push_back(
                    CheckResult::fail(name, "returned " + value + ", expected " + uc.expect));
        } catch (const Error& e) {
            out_.checks.push_back(CheckResult::fail(name, std::string("error: ") + redact::scrub(e.what())));
        }
    }
}

}  // namespace pgark
