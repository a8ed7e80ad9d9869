// Unit tests for the order-independent COPY text hash shared by the archive scanner and the drill.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "core/copy_text_hasher.h"
#include "support/test_paths.h"

using pgark::CopyTextHasher;

namespace {

uint64_t xxh(std::string_view s) {
    return XXH3_64bits(s.data(), s.size());
}

CopyTextHasher hash_whole(std::string_view text) {
    CopyTextHasher h;
    h.feed(text);
    h.finish();
    return h;
}

CopyTextHasher hash_in_pieces(std::string_view text, size_t piece) {
    CopyTextHasher h;
    for (size_t i = 0; i < text.size(); i += piece) h.feed(text.substr(i, piece));
    h.finish();
    return h;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << path;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

TEST(CopyTextHasher, EmptyInputHasNoRows) {
    CopyTextHasher h = hash_whole("");
    EXPECT_EQ(h.rows(), 0u);
    EXPECT_EQ(h.sum(), 0u);
    EXPECT_EQ(h.hex(), "0000000000000000");
}

TEST(CopyTextHasher, SumsXxh3OfRowsWithoutNewline) {
    CopyTextHasher h = hash_whole("1\tone\n2\ttwo\n");
    EXPECT_EQ(h.rows(), 2u);
    EXPECT_EQ(h.sum(), xxh("1\tone") + xxh("2\ttwo"));
    EXPECT_EQ(h.bytes(), 12u);
}

TEST(CopyTextHasher, IsOrderIndependent) {
    EXPECT_EQ(hash_whole("a\nb\nc\n").sum(), hash_whole("c\na\nb\n").sum());
    EXPECT_NE(hash_whole("a\nb\nc\n").sum(), hash_whole("a\nb\nd\n").sum());
}

TEST(CopyTextHasher, CountsDuplicateRows) {
    CopyTextHasher h = hash_whole("x\nx\n");
    EXPECT_EQ(h.rows(), 2u);
    EXPECT_EQ(h.sum(), 2 * xxh("x"));
    EXPECT_NE(h.sum(), hash_whole("x\n").sum());
}

TEST(CopyTextHasher, EmptyLineIsARow) {
    CopyTextHasher h = hash_whole("\n");
    EXPECT_EQ(h.rows(), 1u);
    EXPECT_EQ(h.sum(), xxh(""));
}

TEST(CopyTextHasher, NewlineSplitAcrossChunks) {
    CopyTextHasher h;
    h.feed("first row");
    h.feed("\n");
    h.feed("second");
    h.feed("");
    h.feed(" row\nthi");
    h.feed("rd\n");
    h.finish();
    EXPECT_EQ(h.rows(), 3u);
    EXPECT_EQ(h.sum(), xxh("first row") + xxh("second row") + xxh("third"));
}

TEST(CopyTextHasher, TrailingUnterminatedLineCountsAsRow) {
    CopyTextHasher h = hash_whole("a\nb");
    EXPECT_EQ(h.rows(), 2u);
    EXPECT_EQ(h.sum(), hash_whole("a\nb\n").sum());
}

TEST(CopyTextHasher, StopsAtEndOfDataMarker) {
    // pg_dump ends each table's data with a "\." line and a blank line; neither is a row.
    EXPECT_EQ(hash_whole("a\n\\.\n\n").rows(), 1u);
    EXPECT_EQ(hash_whole("a\n\\.\n\n").sum(), xxh("a"));
    EXPECT_EQ(hash_whole("a\n\\.\nb\n").sum(), xxh("a"));
    EXPECT_EQ(hash_in_pieces("a\n\\.\n\n", 1).sum(), xxh("a"));
    EXPECT_EQ(hash_in_pieces("a\n\\.\n\n", 1).rows(), 1u);
    EXPECT_EQ(hash_in_pieces("a\n\\.", 1).rows(), 1u);
    EXPECT_EQ(hash_whole("a\n\\.\n\n").bytes(), 6u);
    // Only the exact line is a marker: an escaped backslash followed by a dot is data.
    EXPECT_EQ(hash_whole("\\\\.\n\\.x\n\\\n").rows(), 3u);
}

TEST(CopyTextHasher, ChunkBoundariesDoNotMatter) {
    std::string text;
    for (int i = 0; i < 500; ++i) {
        text += std::to_string(i) + "\tvalue " + std::string(static_cast<size_t>(i % 70), 'v') + "\t\\N\n";
    }
    text += "last without newline";
    const CopyTextHasher whole = hash_whole(text);
    EXPECT_EQ(whole.rows(), 501u);
    for (size_t piece : {1u, 2u, 3u, 7u, 64u, 4096u}) {
        const CopyTextHasher h = hash_in_pieces(text, piece);
        EXPECT_EQ(h.rows(), whole.rows()) << piece;
        EXPECT_EQ(h.sum(), whole.sum()) << piece;
    }
    std::mt19937 rng(42);
    CopyTextHasher h;
    for (size_t i = 0; i < text.size();) {
        const size_t n = std::uniform_int_distribution<size_t>(0, 200)(rng);
        h.feed(std::string_view(text).substr(i, n));
        i += n;
    }
    h.finish();
    EXPECT_EQ(h.sum(), whole.sum());
}

TEST(CopyTextHasher, ResetStartsOver) {
    CopyTextHasher h;
    h.feed("partial");
    h.reset();
    h.feed("a\n");
    h.finish();
    EXPECT_EQ(h.rows(), 1u);
    EXPECT_EQ(h.sum(), xxh("a"));
    EXPECT_EQ(h.bytes(), 2u);
}

TEST(CopyTextHasher, HexIsSixteenLowercaseDigits) {
    EXPECT_EQ(pgark::copy_hash_hex(0x0123456789abcdefULL), "0123456789abcdef");
    EXPECT_EQ(pgark::copy_hash_hex(~0ULL), "ffffffffffffffff");
}

// Pins the definition: the drill on the other side must compute the same value for the same COPY output.
TEST(CopyTextHasher, KnownValueForFixture) {
    const std::string text = read_file(pgark::test::test_data_dir() + "/sample.public.t.copy");
    const CopyTextHasher h = hash_whole(text);
    EXPECT_EQ(h.rows(), 7u);
    uint64_t expected = 0;
    for (size_t start = 0; start < text.size();) {
        const size_t nl = text.find('\n', start);
        expected += xxh(std::string_view(text).substr(start, nl - start));
        start = nl + 1;
    }
    EXPECT_EQ(h.sum(), expected);
}
