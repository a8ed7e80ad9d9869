// When a restored table can be verified while pg_restore is still running. A parallel pg_restore
// (--jobs >= 2 --verbose) reports each item it finishes; from the archive's TOC this decides which
// tables' contents can then be read without holding up pg_restore, and which tables have all their
// indexes built (for amcheck). Reading a table takes ACCESS SHARE, so it must not overlap an item that
// needs ACCESS EXCLUSIVE on it: pg_restore itself assumes that of every post-data item on a table
// except INDEX; FK CONSTRAINT and TRIGGER take SHARE ROW EXCLUSIVE, which reads do not conflict with.
// A wrong guess only delays pg_restore (it waits for the read), never corrupts or deadlocks it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "pg/archive_scanner.h"

namespace pgark {

// The dump id of an item that `pg_restore --verbose` reports finished in a parallel restore
// ("pg_restore: finished item 3401 TABLE DATA sensor_readings"), from one line of its stderr.
std::optional<int> parse_finished_item(std::string_view line);

// True for the informational lines of `pg_restore --verbose` (progress, not errors or warnings).
bool is_pg_restore_info_line(std::string_view line);

class RestoreReadiness {
  public:
    // Work that became possible, as the dump ids of the tables' TABLE DATA entries.
    struct Ready {
        std::vector<int> contents;  // data loaded, no exclusive post-data item pending
        std::vector<int> indexes;   // additionally, every post-data item on the table finished
        bool empty() const { return contents.empty() && indexes.empty(); }
    };

    explicit RestoreReadiness(const std::vector<ArchiveTocEntry>& toc);

    // pg_restore finished item `dump_id`.
    Ready finished(int dump_id);
    // pg_restore has ended: whatever has not been released yet.
    Ready finish_all();

    // The TABLE DATA entries this tracker follows.
    const std::vector<int>& tables() const { return tables_; }

  private:
    struct Waiting {
        bool data_done = false;
        std::set<int> exclusive;  // post-data items that lock the table exclusively, not finished
        std::set<int> all;        // every post-data item on the table, not finished
        bool contents_released = false, indexes_released = false;
    };
    void release(int data_id, Waiting& w, Ready& out);

    std::vector<int> tables_;
    std::map<int, Waiting> waiting_;                  // by TABLE DATA dump id
    std::map<int, std::vector<int>> tables_of_item_;  // post-data item -> TABLE DATA ids it touches
};

}  // namespace pgark
