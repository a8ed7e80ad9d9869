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
#include "pg/restore_readiness.h"
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

}  // namespace pgark
