// Verification of a stored backup, streaming: one read of the object feeds SHA-256, zstd
// decompression (with its frame checksums), pgark's archive scanner and `pg_restore --list`.
#include "restore/archive_check.h"

#include <fcntl.h>
#include <signal.h>

#include <spdlog/spdlog.h>
#include <map>
#include <optional>
#include <regex>
#include <thread>

#include "core/copy_text_hasher.h"
#include "pg/archive_offsets.h"
#include "pg/archive_scanner.h"
#include "pg/tools.h"
#include "stream/sha256.h"
#include "stream/threaded_sink.h"
#include "stream/zstd.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/process.h"
#include "util/progress.h"
#include "util/redact.h"
#include "util/test_hooks.h"
#include "util/units.h"

namespace pgark {

namespace {

// What `pg_restore --list` says: the archive header's TOC count ("; TOC Entries: 32") and the number
// of entries it lists (the internal ENCODING/STDSTRINGS/SEARCHPATH entries are not listed).
struct ListSummary {
    std::optional<std::uint64_t> toc_entries;
    std::uint64_t listed = 0;
};

ListSummary summarize_list(const std::string& text) {
    static const std::regex header(R"(^;\s+TOC Entries: (\d+))");
    static const std::regex entry(R"(^\d+; )");
    ListSummary s;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        std::smatch m;
        if (std::regex_search(line, m, header))
            s.toc_entries = std::stoull(m[1]);
        else if (std::regex_search(line, entry))
            ++s.listed;
        start = end + 1;
    }
    return s;
}

PgTools tools_for(const Manifest& m, const std::string& bin_dir) {
    int major = 0;
    try {
        major = std::stoi(m.pg_dump_version);
    } catch (...) {
    }
    return locate_pg_tools(bin_dir, major);
}

}  // namespace

ArchiveVerification verify_archive(Repository& repo, const Manifest& m, const std::string& pg_bin_dir,
                                   const std::filesystem::path* spool) {
    ArchiveVerification result;
    result.scanner = std::make_unique<ArchiveScanner>();
    auto& checks = result.checks;
    auto& scanner = *result.scanner;
    auto key = layout::archive_key(m.id);
    auto info = repo.storage().stat(key);
    if (!info) {
        checks.push_back(CheckResult::fail("archive present", key + " is missing"));
        return result;
    }
    if (info->size != m.stored_bytes)
        checks.push_back(CheckResult::fail("size", "manifest says " + std::to_string(m.stored_bytes) +
                                                       " bytes, stored object has " +
                                                       std::to_string(info->size)));
    else
        checks.push_back(CheckResult::pass("size", std::to_string(info->size) + " bytes"));

    PgTools tools = tools_for(m, pg_bin_dir);
    ProcessSpec spec;
    spec.program = tools.program("pg_restore");
    spec.args = {"--list"};
    spec.stdin_mode = ProcessSpec::In::pipe;
    spec.env_unset = ChildPgAuth::env_to_unset();
    auto restore_list = Child::spawn(spec);
    std::string list_out;
    std::thread list_reader([&] {
        std::byte buf[65536];
        try {
            for (;;) {
                std::size_t n = read_some(restore_list->stdout_fd(), buf, "pg_restore --list output");
                if (n == 0) break;
                list_out.append(reinterpret_cast<const char*>(buf), n);
            }
        } catch (...) {
        }
    });
    struct JoinGuard {
        std::thread& t;
        Child& c;
        ~JoinGuard() {
            // On an early exit, kill pg_restore so the reader thread sees end of file.
            c.close_stdin();
            if (t.joinable()) {
                c.kill(SIGKILL);
                t.join();
            }
        }
    } join_guard{list_reader, *restore_list};

    UniqueFd spool_fd;
    if (spool) {
        spool_fd.reset(::open(spool->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (!spool_fd)
            throw Error("cannot create the restore spool " + spool->string() + ": " + errno_text(errno));
    }
    Sha256 sha;
    bool list_alive = true;
    std::string decode_error, scan_error;
    // Scanning and spooling the decompressed archive run on a thread of their own, beside the
    // decompression: each takes about a core for the same time.
    ThreadedSink consume([&](std::span<const std::byte> raw) {
        if (scan_error.empty()) {
            try {
                scanner.feed(raw);
            } catch (const VerifyError& e) {
                scan_error = e.what();
            }
        }
        // pg_restore --list stops reading after the TOC; then it is simply no longer fed.
        if (list_alive) list_alive = write_all(restore_list->stdin_fd(), raw, "pg_restore input");
        if (spool_fd) {
            try {
                if (!write_all(spool_fd.get(), raw, spool->string()))
                    throw Error("writing the restore spool " + spool->string() + " failed");
            } catch (const Error& e) {
                // Free space was checked before the download, but another process may have taken it since.
                throw Error(
                    std::string(e.what()) + "; the restore spool needs room for the whole archive (" +
                    units::format_size(m.raw_bytes) +
                    "): free space there or set drill.spool_dir (PGARK_SPOOL_DIR) to a larger filesystem");
            }
        }
        if (spool_fd) test_hooks::crash_point("restore spool: chunk written");
    });
    ZstdDecompressor zstd(consume.as_sink());

    auto reader = repo.storage().open(key);
    progress::set_total(m.stored_bytes);
    std::vector<std::byte> buf(1 << 20);
    for (;;) {
        cancel::throw_if_requested();
        std::size_t n = reader->read(buf);
        if (n == 0) break;
        progress::add(n);
        std::span<const std::byte> chunk(buf.data(), n);
        sha.update(chunk);
        if (decode_error.empty()) {
            try {
                zstd.write(chunk);
            } catch (const VerifyError& e) {
                decode_error = e.what();
            }
        }
    }
    if (decode_error.empty()) {
        try {
            zstd.finish();
        } catch (const VerifyError& e) {
            decode_error = e.what();
        }
    }
    consume.finish();
    restore_list->close_stdin();
    list_reader.join();
    auto list_status = restore_list->wait();

    auto digest = sha.hex_digest();
    if (digest == m.sha256)
        checks.push_back(CheckResult::pass("sha256", digest));
    else
        checks.push_back(
            CheckResult::fail("sha256", "expected " + m.sha256 + ", stored object hashes to " + digest));

    if (!decode_error.empty()) {
        checks.push_back(CheckResult::fail("decompress", decode_error));
    } else if (zstd.bytes_out() != m.raw_bytes) {
        checks.push_back(CheckResult::fail("decompress", "expected " + std::to_string(m.raw_bytes) +
                                                             " bytes, decompressed " +
                                                             std::to_string(zstd.bytes_out())));
    } else {
        checks.push_back(
            CheckResult::pass("decompress", std::to_string(zstd.bytes_out()) + " bytes, zstd checksums ok"));
    }

    if (scan_error.empty() && decode_error.empty()) {
        try {
            scanner.finish();
        } catch (const VerifyError& e) {
            scan_error = e.what();
        }
        if (scan_error.empty() && spool_fd) {
            auto n = write_data_offsets(spool_fd.get(), scanner);
            spdlog::debug("restore spool: wrote the data offsets of {} TOC entries", n);
        }
    }
    if (!scan_error.empty()) {
        checks.push_back(CheckResult::fail("archive contents", scan_error));
    } else if (!decode_error.empty()) {
        checks.push_back(
            CheckResult::skip("archive contents", "not checked: the archive does not decompress"));
    } else {
        std::vector<std::string> diffs;
        if (scanner.toc().size() != m.toc_entries)
            diffs.push_back("TOC has " + std::to_string(scanner.toc().size()) + " entries, manifest says " +
                            std::to_string(m.toc_entries));
        std::map<std::pair<std::string, std::string>, const TableStats*> expected;
        for (const auto& t : m.tables) expected[{t.schema, t.name}] = &t;
        for (const auto& t : scanner.table_data()) {
            auto it = expected.find({t.schema, t.table});
            if (it == expected.end()) {
                diffs.push_back("table " + t.schema + "." + t.table + " is not in the manifest");
                continue;
            }
            auto rows = t.rows.value_or(0);
            auto hash = copy_hash_hex(t.hash_sum.value_or(0));
            if (it->second->rows != rows || it->second->hash != hash)
                diffs.push_back("table " + t.schema + "." + t.table + ": manifest " +
                                std::to_string(it->second->rows) + " rows (hash " + it->second->hash +
                                "), archive " + std::to_string(rows) + " rows (hash " + hash + ")");
            expected.erase(it);
        }
        for (const auto& [k, t] : expected)
            diffs.push_back("table " + k.first + "." + k.second + " has no data in the archive");
        // Large objects are checked like tables: their count, and the hash of their contents.
        const auto blob_hash = copy_hash_hex(scanner.blob_hash_sum());
        if (m.large_objects_recorded &&
            (scanner.blob_count() != m.large_objects ||
             (m.large_objects > 0 && !m.large_objects_hash.empty() && blob_hash != m.large_objects_hash)))
            diffs.push_back("large objects: manifest " + std::to_string(m.large_objects) + " (hash " +
                            m.large_objects_hash + "), archive " + std::to_string(scanner.blob_count()) +
                            " (hash " + blob_hash + ")");
        if (diffs.empty())
            checks.push_back(CheckResult::pass("archive contents",
                                               std::to_string(scanner.toc().size()) + " TOC entries, " +
                                                   std::to_string(m.tables.size()) + " tables' rows and " +
                                                   std::to_string(m.large_objects) +
                                                   " large objects match the manifest"));
        else {
            std::string d;
            for (const auto& x : diffs) d += (d.empty() ? "" : "; ") + x;
            checks.push_back(CheckResult::fail("archive contents", d));
        }
    }

    auto listed = summarize_list(list_out);
    if (!list_status.ok()) {
        std::string err = restore_list->stderr_text();
        while (!err.empty() && err.back() == '\n') err.pop_back();
        checks.push_back(
            CheckResult::fail("pg_restore --list", list_status.describe() + (err.empty() ? "" : ": " + err)));
    } else if (!listed.toc_entries || *listed.toc_entries != m.toc_entries || listed.listed == 0) {
        checks.push_back(CheckResult::fail(
            "pg_restore --list",
            "reads " + (listed.toc_entries ? std::to_string(*listed.toc_entries) : "no") + " TOC entries (" +
                std::to_string(listed.listed) + " listed), manifest says " + std::to_string(m.toc_entries)));
    } else {
        checks.push_back(
            CheckResult::pass("pg_restore --list", std::to_string(*listed.toc_entries) + " TOC entries, " +
                                                       std::to_string(listed.listed) + " listed"));
    }
    return result;
}

}  // namespace pgark
