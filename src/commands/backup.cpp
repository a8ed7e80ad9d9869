// The backup job. Data flows pg_dump stdout → archive scanner (TOC, per-table row counts and hashes)
// → zstd (multi-threaded) → SHA-256 → storage writer, in bounded chunks; nothing is spooled locally.
#include "commands/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "core/copy_text_hasher.h"
#include "pg/archive_scanner.h"
#include "pg/connection.h"
#include "pg/tools.h"
#include "stream/sha256.h"
#include "stream/zstd.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/host.h"
#include "util/process.h"
#include "util/progress.h"
#include "util/redact.h"
#include "util/test_hooks.h"
#include "util/text.h"

namespace pgark {

namespace {

// Removes the traces of a backup that did not complete: archive object and reservation.
class BackupReservation {
  public:
    BackupReservation(Storage& s, Repository::Reservation r) : storage_(s), id_(r.id), claim_(r.claim_key) {}
    ~BackupReservation() {
        test_hooks::crash_point("backup: before removing the claim");
        try {
            if (!done_) storage_.remove({layout::archive_key(id_), layout::manifest_key(id_)});
            storage_.remove({claim_});
        } catch (const std::exception& e) {
            spdlog::warn("could not remove the reservation of backup {}: {}", id_.str(),
                         redact::scrub(e.what()));
        } catch (const Cancelled&) {
            // Cancellation reached the cleanup itself: the next run sweeps what is left.
        }
    }
    void complete() { done_ = true; }

  private:
    Storage& storage_;
    BackupId id_;
    std::string claim_;
    bool done_ = false;
};

}  // namespace

BackupResult run_backup(const Context& ctx, const std::string& purpose) {
    ConnParams params = ctx.conn_params();
    Repository repo = ctx.open_repository();

    Connection conn(params, "pgark backup");
    std::string database = conn.scalar("SELECT current_database()");
    int server_major = conn.server_version_num() / 10000;
    PgTools tools = locate_pg_tools(ctx.config().str("pg.bin_dir"), server_major);
    std::string pg_dump_version = tools.version("pg_dump");
    spdlog::debug("server {} is PostgreSQL {}; using pg_dump {} from {}", params.display(),
                  conn.server_version(), pg_dump_version,
                  tools.bin_dir.empty() ? "PATH" : tools.bin_dir.string());

    Manifest m;
    m.tool_version = PGARK_VERSION;
    m.database = database;
    m.server = params.server_display();
    m.server_version = conn.server_version();
    m.pg_dump_version = pg_dump_version;
    m.compression_level = static_cast<int>(ctx.config().integer("backup.compression_level"));
    m.purpose = purpose;
    m.started_at = std::chrono::system_clock::now();

    nlohmann::json owner = {{"pid", getpid()}, {"started_at", format_iso8601(m.started_at, true)}};
    owner["host"] = host_name();
    auto reserved = repo.reserve_backup_id(database, m.started_at, owner.dump());
    m.id = reserved.id;
    BackupReservation reservation(repo.storage(), reserved);
    test_hooks::crash_point("backup: id claimed");
    spdlog::info("backing up {} ({}) to {} as {}", database, m.server, repo.describe(), m.id.str());

    ChildPgAuth auth(params);
    ProcessSpec spec;
    spec.program = tools.program("pg_dump");
    // -Z0: pgark compresses in parallel itself; pg_dump's zlib would halve the throughput.
    spec.args = {"--format=custom", "--compress=0", "--no-password", "--dbname",
                 params.with_dbname(database).conninfo()};
    spec.env_set = auth.env();
    // The COPY text of timestamptz depends on TimeZone; fix it so drills can compare row hashes.
    spec.env_set["PGTZ"] = m.timezone;
    // pg_dump takes bytea_output from the server's defaults; pin it for the same reason.
    spec.env_set["PGOPTIONS"] = "-c bytea_output=hex";
    spec.env_set["PGAPPNAME"] = "pgark backup";
    spec.env_unset = ChildPgAuth::env_to_unset();
    std::string argv_text = spec.program;
    for (const auto& a : spec.args) argv_text += " " + a;
    spdlog::debug("running {} (password, if any, through its environment)", argv_text);
    auto child = Child::spawn(spec);
    progress::Phase shown("backup " + database + " (pg_dump output)", 0);
    ::fcntl(child->stdout_fd(), F_SETPIPE_SZ, 1 << 20);

    auto writer = repo.storage().create(layout::archive_key(m.id));
    Sha256 sha;
    int threads = static_cast<int>(ctx.config().integer("backup.threads"));
    if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    ZstdCompressor zstd(m.compression_level, threads, [&](std::span<const std::byte> out) {
        sha.update(out);
        writer->write(out);
    });
    ArchiveScanner scanner;

    std::vector<std::byte> buf(1 << 20);
    std::string stream_error;
    bool first_chunk = true;
    try {
        for (;;) {
            std::size_t n = read_some(child->stdout_fd(), buf, "pg_dump output");
            if (n == 0) break;
            progress::add(n);
            test_hooks::crash_point("backup: streaming pg_dump output");
            if (first_chunk) {
                first_chunk = false;  // tests hold a backup here, mid-stream, to run prune beside it
                test_hooks::pause_at("PGARK_TEST_BACKUP_STREAMING_WAIT_FOR");
            }
            std::span<const std::byte> chunk(buf.data(), n);
            if (stream_error.empty()) {
                try {
                    scanner.feed(chunk);
                } catch (const VerifyError& e) {
                    stream_error = e.what();  // keep draining so pg_dump's own error surfaces
                }
            }
            zstd.write(chunk);
        }
    } catch (const Interrupted&) {
        child->terminate();
        throw;
    }
    auto status = child->wait();
    if (!status.ok()) {
        std::string err = redact::scrub(tail_lines(child->stderr_text()));
        throw PgError("pg_dump of " + database + " failed (" + status.describe() + ")" +
                      (err.empty() ? "" : ":\n  " + err) +
                      "\nno backup was recorded; previous backups are untouched");
    }
    if (stream_error.empty()) {
        try {
            scanner.finish();
        } catch (const VerifyError& e) {
            stream_error = e.what();
        }
    }
    if (!stream_error.empty())
        throw PgError("pg_dump of " + database + " produced an archive pgark cannot read: " + stream_error +
                      "; no backup was recorded");
    auto warnings = tail_lines(child->stderr_text());
    if (!warnings.empty()) spdlog::warn("pg_dump: {}", redact::scrub(warnings));

    zstd.finish();
    test_hooks::crash_point("backup: archive written, not committed");
    writer->commit();
    test_hooks::crash_point("backup: archive committed, no manifest");
    m.raw_bytes = zstd.bytes_in();
    m.stored_bytes = writer->bytes_written();
    m.sha256 = sha.hex_digest();
    m.toc_entries = scanner.toc().size();
    m.encoding = scanner.encoding();
    if (!scanner.data_hashed())
        throw PgError(
            "pg_dump wrote a compressed archive although pgark asked for --compress=0; no backup was "
            "recorded");
    for (const auto& t : scanner.table_data())
        m.tables.push_back({t.schema, t.table, t.rows.value_or(0), copy_hash_hex(t.hash_sum.value_or(0))});
    m.large_objects = scanner.blob_count();
    m.large_objects_hash = copy_hash_hex(scanner.blob_hash_sum());
    m.finished_at = std::chrono::system_clock::now();
    // The manifest goes last: until it exists the backup is invisible to list, verify and restore.
    repo.storage().put(layout::manifest_key(m.id), m.to_json());
    test_hooks::crash_point("backup: manifest stored");
    reservation.complete();
    spdlog::info("backup {} complete: {} tables, {} raw bytes stored as {} bytes", m.id.str(),
                 m.tables.size(), m.raw_bytes, m.stored_bytes);
    return {m, repo.describe()};
}

}  // namespace pgark
