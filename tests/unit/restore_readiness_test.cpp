// Unit tests for following a parallel pg_restore: its progress lines, and which restored tables may be
// read (contents) or index-checked while it still runs.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "pg/restore_readiness.h"
#include "support/test_paths.h"

using pgark::ArchiveTocEntry;
using pgark::RestoreReadiness;

namespace {

ArchiveTocEntry entry(int id, std::string desc, int section, std::vector<int> deps, bool data = false) {
    ArchiveTocEntry e;
    e.dump_id = id;
    e.desc = std::move(desc);
    e.tag = "t" + std::to_string(id);
    e.section = section;
    e.deps = std::move(deps);
    e.data_state = data ? ArchiveTocEntry::data_offset_set : ArchiveTocEntry::data_none;
    return e;
}

constexpr int pre = ArchiveTocEntry::section_pre_data;
constexpr int data = ArchiveTocEntry::section_data;
constexpr int post = ArchiveTocEntry::section_post_data;

// Two tables like FreshTrack's: readings (10) with an index, a primary key and a foreign key to
// devices (20), whose own primary key a trigger and the foreign key depend on.
std::vector<ArchiveTocEntry> freshtrack_like() {
    return {
        entry(10, "TABLE", pre, {}),
        entry(20, "TABLE", pre, {}),
        entry(11, "TABLE DATA", data, {10}, true),
        entry(21, "TABLE DATA", data, {20}, true),
        entry(12, "INDEX", post, {10}),
        entry(13, "CONSTRAINT", post, {10}),
        entry(22, "CONSTRAINT", post, {20}),
        entry(14, "FK CONSTRAINT", post, {10, 22}),
        entry(23, "TRIGGER", post, {20}),
        entry(30, "SEQUENCE SET", data, {}),
    };
}

}  // namespace

TEST(RestoreEvents, ParsesFinishedItemLines) {
    EXPECT_EQ(pgark::parse_finished_item("pg_restore: finished item 3401 TABLE DATA sensor_readings"), 3401);
    EXPECT_EQ(pgark::parse_finished_item("pg_restore: finished item 7 INDEX x"), 7);
    EXPECT_EQ(pgark::parse_finished_item("pg_restore: finished item 12"), 12);
    EXPECT_FALSE(pgark::parse_finished_item("pg_restore: launching item 3401 TABLE DATA sensor_readings"));
    EXPECT_FALSE(pgark::parse_finished_item("pg_restore: finished main parallel loop"));
    EXPECT_FALSE(pgark::parse_finished_item("pg_restore: finished item x1 TABLE DATA t"));
    EXPECT_FALSE(pgark::parse_finished_item("pg_restore: finished item 12x TABLE DATA t"));
    EXPECT_FALSE(pgark::parse_finished_item("pg_restorex: finished item 12 TABLE DATA t"));
    EXPECT_FALSE(pgark::parse_finished_item("finished item 12 TABLE DATA t"));
    EXPECT_FALSE(pgark::parse_finished_item(""));
}

TEST(RestoreEvents, TellsInformationFromErrors) {
    EXPECT_TRUE(pgark::is_pg_restore_info_line("pg_restore: creating TABLE \"public.t\""));
    EXPECT_TRUE(pgark::is_pg_restore_info_line("pg_restore: finished item 1 TABLE DATA t"));
    EXPECT_FALSE(pgark::is_pg_restore_info_line("pg_restore: error: could not execute query: ERROR:  boom"));
    EXPECT_FALSE(pgark::is_pg_restore_info_line("pg_restore: warning: errors ignored on restore: 1"));
    EXPECT_FALSE(pgark::is_pg_restore_info_line("pg_restore: detail: Command was: CREATE TABLE t ();"));
    EXPECT_FALSE(pgark::is_pg_restore_info_line("Command was: CREATE TABLE t ();"));
}

TEST(RestoreReadiness, ContentsWaitForExclusivePostDataButNotForIndexesOrForeignKeys) {
    RestoreReadiness r(freshtrack_like());
    EXPECT_EQ(r.tables(), (std::vector<int>{11, 21}));

    auto ready = r.finished(11);  // readings loaded; its primary key still pending
    EXPECT_TRUE(ready.empty());
    EXPECT_TRUE(r.finished(12).empty());  // the index alone does not lock the table exclusively
    ready = r.finished(13);               // primary key built: contents can be read
    EXPECT_EQ(ready.contents, std::vector<int>{11});
    EXPECT_TRUE(ready.indexes.empty());  // the foreign key is still being added
    ready = r.finished(14);
    EXPECT_TRUE(ready.contents.empty());
    EXPECT_EQ(ready.indexes, std::vector<int>{11});

    EXPECT_TRUE(r.finished(22).empty());  // devices' constraint before its data: nothing to read yet
    ready = r.finished(21);
    EXPECT_EQ(ready.contents, std::vector<int>{21});  // the trigger takes no exclusive lock
    EXPECT_TRUE(ready.indexes.empty());
    ready = r.finished(23);
    EXPECT_EQ(ready.indexes, std::vector<int>{21});

    // Everything was released once; the end of the restore releases nothing again.
    EXPECT_TRUE(r.finished(14).empty());
    EXPECT_TRUE(r.finish_all().empty());
}

TEST(RestoreReadiness, TheEndOfTheRestoreReleasesWhatWasNeverReported) {
    RestoreReadiness r(freshtrack_like());
    r.finished(21);  // devices loaded, its constraint never reported (a serial post-data run)
    auto ready = r.finish_all();
    EXPECT_EQ(ready.contents, (std::vector<int>{11, 21}));
    EXPECT_EQ(ready.indexes, (std::vector<int>{11, 21}));
}

TEST(RestoreReadiness, UnknownItemsAndTablesWithoutDataAreIgnored) {
    auto toc = freshtrack_like();
    toc.push_back(entry(40, "TABLE", pre, {}));
    toc.push_back(entry(41, "INDEX", post, {40}));       // an index on a table without data
    toc.push_back(entry(42, "TABLE DATA", data, {40}));  // no data block follows (data_none)
    RestoreReadiness r(toc);
    EXPECT_EQ(r.tables(), (std::vector<int>{11, 21}));
    EXPECT_TRUE(r.finished(41).empty());
    EXPECT_TRUE(r.finished(9999).empty());
    EXPECT_TRUE(r.finished(30).empty());  // SEQUENCE SET
}

TEST(RestoreReadiness, PostDataRepointedToTheDataEntryCountsToo) {
    // pg_restore repoints post-data dependencies from TABLE to TABLE DATA; accept either.
    std::vector<ArchiveTocEntry> toc = {entry(10, "TABLE", pre, {}),
                                        entry(11, "TABLE DATA", data, {10}, true),
                                        entry(13, "CONSTRAINT", post, {11})};
    RestoreReadiness r(toc);
    EXPECT_TRUE(r.finished(11).empty());
    auto ready = r.finished(13);
    EXPECT_EQ(ready.contents, std::vector<int>{11});
    EXPECT_EQ(ready.indexes, std::vector<int>{11});
}
