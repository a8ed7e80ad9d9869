// Human renderings of command results (tables, summaries); JSON is report/json.h.
#include "cli/render.h"

#include <cstdio>
#include <sstream>

#include "util/text.h"
#include "util/units.h"

namespace pgark::cli {

std::string thousands(std::uint64_t n) {
    auto digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

namespace {

std::string pad(const std::string& s, std::size_t w) {
    return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' ');
}

}  // namespace

std::string render_backup(const BackupResult& r) {
    const auto& m = r.manifest;
    std::ostringstream o;
    char ratio[32];
    std::snprintf(
        ratio, sizeof ratio, "%.1f",
        m.stored_bytes ? static_cast<double>(m.raw_bytes) / static_cast<double>(m.stored_bytes) : 0.0);
    o << "Backup " << m.id.str() << " complete\n"
      << "  database    " << m.database << " on " << m.server << " (PostgreSQL " << m.server_version
      << ", pg_dump " << m.pg_dump_version << ")\n"
      << "  duration    " << units::format_duration(m.duration_seconds()) << "\n"
      << "  size        " << units::format_size(m.raw_bytes) << " dumped, "
      << units::format_size(m.stored_bytes) << " stored (zstd level " << m.compression_level << ", ratio "
      << ratio << ")\n"
      << "  contents    " << plural(m.tables.size(), "table", "tables") << ", " << thousands(m.total_rows())
      << " rows, " << m.toc_entries << " archive entries\n"
      << "  sha256      " << m.sha256 << "\n"
      << "  repository  " << r.repository << "\n";
    return o.str();
}

std::string render_list(const ListResult& r) {
    std::ostringstream o;
    if (r.backups.empty()) {
        o << "No backups in " << r.repository << ".\n";
    } else {
        o << pad("ID", 40) << pad("DATABASE", 16) << pad("FINISHED (UTC)", 21) << pad("DURATION", 10)
          << pad("DUMPED", 11) << pad("STORED", 11) << "TABLES\n";
        for (const auto& m : r.backups) {
            auto fin = format_iso8601(m.finished_at);
            fin[10] = ' ';
            fin.pop_back();
            o << pad(m.id.str(), 40) << pad(m.database, 16) << pad(fin, 21)
              << pad(units::format_duration(m.duration_seconds()), 10)
              << pad(units::format_size(m.raw_bytes), 11) << pad(units::format_size(m.stored_bytes), 11)
              << m.tables.size() << (m.is_safety_backup() ? "  (safety backup of a restore)" : "") << "\n";
        }
        o << r.backups.size() << " backup" << (r.backups.size() == 1 ? "" : "s") << " in " << r.repository
          << "\n";
    }
    for (const auto& p : r.problems) o << "warning: " << p << "\n";
    return o.str();
}

std::string render_verify(const VerifyResult& r) {
    std::ostringstream o;
    o << "Backup " << r.manifest.id.str() << ": " << (r.ok() ? "verified OK" : "VERIFICATION FAILED") << " ("
      << units::format_duration(r.seconds) << ")\n";
    for (const auto& c : r.checks)
        o << "  " << pad(to_string(c.status), 8) << pad(c.name, 20) << c.detail << "\n";
    return o.str();
}

std::string render_config(const std::vector<ConfigEntry>& entries, const std::string& file) {
    std::ostringstream o;
    o << "# config file: " << (file.empty() ? "(none)" : file) << "\n";
    for (const auto& e : entries)
        o << pad(e.key, 28) << pad(e.value.empty() ? "(unset)" : e.value, 34) << "# " << e.origin << "\n";
    return o.str();
}

std::string render_drill(const DrillResult& res, const Objectives& objectives) {
    const auto& r = res.report;
    std::ostringstream o;
    o << "Drill " << r.id << " of backup " << r.backup_id << ": " << (r.ok ? "PASSED" : "FAILED")
      << " (level " << r.level << ")\n";
    if (!r.scratch_database.empty())
        o << "  scratch     " << r.scratch_database << " on " << r.target
          << (r.scratch_kept ? " (KEPT for inspection)"
              : r.cleanup_ok ? " (dropped)"
                             : " (NOT dropped: " + r.cleanup_error + "; `pgark drill --sweep` retries)")
          << "\n";
    o << "  restore     " << units::format_duration(r.restore_seconds)
      << " measured (download + restore = RTO; objective "
      << units::format_duration(static_cast<double>(objectives.rto.count())) << ")\n";
    o << "  phases     ";
    for (const auto& p : r.phases)
        o << " " << p.name << " " << units::format_duration(p.seconds) << (p.ok ? "" : " (FAILED)") << ";";
    o << "\n";
    if (!r.tables.empty()) {
        std::uint64_t rows = 0;
        for (const auto& t : r.tables) rows += t.actual_rows.value_or(0);
        o << "  tables      " << r.tables.size() << " verified (" << thousands(rows) << " rows), "
          << r.tables_mismatched() << " mismatched\n";
        for (const auto& t : r.tables)
            if (!t.ok) o << "    MISMATCH  " << t.schema << "." << t.name << ": " << t.detail << "\n";
    }
    o << "  checks\n";
    for (const auto& c : r.checks)
        o << "    " << pad(to_string(c.status), 8) << pad(c.name, 22) << c.detail << "\n";
    if (!r.error.empty()) o << "  error       " << r.error << "\n";
    if (!res.report_key.empty()) o << "  report      " << res.repository << "/" << res.report_key << "\n";
    return o.str();
}

std::string render_status(const StatusResult& r) {
    std::ostringstream o;
    o << "Objectives: RPO " << units::format_duration(static_cast<double>(r.objectives.rpo.count()))
      << ", RTO " << units::format_duration(static_cast<double>(r.objectives.rto.count())) << "  (repository "
      << r.repository << ")\n";
    if (r.databases.empty()) o << "No backups or drills in the repository yet.\n";
    for (const auto& d : r.databases) {
        const auto& a = d.assessment;
        o << "\n" << d.database << ": " << (a.ok() ? "OK" : "AT RISK") << "\n";
        if (d.last_backup)
            o << "  last backup      " << d.last_backup->id.str() << ", "
              << units::format_duration(a.rpo_seconds.value_or(0)) << " ago (RPO "
              << (a.rpo_ok ? "ok" : "VIOLATED") << ")\n";
        else
            o << "  last backup      none\n";
        if (d.last_successful_drill)
            o << "  last good drill  " << d.last_successful_drill->id << ", restore took "
              << units::format_duration(d.last_successful_drill->restore_seconds) << " (RTO "
              << (a.rto_ok ? "ok" : "VIOLATED") << ")\n";
        else
            o << "  last good drill  none\n";
        if (d.last_backup)
            o << "  newest drilled   "
              << (d.last_backup_drilled_by ? "yes, by drill " + *d.last_backup_drilled_by
                                           : std::string("not yet"))
              << "\n";
        if (d.last_drill && !d.last_drill->ok)
            o << "  latest drill     " << d.last_drill->id << " FAILED"
              << (d.last_drill->error.empty() ? "" : ": " + d.last_drill->error) << "\n";
        for (const auto& p : a.problems) o << "  ! " << p << "\n";
    }
    return o.str();
}

std::string render_restore_plan(const RestorePlan& p) {
    std::ostringstream o;
    o << "Restore plan: backup " << p.backup_id << " (of " << p.source_database << ") -> database "
      << p.target_database << " on " << p.server << "\n";
    o << "  mode       " << to_string(p.mode) << (p.destructive() ? "  (DESTRUCTIVE)" : "") << "\n";
    o << "  backup     " << units::format_size(p.stored_bytes) << " stored, "
      << units::format_size(p.raw_bytes) << " archive\n";
    o << "  estimate   "
      << (p.estimated_seconds ? units::format_duration(*p.estimated_seconds) + " (" + p.estimate_basis + ")"
                              : p.estimate_basis)
      << "\n";
    if (!p.warning.empty()) o << "  WARNING    " << p.warning << "\n";
    o << "  steps:\n";
    int n = 1;
    for (const auto& s : p.steps)
        o << "    " << n++ << ". " << s.name << (s.destructive ? " [destructive]" : "") << ": " << s.detail
          << "\n";
    return o.str();
}

std::string render_restore(const RestoreResult& r) {
    if (!r.executed) return render_restore_plan(r.plan) + "Dry run: nothing was changed.\n";
    std::ostringstream o;
    o << "Restored backup " << r.plan.backup_id << " into " << r.plan.target_database << " on "
      << r.plan.server << " (" << to_string(r.plan.mode) << ")\n";
    if (!r.safety_backup_id.empty()) o << "  safety backup  " << r.safety_backup_id << "\n";
    for (const auto& p : r.phases)
        o << "  " << p.name << std::string(p.name.size() < 22 ? 22 - p.name.size() : 1, ' ')
          << units::format_duration(p.seconds) << (p.detail.empty() ? "" : "  " + p.detail)
          << (p.ok ? "" : "  FAILED") << "\n";
    o << "  verification   level " << r.plan.level << ": " << plural(r.tables.size(), "table", "tables")
      << ", " << r.tables_mismatched() << " mismatched, "
      << (all_passed(r.checks) ? "all checks passed" : "checks FAILED") << "\n";
    o << "Restore time (measured): " << units::format_duration(r.restore_seconds) << " — "
      << (r.ok ? "OK" : "FAILED") << "\n";
    return o.str();
}

}  // namespace pgark::cli

namespace pgark::cli {

namespace {

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

}  // namespace

std::string render_prune(const PruneResult& r) {
    std::ostringstream o;
    o << "Prune " << r.database << " in " << r.repository
      << (r.dry_run ? " (dry run: nothing was changed)" : "") << "\n";
    o << "Policy: keep last " << r.keep_last << ", daily " << r.keep_daily << ", weekly " << r.keep_weekly
      << ", monthly " << r.keep_monthly << " (days in " << r.timezone << "); incomplete backups after "
      << units::format_duration(static_cast<double>(r.incomplete_after.count())) << "\n";
    if (r.backups.empty()) o << "No backups of " << r.database << ".\n";
    for (const auto& b : r.backups) {
        o << "  " << pad(b.keep ? "KEEP" : "REMOVE", 8) << pad(b.id, 40)
          << pad(units::format_size(b.bytes), 11) << join(b.reasons, ", ") << "\n";
        for (const auto& l : b.locked_by) o << "          in use by " << l << "\n";
        if (!b.note.empty()) o << "          ! " << b.note << "\n";
    }
    if (!r.abandoned_writes.empty()) {
        o << "Abandoned writes " << (r.dry_run ? "to discard" : "discarded") << ":\n";
        for (const auto& w : r.abandoned_writes)
            o << "  " << w.key << " (since " << format_iso8601(w.since) << ")\n";
    }
    if (!r.stale_locks.empty()) {
        o << "Stale locks " << (r.dry_run ? "to remove" : "removed") << ":\n";
        for (const auto& l : r.stale_locks) o << "  " << l << "\n";
    }
    for (const auto& p : r.problems) o << "warning: " << p << "\n";
    for (const auto& e : r.errors) o << "error: " << e << "\n";
    const std::size_t removed = r.dry_run ? r.to_remove() : r.removed_count();
    o << "Kept " << r.kept() << ", " << (r.dry_run ? "would remove " : "removed ") << removed << " ("
      << units::format_size(r.bytes_freed) << " " << (r.dry_run ? "would be freed" : "freed") << ")";
    std::vector<std::string> swept;
    if (!r.abandoned_writes.empty())
        swept.push_back(plural(r.abandoned_writes.size(), "abandoned write", "abandoned writes"));
    if (!r.stale_locks.empty()) swept.push_back(plural(r.stale_locks.size(), "stale lock", "stale locks"));
    if (!r.stale_claims.empty())
        swept.push_back(plural(r.stale_claims.size(), "leftover id claim", "leftover id claims"));
    if (!swept.empty()) o << "; " << (r.dry_run ? "would sweep " : "swept ") << join(swept, " and ");
    o << ".\n";
    return o.str();
}

}  // namespace pgark::cli
