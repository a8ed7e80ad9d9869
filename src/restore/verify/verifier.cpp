// The restored-database verifier: its options, worker pool and the order of its checks; each check
// lives in a file of its own beside this one.
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

}  // namespace pgark
