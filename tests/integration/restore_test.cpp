// Production restore against a real PostgreSQL 15, over every storage driver: --to-new, --mode clean
// and --mode schema-cascade on a database changed after its backup; a pg_restore killed mid-restore
// (the safety backup named in the message brings the pre-restore state back); refusals that drop
// nothing (no --yes without a TTY, unknown backup, unreachable server, unterminatable sessions).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/pgark_fixture.h"
#include "support/proc_util.h"
#include "support/pty_session.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "support/test_paths.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

class RestoreTest : public PgarkFixture {
  protected:
    RestoreTest() : PgarkFixture("restore") {}
    std::size_t backup_count() {
        auto r = pgark({"list", "--json", "--all"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        auto j = json::parse(r.out);
        return j.is_array() ? j.size() : j["backups"].size();
    }
    // The data changes after the backup that a restore must undo.
    void change_data() {
        pg().psql(
            "DELETE FROM alerts; UPDATE devices SET location = 'changed' WHERE id < 10; CREATE TABLE junk (i "
            "int)",
            db_);
    }
    bool changed_state() {
        return pg().psql("SELECT count(*) FROM alerts", db_) == "0" &&
               pg().psql("SELECT count(*) FROM pg_class WHERE relname = 'junk'", db_) == "1";
    }
    json restore_json(std::vector<std::string> args, int expected_exit,
                      std::map<std::string, std::string> extra = {}) {
        args.insert(args.begin(), {"restore", "--json"});
        auto r = pgark(args, extra);
        EXPECT_EQ(r.exit_code, expected_exit) << r.describe();
        try {
            return json::parse(r.out);
        } catch (...) {
            ADD_FAILURE() << "no JSON: " << r.describe();
            return json::object();
        }
    }
};

TEST_P(RestoreTest, ToNewLeavesTheOriginalUntouched) {
    auto id = backup();
    change_data();
    auto j = restore_json({id, "--to-new", db_ + "_new"}, 0);
    EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(1);
    EXPECT_EQ(j["safety_backup_id"], "");  // nothing was destroyed
    EXPECT_EQ(table_counts(pg(), db_ + "_new"), freshtrack_counts().by_table());
    EXPECT_TRUE(changed_state());
    // An existing name is refused.
    auto r = pgark({"restore", id, "--to-new", db_});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
}

TEST_P(RestoreTest, CleanReplacesTheChangedDatabaseAfterASafetyBackup) {
    auto id = backup();
    change_data();
    auto j = restore_json({id, "--mode", "clean", "--target-db", db_, "--yes"}, 0);
    EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(1);
    EXPECT_EQ(j["tables_mismatched"], 0);
    EXPECT_GT(j["restore_seconds"].get<double>(), 0);
    EXPECT_NE(j["safety_backup_id"], "");
    EXPECT_EQ(table_counts(pg(), db_), freshtrack_counts().by_table());
    EXPECT_EQ(pg().psql("SELECT count(*) FROM pg_class WHERE relname = 'junk'", db_), "0");
    EXPECT_EQ(pg().psql("SELECT count(*) FROM devices WHERE location = 'changed'", db_), "0");
    EXPECT_EQ(backup_count(), 2u);  // the backup and the safety backup
    // The safety backup is marked as such.
    auto listing = json::parse(pgark({"list", "--json"}).out);
    std::vector<std::string> purposes;
    for (const auto& b : listing["backups"]) purposes.push_back(b["purpose"].get<std::string>());
    EXPECT_EQ(purposes, (std::vector<std::string>{"backup", "safety"})) << listing.dump(1);
    EXPECT_NE(pgark({"list"}).out.find("(safety backup of a restore)"), std::string::npos);
}

TEST_P(RestoreTest, SchemaCascadeReplacesTheBackupsSchemasAndKeepsOthers) {
    auto id = backup();
    change_data();
    pg().psql("CREATE SCHEMA keep; CREATE TABLE keep.notes (t text); INSERT INTO keep.notes VALUES ('mine')",
              db_);
    auto j = restore_json({id, "--mode", "schema-cascade", "--target-db", db_, "--yes"}, 0);
    EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(1);
    EXPECT_EQ(j["schemas"], json::array({"public"}));
    EXPECT_EQ(table_counts(pg(), db_), freshtrack_counts().by_table());
    EXPECT_EQ(pg().psql("SELECT count(*) FROM pg_class WHERE relname = 'junk'", db_), "0");
    EXPECT_EQ(pg().psql("SELECT t FROM keep.notes", db_), "mine");
}

INSTANTIATE_TEST_SUITE_P(Drivers, RestoreTest, ::testing::ValuesIn(all_drivers()), driver_name);

class RestoreLocal : public RestoreTest {};

// A pg_restore that starts the real one and kills it (and itself) shortly after: a crash mid-restore.
std::string crashing_bin_dir(const TempDir& dir) {
    auto bin = dir.path() / "bin";
    fs::create_directories(bin);
    for (const char* tool : {"pg_dump", "psql"}) fs::create_symlink(PgCluster::bin(tool), bin / tool);
    auto script = bin / "pg_restore";
    std::ofstream(script) << "#!/bin/sh\ncase \"$*\" in *--list*|*--version*) exec "
                          << PgCluster::bin("pg_restore") << " \"$@\";; esac\n"
                          << PgCluster::bin("pg_restore")
                          << " \"$@\" &\nsleep 0.2\nkill -9 $! 2>/dev/null\nkill -9 $$\n";
    ::chmod(script.c_str(), 0755);
    return bin.string();
}

TEST_P(RestoreLocal, FailureMidRestoreNamesTheSafetyBackupThatBringsTheOldStateBack) {
    auto id = backup();
    change_data();
    TempDir tools("tools");
    auto r = pgark({"--pg-bin-dir", crashing_bin_dir(tools), "restore", id, "--mode", "clean", "--target-db",
                    db_, "--yes"});
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "no terminal, no progress line: " << r.err;
    std::smatch m;
    std::regex cmd("pgark restore (\\S+) --mode clean --target-db " + db_ + " --yes");
    ASSERT_TRUE(std::regex_search(r.err, m, cmd)) << r.err;
    auto safety = m.str(1);
    EXPECT_NE(safety, id);
    EXPECT_NE(r.err.find("safety backup " + safety), std::string::npos) << r.err;

    auto back = pgark({"restore", safety, "--mode", "clean", "--target-db", db_, "--yes"});
    EXPECT_EQ(back.exit_code, 0) << back.describe();
    EXPECT_TRUE(changed_state());
    EXPECT_EQ(pg().psql("SELECT count(*) FROM devices WHERE location = 'changed'", db_), "9");
}

// A failed clean restore into a database that did not exist: nothing was there to back up, and the
// advice says so instead of blaming a --no-safety-backup that was not given.
TEST_P(RestoreLocal, FailedCleanRestoreOfANewDatabaseDoesNotBlameNoSafetyBackup) {
    auto id = backup();
    const auto fresh = db_ + "_new";
    TempDir tools("tools");
    auto r = pgark({"--pg-bin-dir", crashing_bin_dir(tools), "restore", id, "--mode", "clean", "--target-db",
                    fresh, "--yes"});
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.err.find("--no-safety-backup"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(fresh + " did not exist before this restore"), std::string::npos) << r.err;
    // The next run replaces the partial database, naming it as an unfinished restore.
    auto again = restore_json({id, "--mode", "clean", "--target-db", fresh, "--yes"}, 0);
    EXPECT_TRUE(again.value("ok", false)) << again.dump(1);
    EXPECT_EQ(table_counts(pg(), fresh), freshtrack_counts().by_table());
}

// --mode clean into a database that does not exist (a typo for production?) is not a silent success: the
// plan and the warning say so and name the databases this repository has backups of, and it needs the
// same confirmation as a destructive restore.
TEST_P(RestoreLocal, CleanIntoADatabaseThatDoesNotExistSaysSoAndAsksFirst) {
    auto id = backup();
    const auto typo = db_ + "_new";
    auto r = pgark({"restore", id, "--mode", "clean", "--target-db", typo});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find(typo + ", which does not exist on"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
    EXPECT_EQ(pg().psql("SELECT count(*) FROM pg_database WHERE datname = '" + typo + "'"), "0");

    auto plan = restore_json({id, "--mode", "clean", "--target-db", typo, "--dry-run"}, 0);
    EXPECT_NE(plan.value("warning", "").find("does not exist"), std::string::npos) << plan.dump(1);
    EXPECT_NE(plan.value("warning", "").find(db_), std::string::npos) << "names the backed-up databases";

    r = pgark({"restore", id, "--mode", "clean", "--target-db", typo, "--yes"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.err.find("database " + typo + " does not exist on"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Databases with backups in"), std::string::npos) << r.err;
}

// A database with the ICU locale provider comes back with it, so text sorts as it did: as libc (the
// default) "_x,a,A,ä,b,B,Z" would sort "A,B,Z,_x,a,b,ä".
TEST_P(RestoreLocal, IcuLocaleProviderAndSortOrderComeBack) {
    const std::string icu_db = db_ + "_icu", copy = db_ + "_icu_copy";
    for (const auto& d : {icu_db, copy}) pg().drop_database(d);
    struct Drop {
        std::vector<std::string> dbs;
        ~Drop() {
            for (const auto& d : dbs) PgCluster::shared().drop_database(d);
        }
    } drop{{icu_db, copy}};
    pg().psql("CREATE DATABASE " + icu_db +
              " TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'de-DE'");
    pg().psql(
        "CREATE TABLE words (w text); INSERT INTO words VALUES ('_x'), ('a'), ('A'), ('ä'), ('b'), "
        "('B'), ('Z')",
        icu_db);
    const std::string sorted = "SELECT string_agg(w, ',' ORDER BY w) FROM words";
    const auto original = pg().psql(sorted, icu_db);
    ASSERT_NE(original, "A,B,Z,_x,a,b,ä") << "the server sorted with libc: no ICU here";
    auto b = pgark({"backup", "--json", "-q"}, {{"PGDATABASE", icu_db}});
    ASSERT_EQ(b.exit_code, 0) << b.describe();
    const auto id = json::parse(b.out)["id"].get<std::string>();

    auto j = restore_json({id, "--to-new", copy}, 0, {{"PGDATABASE", icu_db}});
    EXPECT_TRUE(j.value("ok", false)) << j.dump(1);
    EXPECT_EQ(
        pg().psql("SELECT datlocprovider::text || ' ' || coalesce(daticulocale, '') FROM pg_database WHERE "
                  "datname = '" +
                  copy + "'"),
        "i de-DE");
    EXPECT_EQ(pg().psql(sorted, copy), original);
}

// A clean restore carries what the archive holds for the database itself, which pg_restore applies only
// with --create: the COMMENT, the ACL (REVOKE CONNECT ... FROM PUBLIC stays revoked), ALTER DATABASE ... SET
// and ALTER ROLE ... IN DATABASE ... SET. --to-new under another name carries them too.
TEST_P(RestoreLocal, CleanKeepsTheDatabasesCommentAclAndSettings) {
    pg().psql("COMMENT ON DATABASE " + db_ + " IS 'cold chain, EU'; REVOKE CONNECT ON DATABASE " + db_ +
              " FROM PUBLIC; ALTER DATABASE " + db_ +
              " SET work_mem = '7MB'; ALTER ROLE CURRENT_USER IN DATABASE " + db_ +
              " SET statement_timeout = '42s'");
    auto id = backup();
    pg().psql("COMMENT ON DATABASE " + db_ + " IS 'changed'; GRANT CONNECT ON DATABASE " + db_ +
              " TO PUBLIC; ALTER DATABASE " + db_ + " RESET work_mem");
    auto props = [&](const std::string& db) {
        return pg().psql(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '-') || ' | ' || "
            "has_database_privilege('public', oid, 'CONNECT')::text || ' | ' || (SELECT "
            "string_agg(array_to_string(setconfig, ','), ';' ORDER BY setrole) FROM "
            "pg_db_role_setting WHERE setdatabase = d.oid) FROM pg_database d WHERE datname = '" +
            db + "'");
    };
    const std::string expected = "cold chain, EU | false | work_mem=7MB;statement_timeout=42s";

    auto j = restore_json({id, "--mode", "clean", "--target-db", db_, "--yes"}, 0);
    EXPECT_TRUE(j.value("ok", false)) << j.dump(1);
    EXPECT_EQ(props(db_), expected);
    bool checked = false;
    for (const auto& c : j["checks"])
        if (c["name"] == "database properties") checked = c["status"] == "pass";
    EXPECT_TRUE(checked) << j.dump(1);

    auto n = restore_json({id, "--to-new", db_ + "_new"}, 0);
    EXPECT_TRUE(n.value("ok", false)) << n.dump(1);
    EXPECT_EQ(props(db_ + "_new"), expected);
}

// Restoring into another database takes a safety backup of it; that alone does not make `status`
// judge (and turn red for) a database nobody backs up or drills with pgark.
TEST_P(RestoreLocal, ASafetyBackupDoesNotMakeStatusJudgeADatabaseNobodySchedules) {
    auto id = backup();
    const auto other = db_ + "_new";
    pg().psql("CREATE DATABASE " + other);
    auto j = restore_json({id, "--mode", "clean", "--target-db", other, "--yes"}, 0);
    ASSERT_NE(j.value("safety_backup_id", ""), "") << j.dump(1);
    auto all = env();
    all.erase("PGDATABASE");
    auto r = run_pgark({"--repo", repo_.url, "status", "--json"}, all);
    std::vector<std::string> judged;
    const auto status = json::parse(r.out);  // named: a range-for over a temporary's member dangles
    for (const auto& d : status["databases"]) judged.push_back(d["database"].get<std::string>());
    EXPECT_EQ(judged, std::vector<std::string>{db_}) << r.describe();
}

// A restore onto a server that lacks the backup's owner roles is refused before anything changes, naming
// them and --no-owner; with --no-owner it restores. A drill (no owners by default) passes and warns.
TEST_P(RestoreLocal, MissingOwnerRolesAreNamedBeforeAnythingChangesAndNoOwnerRestores) {
    pg().psql("DROP ROLE IF EXISTS shop_owner; CREATE ROLE shop_owner");
    pg().psql("CREATE TABLE orders (id int); ALTER TABLE orders OWNER TO shop_owner", db_);
    auto id = backup();
    pg().psql("DROP TABLE orders", db_);
    pg().psql("DROP ROLE shop_owner");
    const auto target = db_ + "_new";

    auto r = pgark({"restore", id, "--to-new", target});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("owned by 1 role that does not exist on"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(": shop_owner."), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--no-owner"), std::string::npos) << r.err;
    EXPECT_EQ(pg().psql("SELECT count(*) FROM pg_database WHERE datname = '" + target + "'"), "0");

    auto j = restore_json({id, "--to-new", target, "--no-owner"}, 0);
    EXPECT_TRUE(j.value("ok", false)) << j.dump(1);
    EXPECT_EQ(pg().psql("SELECT count(*) FROM orders", target), "0");

    auto d = pgark({"drill", "--json"});
    EXPECT_EQ(d.exit_code, 0) << d.describe();
    bool warned = false;
    const auto report = json::parse(d.out);  // named: a range-for over a temporary's member dangles
    for (const auto& c : report["checks"])
        if (c["name"] == "owner roles")
            warned = c["detail"].get<std::string>().find("shop_owner") != std::string::npos;
    EXPECT_TRUE(warned) << d.out;
}

// Large objects belong to no schema: schema-cascade replaces the backup's (same OID) and keeps the
// target's others.
TEST_P(RestoreLocal, SchemaCascadeReplacesTheBackupsLargeObjectsAndKeepsOthers) {
    pg().psql("SELECT pg_catalog.lo_from_bytea(424242, 'as backed up'::bytea)", db_);
    auto id = backup();
    pg().psql(
        "SELECT pg_catalog.lo_put(424242, 0, 'CHANGED'::bytea); SELECT pg_catalog.lo_from_bytea(434343, "
        "'created later'::bytea)",
        db_);
    auto j = restore_json({id, "--mode", "schema-cascade", "--target-db", db_, "--yes"}, 0);
    EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(1);
    EXPECT_EQ(pg().psql("SELECT encode(pg_catalog.lo_get(424242), 'escape')", db_), "as backed up");
    EXPECT_EQ(pg().psql("SELECT encode(pg_catalog.lo_get(434343), 'escape')", db_), "created later");
    EXPECT_EQ(table_counts(pg(), db_), freshtrack_counts().by_table());
}

// Schema names come from the archive: as a $1::text[] parameter of the ownership check they must be
// escaped, or a `"` breaks the query and a `\` changes which schema is checked. The check runs for a
// role that is not a superuser, so the restore runs as the schemas' owner.
TEST_P(RestoreLocal, SchemaCascadeAsOwnerOfSchemasWithQuotesAndBackslashesInTheirNames) {
    const std::string role = "cascade_owner", password = "cascade-pw-31", db = db_ + "_odd";
    pg().drop_database(db);
    pg().psql("DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role + " LOGIN PASSWORD '" + password +
              "'; CREATE DATABASE " + db + " OWNER " + role);
    struct Cleanup {
        std::string db, role;
        ~Cleanup() {
            PgCluster::shared().drop_database(db);
            PgCluster::shared().psql("DROP ROLE IF EXISTS " + role);
        }
    } cleanup{db, role};
    pg().psql("SET ROLE " + role +
                  R"(; CREATE SCHEMA "we""ird"; CREATE TABLE "we""ird".t (i int); INSERT INTO "we""ird".t )"
                  R"(VALUES (1), (2); CREATE SCHEMA "back\slash"; CREATE TABLE "back\slash".t (i int); )"
                  R"(INSERT INTO "back\slash".t VALUES (3))",
              db);
    const std::map<std::string, std::string> as_owner = {
        {"PGUSER", role}, {"PGPASSWORD", password}, {"PGDATABASE", db}};
    auto b = pgark({"backup", "--json", "-q"}, as_owner);
    ASSERT_EQ(b.exit_code, 0) << b.describe();
    const auto id = json::parse(b.out)["id"].get<std::string>();
    pg().psql(R"(INSERT INTO "we""ird".t VALUES (99); DELETE FROM "back\slash".t)", db);

    auto j = restore_json({id, "--mode", "schema-cascade", "--target-db", db, "--yes"}, 0, as_owner);
    EXPECT_TRUE(j.value("ok", false)) << j.dump(1);
    EXPECT_EQ(pg().psql(R"(SELECT string_agg(i::text, ',' ORDER BY i) FROM "we""ird".t)", db), "1,2");
    EXPECT_EQ(pg().psql(R"(SELECT string_agg(i::text, ',' ORDER BY i) FROM "back\slash".t)", db), "3");

    // The check still refuses a schema of the backup that the role does not own.
    pg().psql(R"(CREATE SCHEMA "not""mine")", db);
    pg().psql(R"(CREATE TABLE "not""mine".t (i int))", db);
    pg().psql("ALTER SCHEMA \"we\"\"ird\" OWNER TO CURRENT_USER", db);
    auto r = pgark({"restore", id, "--mode", "schema-cascade", "--target-db", db, "--yes"}, as_owner);
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("does not own schema we\"ird"), std::string::npos) << r.err;
}

TEST_P(RestoreLocal, RefusesWithoutYesWithoutATerminal) {
    auto id = backup();
    change_data();
    auto r = pgark({"restore", id, "--mode", "clean", "--target-db", db_});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
    r = pgark({"restore", id, "--mode", "schema-cascade", "--target-db", db_});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_TRUE(changed_state());
    EXPECT_EQ(backup_count(), 1u);  // no safety backup either
}

TEST_P(RestoreLocal, OnATerminalAsksForTheDatabaseNameAndShowsProgress) {
    auto id = backup();
    change_data();
    PtySession tty(pgark_binary(),
                   {"--repo", repo_.url, "restore", id, "--mode", "clean", "--target-db", db_}, env());
    ASSERT_TRUE(tty.expect("to continue: ")) << tty.transcript();
    // The prompt names the server, the database and the backup before anything happens.
    EXPECT_NE(tty.transcript().find("127.0.0.1:" + std::to_string(pg().port())), std::string::npos)
        << tty.transcript();
    EXPECT_NE(tty.transcript().find("REPLACES database " + db_), std::string::npos) << tty.transcript();
    EXPECT_NE(tty.transcript().find(id), std::string::npos) << tty.transcript();
    EXPECT_TRUE(changed_state());
    tty.send(db_ + "\n");
    ASSERT_EQ(tty.wait(), 0) << tty.transcript();
    EXPECT_EQ(table_counts(pg(), db_), freshtrack_counts().by_table());
    // A live progress line (erased and redrawn in place) with an amount, e.g. "restore: 1.2 MiB / 3.4 MiB
    // 35%".
    std::regex line(
        R"(\r\x1b\[K[a-z+ ]+[^\r:]*: [0-9][0-9.]* ?(B|KiB|MiB|GiB)?( / [0-9.]+ ?(B|KiB|MiB|GiB)?  [0-9]+%)?)");
    EXPECT_TRUE(std::regex_search(tty.transcript(), line)) << tty.transcript();
    EXPECT_NE(tty.transcript().find("Restore time"), std::string::npos) << tty.transcript();
}

TEST_P(RestoreLocal, OnATerminalAWrongAnswerChangesNothing) {
    auto id = backup();
    change_data();
    PtySession tty(pgark_binary(),
                   {"--repo", repo_.url, "restore", id, "--mode", "clean", "--target-db", db_}, env());
    ASSERT_TRUE(tty.expect("to continue: ")) << tty.transcript();
    tty.send("yes\n");
    EXPECT_EQ(tty.wait(), 2) << tty.transcript();
    EXPECT_NE(tty.transcript().find("not confirmed"), std::string::npos) << tty.transcript();
    EXPECT_TRUE(changed_state());
    EXPECT_EQ(backup_count(), 1u);
}

TEST_P(RestoreLocal, DryRunPrintsThePlanAndChangesNothing) {
    auto id = backup();
    change_data();
    auto r = pgark({"restore", id, "--mode", "clean", "--target-db", db_, "--dry-run"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("drop database"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("safety backup"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Dry run"), std::string::npos) << r.out;
    // After a drill, the estimate comes from its measured restore time.
    ASSERT_EQ(pgark({"drill", id, "-q"}).exit_code, 0);
    auto j = restore_json({id, "--mode", "schema-cascade", "--target-db", db_, "--dry-run"}, 0);
    EXPECT_TRUE(j["estimated_seconds"].is_number()) << j.dump(1);
    EXPECT_TRUE(j["dry_run"].get<bool>());
    EXPECT_TRUE(changed_state());
    EXPECT_EQ(backup_count(), 1u);
}

TEST_P(RestoreLocal, RefusesAnUnknownBackup) {
    backup();
    change_data();
    auto r = pgark({"restore", db_ + "_2001-01-01_00-00-00", "--mode", "clean", "--target-db", db_, "--yes"});
    EXPECT_NE(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.err.find("2001-01-01_00-00-00"), std::string::npos) << r.err;
    EXPECT_TRUE(changed_state());
}

TEST_P(RestoreLocal, RefusesAnUnreachableServer) {
    auto id = backup();
    change_data();
    auto r = pgark({"restore", id, "--mode", "clean", "--target-db", db_, "--yes"}, {{"PGPORT", "1"}});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("connect"), std::string::npos) << r.err;
    EXPECT_TRUE(changed_state());
    EXPECT_EQ(backup_count(), 1u);
}

TEST_P(RestoreLocal, RefusesWhenConnectionsCannotBeTerminated) {
    auto id = backup();
    change_data();
    pg().psql(
        "DROP ROLE IF EXISTS restore_owner; CREATE ROLE restore_owner LOGIN CREATEDB PASSWORD 'owner-pw';"
        "ALTER DATABASE " +
        db_ + " OWNER TO restore_owner");
    // A superuser session the database owner may not terminate.
    auto env_su = pg().client_env(db_);
    auto holder = start_command(PgCluster::bin("psql"), {"-X", "-c", "select pg_sleep(120)"}, env_su,
                                ProcessSpec::Out::null);
    for (int i = 0; i < 100; ++i) {
        if (pg().psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db_ +
                      "' AND query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()") == "1")
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto r = pgark({"restore", id, "--mode", "clean", "--target-db", db_, "--yes"},
                   {{"PGUSER", "restore_owner"}, {"PGPASSWORD", "owner-pw"}});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("cannot terminate"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
    EXPECT_TRUE(pg().database_exists(db_));
    EXPECT_TRUE(changed_state());
    EXPECT_EQ(backup_count(), 1u);
    holder.reset();
    pg().drop_database(db_);
    pg().psql("DROP ROLE IF EXISTS restore_owner");
}

TEST_P(RestoreLocal, NoSafetyBackupIsLoudAndTakesNone) {
    auto id = backup();
    change_data();
    auto r = pgark({"restore", id, "--mode", "clean", "--target-db", db_, "--yes", "--no-safety-backup"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.err.find("WITHOUT a backup"), std::string::npos) << r.err;
    EXPECT_EQ(table_counts(pg(), db_), freshtrack_counts().by_table());
    EXPECT_EQ(backup_count(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Posix, RestoreLocal, ::testing::Values(Driver::posix), driver_name);

}  // namespace
