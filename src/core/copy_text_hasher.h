// Order-independent fingerprint of a table's contents in COPY text format, computed incrementally.
//
// This is the "content" verification level of a drill (docs/drills.md): the expected side hashes the
// COPY data stored in the archive, the actual side hashes `COPY table TO STDOUT` from the restored
// database, and the two must agree. Both sides must use exactly this definition:
//
//   - the input is a stream of rows, each terminated by '\n' (the last row may lack it, see finish());
//   - row bytes are the bytes of the line without its '\n' (a '\r' before it is part of the row: COPY
//     text escapes carriage returns in values as "\r", so a raw one never appears in valid output);
//   - a line consisting of exactly "\." is COPY's end-of-data marker: neither it nor anything after it
//     is a row (COPY text escapes a backslash as "\\", so no data row can be "\."). pg_dump 15 ends
//     each table's data in a custom-format archive with "\.\n\n"; COPY TO STDOUT has no marker;
//   - rows()  = number of rows;
//   - sum()   = sum modulo 2^64 of XXH3_64bits(row bytes) with seed 0 over all rows;
//   - hex()   = sum() as 16 lowercase hexadecimal digits.
//
// A sum is order-independent, so a restored table may be read back in any order. Duplicate rows are
// counted with multiplicity. The bytes depend on the session that produced them (client_encoding,
// DateStyle, IntervalStyle, extra_float_digits, TimeZone) and on the column list, so the drill must
// COPY with the same settings and the column list of the archive's COPY statement.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace pgark {

class CopyTextHasher {
  public:
    CopyTextHasher();
    ~CopyTextHasher();
    CopyTextHasher(CopyTextHasher&&) noexcept;
    CopyTextHasher& operator=(CopyTextHasher&&) noexcept;
    CopyTextHasher(const CopyTextHasher&) = delete;
    CopyTextHasher& operator=(const CopyTextHasher&) = delete;

    // Consumes the next bytes of the stream; chunk boundaries may fall anywhere, even inside a row.
    void feed(std::span<const std::byte> data);
    void feed(std::string_view text) { feed(std::as_bytes(std::span(text.data(), text.size()))); }

    // Ends the stream: a trailing line without '\n' counts as a row. feed() must not follow.
    void finish();

    // Forgets everything, ready for a new table.
    void reset();

    uint64_t rows() const { return rows_; }
    uint64_t sum() const { return sum_; }
    std::string hex() const;
    // Total bytes fed, including newlines.
    uint64_t bytes() const { return bytes_; }

  private:
    void add_row(uint64_t hash, uint64_t length, const std::byte* head);
    void end_partial_row();

    struct State;
    std::unique_ptr<State> state_;  // XXH3 streaming state of a row that spans feed() calls
    uint64_t rows_ = 0;
    uint64_t sum_ = 0;
    uint64_t bytes_ = 0;
    // The row in progress across chunks: its length so far and first two bytes (to spot "\.").
    uint64_t partial_length_ = 0;
    std::byte partial_head_[2] = {};
    bool in_partial_ = false;
    bool ended_ = false;  // the end-of-data marker was seen
};

// The 16-hex-digit rendering of a sum, as CopyTextHasher::hex() prints it.
std::string copy_hash_hex(uint64_t sum);

}  // namespace pgark
