// Reads the newest manifests and drill reports and assesses them against the objectives.
#include "commands/status.h"

#include <spdlog/spdlog.h>
#include <map>
#include <set>

#include "repo/drill_history.h"
#include "util/error.h"

namespace pgark {

bool StatusResult::ok() const {
    if (databases.empty()) return false;
    for (const auto& d : databases)
        if (!d.assessment.ok()) return false;
    return true;
}

StatusResult run_status(const Context& ctx, SystemTime now) {
    Repository repo = ctx.open_repository();
    StatusResult r;
    r.repository = repo.describe();
    r.objectives.rpo = ctx.config().duration("objectives.rpo");
    r.objectives.rto = ctx.config().duration("objectives.rto");

    auto db_filter = ctx.database_name();
    std::map<std::string, DatabaseStatus> by_db;
    std::set<std::string> only_safety, with_backups;  // databases with only safety backups
    for (auto& m : repo.list_backups(db_filter)) {
        if (m.is_safety_backup()) {
            if (!with_backups.count(m.database)) only_safety.insert(m.database);
        } else {
            with_backups.insert(m.database);
            only_safety.erase(m.database);
        }
        auto& s = by_db[m.database];
        s.database = m.database;
        s.previous_backup = std::move(s.last_backup);  // ascending order: the last one wins
        s.last_backup = m;
    }
    if (db_filter && by_db.empty()) by_db[*db_filter].database = *db_filter;

    auto history = read_drill_history(repo.storage(), db_filter);
    for (const auto& p : history.problems) spdlog::warn("ignoring unreadable drill report: {}", p);
    for (const auto& d : history.reports) {
        auto& s = by_db[d.database];
        s.database = d.database;
        s.last_drill = d;  // oldest first: the last one wins
        if (d.measures_rto()) s.last_successful_drill = d;
    }
    for (const auto& d : history.reports) {
        auto it = by_db.find(d.database);
        if (it != by_db.end() && it->second.last_backup && d.ok && d.restored() &&
            d.backup_id == it->second.last_backup->id.str())
            it->second.last_backup_drilled_by = d.id;
    }
    for (auto& [name, s] : by_db) {
        // A database whose only backups are safety backups of restores, and that was never drilled, is
        // not one anybody protects with pgark: not judged unless it is the configured database.
        if (!db_filter && only_safety.count(name) && !s.last_drill) continue;
        ObjectiveInputs in;
        if (s.last_backup) in.last_backup_finished = s.last_backup->finished_at;
        if (s.last_successful_drill) {
            in.last_successful_drill_restore_seconds = s.last_successful_drill->restore_seconds;
            in.last_successful_drill_finished = s.last_successful_drill->finished_at;
        }
        in.latest_drill_failed = s.last_drill && !s.last_drill->ok;
        s.assessment = assess(r.objectives, in, now);
        r.databases.push_back(s);
    }
    return r;
}

}  // namespace pgark
