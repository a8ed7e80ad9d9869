// Unit tests for writing data offsets into a spooled archive: after patching, a scan of the file sees
// every data entry's offset set to where its block really starts, and nothing else changed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "pg/archive_offsets.h"
#include "pg/archive_scanner.h"
#include "util/temp.h"

using namespace pgark;

namespace {

std::vector<std::byte> read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(in)), {});
    std::vector<std::byte> out(c.size());
    std::memcpy(out.data(), c.data(), c.size());
    return out;
}

ArchiveScanner scan(const std::vector<std::byte>& bytes) {
    ArchiveScanner s;
    s.feed(bytes);
    s.finish();
    return s;
}

}  // namespace

TEST(ArchiveOffsets, PipedArchiveGetsEveryDataOffsetAndKeepsItsContents) {
    const auto original = read_all(std::string(PGARK_TEST_DATA_DIR) + "/sample.pgdump");
    auto before = scan(original);
    std::size_t with_data = 0;
    for (const auto& e : before.toc()) {
        if (!e.has_data()) continue;
        ++with_data;
        EXPECT_EQ(e.data_state, ArchiveTocEntry::data_offset_not_set) << "the fixture was written to a pipe";
        ASSERT_TRUE(e.block_pos) << e.desc << " " << e.tag;
    }
    ASSERT_GT(with_data, 3u);

    TempDir dir("offsets");
    auto path = dir.path() / "archive.pgdump";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(original.data()), static_cast<std::streamsize>(original.size()));
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(write_data_offsets(fd, before), with_data);
    ::close(fd);

    const auto patched = read_all(path.string());
    ASSERT_EQ(patched.size(), original.size());
    auto after = scan(patched);
    ASSERT_EQ(after.toc().size(), before.toc().size());
    std::size_t differing_bytes = 0;
    for (std::size_t i = 0; i < original.size(); ++i) differing_bytes += original[i] != patched[i] ? 1 : 0;
    EXPECT_LE(differing_bytes, with_data * (1 + static_cast<std::size_t>(before.header().off_size)));
    for (std::size_t i = 0; i < after.toc().size(); ++i) {
        const auto& a = after.toc()[i];
        const auto& b = before.toc()[i];
        if (!b.has_data()) {
            EXPECT_EQ(a.data_state, b.data_state);
            continue;
        }
        EXPECT_EQ(a.data_state, ArchiveTocEntry::data_offset_set) << a.desc << " " << a.tag;
        EXPECT_EQ(a.data_offset, *b.block_pos) << a.desc << " " << a.tag;
        EXPECT_EQ(a.block_pos, b.block_pos);
    }
    // The data itself still scans to the same rows and hashes.
    ASSERT_EQ(after.table_data().size(), before.table_data().size());
    for (std::size_t i = 0; i < after.table_data().size(); ++i) {
        EXPECT_EQ(after.table_data()[i].rows, before.table_data()[i].rows);
        EXPECT_EQ(after.table_data()[i].hash_sum, before.table_data()[i].hash_sum);
    }
}
