// Loads one table's data from a custom-format archive file over several connections at once. pg_restore
// loads a table with one COPY, so a database whose size is mostly one table restores at the speed of one
// backend however many jobs it is given; splitting that table's rows across connections (as pgcopydb
// does) uses them all. The rows go in unchanged, in the session pg_restore would set up, with the
// column list of the archive's COPY statement.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>

#include "pg/archive_scanner.h"
#include "pg/conn_params.h"
#include "pg/table_content.h"

namespace pgark {

// The session settings pg_restore applies before restoring data (from the archive's ENCODING and
// STDSTRINGS entries): the COPY text must be read exactly as pg_restore would read it.
struct ArchiveSession {
    std::string client_encoding = "UTF8";
    bool standard_conforming_strings = true;
};
ArchiveSession archive_session(const ArchiveScanner& scanner);

// The statements that set `session` up on a connection, as pg_restore's fixed output state does.
std::string archive_session_sql(const ArchiveSession& session);

struct TableLoad {
    const ArchiveTocEntry* entry = nullptr;  // the TABLE DATA entry; its data block must have been seen
    CopyTarget target;                       // from the entry's COPY statement
};

// Loads `load` from the raw (uncompressed) archive file `archive` into the database `db` through
// `streams` connections, each COPYing its share of the rows (batches of whole rows of about
// `batch_bytes`) in its own transaction. `progress`, when given, counts the archive bytes sent. `stop`
// set by another thread abandons the load. Throws PgError (with the server's message and the table),
// Interrupted on SIGINT/SIGTERM, Error on a bad archive.
void load_table_data(const ConnParams& db, const std::filesystem::path& archive, const ArchiveHeader& header,
                     const ArchiveSession& session, const TableLoad& load, int streams,
                     std::atomic<std::uint64_t>* progress, const std::atomic<bool>& stop,
                     std::size_t batch_bytes = 1 << 20);

}  // namespace pgark
