// Unit tests for the streaming custom-format archive parser, against archives written by pg_dump 15
// (tests/data/make-fixtures.sh) and small synthetic archives of other format versions.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/copy_text_hasher.h"
#include "pg/archive_scanner.h"
#include "support/test_paths.h"
#include "util/error.h"

using pgark::ArchiveScanner;
using pgark::VerifyError;

namespace {

using Bytes = std::vector<std::byte>;

Bytes read_fixture(const std::string& name) {
    std::ifstream in(pgark::test::test_data_dir() + "/" + name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    std::ostringstream out;
    out << in.rdbuf();
    const std::string s = out.str();
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    return Bytes(p, p + s.size());
}

std::string read_text(const std::string& name) {
    const Bytes b = read_fixture(name);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::span<const std::byte> prefix(const Bytes& b, size_t n) {
    return std::span<const std::byte>(b.data(), n);
}

ArchiveScanner scan_whole(const Bytes& archive) {
    ArchiveScanner s;
    s.feed(archive);
    s.finish();
    return s;
}

// Everything a scan produces, to compare scans of the same archive fed in different ways.
std::string summary(const ArchiveScanner& s) {
    std::ostringstream out;
    out << s.header().version() << ' ' << s.header().dbname << ' ' << s.toc().size() << '\n';
    for (const auto& e : s.toc()) {
        out << e.dump_id << ' ' << e.desc << ' ' << e.schema << ' ' << e.tag << ' ' << e.defn.size() << ' '
            << e.deps.size() << ' ' << e.data_state << '\n';
    }
    for (const auto& t : s.table_data()) {
        out << t.dump_id << ' ' << t.qualified_name() << ' ' << t.rows.value_or(~0ULL) << ' '
            << t.hash_sum.value_or(0) << ' ' << t.bytes << ' ' << t.complete << '\n';
    }
    out << s.blob_count() << ' ' << s.blob_hash_sum() << ' ' << s.bytes_scanned() << '\n';
    return out.str();
}

std::map<std::string, uint64_t> row_counts(const ArchiveScanner& s) {
    std::map<std::string, uint64_t> out;
    for (const auto& t : s.table_data()) out[t.qualified_name()] = t.rows.value_or(~0ULL);
    return out;
}

const pgark::TableData& table(const ArchiveScanner& s, const std::string& name) {
    for (const auto& t : s.table_data()) {
        if (t.qualified_name() == name) return t;
    }
    throw std::runtime_error("no table data for " + name);
}

uint64_t xxh(std::string_view s) {
    return XXH3_64bits(s.data(), s.size());
}

// Offset just after the table of contents, found by feeding one byte at a time.
size_t toc_end(const Bytes& archive) {
    ArchiveScanner s;
    for (size_t i = 0; i < archive.size(); ++i) {
        s.feed(prefix(archive, i + 1).subspan(i));
        if (s.toc_complete()) return i + 1;
    }
    return archive.size();
}

// Per-table rows, as recorded (and checked against count(*)) in tests/data/make-fixtures.sh.
const std::map<std::string, uint64_t> expected_rows = {
    {"public.t", 7},
    {"public.readings", 1000},
    {"public.empty_t", 0},
    {"public.big", 3},
    {"sales.Orders", 300},
    {"sales.measurements_2025", 60},
    {"sales.measurements_2026", 40},
};

}  // namespace

TEST(ArchiveScanner, ParsesHeaderOfPgDump15PipeArchive) {
    const ArchiveScanner s = scan_whole(read_fixture("sample.pgdump"));
    const auto& h = s.header();
    EXPECT_TRUE(s.header_complete());
    EXPECT_EQ(h.version(), "1.14-0");
    EXPECT_EQ(h.int_size, 4);
    EXPECT_EQ(h.off_size, 8);
    EXPECT_EQ(h.format, 1);
    EXPECT_EQ(h.compression, pgark::ArchiveCompression::none);
    EXPECT_EQ(h.compression_code, 0);
    EXPECT_EQ(h.dbname, "sample");
    EXPECT_EQ(h.server_version.rfind("15.", 0), 0u) << h.server_version;
    EXPECT_EQ(h.pg_dump_version.rfind("15.", 0), 0u) << h.pg_dump_version;
    EXPECT_GE(h.created.tm_year, 125);
    EXPECT_EQ(s.encoding(), "UTF8");
    EXPECT_TRUE(s.data_hashed());
}

// The TOC must list exactly what `pg_restore --list --verbose` lists, in the same order.
TEST(ArchiveScanner, TocMatchesPgRestoreList) {
    const ArchiveScanner s = scan_whole(read_fixture("sample.pgdump"));
    std::istringstream list(read_text("sample.list"));
    std::vector<std::string> lines;
    for (std::string line; std::getline(list, line);) {
        if (!line.empty() && line[0] != ';') lines.push_back(line);
    }
    ASSERT_TRUE(s.toc_complete());
    EXPECT_EQ(static_cast<int64_t>(s.toc().size()), s.header().toc_count);
    ASSERT_EQ(s.toc().size(), lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
        const auto& e = s.toc()[i];
        // "<dumpId>; <tableoid> <oid> <desc> <schema or -> <tag> <owner>"
        const std::string start =
            std::to_string(e.dump_id) + "; " + e.table_oid + " " + e.oid + " " + e.desc + " ";
        EXPECT_EQ(lines[i].rfind(start, 0), 0u) << lines[i] << " vs " << start;
        EXPECT_NE(lines[i].find(" " + e.tag + " "), std::string::npos) << lines[i];
    }
    const auto* data = s.find_entry(s.table_data().front().dump_id);
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->desc, "TABLE DATA");
    EXPECT_EQ(data->section, pgark::ArchiveTocEntry::section_data);
    EXPECT_EQ(data->data_state, pgark::ArchiveTocEntry::data_offset_not_set);  // pipe: offsets unknown
    EXPECT_EQ(data->deps.size(), 1u);
}

TEST(ArchiveScanner, CountsRowsPerTable) {
    const ArchiveScanner s = scan_whole(read_fixture("sample.pgdump"));
    EXPECT_EQ(row_counts(s), expected_rows);
    for (const auto& t : s.table_data()) {
        EXPECT_TRUE(t.complete) << t.qualified_name();
        EXPECT_TRUE(t.hash_sum.has_value());
        EXPECT_EQ(t.copy_stmt.rfind("COPY ", 0), 0u) << t.copy_stmt;
    }
    EXPECT_EQ(table(s, "public.empty_t").bytes, 5u);  // just the end-of-data marker line and a blank line
    EXPECT_EQ(*table(s, "public.empty_t").hash_sum, 0u);
}

// The archive's hash of a table equals the hash of `COPY ... TO STDOUT` from the dumped database.
TEST(ArchiveScanner, TableHashEqualsHashOfCopyToStdout) {
    const ArchiveScanner s = scan_whole(read_fixture("sample.pgdump"));
    for (const auto& [name, file] : std::map<std::string, std::string>{
             {"public.t", "sample.public.t.copy"},
             {"public.big", "sample.public.big.copy"},
             {"sales.Orders", "sample.sales.Orders.copy"},
         }) {
        const std::string copy = read_text(file);
        pgark::CopyTextHasher h;
        h.feed(copy);
        h.finish();
        const auto& t = table(s, name);
        EXPECT_EQ(*t.rows, h.rows()) << name;
        EXPECT_EQ(*t.hash_sum, h.sum()) << name;
        // pg_dump 15 stores COPY's output followed by a "\." marker line and a blank line.
        EXPECT_EQ(t.bytes, copy.size() + 5) << name;
    }
}

TEST(ArchiveScanner, HashesLargeObjects) {
    const ArchiveScanner s = scan_whole(read_fixture("sample.pgdump"));
    EXPECT_EQ(s.blob_count(), 3u);
    std::string big;
    for (int i = 0; i < 4000; ++i) big += "large object ";
    EXPECT_EQ(s.blob_hash_sum(), xxh(big) + xxh(std::string("\x00\x01\x02\x03\x04", 5)) + xxh(""));
}

TEST(ArchiveScanner, ChunkBoundariesDoNotMatter) {
    const Bytes archive = read_fixture("sample.pgdump");
    const std::string whole = summary(scan_whole(archive));

    ArchiveScanner bytewise;
    for (size_t i = 0; i < archive.size(); ++i)
        bytewise.feed(std::span<const std::byte>(archive).subspan(i, 1));
    bytewise.finish();
    EXPECT_EQ(summary(bytewise), whole);

    for (unsigned seed = 1; seed <= 5; ++seed) {
        std::mt19937 rng(seed);
        std::uniform_int_distribution<size_t> size(0, seed * 97);
        ArchiveScanner s;
        for (size_t i = 0; i < archive.size();) {
            const size_t n = std::min(size(rng), archive.size() - i);
            s.feed(std::span<const std::byte>(archive).subspan(i, n));
            i += n;
        }
        s.finish();
        EXPECT_EQ(summary(s), whole) << "seed " << seed;
    }
}

TEST(ArchiveScanner, DetectsTruncationAnywhere) {
    const Bytes archive = read_fixture("sample.pgdump");
    const size_t toc = toc_end(archive);
    ASSERT_LT(toc, archive.size());
    std::vector<size_t> cuts;
    for (size_t n = 0; n <= toc + 64; ++n) cuts.push_back(n);  // every field of header and TOC
    for (size_t n = toc + 65; n < archive.size(); n += 29) cuts.push_back(n);
    for (size_t n = archive.size() - 64; n < archive.size(); ++n) cuts.push_back(n);
    for (const size_t n : cuts) {
        ArchiveScanner s;
        EXPECT_THROW(
            {
                s.feed(prefix(archive, n));
                s.finish();
            },
            VerifyError)
            << "cut at " << n << " of " << archive.size();
    }
}

TEST(ArchiveScanner, TruncationMessagesSayWhere) {
    const Bytes archive = read_fixture("sample.pgdump");
    const size_t toc = toc_end(archive);
    const auto message = [&](size_t n) -> std::string {
        ArchiveScanner s;
        try {
            s.feed(prefix(archive, n));
            s.finish();
        } catch (const VerifyError& e) {
            return e.what();
        }
        return "no error";
    };
    EXPECT_EQ(message(0), "archive is empty");
    EXPECT_NE(message(20).find("truncated inside the header"), std::string::npos) << message(20);
    EXPECT_NE(message(toc - 3).find("truncated inside the table of contents"), std::string::npos);
    // Cut exactly between the TOC and the first data block: only the missing data betrays it.
    EXPECT_NE(message(toc).find("is missing"), std::string::npos) << message(toc);
    EXPECT_NE(message(toc + 30).find("truncated inside the data of table public.big"), std::string::npos)
        << message(toc + 30);
    EXPECT_NE(message(archive.size() - 2).find("large objects"), std::string::npos)
        << message(archive.size() - 2);
}

TEST(ArchiveScanner, RejectsBadMagic) {
    const std::string junk = "PGDMX\x01\x0e\x00";
    ArchiveScanner s;
    try {
        s.feed(std::as_bytes(std::span(junk.data(), junk.size())));
        FAIL() << "accepted bad magic";
    } catch (const VerifyError& e) {
        EXPECT_STREQ(e.what(), "not a PostgreSQL custom-format archive (bad magic)");
    }
    EXPECT_THROW(s.finish(), VerifyError);  // unusable after an error

    const Bytes zstd_frame = {std::byte{0x28}, std::byte{0xb5}, std::byte{0x2f}, std::byte{0xfd}};
    ArchiveScanner z;
    EXPECT_THROW(z.feed(zstd_frame), VerifyError);
}

TEST(ArchiveScanner, RejectsUnknownBlockType) {
    Bytes archive = read_fixture("sample.pgdump");
    const size_t toc = toc_end(archive);
    archive[toc] = std::byte{7};
    ArchiveScanner s;
    try {
        s.feed(archive);
        FAIL() << "accepted block type 7";
    } catch (const VerifyError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "unknown block type 7 at offset " + std::to_string(toc) + " of the archive");
    }
}

TEST(ArchiveScanner, CompressedArchiveParsesTocButDoesNotHash) {
    const ArchiveScanner s = scan_whole(read_fixture("sample-z6.pgdump"));
    EXPECT_EQ(s.header().compression, pgark::ArchiveCompression::gzip);
    EXPECT_EQ(s.header().compression_code, 6);
    EXPECT_TRUE(s.toc_complete());
    EXPECT_EQ(s.toc().size(), 36u);
    EXPECT_FALSE(s.data_hashed());
    EXPECT_EQ(s.table_data().size(), expected_rows.size());
    for (const auto& t : s.table_data()) {
        EXPECT_FALSE(t.rows.has_value()) << t.qualified_name();
        EXPECT_FALSE(t.hash_sum.has_value());
        EXPECT_TRUE(t.complete);
    }
    EXPECT_EQ(s.blob_count(), 3u);
    EXPECT_EQ(s.blob_hash_sum(), 0u);

    // Truncation is still detected although the chunks are opaque.
    const Bytes archive = read_fixture("sample-z6.pgdump");
    ArchiveScanner cut;
    cut.feed(prefix(archive, archive.size() - 100));
    EXPECT_THROW(cut.finish(), VerifyError);
}

// --- synthetic archives of other format versions ---

namespace {

// Writes archives the way pg_dump's WriteInt/WriteStr do, for versions the fixtures do not cover.
class ArchiveWriter {
  public:
    ArchiveWriter(int vmin, int int_size) : vmin_(vmin), int_size_(int_size) {}

    void byte(int b) { out_.push_back(static_cast<std::byte>(b)); }
    void integer(int64_t v) {
        byte(v < 0 ? 1 : 0);
        uint64_t m = v < 0 ? static_cast<uint64_t>(-v) : static_cast<uint64_t>(v);
        for (int i = 0; i < int_size_; ++i) {
            byte(static_cast<int>(m & 0xff));
            m >>= 8;
        }
    }
    void str(const char* s) {
        if (s == nullptr) return integer(-1);
        integer(static_cast<int64_t>(std::strlen(s)));
        for (const char* p = s; *p != '\0'; ++p) byte(static_cast<unsigned char>(*p));
    }
    void header(int compression, int toc_count) {
        for (char c : std::string("PGDMP")) byte(c);
        byte(1);
        byte(vmin_);
        byte(0);
        byte(int_size_);
        byte(8);
        byte(1);
        if (vmin_ >= 15) {
            byte(compression);
        } else {
            integer(compression);
        }
        for (int v : {5, 4, 3, 2, 1, 126, 0}) integer(v);
        str("db");
        str("16.2");
        str("16.2");
        integer(toc_count);
    }
    void entry(int id, const char* desc, const char* schema, const char* tag, const char* copy, bool data) {
        integer(id);
        integer(data ? 1 : 0);
        str("0");
        str("0");
        str(tag);
        str(desc);
        integer(3);
        str(desc == std::string("ENCODING") ? "SET client_encoding = 'LATIN1';\n" : "");
        str("");
        str(copy);
        str(schema);
        str("");
        if (vmin_ >= 14) str("heap");
        if (vmin_ >= 16) integer('r');
        str("owner");
        str("false");
        str("1");
        str(nullptr);
        byte(data ? 1 : 3);
        for (int i = 0; i < 8; ++i) byte(0);
    }
    void data_block(int id, const std::vector<std::string>& chunks) {
        byte(1);
        integer(id);
        for (const auto& c : chunks) {
            integer(static_cast<int64_t>(c.size()));
            for (char ch : c) byte(static_cast<unsigned char>(ch));
        }
        integer(0);
    }
    const Bytes& bytes() const { return out_; }

  private:
    int vmin_;
    int int_size_;
    Bytes out_;
};

Bytes synthetic(int vmin, int int_size, int compression) {
    ArchiveWriter w(vmin, int_size);
    w.header(compression, 3);
    w.entry(1, "ENCODING", nullptr, "ENCODING", nullptr, false);
    w.entry(10, "TABLE", "s", "t", nullptr, false);
    w.entry(20, "TABLE DATA", "s", "t", "COPY s.t (a) FROM stdin;\n", true);
    w.data_block(20, {"1\tx", "\n2\t", "y\n", "3\tz\n"});
    return w.bytes();
}

}  // namespace

TEST(ArchiveScanner, ReadsOtherArchiveVersions) {
    for (const int vmin : {12, 13, 14, 15, 16}) {
        for (const int int_size : {4, 8}) {
            const ArchiveScanner s = scan_whole(synthetic(vmin, int_size, 0));
            EXPECT_EQ(s.header().vmin, vmin);
            EXPECT_EQ(s.header().server_version, "16.2");
            ASSERT_EQ(s.toc().size(), 3u) << vmin;
            EXPECT_EQ(s.toc()[2].owner, "owner") << vmin;
            EXPECT_EQ(s.toc()[2].tableam, vmin >= 14 ? "heap" : "") << vmin;
            EXPECT_EQ(s.toc()[2].relkind, vmin >= 16 ? 'r' : 0) << vmin;
            EXPECT_EQ(s.toc()[2].deps, std::vector<int>{1});
            EXPECT_EQ(s.encoding(), "LATIN1");
            ASSERT_EQ(s.table_data().size(), 1u);
            EXPECT_EQ(*s.table_data()[0].rows, 3u);
            EXPECT_EQ(*s.table_data()[0].hash_sum, xxh("1\tx") + xxh("2\ty") + xxh("3\tz"));
        }
    }
}

TEST(ArchiveScanner, CompressionAlgorithmByteFromVersion115) {
    const ArchiveScanner zstd = scan_whole(synthetic(15, 4, 3));
    EXPECT_EQ(zstd.header().compression, pgark::ArchiveCompression::zstd);
    EXPECT_FALSE(zstd.data_hashed());
    EXPECT_FALSE(zstd.table_data()[0].rows.has_value());
    EXPECT_EQ(scan_whole(synthetic(16, 4, 2)).header().compression, pgark::ArchiveCompression::lz4);
    EXPECT_EQ(scan_whole(synthetic(14, 4, -1)).header().compression, pgark::ArchiveCompression::gzip);
}

TEST(ArchiveScanner, RejectsUnsupportedVersionAndFormat) {
    Bytes old = synthetic(14, 4, 0);
    old[6] = std::byte{11};
    EXPECT_THROW(scan_whole(old), VerifyError);
    Bytes future = synthetic(14, 4, 0);
    future[6] = std::byte{17};
    EXPECT_THROW(scan_whole(future), VerifyError);
    Bytes directory = synthetic(14, 4, 0);
    directory[10] = std::byte{5};  // a directory-format toc.dat
    EXPECT_THROW(scan_whole(directory), VerifyError);
}

TEST(ArchiveScanner, RejectsDataBlockForUnknownEntry) {
    Bytes archive = synthetic(14, 4, 0);
    ArchiveWriter extra(14, 4);
    extra.data_block(99, {"x\n"});
    archive.insert(archive.end(), extra.bytes().begin(), extra.bytes().end());
    EXPECT_THROW(scan_whole(archive), VerifyError);
}

// Corruption anywhere must end in a clean VerifyError or a (wrong but) finished scan, never a crash.
TEST(ArchiveScanner, SurvivesCorruptedBytes) {
    const Bytes original = read_fixture("sample.pgdump");
    const size_t toc = toc_end(original);
    std::mt19937 rng(7);
    for (int trial = 0; trial < 300; ++trial) {
        Bytes archive = original;
        // Mostly hit the structured part (header, TOC, first blocks), where corruption matters most.
        const size_t limit = trial % 3 == 0 ? archive.size() : toc + 200;
        const size_t at = std::uniform_int_distribution<size_t>(0, limit - 1)(rng);
        archive[at] ^= static_cast<std::byte>(std::uniform_int_distribution<int>(1, 255)(rng));
        ArchiveScanner s;
        try {
            s.feed(archive);
            s.finish();
        } catch (const VerifyError&) {
        }
    }
}
