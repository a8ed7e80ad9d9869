// Unit tests for the posix driver's guarantees that the shared contract suites (unit:
// storage_contract_unit_test.cpp, integration: storage_contract_test.cpp) do not cover: permissions,
// temp-file hygiene on disk, directories removed once empty, errors that name the cause.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "storage/posix/posix_storage.h"
#include "util/error.h"
#include "util/temp.h"

using namespace pgark;
namespace fs = std::filesystem;

TEST(PosixStorage, FilesArePrivate) {
    TempDir d("posix");
    PosixStorage s(d.path());
    s.put("a/b/c.txt", "hello");
    struct stat st {};
    ASSERT_EQ(::stat((d.path() / "a/b/c.txt").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((d.path() / "a/b").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(PosixStorage, UncommittedWriterLeavesNothing) {
    TempDir d("posix");
    PosixStorage s(d.path());
    {
        auto w = s.create("x/obj");
        std::string data(1000, 'x');
        w->write(std::as_bytes(std::span(data.data(), data.size())));
        EXPECT_TRUE(s.list("").empty());  // temp files are invisible
    }
    for (auto& e : fs::recursive_directory_iterator(d.path())) EXPECT_FALSE(e.is_regular_file()) << e.path();
    EXPECT_FALSE(s.stat("x/obj"));
}

TEST(PosixStorage, PutIfAbsentIsExclusive) {
    TempDir d("posix");
    PosixStorage s(d.path());
    EXPECT_TRUE(s.put_if_absent("k", "one"));
    EXPECT_FALSE(s.put_if_absent("k", "two"));
    EXPECT_EQ(s.get("k"), "one");
    EXPECT_TRUE(s.stale_temp_files(std::chrono::seconds(0)).empty());
}

TEST(PosixStorage, RemoveCleansEmptyDirectories) {
    TempDir d("posix");
    PosixStorage s(d.path());
    s.put("backups/db/id/a", "1");
    s.put("backups/db/id/b", "2");
    s.remove({"backups/db/id/a", "backups/db/id/b", "backups/db/id/missing"});
    EXPECT_FALSE(fs::exists(d.path() / "backups"));
    EXPECT_TRUE(fs::exists(d.path()));
}

TEST(PosixStorage, ReadOnlyDirectoryGivesClearError) {
    if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
    TempDir d("posix");
    PosixStorage s(d.path());
    ::chmod(d.path().c_str(), 0500);
    try {
        s.put("x", "y");
        FAIL();
    } catch (const StorageError& e) {
        EXPECT_NE(std::string(e.what()).find("permissions"), std::string::npos);
    }
    ::chmod(d.path().c_str(), 0700);
}
