// Reading drill reports from drills/<db>/ (keys from repo/layout.h).
#include "repo/drill_history.h"

#include <algorithm>

#include "repo/layout.h"
#include "util/error.h"

namespace pgark {

std::optional<DrillReport> DrillHistory::newest(const std::optional<std::string>& database,
                                                const std::function<bool(const DrillReport&)>& keep) const {
    for (auto it = reports.rbegin(); it != reports.rend(); ++it) {
        if (database && it->database != *database) continue;
        if (!keep || keep(*it)) return *it;
    }
    return std::nullopt;
}

DrillHistory read_drill_history(Storage& storage, const std::optional<std::string>& database) {
    DrillHistory h;
    const auto prefix = database ? layout::database_drills_prefix(*database) : layout::drills_prefix();
    for (const auto& obj : storage.list(prefix)) {
        if (!layout::is_drill_report_key(obj.key)) continue;
        std::string text;
        try {
            text = storage.get(obj.key);
        } catch (const NotFoundError&) {
            continue;  // removed since the listing
        }
        try {
            auto d = DrillReport::from_json(text, storage.describe() + "/" + obj.key);
            if (database && d.database != *database) continue;
            h.reports.push_back(std::move(d));
        } catch (const StorageError&) {
            throw;
        } catch (const Error& e) {
            h.problems.push_back(e.what());
        }
    }
    std::stable_sort(h.reports.begin(), h.reports.end(), [](const DrillReport& a, const DrillReport& b) {
        return a.finished_at < b.finished_at;
    });
    return h;
}

}  // namespace pgark
