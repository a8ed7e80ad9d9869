// Readiness of restored tables for verification, from pg_restore's progress and the archive's TOC.
#include "pg/restore_readiness.h"

#include <charconv>

namespace pgark {

namespace {

constexpr std::string_view kPrefix = "pg_restore: ";

// Post-data items whose statement reads can run beside (see the header).
bool locks_table_exclusively(const ArchiveTocEntry& e) {
    return e.desc != "INDEX" && e.desc != "FK CONSTRAINT" && e.desc != "TRIGGER";
}

}  // namespace

std::optional<int> parse_finished_item(std::string_view line) {
    constexpr std::string_view what = "finished item ";
    if (!line.starts_with(kPrefix)) return std::nullopt;
    line.remove_prefix(kPrefix.size());
    if (!line.starts_with(what)) return std::nullopt;
    line.remove_prefix(what.size());
    int id = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), id);
    if (ec != std::errc() || end == line.data() || (end != line.data() + line.size() && *end != ' '))
        return std::nullopt;
    return id;
}

bool is_pg_restore_info_line(std::string_view line) {
    if (!line.starts_with(kPrefix)) return false;
    line.remove_prefix(kPrefix.size());
    for (std::string_view level : {"error:", "warning:", "detail:", "hint:", "fatal:"})
        if (line.starts_with(level)) return false;
    return true;
}

RestoreReadiness::RestoreReadiness(const std::vector<ArchiveTocEntry>& toc) {
    // Post-data items name their table by its TABLE entry (pg_dump) or, once pg_restore has repointed
    // them, by its TABLE DATA entry: map both to the TABLE DATA entry.
    std::map<int, int> data_of;  // TABLE or TABLE DATA dump id -> TABLE DATA dump id
    for (const auto& e : toc) {
        if (e.desc != "TABLE DATA" || !e.has_data()) continue;
        tables_.push_back(e.dump_id);
        waiting_[e.dump_id];
        data_of[e.dump_id] = e.dump_id;
        if (!e.deps.empty()) data_of[e.deps.front()] = e.dump_id;
    }
    for (const auto& e : toc) {
        if (e.section != ArchiveTocEntry::section_post_data) continue;
        for (int dep : e.deps) {
            auto it = data_of.find(dep);
            if (it == data_of.end()) continue;
            auto& w = waiting_[it->second];
            w.all.insert(e.dump_id);
            if (locks_table_exclusively(e)) w.exclusive.insert(e.dump_id);
            tables_of_item_[e.dump_id].push_back(it->second);
        }
    }
}

void RestoreReadiness::release(int data_id, Waiting& w, Ready& out) {
    if (!w.data_done) return;
    if (!w.contents_released && w.exclusive.empty()) {
        w.contents_released = true;
        out.contents.push_back(data_id);
    }
    if (!w.indexes_released && w.all.empty()) {
        w.indexes_released = true;
        out.indexes.push_back(data_id);
    }
}

RestoreReadiness::Ready RestoreReadiness::finished(int dump_id) {
    Ready out;
    if (auto it = waiting_.find(dump_id); it != waiting_.end()) {
        it->second.data_done = true;
        release(dump_id, it->second, out);
    }
    if (auto it = tables_of_item_.find(dump_id); it != tables_of_item_.end()) {
        for (int data_id : it->second) {
            auto& w = waiting_[data_id];
            w.all.erase(dump_id);
            w.exclusive.erase(dump_id);
            release(data_id, w, out);
        }
    }
    return out;
}

RestoreReadiness::Ready RestoreReadiness::finish_all() {
    Ready out;
    for (int id : tables_) {
        auto& w = waiting_[id];
        w.data_done = true;
        w.exclusive.clear();
        w.all.clear();
        release(id, w, out);
    }
    return out;
}

}  // namespace pgark
