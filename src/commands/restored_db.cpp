// pg_restore into a database, and verification of the restored database against the backup.
#include "commands/restored_db.h"

#include <signal.h>
#include <unistd.h>
#include <xxhash.h>

#include <spdlog/spdlog.h>
#include <cerrno>

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "core/copy_text_hasher.h"
#include "pg/tools.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/process.h"
#include "util/progress.h"
#include "util/redact.h"
#include "util/text.h"

namespace pgark {

std::string restore_archive(const std::filesystem::path& spool, const ConnParams& c, const Manifest& m,
                            const std::string& bin_dir, int jobs, bool restore_owner,
                            const ArchiveScanner* scanner) {
    ChildPgAuth auth(c);
    int major = 0;
    try {
        major = std::stoi(m.pg_dump_version);
    } catch (...) {
    }
    PgTools tools = locate_pg_tools(bin_dir, major);
    // PostgreSQL 15's parallel pg_restore can deadlock attaching partitioned indexes (ALTER INDEX ...
    // ATTACH PARTITION against a worker building another index); seen in our tests. With partitioned
    // indexes the post-data section therefore runs in one job after a parallel pre-data + data pass.
    bool serial_post_data = jobs > 1 && scanner &&
                            std::any_of(scanner->toc().begin(), scanner->toc().end(),
                                        [](const ArchiveTocEntry& e) { return e.desc == "INDEX ATTACH"; });
    auto run = [&](const std::vector<std::string>& sections, int n) {
        ProcessSpec spec;
        spec.program = tools.program("pg_restore");
        spec.args = {"--dbname", c.conninfo(), "--jobs", std::to_string(n), "--no-password"};
        for (const auto& sec : sections) spec.args.push_back("--section=" + sec);
        if (!restore_owner) {
            spec.args.push_back("--no-owner");
            spec.args.push_back("--no-privileges");
        }
        spec.args.push_back(spool.string());
        spec.env_set = auth.env();
        spec.env_set["PGAPPNAME"] = "pgark restore";
        spec.env_unset = ChildPgAuth::env_to_unset();
        spec.stdout_mode = ProcessSpec::Out::null;
        auto child = Child::spawn(spec);
        // pg_restore reports no progress; the bytes its processes have read from the spool approximate it.
        std::error_code ec;
        auto spool_size = std::filesystem::file_size(spool, ec);
        if (!ec) progress::set_total(spool_size);
        auto next_sample = std::chrono::steady_clock::now();
        auto st = child->wait_cancellable([&] {
            auto now = std::chrono::steady_clock::now();
            if (now < next_sample) return;
            next_sample = now + std::chrono::milliseconds(250);
            progress::raise_to(std::min<std::uint64_t>(process_group_read_bytes(child->pid()), spool_size));
        });
        auto err = redact::scrub(tail_lines(child->stderr_text(), 10));
        if (!st.ok())
            throw PgError("pg_restore into " + c.dbname() + " failed (" + st.describe() + ")" +
                          (err.empty() ? "" : ":\n  " + err));
    };
    if (!serial_post_data) {
        run({}, jobs);
        return "pg_restore --jobs " + std::to_string(jobs);
    }
    run({"pre-data", "data"}, jobs);
    run({"post-data"}, 1);
    return "pg_restore --jobs " + std::to_string(jobs) + " (post-data in one job: partitioned indexes)";
}

// Removes spool directories of drills and restores that were killed (SIGKILL leaves them behind).
void sweep_stale_spools(const std::filesystem::path& parent) {
    static const std::regex name(R"(^pgark-(?:drill|restore)-(\d+)-[A-Za-z0-9]{6}$)");
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(parent, ec)) {
        std::smatch m;
        auto fname = e.path().filename().string();
        if (!std::regex_match(fname, m, name)) continue;
        pid_t pid = static_cast<pid_t>(std::stol(m.str(1)));
        if (pid == getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
        spdlog::info("removing the spool {} of a drill or restore that is gone (pid {})", e.path().string(),
                     pid);
        std::filesystem::remove_all(e.path(), ec);
    }
}

// CREATE DATABASE options (encoding, locale) taken from the archive's DATABASE entry.
std::string create_database_options(const ArchiveScanner& scanner, bool with_locale) {
    std::string opts;
    static const std::regex enc(R"(ENCODING = '([^']+)')"), loc(R"(\bLOCALE = '([^']+)')"),
        coll(R"(LC_COLLATE = '([^']+)')"), ctype(R"(LC_CTYPE = '([^']+)')");
    for (const auto& e : scanner.toc()) {
        if (e.desc != "DATABASE") continue;
        std::smatch m;
        if (std::regex_search(e.defn, m, enc)) opts += "ENCODING '" + m.str(1) + "' ";
        if (!with_locale) return opts + "LOCALE 'C'";
        if (std::regex_search(e.defn, m, loc)) opts += "LOCALE '" + m.str(1) + "' ";
        if (std::regex_search(e.defn, m, coll)) opts += "LC_COLLATE '" + m.str(1) + "' ";
        if (std::regex_search(e.defn, m, ctype)) opts += "LC_CTYPE '" + m.str(1) + "' ";
        return opts;
    }
    auto e = scanner.encoding();
    return e.empty() ? "" : "ENCODING '" + e + "'" + (with_locale ? "" : " LOCALE 'C'");
}

Verifier::Verifier(ConnParams db, const Manifest& m, VerifyOptions opts)
    : db_(std::move(db)), m_(m), opts_(std::move(opts)) {
    session_.timezone = m_.timezone;
    session_.client_encoding = m_.encoding.empty() ? "UTF8" : m_.encoding;
}

void Verifier::verify_data(const ArchiveScanner& scanner) {
    if (opts_.level < DrillLevel::schema) return;
    Connection c(db_, "pgark verify");
    session_.apply(c);
    verify_schema(c, scanner);
    verify_sequences(c, scanner);
    if (opts_.level >= DrillLevel::rows) verify_tables(scanner, opts_.level);
    if (opts_.level >= DrillLevel::content) verify_large_objects(c);
}

void Verifier::run_checks() {
    Connection c(db_, "pgark verify");
    if (opts_.amcheck) run_amcheck(c);
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

void Verifier::verify_tables(const ArchiveScanner& scanner, DrillLevel level) {
    std::map<std::pair<std::string, std::string>, const TableData*> data;
    for (const auto& t : scanner.table_data()) data[{t.schema, t.table}] = &t;
    std::vector<TableResult> results(m_.tables.size());
    std::vector<std::size_t> order(m_.tables.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    // Largest first, so the parallel workers finish together.
    std::sort(order.begin(), order.end(),
              [&](auto a, auto b) { return m_.tables[a].rows > m_.tables[b].rows; });
    std::atomic<std::size_t> next{0};
    progress::begin("verify tables", order.size(), progress::Unit::items);
    std::exception_ptr failure;
    std::mutex failure_mu;
    auto worker = [&] {
        try {
            Connection c(db_, "pgark drill verify");
            session_.apply(c);
            for (std::size_t k; (k = next.fetch_add(1)) < order.size();) {
                cancel::throw_if_requested();
                const auto& exp = m_.tables[order[k]];
                TableResult& tr = results[order[k]];
                tr.schema = exp.schema;
                tr.name = exp.name;
                tr.expected_rows = exp.rows;
                tr.expected_hash = exp.hash;
                try {
                    if (level >= DrillLevel::content) {
                        auto it = data.find({exp.schema, exp.name});
                        if (it == data.end())
                            throw VerifyError("the archive has no data block for this table");
                        auto h = hash_table_content(c, it->second->copy_stmt);
                        tr.actual_rows = h.rows;
                        tr.actual_hash = copy_hash_hex(h.sum);
                    } else {
                        tr.actual_rows = count_table_rows(c, exp.schema, exp.name);
                    }
                    if (*tr.actual_rows != tr.expected_rows) {
                        tr.ok = false;
                        tr.detail = "expected " + std::to_string(tr.expected_rows) + " rows, found " +
                                    std::to_string(*tr.actual_rows);
                    } else if (tr.actual_hash && *tr.actual_hash != tr.expected_hash) {
                        tr.ok = false;
                        tr.detail = "same row count, different contents (hash " + tr.expected_hash +
                                    " expected, " + *tr.actual_hash + " found)";
                    }
                } catch (const Interrupted&) {
                    throw;
                } catch (const Error& e) {
                    tr.ok = false;
                    tr.detail = redact::scrub(e.what());
                }
                progress::add(1);
            }
        } catch (...) {
            std::lock_guard lk(failure_mu);
            if (!failure) failure = std::current_exception();
            next = order.size();
        }
    };
    int jobs = std::max<int>(1, std::min<int>(opts_.jobs, static_cast<int>(order.size())));
    std::vector<std::thread> threads;
    for (int i = 0; i < jobs; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
    out_.tables = std::move(results);
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

void Verifier::run_amcheck(Connection& c) {
    try {
        c.exec("CREATE EXTENSION IF NOT EXISTS amcheck");
    } catch (const PgError& e) {
        std::string why = e.what();
        out_.checks.push_back(CheckResult::skip(
            "amcheck", "skipped: amcheck not available (" + why.substr(why.rfind(": ") + 2) + ")"));
        return;
    }
    auto indexes = c.query(
        "SELECT c.oid::text, c.oid::regclass::text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON "
        "c.oid = i.indexrelid "
        "JOIN pg_catalog.pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' AND c.relkind = 'i' AND "
        "i.indisvalid "
        "AND c.relpersistence <> 't' "
        "AND c.relnamespace <> 'pg_catalog'::regnamespace AND c.relnamespace <> 'pg_toast'::regnamespace");
    std::vector<std::string> bad;
    for (const auto& row : indexes) {
        cancel::throw_if_requested();
        try {
            c.exec("SELECT bt_index_check(" + *row[0] + "::regclass, true)");
        } catch (const PgError& e) {
            bad.push_back(*row[1] + ": " + e.what());
        }
    }
    c.exec("DROP EXTENSION IF EXISTS amcheck");
    if (bad.empty())
        out_.checks.push_back(CheckResult::pass(
            "amcheck", std::to_string(indexes.size()) + " btree indexes consistent with their tables"));
    else {
        std::string d;
        for (const auto& b : bad) d += (d.empty() ? "" : "; ") + b;
        out_.checks.push_back(CheckResult::fail("amcheck", d));
    }
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
        } catch (const Interrupted&) {
            throw;
        } catch (const Error& e) {
            out_.checks.push_back(CheckResult::fail(name, std::string("error: ") + redact::scrub(e.what())));
        }
    }
}

}  // namespace pgark
