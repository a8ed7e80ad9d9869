// Incremental custom-format archive parser; see archive_scanner.h for the layout it follows.
//
// The parser is a state machine over primitive fields (byte, int, string). Each primitive can be
// interrupted by the end of a feed() chunk and resumed on the next one, keeping at most one partial
// field; data chunk payloads are handed to the hashers straight from the caller's buffer.
#include "pg/archive_scanner.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <unordered_map>

#include "core/copy_text_hasher.h"
#include "core/xxh3_state.h"
#include "util/error.h"

namespace pgark {

namespace {

constexpr int make_version(int major, int minor, int rev) {
    return (major * 256 + minor) * 256 + rev;
}
constexpr int k_vers_1_12 = make_version(1, 12, 0);
constexpr int k_vers_1_14 = make_version(1, 14, 0);  // adds tableam
constexpr int k_vers_1_15 = make_version(1, 15, 0);  // compression algorithm byte replaces the level
constexpr int k_vers_1_16 = make_version(1, 16, 0);  // adds relkind
constexpr int k_vers_max = make_version(1, 16, 255);

constexpr int format_custom = 1;
constexpr uint8_t blk_data = 1;
constexpr uint8_t blk_blobs = 3;
constexpr int max_int_size = kMaxArchiveIntSize;
// TOC strings are SQL text; PostgreSQL cannot store more than 1 GB in a field, so a longer length means
// a corrupt archive rather than a reason to buffer gigabytes.
constexpr int64_t max_string_length = int64_t{1} << 30;

constexpr char magic[] = "PGDMP";

[[noreturn]] void fail(const std::string& message) {
    throw VerifyError(message);
}

struct Cursor {
    const std::byte* p;
    const std::byte* end;
    size_t avail() const { return static_cast<size_t>(end - p); }
};

}  // namespace

std::optional<int64_t> decode_archive_int(const uint8_t* bytes, int int_size) {
    uint64_t magnitude = 0;
    for (int i = 1; i <= int_size; ++i) {
        if (i - 1 < 8)
            magnitude |= uint64_t{bytes[i]} << (8 * (i - 1));
        else if (bytes[i] != 0)
            return std::nullopt;
    }
    if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return bytes[0] != 0 ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
}

std::string to_string(ArchiveCompression compression) {
    switch (compression) {
        case ArchiveCompression::none:
            return "none";
        case ArchiveCompression::gzip:
            return "gzip";
        case ArchiveCompression::lz4:
            return "lz4";
        case ArchiveCompression::zstd:
            return "zstd";
        case ArchiveCompression::unknown:
            break;
    }
    return "unknown";
}

std::string ArchiveHeader::version() const {
    return std::to_string(vmaj) + "." + std::to_string(vmin) + "-" + std::to_string(vrev);
}

struct ArchiveScanner::Impl {
    enum class Phase { header, toc, block_type, block_id, chunk_len, chunk_data, blob_oid, finished, failed };

    // Results.
    ArchiveHeader header;
    bool header_done = false;
    bool toc_done = false;
    std::vector<ArchiveTocEntry> toc;
    std::unordered_map<int, size_t> toc_index;  // dump id -> position in toc
    std::vector<bool> block_seen;               // per toc position
    std::vector<TableData> tables;
    uint64_t blobs = 0;
    uint64_t blob_sum = 0;

    // Position.
    Phase phase = Phase::header;
    int step = 0;       // field number inside the header or the current TOC entry
    uint64_t base = 0;  // archive offset of the current feed() chunk's first byte
    const std::byte* begin = nullptr;

    // The primitive in progress (at most one at a time).
    uint8_t raw[max_int_size + 1] = {};
    size_t raw_have = 0;
    bool str_length_known = false;
    int64_t str_length = 0;
    std::string str;

    // TOC in progress.
    ArchiveTocEntry entry;
    int64_t entries_read = 0;

    // Data block in progress.
    uint64_t block_offset = 0;
    uint8_t block_type = 0;
    size_t block_entry = 0;       // toc position
    std::optional<size_t> table;  // tables position, for TABLE DATA blocks
    bool in_blob = false;
    uint64_t chunk_left = 0;
    bool hashing = true;
    CopyTextHasher rows_hasher;
    std::optional<Xxh3Stream> blob_state;  // made at the first large object

    uint64_t pos(const Cursor& c) const { return base + static_cast<uint64_t>(c.p - begin); }

    // --- primitives: each returns false when the chunk ended before the field did ---

    bool take_byte(Cursor& c, uint8_t& out) {
        if (c.p == c.end) return false;
        out = static_cast<uint8_t>(*c.p++);
        return true;
    }

    // Collects n raw bytes in `raw`, across chunks if needed; on success `bytes` points at them.
    bool take_raw(Cursor& c, size_t n, const uint8_t*& bytes) {
        if (raw_have == 0 && c.avail() >= n) {
            bytes = reinterpret_cast<const uint8_t*>(c.p);
            c.p += n;
            return true;
        }
        const size_t take = std::min(n - raw_have, c.avail());
        std::memcpy(raw + raw_have, c.p, take);
        c.p += take;
        raw_have += take;
        if (raw_have < n) return false;
        raw_have = 0;
        bytes = raw;
        return true;
    }

    bool take_int(Cursor& c, int64_t& out) {
        const auto n = static_cast<size_t>(header.int_size) + 1;
        const uint8_t* b = nullptr;
        if (!take_raw(c, n, b)) return false;
        auto v = decode_archive_int(b, header.int_size);
        if (!v) fail("integer too large at offset " + std::to_string(pos(c) - n) + " of the archive");
        out = *v;
        return true;
    }

    // A length-prefixed string; `is_null` reports length -1.
    bool take_str(Cursor& c, std::string& out, bool& is_null) {
        if (!str_length_known) {
            const uint64_t at = pos(c);
            if (!take_int(c, str_length)) return false;
            if (str_length < -1 || str_length > max_string_length) {
                fail("corrupt string length " + std::to_string(str_length) + " at offset " +
                     std::to_string(at) + " of the archive");
            }
            str_length_known = true;
            str.clear();
        }
        if (str_length == -1) {
            str_length_known = false;
            is_null = true;
            out.clear();
            return true;
        }
        const size_t want = static_cast<size_t>(str_length) - str.size();
        const size_t take = std::min(want, c.avail());
        str.append(reinterpret_cast<const char*>(c.p), take);
        c.p += take;
        if (str.size() < static_cast<size_t>(str_length)) return false;
        str_length_known = false;
        is_null = false;
        out = std::move(str);
        str.clear();
        return true;
    }

    bool take_str(Cursor& c, std::string& out) {
        bool is_null = false;
        return take_str(c, out, is_null);
    }

    bool take_int32(Cursor& c, int& out, const char* what) {
        int64_t v = 0;
        if (!take_int(c, v)) return false;
        if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
            fail(std::string(what) + " out of range in the archive (" + std::to_string(v) + ")");
        }
        out = static_cast<int>(v);
        return true;
    }

    int version() const { return make_version(header.vmaj, header.vmin, header.vrev); }

    // --- header ---

    bool parse_header(Cursor& c) {
        for (;;) {
            uint8_t b = 0;
            switch (step) {
                case 0:
                case 1:
                case 2:
                case 3:
                case 4:
                    if (!take_byte(c, b)) return false;
                    if (b != static_cast<uint8_t>(magic[step])) {
                        fail("not a PostgreSQL custom-format archive (bad magic)");
                    }
                    break;
                case 5:
                    if (!take_byte(c, b)) return false;
                    header.vmaj = b;
                    break;
                case 6:
                    if (!take_byte(c, b)) return false;
                    header.vmin = b;
                    if (header.vmaj != 1 || header.vmin < 12) {
                        fail("unsupported archive version " + std::to_string(header.vmaj) + "." +
                             std::to_string(header.vmin) +
                             " (pgark reads versions 1.12 to 1.16, written by "
                             "pg_dump 9.0 to 17)");
                    }
                    break;
                case 7:
                    if (!take_byte(c, b)) return false;
                    header.vrev = b;
                    if (version() > k_vers_max) {
                        fail("unsupported archive version " + header.version() +
                             " (newer than pgark understands; pgark reads versions 1.12 to 1.16)");
                    }
                    break;
                case 8:
                    if (!take_byte(c, b)) return false;
                    if (b < 1 || b > max_int_size)
                        fail("corrupt archive header: integer size " + std::to_string(b));
                    header.int_size = b;
                    break;
                case 9:
                    if (!take_byte(c, b)) return false;
                    if (b < 1 || b > max_int_size)
                        fail("corrupt archive header: offset size " + std::to_string(b));
                    header.off_size = b;
                    break;
                case 10:
                    if (!take_byte(c, b)) return false;
                    header.format = b;
                    if (b != format_custom) {
                        fail("not a custom-format archive (format " + std::to_string(b) +
                             "; pgark needs pg_dump -Fc)");
                    }
                    break;
                case 11:
                    if (version() >= k_vers_1_15) {
                        if (!take_byte(c, b)) return false;
                        header.compression_code = b;
                        header.compression = b == 0   ? ArchiveCompression::none
                                             : b == 1 ? ArchiveCompression::gzip
                                             : b == 2 ? ArchiveCompression::lz4
                                             : b == 3 ? ArchiveCompression::zstd
                                                      : ArchiveCompression::unknown;
                    } else {
                        if (!take_int32(c, header.compression_code, "compression level")) return false;
                        header.compression = header.compression_code == 0 ? ArchiveCompression::none
                                                                          : ArchiveCompression::gzip;
                    }
                    break;
                case 12:
                    if (!take_int32(c, header.created.tm_sec, "creation time")) return false;
                    break;
                case 13:
                    if (!take_int32(c, header.created.tm_min, "creation time")) return false;
                    break;
                case 14:
                    if (!take_int32(c, header.created.tm_hour, "creation time")) return false;
                    break;
                case 15:
                    if (!take_int32(c, header.created.tm_mday, "creation time")) return false;
                    break;
                case 16:
                    if (!take_int32(c, header.created.tm_mon, "creation time")) return false;
                    break;
                case 17:
                    if (!take_int32(c, header.created.tm_year, "creation time")) return false;
                    break;
                case 18:
                    if (!take_int32(c, header.created.tm_isdst, "creation time")) return false;
                    break;
                case 19:
                    if (!take_str(c, header.dbname)) return false;
                    break;
                case 20:
                    if (!take_str(c, header.server_version)) return false;
                    break;
                case 21:
                    if (!take_str(c, header.pg_dump_version)) return false;
                    break;
                case 22: {
                    int64_t count = 0;
                    if (!take_int(c, count)) return false;
                    if (count < 0 || count > std::numeric_limits<int>::max()) {
                        fail("corrupt archive header: TOC entry count " + std::to_string(count));
                    }
                    header.toc_count = count;
                    header_done = true;
                    hashing = !header.compressed();
                    toc.reserve(static_cast<size_t>(std::min<int64_t>(count, 1 << 16)));
                    step = 0;
                    start_toc_entry();
                    return true;
                }
                default:
                    fail("internal error: bad header step");
            }
            ++step;
        }
    }

    // --- table of contents ---

    void start_toc_entry() {
        if (entries_read == header.toc_count) {
            toc_done = true;
            block_seen.assign(toc.size(), false);
            phase = Phase::block_type;
            return;
        }
        entry = ArchiveTocEntry{};
        step = 0;
        phase = Phase::toc;
    }

    static int parse_dep(const std::string& text) {
        int v = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc{} || ptr != text.data() + text.size()) {
            fail("corrupt TOC: dependency \"" + text + "\" is not a dump id");
        }
        return v;
    }

    bool parse_toc_entry(Cursor& c) {
        const int ver = version();
        for (;;) {
            int64_t v = 0;
            switch (step) {
                case 0:
                    if (!take_int32(c, entry.dump_id, "TOC entry id")) return false;
                    if (entry.dump_id <= 0) {
                        fail("corrupt TOC: entry id " + std::to_string(entry.dump_id) + " out of range");
                    }
                    break;
                case 1:
                    if (!take_int(c, v)) return false;
                    entry.had_dumper = v != 0;
                    break;
                case 2:
                    if (!take_str(c, entry.table_oid)) return false;
                    break;
                case 3:
                    if (!take_str(c, entry.oid)) return false;
                    break;
                case 4:
                    if (!take_str(c, entry.tag)) return false;
                    break;
                case 5:
                    if (!take_str(c, entry.desc)) return false;
                    break;
                case 6:
                    if (!take_int32(c, entry.section, "TOC section")) return false;
                    break;
                case 7:
                    if (!take_str(c, entry.defn)) return false;
                    break;
                case 8:
                    if (!take_str(c, entry.drop_stmt)) return false;
                    break;
                case 9:
                    if (!take_str(c, entry.copy_stmt)) return false;
                    break;
                case 10:
                    if (!take_str(c, entry.schema)) return false;
                    break;
                case 11:
                    if (!take_str(c, entry.tablespace)) return false;
                    break;
                case 12:
                    if (ver >= k_vers_1_14 && !take_str(c, entry.tableam)) return false;
                    break;
                case 13:
                    if (ver >= k_vers_1_16 && !take_int32(c, entry.relkind, "TOC relkind")) return false;
                    break;
                case 14:
                    if (!take_str(c, entry.owner)) return false;
                    break;
                case 15:
                    if (!take_str(c, entry.with_oids)) return false;
                    break;
                case 16: {
                    // Dependencies: dump ids as strings, ended by a null string.
                    std::string dep;
                    bool is_null = false;
                    if (!take_str(c, dep, is_null)) return false;
                    if (!is_null) {
                        entry.deps.push_back(parse_dep(dep));
                        continue;  // same step: next dependency
                    }
                    break;
                }
                case 17: {
                    uint8_t flag = 0;
                    entry.data_state_pos = pos(c);
                    if (!take_byte(c, flag)) return false;
                    entry.data_state = flag;
                    break;
                }
                case 18: {
                    const uint8_t* b = nullptr;
                    if (!take_raw(c, static_cast<size_t>(header.off_size), b)) return false;
                    uint64_t off = 0;
                    for (int i = 0; i < header.off_size && i < 8; ++i) off |= uint64_t{b[i]} << (8 * i);
                    entry.data_offset = off;
                    finish_toc_entry();
                    return true;
                }
                default:
                    fail("internal error: bad TOC step");
            }
            ++step;
        }
    }

    void finish_toc_entry() {
        if (!toc_index.emplace(entry.dump_id, toc.size()).second) {
            fail("corrupt TOC: entry id " + std::to_string(entry.dump_id) + " appears twice");
        }
        toc.push_back(std::move(entry));
        ++entries_read;
        start_toc_entry();
    }

    // --- data blocks ---

    std::string block_name() const {
        const ArchiveTocEntry& e = toc[block_entry];
        if (table) return "table " + tables[*table].qualified_name();
        if (block_type == blk_blobs) return "large objects";
        return "TOC entry " + std::to_string(e.dump_id) + " (" + e.desc + " " + e.tag + ")";
    }

    void start_block(int64_t dump_id) {
        const auto it = toc_index.find(static_cast<int>(dump_id));
        if (dump_id <= 0 || dump_id > std::numeric_limits<int>::max() || it == toc_index.end()) {
            fail("data block at offset " + std::to_string(block_offset) + " belongs to dump id " +
                 std::to_string(dump_id) + ", which is not in the table of contents");
        }
        block_entry = it->second;
        if (block_seen[block_entry]) {
            fail("second data block for dump id " + std::to_string(dump_id) + " at offset " +
                 std::to_string(block_offset));
        }
        block_seen[block_entry] = true;
        toc[block_entry].block_pos = block_offset;
        table.reset();
        const ArchiveTocEntry& e = toc[block_entry];
        if (block_type == blk_data) {
            if (e.desc == "TABLE DATA") {
                TableData td;
                td.dump_id = e.dump_id;
                td.schema = e.schema;
                td.table = e.tag;
                td.copy_stmt = e.copy_stmt;
                tables.push_back(std::move(td));
                table = tables.size() - 1;
                rows_hasher.reset();
            }
            phase = Phase::chunk_len;
        } else {
            phase = Phase::blob_oid;
        }
    }

    void end_data_unit() {
        if (in_blob) {
            if (hashing) blob_sum += blob_state->digest();
            in_blob = false;
            phase = Phase::blob_oid;
            return;
        }
        if (table) {
            TableData& td = tables[*table];
            if (hashing) {
                rows_hasher.finish();
                td.rows = rows_hasher.rows();
                td.hash_sum = rows_hasher.sum();
            }
            td.complete = true;
            table.reset();
        }
        phase = Phase::block_type;
    }

    void consume_chunk(Cursor& c) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk_left, c.avail()));
        if (hashing) {
            if (in_blob) {
                blob_state->update(c.p, n);
            } else if (table) {
                rows_hasher.feed(std::span<const std::byte>(c.p, n));
            }
        }
        if (table) tables[*table].bytes += n;
        c.p += n;
        chunk_left -= n;
        if (chunk_left == 0) phase = Phase::chunk_len;
    }

    void step_data(Cursor& c) {
        switch (phase) {
            case Phase::block_type: {
                block_offset = pos(c);
                if (!take_byte(c, block_type)) return;
                if (block_type != blk_data && block_type != blk_blobs) {
                    fail("unknown block type " + std::to_string(block_type) + " at offset " +
                         std::to_string(block_offset) + " of the archive");
                }
                phase = Phase::block_id;
                return;
            }
            case Phase::block_id: {
                int64_t id = 0;
                if (!take_int(c, id)) return;
                start_block(id);
                return;
            }
            case Phase::chunk_len: {
                const uint64_t at = pos(c);
                int64_t len = 0;
                if (!take_int(c, len)) return;
                if (len < 0) {
                    fail("corrupt chunk length " + std::to_string(len) + " at offset " + std::to_string(at) +
                         " in the data of " + block_name());
                }
                if (len == 0) {
                    end_data_unit();
                } else {
                    chunk_left = static_cast<uint64_t>(len);
                    phase = Phase::chunk_data;
                }
                return;
            }
            case Phase::chunk_data:
                consume_chunk(c);
                return;
            case Phase::blob_oid: {
                int64_t oid = 0;
                if (!take_int(c, oid)) return;
                if (oid == 0) {
                    phase = Phase::block_type;
                    return;
                }
                ++blobs;
                in_blob = true;
                if (hashing) {
                    if (!blob_state) blob_state.emplace();
                    blob_state->reset();
                }
                phase = Phase::chunk_len;
                return;
            }
            default:
                fail("internal error: bad data phase");
        }
    }

    void feed(std::span<const std::byte> data) {
        if (phase == Phase::failed) fail("archive scanner used after an error");
        if (phase == Phase::finished) fail("archive scanner fed after finish()");
        Cursor c{data.data(), data.data() + data.size()};
        begin = c.p;
        try {
            while (c.p < c.end) {
                switch (phase) {
                    case Phase::header:
                        parse_header(c);
                        break;
                    case Phase::toc:
                        parse_toc_entry(c);
                        break;
                    default:
                        step_data(c);
                        break;
                }
            }
        } catch (...) {
            phase = Phase::failed;
            throw;
        }
        base += data.size();
    }

    void finish() {
        if (phase == Phase::failed) fail("archive scanner used after an error");
        if (phase == Phase::finished) return;
        const Phase at = phase;
        phase = Phase::failed;  // whatever happens below, the scanner is done
        const std::string where = " (input ended after " + std::to_string(base) + " bytes)";
        switch (at) {
            case Phase::header:
                if (base == 0) fail("archive is empty");
                fail("archive truncated inside the header" + where);
            case Phase::toc:
                fail("archive truncated inside the table of contents (entry " +
                     std::to_string(entries_read + 1) + " of " + std::to_string(header.toc_count) + ")" +
                     where);
            case Phase::block_id:
                fail("archive truncated inside a data block header" + where);
            case Phase::chunk_len:
            case Phase::chunk_data:
            case Phase::blob_oid:
                fail("archive truncated inside the data of " + block_name() + where);
            case Phase::block_type:
                break;
            default:
                fail("internal error: bad phase at finish");
        }
        for (size_t i = 0; i < toc.size(); ++i) {
            if (toc[i].has_data() && !block_seen[i]) {
                const ArchiveTocEntry& e = toc[i];
                const std::string name =
                    e.desc == "TABLE DATA" && !e.schema.empty() ? e.schema + "." + e.tag : e.tag;
                fail("archive truncated: the data of " + e.desc + " " + name + " (dump id " +
                     std::to_string(e.dump_id) + ") is missing" + where);
            }
        }
        phase = Phase::finished;
    }
};

ArchiveScanner::ArchiveScanner() : impl_(std::make_unique<Impl>()) {}
ArchiveScanner::~ArchiveScanner() = default;
ArchiveScanner::ArchiveScanner(ArchiveScanner&&) noexcept = default;
ArchiveScanner& ArchiveScanner::operator=(ArchiveScanner&&) noexcept = default;

void ArchiveScanner::feed(std::span<const std::byte> data) {
    impl_->feed(data);
}
void ArchiveScanner::finish() {
    impl_->finish();
}

const ArchiveHeader& ArchiveScanner::header() const {
    return impl_->header;
}
bool ArchiveScanner::header_complete() const {
    return impl_->header_done;
}
bool ArchiveScanner::toc_complete() const {
    return impl_->toc_done;
}
const std::vector<ArchiveTocEntry>& ArchiveScanner::toc() const {
    return impl_->toc;
}

const ArchiveTocEntry* ArchiveScanner::find_entry(int dump_id) const {
    const auto it = impl_->toc_index.find(dump_id);
    return it == impl_->toc_index.end() ? nullptr : &impl_->toc[it->second];
}

std::string ArchiveScanner::encoding() const {
    for (const ArchiveTocEntry& e : impl_->toc) {
        if (e.desc != "ENCODING") continue;
        // pg_dump writes "SET client_encoding = 'UTF8';\n".
        const size_t open = e.defn.find('\'');
        if (open == std::string::npos) return {};
        const size_t close = e.defn.find('\'', open + 1);
        if (close == std::string::npos) return {};
        return e.defn.substr(open + 1, close - open - 1);
    }
    return {};
}

bool ArchiveScanner::data_hashed() const {
    return impl_->header_done && impl_->hashing;
}
const std::vector<TableData>& ArchiveScanner::table_data() const {
    return impl_->tables;
}
uint64_t ArchiveScanner::blob_count() const {
    return impl_->blobs;
}
uint64_t ArchiveScanner::blob_hash_sum() const {
    return impl_->blob_sum;
}

uint64_t ArchiveScanner::bytes_scanned() const {
    return impl_->base;
}

}  // namespace pgark
