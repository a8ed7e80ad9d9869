// Parallel COPY FROM of one table's archive data: one thread reads the data block and cuts it into
// batches of whole rows, each of `streams` connections takes the next batch and sends it on its own COPY.
#include "pg/copy_loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "pg/connection.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/fd.h"
#include "util/test_hooks.h"
#include "util/work_queue.h"

namespace pgark {

namespace {

// Sequential reads of a data block, with the archive's integer encoding (sign byte, then int_size
// bytes little-endian).
class BlockReader {
  public:
    BlockReader(int fd, int int_size, std::string what)
        : fd_(fd), int_size_(int_size), what_(std::move(what)) {}

    void read_exact(char* out, std::size_t n) {
        while (n > 0) {
            if (pos_ == end_) fill();
            std::size_t take = std::min(n, end_ - pos_);
            std::memcpy(out, buf_.data() + pos_, take);
            pos_ += take;
            out += take;
            n -= take;
        }
    }
    std::uint8_t byte() {
        char c;
        read_exact(&c, 1);
        return static_cast<std::uint8_t>(c);
    }
    std::int64_t integer() {
        std::uint8_t raw[kMaxArchiveIntSize + 1];
        read_exact(reinterpret_cast<char*>(raw), static_cast<std::size_t>(int_size_) + 1);
        auto v = decode_archive_int(raw, int_size_);
        if (!v) throw VerifyError(what_ + ": integer too large in a data block");
        return *v;
    }

  private:
    void fill() {
        std::size_t n = read_some(fd_, std::as_writable_bytes(std::span(buf_)), what_);
        if (n == 0) throw VerifyError(what_ + " ends inside a data block");
        pos_ = 0;
        end_ = n;
    }
    int fd_, int_size_;
    std::string what_;
    std::vector<char> buf_ = std::vector<char>(1 << 20);
    std::size_t pos_ = 0, end_ = 0;
};

// The position of COPY's end-of-data line ("\." alone) in `rows`, which starts at a row boundary.
std::size_t end_marker(const std::string& rows) {
    if (rows.compare(0, 3, "\\.\n") == 0 || rows == "\\.") return 0;
    auto p = rows.find("\n\\.\n");
    if (p != std::string::npos) return p + 1;
    if (rows.size() >= 3 && rows.compare(rows.size() - 3, 3, "\n\\.") == 0) return rows.size() - 2;
    return std::string::npos;
}

}  // namespace

ArchiveSession archive_session(const ArchiveScanner& scanner) {
    ArchiveSession s;
    if (auto e = scanner.encoding(); !e.empty()) s.client_encoding = e;
    for (const auto& e : scanner.toc())
        if (e.desc == "STDSTRINGS") s.standard_conforming_strings = e.defn.find("'off'") == std::string::npos;
    return s;
}

std::string archive_session_sql(const ArchiveSession& s) {
    // pg_backup_archiver.c, _doSetFixedOutputState.
    return "SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0; "
           "SET client_encoding = '" +
           s.client_encoding +
           "'; SET standard_conforming_strings = " + (s.standard_conforming_strings ? "on" : "off") +
           "; SELECT pg_catalog.set_config('search_path', '', false); SET check_function_bodies = false; "
           "SET xmloption = content; SET client_min_messages = warning; SET row_security = off";
}

void load_table_data(const ConnParams& db, const std::filesystem::path& archive, const ArchiveHeader& header,
                     const ArchiveSession& session, const TableLoad& load, int streams,
                     std::atomic<std::uint64_t>* progress, const std::atomic<bool>& stop,
                     std::size_t batch_bytes) {
    const auto& e = *load.entry;
    if (!e.block_pos) throw VerifyError("the archive has no data block for " + load.target.relation);
    if (session.client_encoding.find('\'') != std::string::npos)
        throw VerifyError("the archive names an invalid client encoding");
    const std::string name = load.target.relation;
    const std::string copy = "COPY " + load.target.relation +
                             (load.target.columns.empty() ? "" : " (" + load.target.columns + ")") +
                             " FROM STDIN";

    WorkQueue<std::string> batches(static_cast<std::size_t>(2 * streams));
    std::mutex mu;
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    auto fail = [&](std::exception_ptr ex) {
        {
            std::lock_guard lk(mu);
            if (!failure) failure = ex;
        }
        failed = true;
        batches.abandon();
    };

    // Connect and start every COPY before reading, so a refused connection fails the load early.
    std::vector<std::unique_ptr<Connection>> conns;
    for (int i = 0; i < streams; ++i) {
        conns.push_back(std::make_unique<Connection>(db, "pgark restore"));
        conns.back()->exec(archive_session_sql(session));
        PGresult* r = PQexec(conns.back()->raw(), copy.c_str());
        bool ok = PQresultStatus(r) == PGRES_COPY_IN;
        std::string msg = ok ? "" : PQresultErrorMessage(r);
        PQclear(r);
        if (!ok) throw PgError("`" + copy + "` on " + conns.back()->display() + " failed: " + msg);
    }

    auto send = [&](Connection& c) {
        PGconn* pg = c.raw();
        const char* abort_reason = nullptr;
        try {
            while (auto b = batches.pop()) {
                if (PQputCopyData(pg, b->data(), static_cast<int>(b->size())) != 1)
                    throw PgError("sending rows of " + name + " to " + c.display() +
                                  " failed: " + PQerrorMessage(pg));
                if (progress) *progress += b->size();
                test_hooks::crash_point("restore: rows loaded");
            }
            if (failed || stop || cancel::requested()) abort_reason = "pgark stopped the restore";
        } catch (...) {
            fail(std::current_exception());
            abort_reason = "pgark stopped the restore";
        }
        if (PQputCopyEnd(pg, abort_reason) != 1 && !abort_reason)
            fail(std::make_exception_ptr(PgError("ending COPY into " + name + " on " + c.display() +
                                                 " failed: " + PQerrorMessage(pg))));
        PGresult* r;
        while ((r = PQgetResult(pg))) {
            if (PQresultStatus(r) == PGRES_COPY_IN) {  // PQputCopyEnd failed: libpq would never leave COPY
                PQclear(r);
                break;
            }
            if (!abort_reason && PQresultStatus(r) != PGRES_COMMAND_OK)
                fail(std::make_exception_ptr(PgError("loading " + name + " failed on " + c.display() + ": " +
                                                     PQresultErrorMessage(r))));
            PQclear(r);
        }
    };
    std::vector<std::thread> senders;
    for (auto& c : conns) senders.emplace_back([&send, &c] { send(*c); });

    try {
        UniqueFd fd(::open(archive.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) throw Error("cannot open " + archive.string() + ": " + errno_text(errno));
        if (::lseek(fd.get(), static_cast<off_t>(*e.block_pos), SEEK_SET) < 0)
            throw Error("cannot seek in " + archive.string() + ": " + errno_text(errno));
        BlockReader in(fd.get(), header.int_size, archive.string());
        if (in.byte() != 1 || in.integer() != e.dump_id)
            throw VerifyError("the data block of " + name + " is not where the archive's TOC says");
        std::string batch;
        bool ended = false;  // COPY's end-of-data line was seen
        auto flush = [&](bool last) {
            std::size_t cut = last ? batch.size() : batch.rfind('\n');
            if (cut == std::string::npos) return;
            if (!last) ++cut;
            std::string rest = batch.substr(cut);
            batch.resize(cut);
            if (auto m = end_marker(batch); m != std::string::npos) {
                batch.resize(m);
                ended = true;
            }
            if (!batch.empty() && !batches.push_back(std::move(batch))) return;
            batch = std::move(rest);
        };
        for (;;) {
            if (stop || failed) break;
            cancel::throw_if_requested();
            auto len = in.integer();
            if (len == 0) break;
            // pg_dump writes rows in chunks far below PostgreSQL's 1 GB field limit.
            if (len < 0 || len > (std::int64_t{1} << 30))
                throw VerifyError("chunk length " + std::to_string(len) + " in the data block of " + name +
                                  ": the archive is damaged");
            auto old = batch.size();
            batch.resize(old + static_cast<std::size_t>(len));
            in.read_exact(batch.data() + old, static_cast<std::size_t>(len));
            if (ended)
                batch.resize(old);  // bytes after the end-of-data line are not rows
            else if (batch.size() >= batch_bytes)
                flush(false);
        }
        if (!ended && !stop && !failed) flush(true);
        batches.close();
    } catch (...) {
        fail(std::current_exception());
    }
    for (auto& t : senders) t.join();
    if (failure) std::rethrow_exception(failure);
    // Stopped by the caller: it reports why.
}

}  // namespace pgark
