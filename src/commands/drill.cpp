// The drill job: composition of archive verification (with a one-pass spool), scratch database,
// pg_restore, and the verification levels of DESIGN.md section 2.
#include "commands/drill.h"

#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <spdlog/spdlog.h>
#include <thread>

#include <xxhash.h>

#include "commands/verify.h"
#include "pg/connection.h"
#include "pg/scratch_db.h"
#include "pg/table_content.h"
#include "pg/tools.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/process.h"
#include "util/redact.h"
#include "util/temp.h"
#include "util/units.h"

namespace pgark {

std::string drill_report_key(const std::string& database, const std::string& drill_id) {
    return "drills/" + encode_db_component(database) + "/" + drill_id + ".json";
}

namespace {

std::string hex64(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string make_drill_id(const std::string& database, SystemTime now) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    char rnd[8];
    std::snprintf(rnd, sizeof rnd, "%04llx", static_cast<unsigned long long>(rng() & 0xffff));
    return BackupId::make(database, now).str() + "_" + rnd;
}

std::string tail_lines(const std::string& text, std::size_t max_lines = 10) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    std::string out;
    for (std::size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i)
        out += (out.empty() ? "" : "\n  ") + lines[i];
    return out;
}

// The server to restore into: drill.target, or the source server.
ConnParams target_server(const Context& ctx, const Manifest& m) {
    const auto& target = ctx.config().str("drill.target");
    if (!target.empty()) {
        auto p = parse_conninfo(target);
        if (p.password.empty()) p.password = ctx.config().str("database.password");
        if (!p.password.empty()) redact::register_secret(p.password);
        if (p.dbname().empty()) p.params["dbname"] = "postgres";
        return p;
    }
    return ctx.server_params(m.database);
}

// CREATE DATABASE options (encoding, locale) taken from the archive's DATABASE entry.
std::string create_options(const ArchiveScanner& scanner, bool with_locale) {
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

void check_spool_space(const std::filesystem::path& dir, std::uint64_t need) {
    struct statvfs st {};
    if (::statvfs(dir.c_str(), &st) != 0) return;
    std::uint64_t avail = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    std::uint64_t want = need + need / 50 + (16u << 20);
    if (avail < want)
        throw Error("not enough free space in " + dir.string() + " for the restore spool: need " + units::format_size(want) +
                    ", have " + units::format_size(avail) + "; set drill.spool_dir (PGARK_SPOOL_DIR) to a larger filesystem");
}

// Removes spool directories of drills that were killed (SIGKILL leaves them behind).
void sweep_stale_spools(const std::filesystem::path& parent) {
    static const std::regex name(R"(^pgark-drill-(\d+)-[A-Za-z0-9]{6}$)");
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(parent, ec)) {
        std::smatch m;
        auto fname = e.path().filename().string();
        if (!std::regex_match(fname, m, name)) continue;
        pid_t pid = static_cast<pid_t>(std::stol(m.str(1)));
        if (pid == getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
        spdlog::info("removing the spool {} of a drill that is gone (pid {})", e.path().string(), pid);
        std::filesystem::remove_all(e.path(), ec);
    }
}

class Drill {
public:
    Drill(const Context& ctx, Repository& repo, Manifest m) : ctx_(ctx), repo_(repo), m_(std::move(m)) {}

    DrillReport run();

private:
    template <typename F>
    void phase(const std::string& name, F&& fn) {
        Stopwatch sw;
        spdlog::info("drill {}: {}", r_.id, name);
        PhaseTiming p{name, 0, true, ""};
        try {
            fn(p);
        } catch (...) {
            p.seconds = sw.seconds();
            p.ok = false;
            r_.phases.push_back(p);
            throw;
        }
        p.seconds = sw.seconds();
        r_.phases.push_back(p);
    }
    void restore(const std::filesystem::path& spool, ScratchDatabase& scratch, PhaseTiming& p);
    void verify_schema(Connection& c, const ArchiveScanner& scanner);
    void verify_sequences(Connection& c, const ArchiveScanner& scanner);
    void verify_tables(ScratchDatabase& scratch, const ArchiveScanner& scanner, DrillLevel level);
    void verify_large_objects(Connection& c);
    void run_amcheck(Connection& c);
    void run_user_checks(ScratchDatabase& scratch);

    const Context& ctx_;
    Repository& repo_;
    Manifest m_;
    DrillReport r_;
    CopySession session_;
};

DrillReport Drill::run() {
    r_.started_at = std::chrono::system_clock::now();
    r_.id = make_drill_id(m_.database, r_.started_at);
    r_.backup_id = m_.id.str();
    r_.database = m_.database;
    auto level = *parse_drill_level(ctx_.config().str("drill.level"));
    r_.level = to_string(level);
    const auto bin_dir = ctx_.config().str("pg.bin_dir");
    session_.timezone = m_.timezone;
    session_.client_encoding = m_.encoding.empty() ? "UTF8" : m_.encoding;

    ConnParams target = target_server(ctx_, m_);
    r_.target = target.display().substr(0, target.display().rfind('/'));
    if (level > DrillLevel::archive) {
        try {
            auto swept = sweep_scratch_databases(target, ctx_.config().duration("drill.sweep_after"));
            for (const auto& s : swept) spdlog::info("swept leftover scratch database {}", s);
        } catch (const Error& e) {
            spdlog::warn("could not sweep leftover scratch databases: {}", redact::scrub(e.what()));
        }
    }

    auto spool_parent = ctx_.config().str("drill.spool_dir").empty() ? default_temp_parent()
                                                                     : std::filesystem::path(ctx_.config().str("drill.spool_dir"));
    std::unique_ptr<TempDir> spool_dir;
    std::filesystem::path spool;
    if (level > DrillLevel::archive) {
        check_spool_space(spool_parent, m_.raw_bytes);
        sweep_stale_spools(spool_parent);
        // The pid in the name lets a later drill tell a dead drill's spool from a running one's.
        spool_dir = std::make_unique<TempDir>("pgark-drill-" + std::to_string(getpid()), spool_parent);
        spool = spool_dir->path() / "archive.pgdump";
    }

    // Download and validate in one pass; a corrupt archive stops the drill before any database exists.
    ArchiveVerification av;
    phase("download+validate", [&](PhaseTiming& p) {
        av = verify_archive(repo_, m_, bin_dir, spool.empty() ? nullptr : &spool);
        for (auto& c : av.checks) r_.checks.push_back(c);
        p.ok = av.ok();
        p.detail = units::format_size(m_.stored_bytes) + " downloaded, " + units::format_size(m_.raw_bytes) + " archive";
    });
    r_.restore_seconds = r_.phases.back().seconds;
    if (!av.ok()) {
        r_.error = "the archive failed verification: " + failure_summary(av.checks);
        return r_;
    }
    if (level == DrillLevel::archive) {
        r_.ok = true;
        return r_;
    }

    std::unique_ptr<ScratchDatabase> scratch;
    bool keep_on_failure = ctx_.config().boolean("drill.keep_on_failure");
    try {
        phase("create database", [&](PhaseTiming& p) {
            auto name = scratch_database_name(m_.database, r_.started_at);
            auto mark = ScratchMark::for_this_process(r_.id);
            try {
                scratch = std::make_unique<ScratchDatabase>(target, name, mark, create_options(*av.scanner, true));
            } catch (const PgError& e) {
                // The backup's locale may not exist on the restore server; C keeps byte order semantics.
                spdlog::warn("creating the scratch database with the backup's locale failed ({}); retrying with LOCALE 'C'",
                             redact::scrub(e.what()));
                scratch = std::make_unique<ScratchDatabase>(target, name, mark, create_options(*av.scanner, false));
                p.detail = "locale C (the backup's locale is not available on " + r_.target + ")";
            }
            r_.scratch_database = name;
        });
        phase("restore", [&](PhaseTiming& p) { restore(spool, *scratch, p); });
        for (std::size_t i = 1; i < r_.phases.size(); ++i) r_.restore_seconds += r_.phases[i].seconds;

        if (getenv("PGARK_TEST_HOOKS") && getenv("PGARK_TEST_AFTER_RESTORE_SQL")) {
            // Test-only: tamper with the restored data to prove verification catches it.
            Connection c(scratch->conn(), "pgark drill test hook");
            c.exec(getenv("PGARK_TEST_AFTER_RESTORE_SQL"));
        }

        phase("verify", [&](PhaseTiming& p) {
            Connection c(scratch->conn(), "pgark drill");
            session_.apply(c);
            verify_schema(c, *av.scanner);
            verify_sequences(c, *av.scanner);
            if (level >= DrillLevel::rows) verify_tables(*scratch, *av.scanner, level);
            if (level >= DrillLevel::content) verify_large_objects(c);
            p.detail = std::to_string(r_.tables.size()) + " tables, " + std::to_string(r_.tables_mismatched()) + " mismatched";
            p.ok = r_.tables_mismatched() == 0 && all_passed(r_.checks);
        });
        phase("checks", [&](PhaseTiming& p) {
            Connection c(scratch->conn(), "pgark drill");
            if (ctx_.config().str("drill.amcheck") != "off") run_amcheck(c);
            run_user_checks(*scratch);
            p.ok = all_passed(r_.checks);
        });
    } catch (const Interrupted&) {
        throw;  // RAII drops the scratch database and removes the spool
    } catch (const Error& e) {
        r_.error = redact::scrub(e.what());
    }
    r_.ok = r_.error.empty() && all_passed(r_.checks) && r_.tables_mismatched() == 0;
    if (scratch) {
        if (!r_.ok && keep_on_failure) {
            scratch->keep();
            r_.scratch_kept = true;
            spdlog::warn("keeping scratch database {} on {} for inspection (drop it when done)", scratch->name(), r_.target);
        } else {
            phase("cleanup", [&](PhaseTiming&) { scratch->drop(); });
        }
    }
    return r_;
}

void Drill::restore(const std::filesystem::path& spool, ScratchDatabase& scratch, PhaseTiming& p) {
    ConnParams c = scratch.conn();
    ChildPgAuth auth(c);
    int major = 0;
    try {
        major = std::stoi(m_.pg_dump_version);
    } catch (...) {
    }
    PgTools tools = locate_pg_tools(ctx_.config().str("pg.bin_dir"), major);
    ProcessSpec spec;
    spec.program = tools.program("pg_restore");
    int jobs = static_cast<int>(ctx_.config().integer("drill.jobs"));
    spec.args = {"--dbname", c.conninfo(), "--jobs", std::to_string(jobs), "--no-password"};
    if (!ctx_.config().boolean("drill.restore_owner")) {
        spec.args.push_back("--no-owner");
        spec.args.push_back("--no-privileges");
    }
    spec.args.push_back(spool.string());
    spec.env_set = auth.env();
    spec.env_set["PGAPPNAME"] = "pgark drill";
    spec.env_unset = ChildPgAuth::env_to_unset();
    spec.stdout_mode = ProcessSpec::Out::null;
    auto child = Child::spawn(spec);
    auto st = child->wait_cancellable();
    auto err = redact::scrub(tail_lines(child->stderr_text()));
    if (!st.ok()) throw PgError("pg_restore into " + scratch.name() + " failed (" + st.describe() + ")" + (err.empty() ? "" : ":\n  " + err));
    p.detail = "pg_restore --jobs " + std::to_string(jobs);
}

void Drill::verify_schema(Connection& c, const ArchiveScanner& scanner) {
    std::vector<std::string> missing;
    std::size_t checked = 0;
    for (const auto& e : scanner.toc()) {
        std::string sql, arg;
        const std::string qualified = e.schema.empty() ? c.quote_ident(e.tag) : c.quote_ident(e.schema) + "." + c.quote_ident(e.tag);
        if (e.desc == "SCHEMA") {
            sql = "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = $1";
            arg = e.tag;
        } else if (e.desc == "TABLE" || e.desc == "VIEW" || e.desc == "SEQUENCE" || e.desc == "INDEX" ||
                   e.desc == "MATERIALIZED VIEW" || e.desc == "FOREIGN TABLE") {
            sql = "SELECT count(*) FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass($1)";
            arg = qualified;
        } else if (e.desc == "MATERIALIZED VIEW DATA") {
            sql = "SELECT count(*) FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass($1) AND relispopulated";
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
        if (c.scalar(sql, {arg}) == "0") missing.push_back(e.desc + " " + (e.schema.empty() ? "" : e.schema + ".") + e.tag);
    }
    if (missing.empty()) {
        r_.checks.push_back(CheckResult::pass("schema", std::to_string(checked) + " objects present"));
    } else {
        std::string list;
        for (std::size_t i = 0; i < missing.size() && i < 10; ++i) list += (i ? ", " : "") + missing[i];
        if (missing.size() > 10) list += ", ...";
        r_.checks.push_back(CheckResult::fail("schema", std::to_string(missing.size()) + " of " + std::to_string(checked) +
                                                            " objects missing: " + list));
    }
}

void Drill::verify_sequences(Connection& c, const ArchiveScanner& scanner) {
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
        r_.checks.push_back(CheckResult::pass("sequences", std::to_string(checked) + " sequence values match"));
    else {
        std::string d;
        for (const auto& w : wrong) d += (d.empty() ? "" : "; ") + w;
        r_.checks.push_back(CheckResult::fail("sequences", d));
    }
}

void Drill::verify_tables(ScratchDatabase& scratch, const ArchiveScanner& scanner, DrillLevel level) {
    std::map<std::pair<std::string, std::string>, const TableData*> data;
    for (const auto& t : scanner.table_data()) data[{t.schema, t.table}] = &t;
    std::vector<TableResult> results(m_.tables.size());
    std::vector<std::size_t> order(m_.tables.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    // Largest first, so the parallel workers finish together.
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return m_.tables[a].rows > m_.tables[b].rows; });
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mu;
    auto worker = [&] {
        try {
            Connection c(scratch.conn(), "pgark drill verify");
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
                        if (it == data.end()) throw VerifyError("the archive has no data block for this table");
                        auto h = hash_table_content(c, it->second->copy_stmt);
                        tr.actual_rows = h.rows;
                        tr.actual_hash = hex64(h.sum);
                    } else {
                        tr.actual_rows = count_table_rows(c, exp.schema, exp.name);
                    }
                    if (*tr.actual_rows != tr.expected_rows) {
                        tr.ok = false;
                        tr.detail = "expected " + std::to_string(tr.expected_rows) + " rows, found " + std::to_string(*tr.actual_rows);
                    } else if (tr.actual_hash && *tr.actual_hash != tr.expected_hash) {
                        tr.ok = false;
                        tr.detail = "same row count, different contents (hash " + tr.expected_hash + " expected, " +
                                    *tr.actual_hash + " found)";
                    }
                } catch (const Interrupted&) {
                    throw;
                } catch (const Error& e) {
                    tr.ok = false;
                    tr.detail = redact::scrub(e.what());
                }
            }
        } catch (...) {
            std::lock_guard lk(failure_mu);
            if (!failure) failure = std::current_exception();
            next = order.size();
        }
    };
    int jobs = std::max<int>(1, std::min<int>(static_cast<int>(ctx_.config().integer("drill.jobs")), static_cast<int>(order.size())));
    std::vector<std::thread> threads;
    for (int i = 0; i < jobs; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
    r_.tables = std::move(results);
}

void Drill::verify_large_objects(Connection& c) {
    auto oids = c.query("SELECT oid::text FROM pg_catalog.pg_largeobject_metadata ORDER BY oid");
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
            for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
            XXH3_64bits_update(st, bytes.data(), bytes.size());
            if (static_cast<long>(bytes.size()) < chunk) break;
        }
        sum += XXH3_64bits_digest(st);
        XXH3_freeState(st);
    }
    bool ok = oids.size() == m_.large_objects && (m_.large_objects == 0 || hex64(sum) == m_.large_objects_hash);
    auto detail = std::to_string(oids.size()) + " large objects" +
                  (ok ? " match" : ", backup had " + std::to_string(m_.large_objects) + " (hash " + m_.large_objects_hash +
                                       " expected, " + hex64(sum) + " found)");
    r_.checks.push_back(ok ? CheckResult::pass("large objects", detail) : CheckResult::fail("large objects", detail));
}

void Drill::run_amcheck(Connection& c) {
    try {
        c.exec("CREATE EXTENSION IF NOT EXISTS amcheck");
    } catch (const PgError& e) {
        std::string why = e.what();
        r_.checks.push_back(CheckResult::skip("amcheck", "skipped: amcheck not available (" + why.substr(why.rfind(": ") + 2) + ")"));
        return;
    }
    auto indexes = c.query(
        "SELECT c.oid::text, c.oid::regclass::text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_catalog.pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid "
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
        r_.checks.push_back(CheckResult::pass("amcheck", std::to_string(indexes.size()) + " btree indexes consistent with their tables"));
    else {
        std::string d;
        for (const auto& b : bad) d += (d.empty() ? "" : "; ") + b;
        r_.checks.push_back(CheckResult::fail("amcheck", d));
    }
}

void Drill::run_user_checks(ScratchDatabase& scratch) {
    for (const auto& uc : ctx_.config().user_checks()) {
        cancel::throw_if_requested();
        std::string name = "check: " + uc.name;
        try {
            Connection c(scratch.conn(), "pgark drill check");
            c.exec("SET statement_timeout = '10min'");
            auto rows = c.query(uc.sql);
            if (rows.size() != 1 || rows[0].empty()) {
                r_.checks.push_back(CheckResult::fail(name, "returned " + std::to_string(rows.size()) + " rows; a check must return one row"));
                continue;
            }
            std::string value = rows[0][0] ? *rows[0][0] : "NULL";
            if (value == uc.expect) r_.checks.push_back(CheckResult::pass(name, "returned " + value));
            else r_.checks.push_back(CheckResult::fail(name, "returned " + value + ", expected " + uc.expect));
        } catch (const Interrupted&) {
            throw;
        } catch (const Error& e) {
            r_.checks.push_back(CheckResult::fail(name, std::string("error: ") + redact::scrub(e.what())));
        }
    }
}

}  // namespace

DrillResult run_drill(const Context& ctx, const std::string& id_or_latest) {
    Repository repo = ctx.open_repository();
    auto m = repo.resolve(id_or_latest, id_or_latest == "latest" ? ctx.database_name() : std::nullopt);
    Drill drill(ctx, repo, m);
    DrillResult result;
    result.repository = repo.describe();
    result.report = drill.run();
    result.report.finished_at = std::chrono::system_clock::now();
    result.report_key = drill_report_key(m.database, result.report.id);
    try {
        repo.storage().put(result.report_key, result.report.to_json());
    } catch (const Error& e) {
        spdlog::error("could not store the drill report: {}", redact::scrub(e.what()));
        result.report_key.clear();
    }
    return result;
}

std::vector<std::string> run_drill_sweep(const Context& ctx) {
    auto spool_parent = ctx.config().str("drill.spool_dir").empty() ? default_temp_parent()
                                                                    : std::filesystem::path(ctx.config().str("drill.spool_dir"));
    sweep_stale_spools(spool_parent);
    const auto& target = ctx.config().str("drill.target");
    ConnParams server = target.empty() ? ctx.server_params("postgres") : parse_conninfo(target);
    if (server.password.empty()) server.password = ctx.config().str("database.password");
    return sweep_scratch_databases(server, ctx.config().duration("drill.sweep_after"));
}

}  // namespace pgark
