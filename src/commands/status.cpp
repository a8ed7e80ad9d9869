// Reads the newest manifests and drill reports and assesses them against the objectives.
#include "commands/status.h"

#include <map>
#include <set>
#include <spdlog/spdlog.h>

#include "commands/drill.h"
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
    for (auto& m : repo.list_backups(db_filter)) {
        auto& s = by_db[m.database];
        s.database = m.database;
        s.previous_backup = std::move(s.last_backup);  // ascending order: the last one wins
        s.last_backup = m;
    }
    if (db_filter && by_db.empty()) by_db[*db_filter].database = *db_filter;

    std::string prefix = db_filter ? "drills/" + encode_db_component(*db_filter) + "/" : "drills/";
    for (const auto& obj : repo.storage().list(prefix)) {
        if (!obj.key.ends_with(".json")) continue;
        DrillReport d;
        try {
            d = DrillReport::from_json(repo.storage().get(obj.key), obj.key);
        } catch (const Error& e) {
            spdlog::warn("ignoring unreadable drill report: {}", e.what());
            continue;
        }
        auto& s = by_db[d.database];
        s.database = d.database;
        if (!s.last_drill || d.finished_at > s.last_drill->finished_at) s.last_drill = d;
        if (d.ok && (!s.last_successful_drill || d.finished_at > s.last_successful_drill->finished_at))
            s.last_successful_drill = d;
    }
    for (auto& [name, s] : by_db) {
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
