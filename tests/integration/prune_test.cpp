// `pgark prune` against real backups of a real PostgreSQL 15, over every storage driver: the policy
// removes exactly what it does not keep (and every object of it), --dry-run changes nothing, crashed
// runs' leftovers (incomplete backups, abandoned uploads and temp files, stale locks) go only once
// they are old enough, and a backup that a running drill or restore has locked is never removed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/backup_id.h"
#include "core/manifest.h"
#include "repo/backup_lock.h"
#include "repo/repository.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_xml.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/pgark_fixture.h"
#include "support/proc_util.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "support/swift_server.h"
#include "util/host.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kKeepTwo = {"--keep-last",   "2", "--keep-daily",   "0",
                                           "--keep-weekly", "0", "--keep-monthly", "0"};
const std::vector<std::string> kKeepOne = {"--keep-last",   "1", "--keep-daily",   "0",
                                           "--keep-weekly", "0", "--keep-monthly", "0"};

std::string iso_in(std::chrono::seconds from_now) {
    return format_iso8601(std::chrono::system_clock::now() + from_now);
}

std::vector<std::string> args_with(std::vector<std::string> a, const std::vector<std::string>& more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
}

// The prune result's entry for backup `id` (a failure, and an empty object, when there is none).
json entry(const json& prune, const std::string& id) {
    for (const auto& b : prune["backups"])
        if (b["id"] == id) return b;
    ADD_FAILURE() << "prune did not report backup " << id << ": " << prune.dump(2);
    return json::object();
}

bool has_reason(const json& e, const std::string& prefix) {
    for (const auto& r : e.value("reasons", json::array()))
        if (r.get<std::string>().rfind(prefix, 0) == 0) return true;
    return false;
}

class PruneTest : public PgarkFixture {
  protected:
    PruneTest() : PgarkFixture("prune") {}
    void SetUp() override {
        PgarkFixture::SetUp();
        storage_ = repo_.open();
    }
    // Started in the background with stdout on a pipe (the tests read the JSON a drill or restore prints).
    std::unique_ptr<Child> start(std::vector<std::string> args,
                                 std::map<std::string, std::string> extra = {}) {
        args.insert(args.begin(), {"--repo", repo_.url});
        return start_pgark(args, env(extra));
    }
    json prune(const std::vector<std::string>& args, int expected_exit = 0,
               std::map<std::string, std::string> extra = {}) {
        auto r = pgark(args_with({"prune", "--json"}, args), extra);
        EXPECT_EQ(r.exit_code, expected_exit) << r.describe();
        try {
            return json::parse(r.out);
        } catch (...) {
            ADD_FAILURE() << "no JSON: " << r.describe();
            return json::object();
        }
    }
    // PGARK_TEST_NOW: prune's clock moved `ahead` into the future.
    static std::map<std::string, std::string> clock_ahead(std::chrono::seconds ahead) {
        return {{"PGARK_TEST_HOOKS", "1"}, {"PGARK_TEST_NOW", iso_in(ahead)}};
    }
    std::vector<std::string> listed() {
        auto r = pgark({"list", "--json"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        std::vector<std::string> ids;
        const json j = json::parse(r.out);
        for (const auto& b : j["backups"]) ids.push_back(b["id"]);
        return ids;
    }
    std::string dir_of(const std::string& id) { return layout::backup_dir(*BackupId::parse(id)); }
    // Everything stored for a backup: objects, and (posix) anything at all in its directory.
    std::vector<std::string> traces_of(const std::string& id) {
        std::vector<std::string> out;
        for (const auto& o : storage_->list(dir_of(id))) out.push_back(o.key);
        for (const auto& w : storage_->list_unfinished_writes(dir_of(id)))
            out.push_back("unfinished " + w.key);
        for (const auto& o : storage_->list(layout::lock_prefix(*BackupId::parse(id)))) out.push_back(o.key);
        if (GetParam() == Driver::posix && fs::exists(fs::path(repo_.url) / dir_of(id)))
            out.push_back("directory " + dir_of(id));
        return out;
    }
    std::vector<std::string> locks() {
        std::vector<std::string> out;
        for (const auto& o : storage_->list("locks/")) out.push_back(o.key);
        return out;
    }
    // A claim (as `pgark backup` writes it) and a partial archive, without manifest.
    std::string leftover(SystemTime id_time, long pid, const std::string& host) {
        auto id = BackupId::make(db_, id_time);
        json owner = {{"pid", pid},
                      {"host", host},
                      {"started_at", format_iso8601(std::chrono::system_clock::now(), true)}};
        storage_->put(layout::claim_key(id, "0123456789abcdef"), owner.dump());
        storage_->put(layout::archive_key(id), std::string(1000, 'p'));
        return id.str();
    }
    // Starts a write of `key` that is never finished, as a SIGKILLed backup leaves it: a temp file
    // (posix) or a multipart upload (s3).
    void abandoned_write(const std::string& key) {
        if (GetParam() == Driver::posix) {
            auto p = fs::path(repo_.url) / key;
            fs::create_directories(p.parent_path());
            std::ofstream(p.parent_path() / ("." + p.filename().string() + ".pgark-tmp-999999-abcdef"))
                << "part";
            return;
        }
        s3::Client client(repo_.s3);
        s3::Request r;
        r.method = "POST";
        r.key = "repo/" + key;
        r.query = {{"uploads", ""}};
        r.headers = {{"Content-Type", "application/octet-stream"}};
        auto resp = client.execute(r, "starting a multipart upload of");
        ASSERT_FALSE(s3::parse_initiate_multipart(resp.body).empty());
    }
    std::vector<std::string> unfinished_writes() {
        std::vector<std::string> out;
        for (const auto& w : storage_->list_unfinished_writes("")) out.push_back(w.key);
        if (GetParam() == Driver::s3) {
            // Cross-check with the server's own listing.
            EXPECT_EQ(SwiftServer::shared().list_multipart_uploads(repo_.bucket).size(), out.size());
        }
        return out;
    }
    void write_lock(const std::string& id, const Holder& h) {
        storage_->put(layout::lock_prefix(*BackupId::parse(id)) + "hand-written.json", h.to_json());
    }

    std::unique_ptr<Storage> storage_;
};

TEST_P(PruneTest, RemovesExactlyWhatThePolicyDoesNotKeepAndEveryObjectOfIt) {
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(backup());
    ASSERT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 5u) << "distinct ids";
    // Another database's backup shares the repository and is not this prune's business.
    const std::string foreign = "backups/otherdb/otherdb_2020-01-01_00-00-00/archive.pgdump.zst";
    storage_->put(foreign, "other");

    // --dry-run names what would go and changes nothing.
    auto dry = prune(args_with({"--dry-run"}, kKeepTwo));
    EXPECT_TRUE(dry["dry_run"].get<bool>());
    EXPECT_TRUE(dry["ok"].get<bool>());
    ASSERT_EQ(dry["backups"].size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(dry["backups"][i]["id"], ids[4 - i]) << "newest first";
    EXPECT_EQ(dry["to_remove"], 3);
    EXPECT_EQ(dry["removed"], 0);
    EXPECT_GT(dry["bytes_freed"].get<std::uint64_t>(), 3000u);
    for (int i = 0; i < 3; ++i) {
        auto e = entry(dry, ids[i]);
        EXPECT_EQ(e["action"], "remove") << e.dump();
        EXPECT_EQ(e["reasons"], json::array({"not kept by any rule"})) << e.dump();
        EXPECT_FALSE(e["removed"].get<bool>());
    }
    EXPECT_EQ(entry(dry, ids[4])["reasons"], json::array({"newest 2 (#1)", "newest complete backup"}));
    EXPECT_EQ(entry(dry, ids[3])["reasons"], json::array({"newest 2 (#2)"}));
    EXPECT_EQ(listed(), ids);
    for (const auto& id : ids) EXPECT_EQ(storage_->list(dir_of(id)).size(), 2u) << id;  // manifest, archive

    // The human form: one line per backup, newest first, then the summary.
    auto human = pgark(args_with({"prune", "--dry-run"}, kKeepTwo));
    ASSERT_EQ(human.exit_code, 0) << human.describe();
    EXPECT_NE(human.out.find("dry run: nothing was changed"), std::string::npos) << human.out;
    EXPECT_LT(human.out.find("KEEP    " + ids[4]), human.out.find("REMOVE  " + ids[0])) << human.out;
    EXPECT_NE(human.out.find("Kept 2, would remove 3"), std::string::npos) << human.out;

    auto run = prune(kKeepTwo);
    EXPECT_FALSE(run["dry_run"].get<bool>());
    EXPECT_EQ(run["removed"], 3);
    EXPECT_EQ(run["bytes_freed"], dry["bytes_freed"]);
    EXPECT_EQ(listed(), (std::vector<std::string>{ids[3], ids[4]}));
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(entry(run, ids[i])["removed"].get<bool>());
        EXPECT_EQ(traces_of(ids[i]), std::vector<std::string>{}) << ids[i];
    }
    for (int i = 3; i < 5; ++i) {
        auto v = pgark({"verify", ids[i]});
        EXPECT_EQ(v.exit_code, 0) << v.describe();
    }
    EXPECT_TRUE(storage_->stat(foreign));

    // Nothing left to do: a second prune removes nothing.
    auto again = prune(kKeepTwo);
    EXPECT_EQ(again["to_remove"], 0);
    EXPECT_EQ(listed(), (std::vector<std::string>{ids[3], ids[4]}));
}

TEST_P(PruneTest, IncompleteBackupsGoOnlyOnceTheyAreOldEnough) {
    const auto complete = backup();
    // A backup SIGKILLed while pg_dump waits for a table lock: its claim (and on posix the temp file of
    // its archive) stay behind.
    std::string killed;
    {
        auto holder = start_command(
            PgCluster::bin("psql"),
            {"-X", "-q", "-c",
             "BEGIN; LOCK TABLE devices IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;"},
            pg().client_env(db_), ProcessSpec::Out::null);
        for (int i = 0; i < 100; ++i) {
            if (pg().psql(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = "
                    "'devices' AND l.mode = 'AccessExclusiveLock' AND l.granted",
                    db_) == "1")
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        auto child = start({"backup"});
        ASSERT_GT(wait_for_descendant(child->pid(), "pg_dump", std::chrono::seconds(20), "--format=custom"),
                  0);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        ::kill(-child->pid(), SIGKILL);
        auto r = wait_pgark(*child);
        EXPECT_EQ(r.term_signal, SIGKILL) << r.describe();
        holder->terminate();
    }
    for (const auto& b : Repository::open(repo_.open()).list_stored_backups(db_))
        if (!b.has_manifest()) killed = b.id.str();
    ASSERT_FALSE(killed.empty()) << "the killed backup left no claim";
    EXPECT_EQ(listed(), std::vector<std::string>{complete}) << "incomplete backups are not listed";
    if (GetParam() == Driver::posix) {
        EXPECT_EQ(storage_->list_unfinished_writes(dir_of(killed)).size(), 1u);
    }

    const auto now = std::chrono::system_clock::now();
    // Dated a day ahead: still young when prune's clock is moved 25h on.
    const auto young = leftover(now + std::chrono::hours(24), dead_pid(), host_name());
    // Three days old, but its claim belongs to a live process on this host (this test): still running.
    const auto running = leftover(now - std::chrono::hours(72), getpid(), host_name());

    auto today = prune(kKeepTwo);
    EXPECT_EQ(today["to_remove"], 0) << today.dump(2);
    EXPECT_TRUE(has_reason(entry(today, killed), "incomplete, may still be running")) << today.dump(2);
    EXPECT_TRUE(has_reason(entry(today, young), "dated in the future")) << today.dump(2);
    EXPECT_TRUE(has_reason(entry(today, running), "incomplete, may still be running")) << today.dump(2);
    EXPECT_FALSE(entry(today, killed)["complete"].get<bool>());

    auto tomorrow = prune(kKeepTwo, 0, clock_ahead(std::chrono::hours(25)));
    EXPECT_EQ(tomorrow["to_remove"], 1) << tomorrow.dump(2);
    auto k = entry(tomorrow, killed);
    EXPECT_EQ(k["action"], "remove");
    EXPECT_EQ(k["reasons"], json::array({"incomplete, older than 24h"}));
    EXPECT_TRUE(k["removed"].get<bool>());
    EXPECT_EQ(traces_of(killed), std::vector<std::string>{});
    if (GetParam() == Driver::posix) {
        EXPECT_EQ(tomorrow["abandoned_writes"].size(), 1u) << tomorrow.dump(2);
    }
    EXPECT_TRUE(has_reason(entry(tomorrow, young), "incomplete, may still be running")) << tomorrow.dump(2);
    EXPECT_TRUE(has_reason(entry(tomorrow, running), "incomplete, may still be running")) << tomorrow.dump(2);
    EXPECT_EQ(storage_->list(dir_of(young)).size(), 2u);
    EXPECT_EQ(storage_->list(dir_of(running)).size(), 2u);
    EXPECT_EQ(listed(), std::vector<std::string>{complete});

    // Once its process is gone, the three-day-old one goes too.
    storage_->put(
        layout::claim_key(*BackupId::parse(running), "0123456789abcdef"),
        json({{"pid", dead_pid()}, {"host", host_name()}, {"started_at", iso_in(std::chrono::hours(-72))}})
            .dump());
    auto later = prune(kKeepTwo, 0, clock_ahead(std::chrono::hours(25)));
    EXPECT_EQ(entry(later, running)["reasons"], json::array({"incomplete, older than 24h"})) << later.dump(2);
    EXPECT_EQ(traces_of(running), std::vector<std::string>{});
    EXPECT_EQ(listed(), std::vector<std::string>{complete});
}

TEST_P(PruneTest, AbandonedWritesAreDiscardedOnlyWhenOlderThanTheBound) {
    const auto id = backup();
    const auto crashed = BackupId::make(db_, std::chrono::system_clock::now() - std::chrono::hours(1), 7);
    abandoned_write(layout::archive_key(crashed));
    // Another database's abandoned write is not this prune's business.
    abandoned_write("backups/otherdb/otherdb_2020-01-01_00-00-00/archive.pgdump.zst");
    ASSERT_EQ(unfinished_writes().size(), 2u);

    auto today = prune(kKeepTwo);
    EXPECT_EQ(today["abandoned_writes"].size(), 0u) << today.dump(2);
    EXPECT_EQ(unfinished_writes().size(), 2u);

    auto dry = prune(args_with({"--dry-run"}, kKeepTwo), 0, clock_ahead(std::chrono::hours(25)));
    ASSERT_EQ(dry["abandoned_writes"].size(), 1u) << dry.dump(2);
    EXPECT_EQ(dry["abandoned_writes"][0]["key"], layout::archive_key(crashed));
    EXPECT_EQ(unfinished_writes().size(), 2u);

    auto tomorrow = prune(kKeepTwo, 0, clock_ahead(std::chrono::hours(25)));
    ASSERT_EQ(tomorrow["abandoned_writes"].size(), 1u) << tomorrow.dump(2);
    EXPECT_EQ(unfinished_writes(),
              std::vector<std::string>{"backups/otherdb/otherdb_2020-01-01_00-00-00/archive.pgdump.zst"});
    EXPECT_EQ(listed(), std::vector<std::string>{id});
    auto v = pgark({"verify", id});
    EXPECT_EQ(v.exit_code, 0) << v.describe();
}

TEST_P(PruneTest, ARunningDrillKeepsItsBackupUntilItIsDone) {
    const auto oldest = backup();
    const auto newest = backup();
    const auto go = tmp_.path() / "go";
    auto drill = start({"drill", oldest, "--json", "-q"},
                       {{"PGARK_TEST_HOOKS", "1"}, {"PGARK_TEST_AFTER_LOCK_WAIT_FOR", go.string()}});
    ASSERT_TRUE(wait_for_file(go.string() + ".reached", std::chrono::seconds(60)))
        << "the drill never took its lock";
    ASSERT_EQ(locks().size(), 1u);

    auto during = prune(kKeepOne);
    EXPECT_EQ(during["to_remove"], 0) << during.dump(2);
    auto e = entry(during, oldest);
    EXPECT_EQ(e["action"], "keep");
    EXPECT_EQ(e["reasons"], json::array({"in use by a running drill or restore"})) << e.dump();
    ASSERT_EQ(e["in_use_by"].size(), 1u);
    EXPECT_EQ(e["in_use_by"][0].get<std::string>().rfind("drill (pid " + std::to_string(drill->pid()), 0), 0u)
        << e.dump();
    EXPECT_EQ(during["stale_locks"].size(), 0u);

    std::ofstream(go) << "go";
    auto r = wait_pgark(*drill);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(json::parse(r.out)["ok"].get<bool>());
    EXPECT_EQ(json::parse(r.out)["backup_id"], oldest);
    EXPECT_EQ(locks(), std::vector<std::string>{}) << "the drill removes its lock";

    auto after = prune(kKeepOne);
    EXPECT_TRUE(entry(after, oldest)["removed"].get<bool>()) << after.dump(2);
    EXPECT_EQ(listed(), std::vector<std::string>{newest});
    EXPECT_EQ(traces_of(oldest), std::vector<std::string>{});
}

TEST_P(PruneTest, ADrillWhoseBackupWasPrunedBeforeItLockedItFailsClearly) {
    const auto oldest = backup();
    backup();
    const auto go = tmp_.path() / "go";
    auto drill = start({"drill", oldest},
                       {{"PGARK_TEST_HOOKS", "1"}, {"PGARK_TEST_BEFORE_LOCK_WAIT_FOR", go.string()}});
    ASSERT_TRUE(wait_for_file(go.string() + ".reached", std::chrono::seconds(60)));
    auto p = prune(kKeepOne);
    EXPECT_TRUE(entry(p, oldest)["removed"].get<bool>()) << p.dump(2);
    std::ofstream(go) << "go";
    auto r = wait_pgark(*drill);
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("backup " + oldest + " was removed"), std::string::npos) << r.err;
    EXPECT_EQ(locks(), std::vector<std::string>{});
    EXPECT_EQ(traces_of(oldest), std::vector<std::string>{});
}

TEST_P(PruneTest, AnInterruptedDrillReleasesItsLock) {
    const auto id = backup();
    const auto go = tmp_.path() / "go";
    auto drill =
        start({"drill", id}, {{"PGARK_TEST_HOOKS", "1"}, {"PGARK_TEST_AFTER_LOCK_WAIT_FOR", go.string()}});
    ASSERT_TRUE(wait_for_file(go.string() + ".reached", std::chrono::seconds(60)));
    EXPECT_EQ(locks().size(), 1u);
    ::kill(drill->pid(), SIGINT);
    auto r = wait_pgark(*drill, std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 130) << r.describe();
    EXPECT_EQ(locks(), std::vector<std::string>{});
}

TEST_P(PruneTest, ARunningRestoreKeepsItsBackup) {
    const auto oldest = backup();
    backup();
    const auto go = tmp_.path() / "go";
    auto restore = start({"restore", oldest, "--to-new", db_ + "_new", "--json", "-q"},
                         {{"PGARK_TEST_HOOKS", "1"}, {"PGARK_TEST_AFTER_LOCK_WAIT_FOR", go.string()}});
    ASSERT_TRUE(wait_for_file(go.string() + ".reached", std::chrono::seconds(60)));
    auto during = prune(kKeepOne);
    auto e = entry(during, oldest);
    EXPECT_EQ(e["action"], "keep") << during.dump(2);
    ASSERT_EQ(e["in_use_by"].size(), 1u);
    EXPECT_EQ(e["in_use_by"][0].get<std::string>().rfind("restore (pid ", 0), 0u) << e.dump();
    std::ofstream(go) << "go";
    auto r = wait_pgark(*restore);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(table_counts(pg(), db_ + "_new"), freshtrack_counts().by_table());
    EXPECT_EQ(locks(), std::vector<std::string>{});
    auto after = prune(kKeepOne);
    EXPECT_TRUE(entry(after, oldest)["removed"].get<bool>()) << after.dump(2);
}

TEST_P(PruneTest, StaleLocksDoNotProtectAndAreRemoved) {
    const auto a = backup();
    const auto b = backup();
    // A drill on this host that was SIGKILLed: its pid is gone.
    Holder dead = Holder::this_process("drill");
    dead.pid = dead_pid();
    dead.start_ticks.reset();
    write_lock(a, dead);
    auto p = prune(kKeepOne);
    EXPECT_TRUE(entry(p, a)["removed"].get<bool>()) << p.dump(2);
    EXPECT_EQ(p["stale_locks"],
              json::array({layout::lock_prefix(*BackupId::parse(a)) + "hand-written.json"}));
    EXPECT_EQ(locks(), std::vector<std::string>{});
    EXPECT_EQ(traces_of(a), std::vector<std::string>{});

    // A drill on another host: protects the backup until drill.sweep_after (24h) has passed.
    const auto c = backup();
    Holder foreign = Holder::this_process("drill");
    foreign.host = "some-other-host";
    write_lock(b, foreign);
    auto today = prune(kKeepOne);
    EXPECT_EQ(entry(today, b)["action"], "keep") << today.dump(2);
    EXPECT_EQ(today["stale_locks"].size(), 0u);
    EXPECT_EQ(locks().size(), 1u);
    auto tomorrow = prune(kKeepOne, 0, clock_ahead(std::chrono::hours(25)));
    EXPECT_TRUE(entry(tomorrow, b)["removed"].get<bool>()) << tomorrow.dump(2);
    EXPECT_EQ(tomorrow["stale_locks"].size(), 1u);
    EXPECT_EQ(locks(), std::vector<std::string>{});
    EXPECT_EQ(listed(), std::vector<std::string>{c});
}

INSTANTIATE_TEST_SUITE_P(Drivers, PruneTest, ::testing::ValuesIn(all_drivers()), driver_name);

// Configuration errors are reported (exit 2) before the repository is even opened.
TEST(PruneConfig, BadPoliciesAreRefusedWithExit2) {
    const std::map<std::string, std::string> env = {{"PGDATABASE", "freshtrack"}};
    const std::string nowhere = "/nonexistent/pgark-prune-repo";

    auto none = run_pgark({"--repo", nowhere, "prune", "--keep-last", "0", "--keep-daily", "0",
                           "--keep-weekly", "0", "--keep-monthly", "0"},
                          env);
    EXPECT_EQ(none.exit_code, 2) << none.describe();
    EXPECT_NE(none.err.find("the retention policy keeps nothing"), std::string::npos) << none.err;

    auto tz = run_pgark({"--repo", nowhere, "prune"},
                        {{"PGDATABASE", "freshtrack"}, {"PGARK_TIMEZONE", "Mars/Olympus_Mons"}});
    EXPECT_EQ(tz.exit_code, 2) << tz.describe();
    EXPECT_NE(tz.err.find("schedule.timezone"), std::string::npos) << tz.err;
    EXPECT_NE(tz.err.find("Mars/Olympus_Mons"), std::string::npos) << tz.err;

    auto negative = run_pgark({"--repo", nowhere, "prune", "--keep-last=-1"}, env);
    EXPECT_EQ(negative.exit_code, 2) << negative.describe();
    EXPECT_NE(negative.err.find("--keep-last"), std::string::npos) << negative.err;

    auto no_db = run_pgark({"--repo", nowhere, "prune"}, {});
    EXPECT_EQ(no_db.exit_code, 2) << no_db.describe();
    EXPECT_NE(no_db.err.find("prune works on one database"), std::string::npos) << no_db.err;

    // A valid policy does reach the repository, and fails there (exit 1).
    auto missing = run_pgark({"--repo", nowhere, "prune"}, env);
    EXPECT_EQ(missing.exit_code, 1) << missing.describe();
    EXPECT_NE(missing.err.find("not a pgark repository"), std::string::npos) << missing.err;
}

}  // namespace
