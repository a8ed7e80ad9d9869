// The "actual" side of a drill's content check: a table's rows as COPY text from the restored
// database, hashed exactly like the archive scanner hashes the archive's COPY data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pg/connection.h"

namespace pgark {

// Session settings that determine COPY text output; must equal those pg_dump ran with.
struct CopySession {
    std::string timezone = "UTC";
    std::string client_encoding = "UTF8";
    // Applies DateStyle, IntervalStyle, extra_float_digits, bytea_output (hex, as pgark runs pg_dump),
    // TimeZone, search_path '' (as pg_dump does, which schema-qualifies regclass output) and client_encoding.
    void apply(Connection& c) const;
};

struct ContentHash {
    std::uint64_t rows = 0;
    std::uint64_t sum = 0;
};

// `copy_stmt` is the archive's "COPY schema.table (cols) FROM stdin;"; runs the matching
// "COPY ... TO STDOUT" and hashes the rows. Cancellable (SIGINT/SIGTERM) while streaming.
ContentHash hash_table_content(Connection& c, const std::string& copy_stmt);

// Rows of exactly this table (not of inheritance children).
std::uint64_t count_table_rows(Connection& c, const std::string& schema, const std::string& table);

// Turns "COPY x (a, b) FROM stdin;" into "COPY x (a, b) TO STDOUT"; throws VerifyError if malformed.
std::string copy_out_statement(const std::string& copy_stmt);

// The relation and column list of an archive's "COPY rel (cols) FROM stdin;", as pg_dump quoted them.
struct CopyTarget {
    std::string relation;  // `public."Orders"`
    std::string columns;   // `id, "Name"` (empty when the statement has no column list)
};
// nullopt unless the statement is exactly a COPY of a (schema-qualified) relation and a list of plain
// identifiers: only such a statement may be rewritten into a SELECT (nothing there can call a function).
std::optional<CopyTarget> parse_copy_target(const std::string& copy_stmt);

// COPY of the rows stored in heap blocks [first_block, end_block) of the target (no end: to the last
// block), as COPY text identical to the whole table's: a large table is read in parallel ranges whose
// hashes add up (CopyTextHasher sums are order-independent). Uses PostgreSQL 14's TID range scans.
std::string copy_out_range_statement(const CopyTarget& target, std::uint64_t first_block,
                                     std::optional<std::uint64_t> end_block);

// Runs a "COPY ... TO STDOUT" statement and hashes the rows; cancellable like hash_table_content.
ContentHash hash_copy_out(Connection& c, const std::string& copy_out_sql);

}  // namespace pgark
