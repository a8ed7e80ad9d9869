// Incremental parser of PostgreSQL custom-format archives (pg_dump -Fc), fed the raw archive bytes as they
// stream past, so a backup can be inspected (TOC, per-table row counts and content hashes, large objects)
// without storing or re-reading it.
//
// Layout (pg_backup_archiver.c / pg_backup_custom.c, archive versions 1.12 to 1.16):
//   header   "PGDMP", version bytes, intSize, offSize, format, compression, creation time, names
//   TOC      entry count, then per entry: ids, strings, dependencies, data offset (flag + offSize bytes)
//   data     blocks in TOC order: type byte (1 = table data, 3 = large objects), dump id, then chunks
//            (int length + bytes) ending with a zero length; large-object blocks hold (oid, chunks...)
//            pairs ending with oid 0. The archive ends after the last block.
// Integers are a sign byte then intSize bytes little-endian; strings are an int length (-1 = null) then
// the bytes. When pg_dump writes to a pipe, data blocks follow the TOC and TOC offsets are "not set".
//
// Only the header and TOC are kept in memory; data chunks are hashed in place and never buffered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pgark {

enum class ArchiveCompression { none, gzip, lz4, zstd, unknown };

std::string to_string(ArchiveCompression compression);

// The largest int size (bytes of magnitude) an archive may declare: pg_restore's own sanity limit.
constexpr int kMaxArchiveIntSize = 32;

// An archive integer from its int_size + 1 bytes (sign byte, then the magnitude least significant byte
// first); nullopt when it does not fit an int64.
std::optional<std::int64_t> decode_archive_int(const std::uint8_t* bytes, int int_size);

struct ArchiveHeader {
    int vmaj = 0, vmin = 0, vrev = 0;
    int int_size = 0;  // bytes of magnitude in each integer
    int off_size = 0;  // bytes of each data offset
    int format = 0;    // 1 = custom
    ArchiveCompression compression = ArchiveCompression::none;
    // Before 1.15 the zlib level (-1 = default, 0 = none); from 1.15 the algorithm byte.
    int compression_code = 0;
    // Creation time as written: broken-down local time of the dumping machine (tm_year since 1900,
    // tm_mon from 0); the archive does not say which time zone.
    std::tm created{};
    std::string dbname;
    std::string server_version;   // e.g. "15.18 (Debian 15.18-0+deb12u1)"
    std::string pg_dump_version;  // same form
    int64_t toc_count = 0;

    std::string version() const;  // e.g. "1.14-0", as pg_restore --list shows it
    bool compressed() const { return compression != ArchiveCompression::none; }
};

struct ArchiveTocEntry {
    enum Section { section_none = 1, section_pre_data = 2, section_data = 3, section_post_data = 4 };
    // Custom-format data offset flags (K_OFFSET_*).
    enum DataState { data_offset_not_set = 1, data_offset_set = 2, data_none = 3 };

    int dump_id = 0;
    bool had_dumper = false;
    std::string table_oid, oid;  // catalog ids as the archive spells them
    std::string tag, desc;       // e.g. tag "t", desc "TABLE DATA"
    int section = 0;
    // Null strings in the archive read as empty.
    std::string defn, drop_stmt, copy_stmt;
    std::string schema;  // the entry's namespace
    std::string tablespace, tableam, owner, with_oids;
    int relkind = 0;  // archive version 1.16 and later only
    std::vector<int> deps;
    int data_state = 0;
    uint64_t data_offset = 0;  // 0 unless data_state == data_offset_set
    // Where the data-state flag of this entry sits in the archive, and where its data block starts
    // (once seen): what it takes to write the offsets pg_dump could not write into a pipe.
    uint64_t data_state_pos = 0;
    std::optional<uint64_t> block_pos;

    // A data block for this entry follows the TOC.
    bool has_data() const { return data_state == data_offset_not_set || data_state == data_offset_set; }
};

// One "TABLE DATA" block. rows and hash_sum follow the CopyTextHasher definition (core/copy_text_hasher.h)
// and are unset when the archive's data is compressed.
struct TableData {
    int dump_id = 0;
    std::string schema, table;
    std::string copy_stmt;  // e.g. "COPY public.t (id, txt) FROM stdin;\n": the column list to compare with
    std::optional<uint64_t> rows;
    std::optional<uint64_t> hash_sum;
    // Payload bytes stored in the archive: compressed bytes if compressed; otherwise COPY's output plus
    // the "\.\n\n" end-of-data marker that pg_dump appends.
    uint64_t bytes = 0;
    bool complete = false;  // the block's end marker was seen

    std::string qualified_name() const { return schema.empty() ? table : schema + "." + table; }
};

class ArchiveScanner {
  public:
    ArchiveScanner();
    ~ArchiveScanner();
    ArchiveScanner(ArchiveScanner&&) noexcept;
    ArchiveScanner& operator=(ArchiveScanner&&) noexcept;
    ArchiveScanner(const ArchiveScanner&) = delete;
    ArchiveScanner& operator=(const ArchiveScanner&) = delete;

    // Consumes the next bytes of the archive; chunk boundaries may fall anywhere.
    // Throws VerifyError on malformed input; the scanner is then unusable.
    void feed(std::span<const std::byte> data);
    // Declares the end of the archive. Throws VerifyError when the input ended inside the header, the
    // TOC or a data block, or before the data block of an entry that the TOC says has data.
    void finish();

    const ArchiveHeader& header() const;
    bool header_complete() const;
    bool toc_complete() const;
    const std::vector<ArchiveTocEntry>& toc() const;
    const ArchiveTocEntry* find_entry(int dump_id) const;
    // The dump's client encoding from the ENCODING entry (e.g. "UTF8"); empty if not known yet.
    std::string encoding() const;

    // False when the archive is compressed (pg_dump -Z>0): chunks are then skipped, not hashed.
    bool data_hashed() const;
    const std::vector<TableData>& table_data() const;
    uint64_t blob_count() const;
    // Wrapping sum of XXH3_64bits of each large object's full contents (0 unless data_hashed()).
    uint64_t blob_hash_sum() const;
    uint64_t bytes_scanned() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pgark
