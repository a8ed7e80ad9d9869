// Unit tests for backup locks (liveness of a lock's holder, the RAII owner, the manifest re-check),
// the posix driver's unfinished writes, and the repository's listing of backup directories.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/manifest.h"
#include "repo/backup_lock.h"
#include "storage/memory/memory_storage.h"
#include "storage/posix/posix_storage.h"
#include "support/proc_util.h"
#include "util/error.h"
#include "util/temp.h"

using namespace pgark;
using pgark::test::dead_pid;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

SystemTime at(const char* iso) {
    return *parse_iso8601(iso);
}

HolderCheck check_at(const char* now, std::function<ProcessProbe(long)> probe) {
    return {"here", "boot-1", at(now), 24h, std::move(probe)};
}

Holder holder(const std::string& host, long pid, const char* started, std::string boot = "boot-1",
              std::optional<unsigned long long> ticks = std::nullopt) {
    Holder h;
    h.host = host;
    h.pid = pid;
    h.command = "drill";
    h.started_at = at(started);
    h.boot_id = std::move(boot);
    h.start_ticks = ticks;
    return h;
}

ProcessProbe alive(std::optional<unsigned long long> ticks = std::nullopt) {
    return {true, ticks};
}
ProcessProbe gone() {
    return {false, std::nullopt};
}

// A repository in memory, for what does not depend on the driver.
struct MemoryRepo {
    Repository repo = [] {
        auto s = std::make_unique<MemoryStorage>("lock-test");
        Repository::init(*s);
        return Repository::open(std::move(s));
    }();
};

// A repository-shaped posix storage with the marker, for what a directory shows (empty lock
// directories are removed).
struct PosixRepo {
    TempDir dir{"lock-test"};
    Repository repo = [this] {
        auto s = std::make_unique<PosixStorage>(dir.path());
        Repository::init(*s);
        return Repository::open(std::move(s));
    }();
};

void age_file(const fs::path& p, std::chrono::seconds by) {
    fs::last_write_time(p, fs::file_time_type::clock::now() - by);
}

}  // namespace

// --- who is alive ------------------------------------------------------------------------------

TEST(HolderIsLive, SameHostFollowsTheProcess) {
    const auto h = holder("here", 4242, "2026-01-24T02:00:00Z");
    EXPECT_TRUE(holder_is_live(h, check_at("2026-01-24T02:00:05Z", [](long) { return alive(); })));
    EXPECT_FALSE(holder_is_live(h, check_at("2026-01-24T02:00:05Z", [](long) { return gone(); })));
    // Its age does not matter on its own host: a long drill stays protected, a dead one is ignored at once.
    EXPECT_TRUE(holder_is_live(h, check_at("2026-03-01T00:00:00Z", [](long) { return alive(); })));
}

TEST(HolderIsLive, AsksAboutTheHoldersPid) {
    long asked = 0;
    holder_is_live(holder("here", 4242, "2026-01-24T02:00:00Z"),
                   check_at("2026-01-24T02:00:05Z", [&](long pid) {
                       asked = pid;
                       return alive();
                   }));
    EXPECT_EQ(asked, 4242);
}

TEST(HolderIsLive, AReusedPidIsNotTheHolder) {
    const auto h = holder("here", 4242, "2026-01-24T02:00:00Z", "boot-1", 1000);
    EXPECT_TRUE(holder_is_live(h, check_at("2026-01-24T02:00:05Z", [](long) { return alive(1000); })));
    EXPECT_FALSE(holder_is_live(h, check_at("2026-01-24T02:00:05Z", [](long) { return alive(2000); })));
    // Start time unreadable: the pid's existence decides.
    EXPECT_TRUE(holder_is_live(h, check_at("2026-01-24T02:00:05Z", [](long) { return alive(); })));
}

TEST(HolderIsLive, InvalidPidIsDead) {
    for (long pid : {0L, -1L})
        EXPECT_FALSE(holder_is_live(holder("here", pid, "2026-01-24T02:00:00Z"),
                                    check_at("2026-01-24T02:00:05Z", [](long) { return alive(); })));
}

TEST(HolderIsLive, OtherHostsExpireAfterTheBound) {
    const auto h = holder("elsewhere", 4242, "2026-01-24T02:00:00Z");
    auto never = [](long) -> ProcessProbe {
        ADD_FAILURE() << "another host's pid must not be looked up here";
        return gone();
    };
    EXPECT_TRUE(holder_is_live(h, check_at("2026-01-24T02:00:05Z", never)));
    EXPECT_TRUE(holder_is_live(h, check_at("2026-01-25T02:00:00Z", never)));  // exactly 24h: still live
    EXPECT_FALSE(holder_is_live(h, check_at("2026-01-25T02:00:01Z", never)));
    // Started "in the future" (clock skew): live.
    EXPECT_TRUE(holder_is_live(h, check_at("2026-01-23T00:00:00Z", never)));
}

TEST(HolderIsLive, AnotherBootIsJudgedByAgeNotByPid) {
    // Before a reboot, or another machine with the same name: its pid means nothing here.
    const auto h = holder("here", 4242, "2026-01-24T02:00:00Z", "boot-0");
    EXPECT_TRUE(holder_is_live(h, check_at("2026-01-24T03:00:00Z", [](long) { return gone(); })));
    EXPECT_FALSE(holder_is_live(h, check_at("2026-01-25T03:00:00Z", [](long) { return alive(); })));
}

TEST(HolderIsLive, ThisProcessIsLiveAndADeadPidIsNot) {
    const auto now = std::chrono::system_clock::now();
    const auto check = HolderCheck::for_this_host(now, 24h);
    const Holder me = Holder::this_process("drill");
    EXPECT_EQ(me.host, check.host);
    EXPECT_FALSE(me.boot_id.empty());
    ASSERT_TRUE(me.start_ticks.has_value());
    EXPECT_TRUE(holder_is_live(me, check));
    Holder dead = me;
    dead.pid = dead_pid();
    dead.start_ticks.reset();
    EXPECT_FALSE(holder_is_live(dead, check));
    // Our pid, but started at another time: a reused pid.
    Holder reused = me;
    *reused.start_ticks += 1;
    EXPECT_FALSE(holder_is_live(reused, check));
}

TEST(Holder, JsonRoundTripAndBackupClaims) {
    const Holder me = Holder::this_process("restore");
    auto back = Holder::parse(me.to_json());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->host, me.host);
    EXPECT_EQ(back->pid, me.pid);
    EXPECT_EQ(back->command, "restore");
    EXPECT_EQ(back->boot_id, me.boot_id);
    EXPECT_EQ(back->start_ticks, me.start_ticks);
    EXPECT_LT(std::chrono::abs(back->started_at - me.started_at), 1ms);
    // What `pgark backup` writes into its id claim.
    auto claim = Holder::parse(R"({"host":"db1","pid":77,"started_at":"2026-01-24T02:00:00.123Z"})");
    ASSERT_TRUE(claim);
    EXPECT_EQ(claim->host, "db1");
    EXPECT_EQ(claim->pid, 77);
    EXPECT_EQ(claim->started_at, at("2026-01-24T02:00:00.123Z"));
    EXPECT_TRUE(claim->boot_id.empty());
    EXPECT_FALSE(claim->start_ticks);
    for (const char* bad : {"", "[]", "{}", R"({"host":"h","pid":1})",
                            R"({"host":"h","pid":"x","started_at":"2026-01-24T02:00:00Z"})",
                            R"({"host":"h","pid":1,"started_at":"yesterday"})", "{not json"})
        EXPECT_FALSE(Holder::parse(bad)) << bad;
}

TEST(LockIsLive, AnUnreadableLockExpiresByItsModificationTime) {
    LockInfo l;
    l.key = "locks/db/db_2026-01-24_02-00-00/x.json";
    l.modified = at("2026-01-24T02:00:00Z");
    auto never = [](long) -> ProcessProbe { return alive(); };
    EXPECT_TRUE(lock_is_live(l, check_at("2026-01-24T12:00:00Z", never)));
    EXPECT_FALSE(lock_is_live(l, check_at("2026-01-26T12:00:00Z", never)));
    l.holder = holder("here", 1, "2026-01-24T02:00:00Z");
    EXPECT_FALSE(lock_is_live(l, check_at("2026-01-24T12:00:00Z", [](long) { return gone(); })));
}

// --- the lock object ---------------------------------------------------------------------------

TEST(BackupLock, WritesItsHolderAndRemovesItself) {
    PosixRepo r;
    const auto id = BackupId::make("fresh track", at("2026-01-24T02:00:00Z"));
    std::string key;
    {
        BackupLock lock(r.repo.storage(), id, "drill");
        key = lock.key();
        EXPECT_EQ(key.rfind("locks/fresh%20track/" + id.str() + "/", 0), 0u) << key;
        auto locks = list_locks(r.repo.storage(), layout::locks_prefix("fresh track"));
        ASSERT_EQ(locks.size(), 1u);
        EXPECT_EQ(locks[0].key, key);
        EXPECT_EQ(locks[0].backup_id, id.str());
        ASSERT_TRUE(locks[0].holder);
        EXPECT_EQ(locks[0].holder->pid, getpid());
        EXPECT_EQ(locks[0].holder->command, "drill");
        EXPECT_TRUE(
            lock_is_live(locks[0], HolderCheck::for_this_host(std::chrono::system_clock::now(), 24h)));
    }
    EXPECT_FALSE(r.repo.storage().stat(key));
    EXPECT_TRUE(list_locks(r.repo.storage(), "locks/").empty());
    EXPECT_FALSE(fs::exists(r.dir.path() / "locks")) << "empty lock directories are removed";
}

TEST(BackupLock, TwoHoldersOfOneBackupHaveTheirOwnLocks) {
    MemoryRepo r;
    const auto id = BackupId::make("db", at("2026-01-24T02:00:00Z"));
    BackupLock a(r.repo.storage(), id, "drill");
    {
        BackupLock b(r.repo.storage(), id, "restore");
        EXPECT_NE(a.key(), b.key());
        EXPECT_EQ(list_locks(r.repo.storage(), layout::lock_prefix(id)).size(), 2u);
    }
    EXPECT_EQ(list_locks(r.repo.storage(), layout::lock_prefix(id)).size(), 1u);
}

TEST(LockBackup, FailsAndLeavesNoLockWhenTheManifestIsGone) {
    MemoryRepo r;
    const auto id = BackupId::make("db", at("2026-01-24T02:00:00Z"));
    r.repo.storage().put(layout::archive_key(id), "archive");
    try {
        lock_backup(r.repo, id, "drill");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("was removed"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(id.str()), std::string::npos) << e.what();
        EXPECT_EQ(e.code(), ExitCode::failed);
    }
    EXPECT_TRUE(list_locks(r.repo.storage(), "locks/").empty());

    r.repo.storage().put(layout::manifest_key(id), "{}");
    auto lock = lock_backup(r.repo, id, "drill");
    EXPECT_EQ(list_locks(r.repo.storage(), layout::lock_prefix(id)).size(), 1u);
}

// --- unfinished writes (posix) ------------------------------------------------------------------

TEST(PosixUnfinishedWrites, ListedDiscardedAndSweptByAge) {
    TempDir d("unfinished");
    PosixStorage s(d.path());
    s.put("backups/db/a/claim-1.json", "{}");
    const auto old_tmp = d.path() / "backups/db/a/.archive.pgdump.zst.pgark-tmp-123-abc";
    const auto new_tmp = d.path() / "backups/db/b/.archive.pgdump.zst.pgark-tmp-456-def";
    const auto other_tmp = d.path() / "drills/db/.r.json.pgark-tmp-1-x";
    fs::create_directories(new_tmp.parent_path());
    fs::create_directories(other_tmp.parent_path());
    for (const auto& p : {old_tmp, new_tmp, other_tmp}) std::ofstream(p) << "partial";
    age_file(old_tmp, 48h);

    auto all = s.list_unfinished_writes("backups/db/");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].key, "backups/db/a/archive.pgdump.zst");
    EXPECT_EQ(all[0].handle, "backups/db/a/.archive.pgdump.zst.pgark-tmp-123-abc");
    EXPECT_EQ(all[1].key, "backups/db/b/archive.pgdump.zst");
    EXPECT_LT(all[0].since, std::chrono::system_clock::now() - 47h);
    EXPECT_GT(all[1].since, std::chrono::system_clock::now() - 1h);
    EXPECT_EQ(s.list_unfinished_writes("backups/db/b/").size(), 1u);
    EXPECT_EQ(s.list_unfinished_writes("").size(), 3u);
    // list() still hides them.
    EXPECT_EQ(s.list("backups/").size(), 1u);

    const auto bound = std::chrono::system_clock::now() - 24h;
    auto would = s.sweep_abandoned_writes("backups/db/", bound, true);
    ASSERT_EQ(would.size(), 1u);
    EXPECT_TRUE(fs::exists(old_tmp)) << "a dry run discards nothing";
    auto swept = s.sweep_abandoned_writes("backups/db/", bound);
    ASSERT_EQ(swept.size(), 1u);
    EXPECT_EQ(swept[0].key, "backups/db/a/archive.pgdump.zst");
    EXPECT_FALSE(fs::exists(old_tmp));
    EXPECT_TRUE(fs::exists(new_tmp));
    EXPECT_TRUE(fs::exists(other_tmp));
    EXPECT_TRUE(s.stat("backups/db/a/claim-1.json")) << "only the temp file goes";
    // Gone already: not an error.
    EXPECT_NO_THROW(s.discard_unfinished_write(all[0]));
    // A handle that is not a temp file is refused.
    EXPECT_THROW(s.discard_unfinished_write({"backups/db/a/claim-1.json", {}, "backups/db/a/claim-1.json"}),
                 StorageError);
    EXPECT_TRUE(s.stat("backups/db/a/claim-1.json"));
}

// --- backup directories -------------------------------------------------------------------------

TEST(ListStoredBackups, GroupsObjectsByBackupAndReportsStrays) {
    MemoryRepo r;
    auto& s = r.repo.storage();
    const auto a = BackupId::make("db", at("2026-01-24T02:00:00Z"));
    const auto b = BackupId::make("db", at("2026-01-24T02:00:00Z"), 2);
    const auto other = BackupId::make("other", at("2026-01-24T02:00:00Z"));
    s.put(layout::manifest_key(a), "{}");
    s.put(layout::archive_key(a), "12345");
    s.put(layout::claim_key(b, "n1"), "{}");
    s.put(layout::archive_key(other), "x");
    s.put("backups/db/README", "not a backup");
    s.put("backups/db/" + other.str() + "/archive.pgdump.zst", "misplaced");
    std::vector<std::string> problems;
    auto stored = r.repo.list_stored_backups("db", &problems);
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[0].id, a);
    EXPECT_TRUE(stored[0].has_manifest());
    EXPECT_EQ(stored[0].objects.size(), 2u);
    EXPECT_EQ(stored[0].bytes(), 7u);
    EXPECT_EQ(stored[1].id, b);
    EXPECT_FALSE(stored[1].has_manifest());
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_NE(problems[0].find("README"), std::string::npos) << problems[0];
    EXPECT_NE(problems[1].find(other.str()), std::string::npos) << problems[1];
}
