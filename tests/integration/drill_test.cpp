// Restore drills against a real PostgreSQL 15, over every storage driver: every verification level on
// the all-kinds database, tampering and corrupt archives caught, user checks, status, and cleanup on
// SIGINT/SIGTERM/SIGKILL.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/drill_report.h"
#include "core/manifest.h"
#include "pg/scratch_db.h"
#include "repo/layout.h"
#include "support/kinds_db.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/pgark_fixture.h"
#include "support/proc_util.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "util/error.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> scratch_databases() {
    return PgCluster::shared().scratch_databases();
}

class DrillTest : public PgarkFixture {
  protected:
    DrillTest() : PgarkFixture("drill") {}
    json drill(std::vector<std::string> args, int expected_exit,
               std::map<std::string, std::string> extra = {}) {
        args.insert(args.begin(), "drill");
        return json_of(args, expected_exit, extra);
    }
    static json check(const json& report, const std::string& name) {
        for (const auto& c : report["checks"])
            if (c["name"] == name) return c;
        return json();
    }
    bool spool_empty() const {
        for (const auto& e : fs::directory_iterator(tmp_.path())) {
            std::cerr << "spool parent holds " << e.path() << "\n";
            return false;
        }
        return true;
    }
};

TEST_P(DrillTest, PassesAtEveryLevelAndStoresItsReport) {
    auto id = backup();
    for (const char* level : {"archive", "schema", "rows", "content"}) {
        auto j = drill({"--level", level}, 0);
        EXPECT_TRUE(j["ok"].get<bool>()) << level;
        EXPECT_EQ(j["backup_id"], id);
        EXPECT_EQ(j["level"], level);
        if (std::string(level) == "archive") {
            EXPECT_TRUE(j["scratch_database"].get<std::string>().empty());
            continue;
        }
        EXPECT_EQ(check(j, "schema")["status"], "pass") << level;
        EXPECT_EQ(check(j, "sequences")["status"], "pass") << level;
        if (std::string(level) == "schema") continue;
        ASSERT_EQ(j["tables"].size(), 3u) << level;
        for (const auto& t : j["tables"]) {
            EXPECT_TRUE(t["ok"].get<bool>()) << t.dump();
            EXPECT_EQ(t["actual_rows"], t["expected_rows"]);
        }
        EXPECT_GT(j["restore_seconds"].get<double>(), 0.0);
        // The report is stored in the repository.
        auto stored = DrillReport::from_json(repo_.open()->get(j["report_key"].get<std::string>()), "report");
        EXPECT_EQ(stored.id, j["id"].get<std::string>());
        EXPECT_TRUE(stored.ok);
    }
    EXPECT_TRUE(spool_empty());
}

TEST_P(DrillTest, TamperedRowIsCaughtAndNamed) {
    backup();
    std::map<std::string, std::string> hook = {
        {"PGARK_TEST_HOOKS", "1"},
        {"PGARK_TEST_AFTER_RESTORE_SQL", "UPDATE devices SET name = name || '!' WHERE id = 7"}};
    auto j = drill({}, 1, hook);
    EXPECT_FALSE(j["ok"].get<bool>());
    EXPECT_EQ(j["tables_mismatched"], 1);
    bool named = false;
    for (const auto& t : j["tables"])
        if (!t["ok"].get<bool>()) {
            named = t["name"] == "devices" && t["schema"] == "public";
            EXPECT_NE(t["detail"].get<std::string>().find("different contents"), std::string::npos)
                << t.dump();
        }
    EXPECT_TRUE(named);
    // A deleted row is caught by the row count, at the rows level too.
    hook["PGARK_TEST_AFTER_RESTORE_SQL"] = "DELETE FROM alerts WHERE id = 3";
    j = drill({"--level", "rows"}, 1, hook);
    for (const auto& t : j["tables"])
        if (t["name"] == "alerts") {
            EXPECT_FALSE(t["ok"].get<bool>());
            EXPECT_EQ(t["actual_rows"].get<int>() + 1, t["expected_rows"].get<int>());
        }
    auto r = pgark({"drill"}, hook);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("MISMATCH  public.alerts"), std::string::npos) << r.out;
}

TEST_P(DrillTest, ArchiveDifferingFromManifestFailsNamingTheTable) {
    auto id = *BackupId::parse(backup());
    auto storage = repo_.open();
    auto m = json::parse(storage->get(layout::manifest_key(id)));
    for (auto& t : m["tables"])
        if (t["name"] == "sensor_readings") t["rows"] = t["rows"].get<int>() + 1;
    storage->put(layout::manifest_key(id), m.dump(2));
    auto j = drill({}, 1);
    auto c = check(j, "archive contents");
    EXPECT_EQ(c["status"], "FAIL");
    EXPECT_NE(c["detail"].get<std::string>().find("public.sensor_readings"), std::string::npos) << c.dump();
    EXPECT_TRUE(j["scratch_database"].get<std::string>().empty());
}

TEST_P(DrillTest, CorruptArchiveFailsBeforeAnyDatabaseIsCreated) {
    auto id = *BackupId::parse(backup());
    auto storage = repo_.open();
    auto data = storage->get(layout::archive_key(id));
    data[data.size() / 3] = static_cast<char>(data[data.size() / 3] ^ 0x10);
    storage->put(layout::archive_key(id), data);
    auto r = pgark({"drill", "--json"});
    EXPECT_EQ(r.exit_code, 1);
    auto j = json::parse(r.out);
    EXPECT_EQ(check(j, "sha256")["status"], "FAIL");
    ASSERT_EQ(j["phases"].size(), 1u);
    EXPECT_EQ(j["phases"][0]["name"], "download+validate");
    EXPECT_NE(r.err.find("archive failed verification"), std::string::npos) << r.err;
    EXPECT_TRUE(scratch_databases().empty());
    EXPECT_TRUE(spool_empty());
}

TEST_P(DrillTest, ReadsTablesInParallelRangesWhileRestoringAndStillCatchesAChange) {
    backup();
    // One block per range: every table of two blocks or more is read as two ranges, by two connections.
    std::map<std::string, std::string> small_ranges = {{"PGARK_TEST_HOOKS", "1"},
                                                       {"PGARK_TEST_BLOCKS_PER_RANGE", "1"}};
    auto r = pgark({"drill", "--json", "-v"}, small_ranges);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.err.find("reading public.sensor_readings in 2 ranges"), std::string::npos) << r.err;
    // pg_restore --verbose is followed, and its chatter stays out of pgark's output.
    EXPECT_EQ(r.err.find("pg_restore: launching item"), std::string::npos) << r.err;
    auto j = json::parse(r.out);
    EXPECT_TRUE(j["ok"].get<bool>()) << r.out;
    for (const auto& t : j["tables"]) EXPECT_TRUE(t["ok"].get<bool>()) << t.dump();

    // A changed value in the second range is caught, and the table named.
    small_ranges["PGARK_TEST_AFTER_RESTORE_SQL"] =
        "UPDATE sensor_readings SET temperature = temperature + 0.01 WHERE id = (SELECT max(id) FROM "
        "sensor_readings)";
    j = drill({}, 1, small_ranges);
    EXPECT_EQ(j["tables_mismatched"], 1);
    for (const auto& t : j["tables"])
        EXPECT_EQ(t["ok"].get<bool>(), t["name"] != "sensor_readings") << t.dump();
}

TEST_P(DrillTest, UserChecksAreReportedWithTheirValues) {
    backup();
    TempDir dir("cfg");
    auto cfg = (dir.path() / "pgark.toml").string();
    std::ofstream(cfg) << R"([[drill.checks]]
name = "readings from the last 2 days of the backup exist"
sql = "SELECT count(*) > 0 FROM sensor_readings WHERE recorded_at > (SELECT max(recorded_at) FROM sensor_readings) - interval '2 days'"

[[drill.checks]]
name = "no alert without a device"
sql = "SELECT count(*) FROM alerts a LEFT JOIN devices d ON d.id = a.device_id WHERE d.id IS NULL"
expect = "0"

[[drill.checks]]
name = "at least a million devices"
sql = "SELECT count(*) >= 1000000 FROM devices"
)";
    auto j = drill({"--config", cfg}, 1);
    EXPECT_EQ(check(j, "check: readings from the last 2 days of the backup exist")["status"], "pass");
    EXPECT_EQ(check(j, "check: no alert without a device")["status"], "pass");
    EXPECT_EQ(check(j, "check: no alert without a device")["detail"], "returned 0");
    auto bad = check(j, "check: at least a million devices");
    EXPECT_EQ(bad["status"], "FAIL");
    EXPECT_EQ(bad["detail"], "returned f, expected t");
    // All tables verified fine: only the user check failed the drill.
    EXPECT_EQ(j["tables_mismatched"], 0);
}

TEST_P(DrillTest, StatusReflectsBackupsDrillsAndObjectives) {
    auto r = pgark({"status", "--json"});
    EXPECT_EQ(r.exit_code, 1);  // nothing yet
    backup();
    r = pgark({"status", "--json"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();  // no successful drill yet
    auto j = json::parse(r.out);
    EXPECT_NE(j["databases"][0]["problems"].dump().find("no successful drill"), std::string::npos);
    EXPECT_TRUE(j["databases"][0]["last_backup_drilled_by"].is_null()) << j.dump(1);
    EXPECT_NE(pgark({"status"}).out.find("newest drilled   not yet"), std::string::npos);
    auto d = drill({}, 0);
    r = pgark({"status", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    j = json::parse(r.out);
    EXPECT_TRUE(j["ok"].get<bool>());
    // On-call's first question: is the newest backup proven restorable?
    EXPECT_EQ(j["databases"][0]["last_backup_drilled_by"], d["id"]) << j.dump(1);
    EXPECT_NE(pgark({"status"}).out.find("newest drilled   yes, by drill " + d["id"].get<std::string>()),
              std::string::npos);
    EXPECT_EQ(j["objectives"]["rpo_seconds"], 86400);
    EXPECT_EQ(j["objectives"]["rto_seconds"], 1800);
    EXPECT_LT(j["databases"][0]["rpo_seconds"].get<double>(), 600);
    EXPECT_NEAR(j["databases"][0]["rto_seconds"].get<double>(), d["restore_seconds"].get<double>(), 1e-6);
    // A drill that took longer than the objective violates the RTO.
    auto storage = repo_.open();
    auto key = d["report_key"].get<std::string>();
    auto rep = json::parse(storage->get(key));
    rep["restore_seconds"] = 4000.0;
    storage->put(key, rep.dump());
    r = pgark({"status"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("RTO objective violated"), std::string::npos) << r.out;
    // A failed drill's error is shown inline, where on-call reads the verdict.
    rep["ok"] = false;
    rep["error"] = "pg_restore failed: could not extend file: No space left on device";
    storage->put(key, rep.dump());
    r = pgark({"status"});
    EXPECT_NE(r.out.find(" FAILED: pg_restore failed: could not extend file"), std::string::npos) << r.out;
    j = json::parse(pgark({"status", "--json"}).out);
    EXPECT_EQ(j["databases"][0]["last_drill_error"], rep["error"]) << j.dump(1);
}

INSTANTIATE_TEST_SUITE_P(Drivers, DrillTest, ::testing::ValuesIn(all_drivers()), driver_name);

// The rest does not depend on the storage driver.
class DrillLocal : public DrillTest {};

TEST_P(DrillLocal, AllKindsOfObjectsPassTheContentLevel) {
    PgCluster::shared().drop_database(db_);
    load_kinds(PgCluster::shared(), db_);
    backup();
    auto expected = kinds_tables_with_data(PgCluster::shared(), db_);
    for (const char* level : {"schema", "rows", "content"}) {
        auto j = drill({"--level", level}, 0);
        EXPECT_TRUE(j["ok"].get<bool>()) << level << ": " << j.dump(1).substr(0, 3000);
        if (std::string(level) == "schema") continue;
        std::set<std::pair<std::string, std::string>> drilled;
        for (const auto& t : j["tables"])
            drilled.insert({t["schema"].get<std::string>(), t["name"].get<std::string>()});
        for (const auto& t : expected)
            EXPECT_TRUE(drilled.count(t)) << t.first << "." << t.second << " not verified";
    }
    auto j = drill({}, 0, {{"PGTZ", "Asia/Kolkata"}});  // a different session time zone changes nothing
    EXPECT_EQ(check(j, "large objects")["status"], "pass");
    auto lo = check(j, "large objects")["detail"].get<std::string>();
    EXPECT_GE(std::stoi(lo), 2) << lo;
    EXPECT_NE(lo.find("large objects match"), std::string::npos) << lo;
    EXPECT_EQ(check(j, "amcheck")["status"], "pass");
}

TEST_P(DrillLocal, AllKindsOfObjectsPassWhenEveryTableIsLoadedAndReadInParts) {
    PgCluster::shared().drop_database(db_);
    load_kinds(PgCluster::shared(), db_);
    backup();
    // Every table pgark can split is loaded over two connections by pgark itself (not by pg_restore)
    // and read back in two block ranges: the contents must still equal the backup's, row for row.
    std::map<std::string, std::string> split = {
        {"PGARK_TEST_HOOKS", "1"},
        {"PGARK_TEST_SPLIT_LOAD_BYTES", "1"},
        {"PGARK_TEST_LOAD_BATCH_BYTES", "1"},  // every row its own batch: both connections get rows
        {"PGARK_TEST_BLOCKS_PER_RANGE", "1"}};
    auto j = drill({}, 0, split);
    EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(1).substr(0, 3000);
    std::string restore_detail;
    for (const auto& p : j["phases"])
        if (p["name"] == "restore") restore_detail = p["detail"].get<std::string>();
    EXPECT_NE(restore_detail.find("loaded over 2 connections"), std::string::npos) << restore_detail;
    for (const auto& t : j["tables"]) EXPECT_TRUE(t["ok"].get<bool>()) << t.dump();
    EXPECT_EQ(check(j, "large objects")["status"], "pass");
    EXPECT_EQ(check(j, "sequences")["status"], "pass");
}

TEST_P(DrillLocal, ServerWithDifferentTimeZoneCausesNoFalseMismatch) {
    backup();
    PgCluster::shared().psql("ALTER DATABASE " + PgCluster::quote_ident(db_) +
                             " SET TimeZone = 'America/St_Johns'");
    PgCluster::shared().psql("ALTER SYSTEM SET TimeZone = 'Pacific/Chatham'; SELECT pg_reload_conf()");
    auto j = drill({}, 0);
    PgCluster::shared().psql("ALTER SYSTEM RESET TimeZone; SELECT pg_reload_conf()");
    EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(1).substr(0, 2000);
}

// A pg_restore that waits before doing its work, so a test can signal pgark mid-restore.
std::string slow_bin_dir(const TempDir& dir) {
    auto bin = dir.path() / "bin";
    fs::create_directories(bin);
    for (const char* tool : {"pg_dump", "psql"}) fs::create_symlink(PgCluster::bin(tool), bin / tool);
    auto script = bin / "pg_restore";
    std::ofstream(script) << "#!/bin/sh\ncase \"$*\" in *--list*) exec " << PgCluster::bin("pg_restore")
                          << " \"$@\";; esac\nsleep 60\nexec " << PgCluster::bin("pg_restore") << " \"$@\"\n";
    ::chmod(script.c_str(), 0755);
    return bin.string();
}

TEST_P(DrillLocal, SigintAndSigtermDuringRestoreLeaveNothing) {
    backup();
    TempDir tools("tools");
    auto bin = slow_bin_dir(tools);
    for (int sig : {SIGINT, SIGTERM}) {
        auto child = start_pgark({"--repo", repo_.url, "--pg-bin-dir", bin, "drill"}, env());
        ASSERT_GT(wait_for_descendant(child->pid(), "sleep", std::chrono::seconds(30)), 0);
        ASSERT_EQ(scratch_databases().size(), 1u);
        EXPECT_FALSE(spool_empty());
        ::kill(child->pid(), sig);
        auto r = wait_pgark(*child, std::chrono::seconds(60));
        EXPECT_EQ(r.exit_code, 130) << r.describe();
        EXPECT_TRUE(scratch_databases().empty()) << "signal " << sig;
        EXPECT_TRUE(spool_empty()) << "signal " << sig;
        EXPECT_TRUE(descendants_named(child->pid(), "sleep").empty());
    }
}

TEST_P(DrillLocal, SigkillLeftoversAreSweptByTheNextDrill) {
    backup();
    TempDir tools("tools");
    auto bin = slow_bin_dir(tools);
    for (bool explicit_sweep : {true, false}) {
        auto child = start_pgark({"--repo", repo_.url, "--pg-bin-dir", bin, "drill"}, env());
        ASSERT_GT(wait_for_descendant(child->pid(), "sleep", std::chrono::seconds(30)), 0);
        // SIGKILL the whole process group, as an OOM kill or a machine crash would end everything.
        ::kill(-child->pid(), SIGKILL);
        wait_pgark(*child);
        child.reset();  // reaps it: a zombie would still count as a running drill
        ASSERT_EQ(scratch_databases().size(), 1u);
        ASSERT_FALSE(spool_empty());
        if (explicit_sweep) {
            auto r = pgark({"drill", "--sweep"});
            EXPECT_EQ(r.exit_code, 0) << r.describe();
            EXPECT_NE(r.out.find("Dropped 1"), std::string::npos) << r.out;
            EXPECT_TRUE(scratch_databases().empty());
        } else {
            auto j = drill({}, 0);  // sweeps, then drills normally
            EXPECT_TRUE(scratch_databases().empty());
            EXPECT_TRUE(spool_empty());
        }
    }
}

TEST_P(DrillLocal, TwoDrillsAtOnceDoNotCollide) {
    backup();
    auto a = start_pgark({"--repo", repo_.url, "drill", "--json", "-q"}, env());
    auto b = start_pgark({"--repo", repo_.url, "drill", "--json", "-q"}, env());
    auto ra = wait_pgark(*a);
    auto rb = wait_pgark(*b);
    ASSERT_EQ(ra.exit_code, 0) << ra.describe();
    ASSERT_EQ(rb.exit_code, 0) << rb.describe();
    EXPECT_NE(json::parse(ra.out)["scratch_database"], json::parse(rb.out)["scratch_database"]);
    EXPECT_NE(json::parse(ra.out)["id"], json::parse(rb.out)["id"]);
}

TEST_P(DrillLocal, KeepOnFailureLeavesTheScratchDatabaseNamedInTheReport) {
    backup();
    auto j = drill({"--keep-on-failure"}, 1,
                   {{"PGARK_TEST_HOOKS", "1"}, {"PGARK_TEST_AFTER_RESTORE_SQL", "TRUNCATE alerts"}});
    EXPECT_TRUE(j["scratch_kept"].get<bool>());
    auto name = j["scratch_database"].get<std::string>();
    ASSERT_EQ(scratch_databases(), std::vector<std::string>{name});
    EXPECT_EQ(PgCluster::shared().psql("SELECT count(*) FROM devices", name), "50");
    PgCluster::shared().drop_database(name);
}

TEST_P(DrillLocal, NeverDropsADatabaseWithoutItsMark) {
    std::string name = "pgark_drill_impostor";
    PgCluster::shared().drop_database(name);
    PgCluster::shared().create_database(name);
    auto server = parse_conninfo(PgCluster::shared().conninfo("postgres"));
    server.password = PgCluster::shared().password();
    EXPECT_THROW(drop_marked_database(server, name, ""), Error);
    auto r = pgark({"drill", "--sweep"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(PgCluster::shared().database_exists(name));
    // A mark of another drill is not enough either.
    PgCluster::shared().psql(
        "COMMENT ON DATABASE " + name + " IS " +
        PgCluster::quote_literal(ScratchMark::for_this_process("other-drill").to_comment()));
    EXPECT_THROW(drop_marked_database(server, name, "this-drill"), Error);
    EXPECT_TRUE(PgCluster::shared().database_exists(name));
    PgCluster::shared().drop_database(name);
}

TEST_P(DrillLocal, AmcheckSkippedWhenItCannotBeCreated) {
    backup();
    PgCluster::shared().psql(
        "DROP ROLE IF EXISTS drill_runner; CREATE ROLE drill_runner LOGIN CREATEDB PASSWORD 'runner-pw-9'");
    std::string target = "host=127.0.0.1 port=" + std::to_string(PgCluster::shared().port()) +
                         " user=drill_runner dbname=postgres";
    auto j = drill({"--target", target}, 0, {{"PGPASSWORD", "runner-pw-9"}});
    auto c = check(j, "amcheck");
    EXPECT_EQ(c["status"], "skipped");
    EXPECT_NE(c["detail"].get<std::string>().find("skipped: amcheck not available"), std::string::npos)
        << c.dump();
    EXPECT_TRUE(j["ok"].get<bool>());
}

// A shell type (CREATE TYPE name; with no definition) is in the archive as a TYPE entry; the schema
// check must find it by name, as to_regtype() refuses shell types with an error.
TEST_P(DrillLocal, ShellTypePassesTheDrillAndARestore) {
    PgCluster::shared().psql("CREATE TYPE myshell", db_);
    backup();
    for (const char* level : {"schema", "content"}) {
        auto j = drill({"--level", level}, 0);
        EXPECT_TRUE(j.value("ok", false)) << level << ": " << j.dump(1).substr(0, 3000);
        EXPECT_EQ(check(j, "schema")["status"], "pass") << check(j, "schema").dump();
    }
    const auto copy = db_ + "_shell";
    PgCluster::shared().drop_database(copy);
    auto r = pgark({"restore", "latest", "--to-new", copy, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(
        PgCluster::shared().psql("SELECT typisdefined::text FROM pg_type WHERE typname = 'myshell'", copy),
        "false");
    PgCluster::shared().drop_database(copy);
}

// verify checks the manifest's large-object record against the archive as it checks tables.
TEST_P(DrillLocal, VerifyCatchesAManifestWhoseLargeObjectCountWasChanged) {
    PgCluster::shared().psql("SELECT pg_catalog.lo_from_bytea(0, 'cold chain'::bytea)", db_);
    auto id = *BackupId::parse(backup());
    auto ok = pgark({"verify", "--json"});
    EXPECT_EQ(ok.exit_code, 0) << ok.describe();
    auto storage = repo_.open();
    auto m = json::parse(storage->get(layout::manifest_key(id)));
    ASSERT_EQ(m["large_objects"]["count"], 1) << m.dump(1);
    m["large_objects"]["count"] = 2;
    storage->put(layout::manifest_key(id), m.dump(2));
    auto r = pgark({"verify", "--json"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    auto j = json::parse(r.out);
    auto c = check(j, "archive contents");
    EXPECT_EQ(c["status"], "FAIL") << j.dump(1);
    EXPECT_NE(c["detail"].get<std::string>().find("large objects: manifest 2"), std::string::npos)
        << c.dump();
}

// The drill's target is checked before the archive is downloaded: a role that may not create databases
// is refused saying what to grant, and a wrong password is reported as such, not retried with LOCALE 'C'.
TEST_P(DrillLocal, PreflightRefusesAWrongPasswordOrARoleWithoutCreatedbBeforeTheDownload) {
    backup();
    PgCluster::shared().psql(
        "DROP ROLE IF EXISTS drill_nocreate; CREATE ROLE drill_nocreate LOGIN PASSWORD 'nocreate-pw-3'");
    struct DropRole {
        ~DropRole() { PgCluster::shared().psql("DROP ROLE IF EXISTS drill_nocreate"); }
    } drop_role;
    const std::string target = "host=127.0.0.1 port=" + std::to_string(PgCluster::shared().port()) +
                               " user=drill_nocreate dbname=postgres";
    auto r = pgark({"drill", "--target", target}, {{"PGPASSWORD", "nocreate-pw-3"}});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("may not create databases"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("CREATEDB"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("download+validate"), std::string::npos) << "downloaded first: " << r.err;

    r = pgark({"drill", "--target", target}, {{"PGPASSWORD", "not-the-password"}});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("password authentication failed"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("LOCALE 'C'"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("download+validate"), std::string::npos) << "downloaded first: " << r.err;
    EXPECT_TRUE(spool_empty());
}

INSTANTIATE_TEST_SUITE_P(Posix, DrillLocal, ::testing::Values(Driver::posix), driver_name);

}  // namespace
