// pg_restore into a database (with the dominant tables loaded by pgark beside it), and the CREATE
// DATABASE options an archive asks for.
#include "restore/pg_restore_runner.h"

#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cerrno>

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <optional>
#include <regex>
#include <thread>

#include "pg/copy_loader.h"
#include "pg/pg_restore_errors.h"
#include "pg/restore_readiness.h"
#include "pg/table_content.h"
#include "pg/tools.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/process.h"
#include "util/progress.h"
#include "util/redact.h"
#include "util/test_hooks.h"
#include "util/text.h"

namespace pgark {

namespace {

// Tables that pg_restore's jobs could not share: each holds more data than the whole archive divided
// by the jobs, so its single COPY would outlast everything else. pgark loads those itself over `jobs`
// connections. Needs an uncompressed archive and a plain COPY statement.
std::vector<TableLoad> tables_to_split(const ArchiveScanner& scanner, int jobs) {
    std::vector<TableLoad> out;
    if (jobs < 2 || !scanner.data_hashed()) return out;
    std::uint64_t total = 0;
    for (const auto& t : scanner.table_data()) total += t.bytes;
    // Tests set a size from which every table is split, to run this path on small data.
    const auto forced = test_hooks::number("PGARK_TEST_SPLIT_LOAD_BYTES", -1);
    for (const auto& t : scanner.table_data()) {
        bool big = forced >= 0 ? t.bytes >= static_cast<std::uint64_t>(forced)
                               : t.bytes >= (32u << 20) && t.bytes > total / static_cast<std::uint64_t>(jobs);
        if (!big || !t.complete) continue;
        const auto* e = scanner.find_entry(t.dump_id);
        auto target = parse_copy_target(t.copy_stmt);
        if (e && e->block_pos && target && !target->columns.empty()) out.push_back({e, *target});
    }
    return out;
}

}  // namespace

std::string restore_archive(const std::filesystem::path& spool, const ConnParams& c, const Manifest& m,
                            const std::string& bin_dir, int jobs, bool restore_owner,
                            const ArchiveScanner* scanner, const ItemFinishedFn& on_finished) {
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
    // pg_restore reports no progress: the bytes its processes read from the spool, plus what pgark
    // loaded itself, approximate it.
    std::error_code ec;
    const auto spool_size = std::filesystem::file_size(spool, ec);
    if (!ec) progress::set_total(spool_size);
    std::uint64_t read_before = 0;  // by earlier pg_restore runs
    std::atomic<std::uint64_t> loaded{0};

    // Thrown from pg_restore's wait when `give_up` is set: the Child's destructor stops pg_restore.
    struct GaveUp {};
    auto run = [&](const std::vector<std::string>& sections, int n,
                   const std::optional<std::filesystem::path>& list = std::nullopt,
                   const std::atomic<bool>* give_up = nullptr) {
        ProcessSpec spec;
        spec.program = tools.program("pg_restore");
        spec.args = {"--dbname", c.conninfo(), "--jobs", std::to_string(n), "--no-password"};
        for (const auto& sec : sections) spec.args.push_back("--section=" + sec);
        if (list) spec.args.push_back("--use-list=" + list->string());
        if (!restore_owner) {
            spec.args.push_back("--no-owner");
            spec.args.push_back("--no-privileges");
        }
        spec.args.push_back(spool.string());
        spec.env_set = auth.env();
        spec.env_set["PGAPPNAME"] = "pgark restore";
        spec.env_unset = ChildPgAuth::env_to_unset();
        spec.stdout_mode = ProcessSpec::Out::null;
        if (on_finished && n > 1) {
            // A parallel pg_restore reports each finished item; verification follows it (its messages
            // in English whatever the locale, and only its errors and warnings kept for our messages).
            spec.args.push_back("--verbose");
            spec.env_set["LC_MESSAGES"] = "C";
            spec.env_unset.push_back("LC_ALL");
            spec.env_unset.push_back("LANGUAGE");
            spec.stderr_line = [&on_finished](std::string_view line) {
                if (auto id = parse_finished_item(line)) on_finished(*id);
                return !is_pg_restore_info_line(line);
            };
        }
        auto child = Child::spawn(spec);
        std::uint64_t read = 0;
        auto next_sample = std::chrono::steady_clock::now();
        auto st = child->wait_cancellable([&] {
            if (give_up && *give_up) throw GaveUp{};
            auto now = std::chrono::steady_clock::now();
            if (now < next_sample) return;
            next_sample = now + std::chrono::milliseconds(250);
            read = std::max(read, process_group_read_bytes(child->pid()));
            progress::raise_to(std::min<std::uint64_t>(read_before + read + loaded, spool_size));
        });
        read_before += read;
        test_hooks::crash_point("restore: pg_restore ended");
        auto err = redact::scrub(pg_restore_error_summary(child->stderr_text()));
        if (!st.ok())
            throw PgError("pg_restore into " + c.dbname() + " failed (" + st.describe() + ")" +
                          (err.empty() ? "" : ":\n  " + err));
    };

    const std::string how = "pg_restore --jobs " + std::to_string(jobs);
    auto split = scanner ? tables_to_split(*scanner, jobs) : std::vector<TableLoad>{};
    if (split.empty()) {
        if (!serial_post_data) {
            run({}, jobs);
            return how;
        }
        run({"pre-data", "data"}, jobs);
        run({"post-data"}, 1);
        return how + " (post-data in one job: partitioned indexes)";
    }

    // Sections one after another, the large tables' rows loaded by pgark beside pg_restore's data pass.
    run({"pre-data"}, 1);
    auto list = spool.parent_path() / "data-without-split-tables.list";
    {
        std::string text = "; TOC entries pg_restore restores (pgark loads the others itself)\n";
        for (const auto& e : scanner->toc())
            if (std::none_of(split.begin(), split.end(), [&](const TableLoad& t) { return t.entry == &e; }))
                text += std::to_string(e.dump_id) + ";\n";
        std::ofstream out(list, std::ios::trunc);
        out << text;
        if (!out.flush()) throw Error("cannot write " + list.string() + " (the restore spool's directory)");
    }
    std::atomic<bool> stop{false}, load_failed{false}, load_done{false};
    std::exception_ptr load_error;
    auto session = archive_session(*scanner);
    const auto batch_bytes =
        static_cast<std::size_t>(test_hooks::number("PGARK_TEST_LOAD_BATCH_BYTES", 1 << 20));
    std::thread loader([&] {
        try {
            for (const auto& t : split) {
                load_table_data(c, spool, scanner->header(), session, t, jobs, &loaded, stop, batch_bytes);
                if (stop) return;
                spdlog::debug("restore: loaded {} over {} connections", t.target.relation, jobs);
                if (on_finished) on_finished(t.entry->dump_id);
            }
        } catch (...) {
            load_error = std::current_exception();
            load_failed = true;
        }
        load_done = true;
    });
    struct JoinOnExit {  // stops the loader when pg_restore fails or the run is interrupted
        std::thread& t;
        std::atomic<bool>& stop;
        ~JoinOnExit() {
            if (!t.joinable()) return;
            stop = true;
            t.join();
        }
    } join_loader{loader, stop};
    try {
        run({"data"}, jobs, list, &load_failed);  // a failed load stops pg_restore's data pass at once
    } catch (const GaveUp&) {
    }
    // The split tables are the largest: pg_restore may be done long before them. Keep the progress
    // line moving and stay interruptible meanwhile.
    while (!load_done) {
        cancel::throw_if_requested();
        progress::raise_to(std::min<std::uint64_t>(read_before + loaded, spool_size));
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    loader.join();
    if (load_error) std::rethrow_exception(load_error);
    run({"post-data"}, serial_post_data ? 1 : jobs);
    std::string tables;
    for (const auto& t : split) tables += (tables.empty() ? "" : ", ") + t.target.relation;
    return how + ", " + tables + " loaded over " + std::to_string(jobs) + " connections" +
           (serial_post_data ? ", post-data in one job (partitioned indexes)" : "");
}

// CREATE DATABASE options (encoding, locale provider, locale) taken from the archive's DATABASE entry.
// The values cannot hold a quote (the patterns stop at one), so they are safe inside quotes.
std::string create_database_options(const ArchiveScanner& scanner, bool with_locale) {
    std::string opts;
    static const std::regex enc(R"(ENCODING = '([^']+)')"), loc(R"(\bLOCALE = '([^']+)')"),
        coll(R"(LC_COLLATE = '([^']+)')"), ctype(R"(LC_CTYPE = '([^']+)')"),
        provider(R"(LOCALE_PROVIDER = ([A-Za-z]+))"), icu(R"(ICU_LOCALE = '([^']+)')");
    for (const auto& e : scanner.toc()) {
        if (e.desc != "DATABASE") continue;
        std::smatch m;
        if (std::regex_search(e.defn, m, enc)) opts += "ENCODING '" + m.str(1) + "' ";
        if (!with_locale) return opts + "LOCALE 'C'";
        if (std::regex_search(e.defn, m, loc)) opts += "LOCALE '" + m.str(1) + "' ";
        if (std::regex_search(e.defn, m, coll)) opts += "LC_COLLATE '" + m.str(1) + "' ";
        if (std::regex_search(e.defn, m, ctype)) opts += "LC_CTYPE '" + m.str(1) + "' ";
        // An ICU database sorts text by its ICU locale: without these it would come back as libc and
        // sort differently (PostgreSQL 15 dumps both).
        if (std::regex_search(e.defn, m, provider)) opts += "LOCALE_PROVIDER " + m.str(1) + " ";
        if (std::regex_search(e.defn, m, icu)) opts += "ICU_LOCALE '" + m.str(1) + "' ";
        return opts;
    }
    auto e = scanner.encoding();
    return e.empty() ? "" : "ENCODING '" + e + "'" + (with_locale ? "" : " LOCALE 'C'");
}

}  // namespace pgark
