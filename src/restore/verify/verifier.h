// Proving that a restored database equals its backup: schema objects, sequence values, every table's
// rows and contents, large objects, amcheck, and the operator's SQL checks. Shared by drills and
// production restores.
//
// Table work overlaps the restore: fed pg_restore's progress (item_restored), a pool of connections
// reads each table as soon as pg_restore is done with it (pg/restore_readiness.h), large tables in
// parallel block ranges, and checks each table's btree indexes once they are built. What pg_restore
// leaves for the end is released by restore_done().
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/drill_report.h"
#include "core/manifest.h"
#include "pg/archive_scanner.h"
#include "pg/conn_params.h"
#include "pg/connection.h"
#include "pg/restore_readiness.h"
#include "pg/table_content.h"
#include "util/work_queue.h"

namespace pgark {

struct VerifyOptions {
    DrillLevel level = DrillLevel::content;
    int jobs = 2;
    bool amcheck = true;
    bool amcheck_heapallindexed = false;  // drill.amcheck = full
    std::vector<config::UserCheck> user_checks;
    // The large objects to compare with the backup; unset = every large object in the database (a
    // schema-cascade restore keeps the target's other large objects).
    std::optional<std::vector<std::string>> large_object_oids;
    // Read tables while pg_restore still runs (false: only after restore_done()).
    bool during_restore = true;

    // `level` and `jobs` with amcheck (drill.amcheck) and the user's checks from `config`.
    static VerifyOptions from_config(const config::Config& config, DrillLevel level, int jobs);
};

// OIDs of the large objects in an archive (its BLOB entries), as text.
std::vector<std::string> large_object_oids(const ArchiveScanner& scanner);
// A PostgreSQL array literal of OIDs: "{1,2,3}".
std::string oid_array(const std::vector<std::string>& oids);

struct RestoredVerification {
    std::vector<TableResult> tables;
    std::vector<CheckResult> checks;
};

class Verifier {
  public:
    Verifier(ConnParams db, const Manifest& m, VerifyOptions opts, const ArchiveScanner& scanner);
    // Cancels the workers' queries and joins them; drops an amcheck extension it created.
    ~Verifier();
    Verifier(const Verifier&) = delete;
    Verifier& operator=(const Verifier&) = delete;

    // Starts the workers; until restore_done() they take only what pg_restore has finished with.
    void start();
    // pg_restore finished item `dump_id` (any thread).
    void item_restored(int dump_id);
    // pg_restore has ended successfully: every table may be read.
    void restore_done();
    // Waits for the tables' rows and contents; checks schema, sequences and large objects meanwhile.
    void verify_data();
    // Waits for amcheck (and checks indexes not on a table of the backup), then the user's SQL checks.
    void run_checks();
    const RestoredVerification& result() const { return out_; }

  private:
    struct Task {
        enum class Kind { table, table_range, amcheck_table, amcheck_index } kind = Kind::table;
        std::size_t table = 0;  // index into the manifest's tables (table, table_range)
        int data_id = 0;        // TABLE DATA dump id (amcheck_table)
        std::uint64_t first_block = 0;
        std::optional<std::uint64_t> end_block;
        std::string index_oid, index_name;

        static Task whole_table(std::size_t table) {
            Task t;
            t.table = table;
            return t;
        }
        static Task range(std::size_t table, std::uint64_t first, std::optional<std::uint64_t> end) {
            Task t;
            t.kind = Kind::table_range;
            t.table = table;
            t.first_block = first;
            t.end_block = end;
            return t;
        }
        static Task table_indexes(int data_id) {
            Task t;
            t.kind = Kind::amcheck_table;
            t.data_id = data_id;
            return t;
        }
        static Task index(std::string oid, std::string name) {
            Task t;
            t.kind = Kind::amcheck_index;
            t.index_oid = std::move(oid);
            t.index_name = std::move(name);
            return t;
        }
    };
    struct TableProgress {  // a table being read, possibly in several ranges
        int parts_left = 1;
        ContentHash sum;
        std::string error;
    };

    // These three with mu_ held.
    void release(const RestoreReadiness::Ready& ready);
    void queue_largest_first(std::vector<std::size_t> tables);
    void queue_indexes(const RestoreReadiness::Ready& ready);
    void worker();
    void run_task(Connection& c, const Task& t);
    void verify_table(Connection& c, const Task& t);
    void finish_table_part(std::size_t table, const ContentHash& h, const std::string& error);
    void amcheck_table(Connection& c, const Task& t);
    void amcheck_index(Connection& c, const std::string& oid, const std::string& name);
    // The schema of the amcheck extension, creating it when needed; nullopt when unavailable.
    std::optional<std::string> amcheck_schema(Connection& c);
    void drop_amcheck();
    void wait_until(const std::function<bool()>& done);
    void fail(std::exception_ptr e);
    void stop_workers();

    void verify_schema(Connection& c, const ArchiveScanner& scanner);
    void verify_sequences(Connection& c, const ArchiveScanner& scanner);
    void verify_large_objects(Connection& c);
    void run_user_checks();

    ConnParams db_;
    const Manifest& m_;
    VerifyOptions opts_;
    const ArchiveScanner& scanner_;
    CopySession session_;
    RestoredVerification out_;

    std::map<int, std::size_t> table_of_data_;  // TABLE DATA dump id -> manifest table
    std::map<int, std::string> copy_stmt_;      // TABLE DATA dump id -> the archive's COPY statement
    std::map<std::size_t, int> data_of_table_;  // manifest table -> TABLE DATA dump id
    std::optional<RestoreReadiness> readiness_;
    bool table_tasks_ = false, amcheck_tasks_ = false;

    WorkQueue<Task> queue_;
    std::vector<std::thread> workers_;
    std::mutex mu_;  // guards everything below, and readiness_
    std::condition_variable cv_;
    std::size_t tables_left_ = 0, amcheck_left_ = 0;  // tables not yet verified / index-checked
    std::map<std::size_t, TableProgress> in_progress_;
    bool released_all_ = false;
    std::vector<bool> table_queued_;  // manifest table -> its verification was queued
    std::exception_ptr failure_;
    std::vector<PGcancel*> cancels_;
    // amcheck
    std::mutex amcheck_mu_;  // creating or finding the extension
    bool amcheck_looked_ = false, amcheck_created_ = false;
    std::optional<std::string> amcheck_schema_;
    std::string amcheck_unavailable_;
    std::set<std::string> indexes_checked_;
    std::vector<std::string> indexes_bad_;
};

}  // namespace pgark
