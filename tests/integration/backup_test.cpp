// Backup → list → verify on a real PostgreSQL 15 against every storage driver (posix and S3):
// round trip, restorability with stock tools, corruption, pg_dump failures and cancellation.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/manifest.h"
#include "repo/layout.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/pgark_fixture.h"
#include "support/proc_util.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;

namespace {

class BackupTest : public PgarkFixture {
  protected:
    BackupTest() : PgarkFixture("bk") {}
    json list_json() {
        auto r = pgark({"list", "--json"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return json::parse(r.out);
    }
    std::string backup_ok() {
        auto r = pgark({"backup", "--json"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return json::parse(r.out).at("id").get<std::string>();
    }
    // Objects in the repository other than the marker and complete backups' two files.
    std::vector<std::string> stray_objects() {
        std::vector<std::string> out;
        for (const auto& o : repo_.open()->list("")) {
            if (o.key == "pgark.json" || o.key.ends_with("/manifest.json") ||
                o.key.ends_with("/archive.pgdump.zst"))
                continue;
            out.push_back(o.key);
        }
        return out;
    }
    // A session holding an exclusive lock on `devices` makes pg_dump wait, so a test can act mid-backup.
    // Destroying the holder ends the session (and with it the lock) at once.
    struct LockHolder {
        std::unique_ptr<Child> psql;
        std::string db;
        void terminate() {
            PgCluster::shared().psql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%LOCK TABLE "
                "devices%' "
                "AND pid <> pg_backend_pid()",
                db);
            psql->terminate();
        }
        ~LockHolder() {
            try {
                terminate();
            } catch (...) {
            }
        }
    };
    std::unique_ptr<LockHolder> hold_lock(int seconds) {
        auto child = start_command(PgCluster::bin("psql"),
                                   {"-X", "-q", "-c",
                                    "BEGIN; LOCK TABLE devices IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(" +
                                        std::to_string(seconds) + "); COMMIT;"},
                                   PgCluster::shared().client_env(db_), ProcessSpec::Out::null);
        // Wait until the lock is really held.
        for (int i = 0; i < 100; ++i) {
            auto n = PgCluster::shared().psql(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = "
                "'devices' "
                "AND l.mode = 'AccessExclusiveLock' AND l.granted",
                db_);
            if (n == "1") break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        auto holder = std::make_unique<LockHolder>();
        holder->psql = std::move(child);
        holder->db = db_;
        return holder;
    }
};

TEST_P(BackupTest, BackupListVerifyRoundTrip) {
    auto r = pgark({"backup"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("complete"), std::string::npos);
    auto list = list_json();
    ASSERT_EQ(list["backups"].size(), 1u);
    auto b = list["backups"][0];
    EXPECT_EQ(b["database"], db_);
    EXPECT_EQ(b["tables"], 3);
    auto counts = freshtrack_counts();
    EXPECT_EQ(b["rows"].get<std::int64_t>(), counts.devices + counts.sensor_readings + counts.alerts);

    auto m =
        Manifest::from_json(repo_.open()->get(layout::manifest_key(*BackupId::parse(b["id"]))), "manifest");
    for (const auto& t : m.tables)
        EXPECT_EQ(static_cast<std::int64_t>(t.rows), counts.by_table().at(t.name)) << t.name;
    EXPECT_EQ(m.timezone, "UTC");
    EXPECT_EQ(m.server_version.substr(0, 3), "15.");

    auto v = pgark({"verify", "latest", "--json"});
    ASSERT_EQ(v.exit_code, 0) << v.describe();
    auto vj = json::parse(v.out);
    EXPECT_TRUE(vj["ok"].get<bool>());
    EXPECT_EQ(vj["checks"].size(), 5u);
    for (const auto& c : vj["checks"]) EXPECT_EQ(c["status"], "pass") << c.dump();
    EXPECT_TRUE(stray_objects().empty());
}

TEST_P(BackupTest, ConcurrentBackupsInTheSameSecondGetDistinctIds) {
    auto e = env();
    std::vector<std::string> args = {"--repo", repo_.url, "backup", "--json", "-q"};
    std::vector<std::unique_ptr<Child>> children;
    for (int i = 0; i < 3; ++i) children.push_back(start_pgark(args, e));
    std::set<std::string> ids;
    for (auto& c : children) {
        auto r = wait_pgark(*c);
        ASSERT_EQ(r.exit_code, 0) << r.describe();
        ids.insert(json::parse(r.out)["id"].get<std::string>());
    }
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(list_json()["backups"].size(), 3u);
    for (const auto& id : ids) EXPECT_EQ(pgark({"verify", id}).exit_code, 0) << id;
    EXPECT_TRUE(stray_objects().empty());
}

TEST_P(BackupTest, ArchiveRestoresWithStockToolsAlone) {
    auto id = *BackupId::parse(backup_ok());
    TempDir tmp("stock");
    auto file = tmp.path() / "archive.pgdump.zst";
    {
        auto data = repo_.open()->get(layout::archive_key(id));
        write_private_file(file, data);
    }
    std::string target = db_ + "_stock";
    PgCluster::shared().drop_database(target);
    PgCluster::shared().create_database(target);
    auto r = run_command("/bin/sh",
                         {"-c", "zstd -d -c \"$1\" | \"$2\" --no-owner -d \"$3\"", "sh", file.string(),
                          PgCluster::bin("pg_restore"), target},
                         PgCluster::shared().client_env(target));
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(table_counts(PgCluster::shared(), target), freshtrack_counts().by_table());
    PgCluster::shared().drop_database(target);
}

TEST_P(BackupTest, FlippedByteFailsVerifyNamingBackupAndCheck) {
    auto id = *BackupId::parse(backup_ok());
    auto storage = repo_.open();
    auto data = storage->get(layout::archive_key(id));
    data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0x01);
    storage->put(layout::archive_key(id), data);
    auto r = pgark({"verify", id.str()});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find(id.str()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("sha256"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("FAIL"), std::string::npos);
}

TEST_P(BackupTest, TruncatedArchiveFailsVerify) {
    auto id = *BackupId::parse(backup_ok());
    auto storage = repo_.open();
    auto data = storage->get(layout::archive_key(id));
    storage->put(layout::archive_key(id), data.substr(0, data.size() * 2 / 3));
    auto r = pgark({"verify", "latest", "--json"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    auto j = json::parse(r.out);
    EXPECT_FALSE(j["ok"].get<bool>());
    bool size_failed = false;
    for (const auto& c : j["checks"])
        if (c["name"] == "size") size_failed = c["status"] == "FAIL";
    EXPECT_TRUE(size_failed) << r.out;
    EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
}

TEST_P(BackupTest, BackupWithoutManifestIsNotListed) {
    auto first = *BackupId::parse(backup_ok());
    auto second = *BackupId::parse(backup_ok());
    repo_.open()->remove({layout::manifest_key(second)});
    auto list = list_json();
    ASSERT_EQ(list["backups"].size(), 1u);
    EXPECT_EQ(list["backups"][0]["id"], first.str());
    // "latest" resolves to the newest complete backup, and the incomplete one is refused by id.
    auto v = pgark({"verify", "latest", "--json"});
    EXPECT_EQ(json::parse(v.out)["id"], first.str());
    auto r = pgark({"verify", second.str()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("incomplete"), std::string::npos) << r.err;
}

TEST_P(BackupTest, MissingDatabaseFailsWithPgMessageAndLeavesNothing) {
    auto r = pgark({"backup", "--dbname", "no_such_db_here"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("database \"no_such_db_here\" does not exist"), std::string::npos) << r.err;
    EXPECT_EQ(list_json()["backups"].size(), 0u);
    EXPECT_TRUE(stray_objects().empty());
}

TEST_P(BackupTest, WrongPasswordFailsClearlyWithoutEchoingIt) {
    auto r = pgark({"backup"}, {{"PGPASSWORD", "not-the-password-4711"}});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("password authentication failed"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("not-the-password-4711"), std::string::npos);
    EXPECT_EQ(list_json()["backups"].size(), 0u);
}

TEST_P(BackupTest, KilledPgDumpFailsAndLeavesNoTrace) {
    auto lock = hold_lock(30);
    auto e = env();
    auto child = start_pgark({"--repo", repo_.url, "backup"}, e);
    pid_t dump = wait_for_descendant(child->pid(), "pg_dump", std::chrono::seconds(20), "--format=custom");
    ASSERT_GT(dump, 0) << "pg_dump never started";
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_EQ(::kill(dump, SIGKILL), 0);
    auto r = wait_pgark(*child);
    lock->terminate();
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("pg_dump"), std::string::npos);
    EXPECT_NE(r.err.find("killed by signal 9"), std::string::npos) << r.err;
    EXPECT_EQ(list_json()["backups"].size(), 0u);
    EXPECT_TRUE(stray_objects().empty()) << stray_objects().front();
    // The next backup works.
    backup_ok();
}

TEST_P(BackupTest, SigintCancelsCleanly) {
    for (int sig : {SIGINT, SIGTERM}) {
        auto lock = hold_lock(30);
        auto child = start_pgark({"--repo", repo_.url, "backup"}, env());
        ASSERT_GT(wait_for_descendant(child->pid(), "pg_dump", std::chrono::seconds(20), "--format=custom"),
                  0);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        ::kill(child->pid(), sig);
        auto r = wait_pgark(*child, std::chrono::seconds(30));
        lock->terminate();
        EXPECT_EQ(r.exit_code, 130) << r.describe();
        EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
        EXPECT_TRUE(descendants_named(child->pid(), "pg_dump").empty());
        EXPECT_EQ(list_json()["backups"].size(), 0u);
        EXPECT_TRUE(stray_objects().empty());
    }
}

TEST_P(BackupTest, RefusesLocationThatIsNotARepository) {
    auto other = make_repo_location(GetParam(), "notarepo_" + db_);
    auto r = run_pgark({"--repo", other.url, "list"}, [&] {
        auto e = env();
        for (const auto& [k, v] : other.env) e[k] = v;
        return e;
    }());
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("not a pgark repository"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("pgark init"), std::string::npos) << r.err;
}

TEST_P(BackupTest, RefusesRepositoryOfANewerFormat) {
    repo_.open()->put("pgark.json", R"({"format": 999, "created_at": "2030-01-01T00:00:00Z"})");
    auto r = pgark({"backup"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("newer than this pgark"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Drivers, BackupTest, ::testing::ValuesIn(all_drivers()), driver_name);

}  // namespace
