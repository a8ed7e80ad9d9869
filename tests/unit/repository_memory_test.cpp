// Unit tests for the repository, its id claims and backup locks on the memory driver, with the
// fault-injecting wrapper where a storage operation fails: init/open, listing and resolving, id
// reservation (same second, concurrent, failing put), locks (written, removed, failing storage), and
// the pieces prune's decisions are made of (stored backups, live locks, retention).
#include <gtest/gtest.h>
#include <unistd.h>

#include <date/tz.h>

#include <map>
#include <set>
#include <thread>

#include "core/manifest.h"
#include "core/retention.h"
#include "repo/backup_lock.h"
#include "repo/repository.h"
#include "storage/faulty/fault_injecting_storage.h"
#include "storage/memory/memory_storage.h"
#include "support/proc_util.h"
#include "unit/unit_helpers.h"
#include "util/error.h"

using namespace pgark;
using pgark::test::manifest_of;
using namespace std::chrono_literals;

namespace {

SystemTime at(const char* iso) {
    return *parse_iso8601(iso);
}

// A repository on a memory storage seen through a fault-injecting wrapper: faults are armed on
// `faults`, and `mem` shows what really is stored.
struct MemRepo {
    MemoryStorage mem{"repo"};
    FaultInjectingStorage* faults = nullptr;
    Repository repo = [this] {
        Repository::init(mem);
        auto f = std::make_unique<FaultInjectingStorage>(mem);
        faults = f.get();
        return Repository::open(std::move(f));
    }();

    Manifest complete(const Manifest& m) {
        mem.put(layout::archive_key(m.id), "archive");
        mem.put(layout::manifest_key(m.id), m.to_json());
        return m;
    }
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

// --- the marker ---------------------------------------------------------------------------------

TEST(RepositoryOnMemory, InitWritesTheMarkerOnceAndOpenRequiresIt) {
    auto s = std::make_unique<MemoryStorage>("fresh");
    try {
        Repository::open(std::make_unique<MemoryStorage>("empty"));
        FAIL() << "opened a location without a marker";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "is not a pgark repository")) << e.what();
        EXPECT_TRUE(contains(e.what(), "pgark init --repo memory:empty")) << e.what();
    }
    EXPECT_TRUE(Repository::init(*s));
    const auto marker = s->get(layout::kMarker);
    EXPECT_FALSE(Repository::init(*s)) << "already a repository";
    EXPECT_EQ(s->get(layout::kMarker), marker) << "left untouched";
    auto repo = Repository::open(std::move(s));
    EXPECT_EQ(repo.describe(), "memory:fresh");
    EXPECT_TRUE(repo.list_backups().empty());
}

TEST(RepositoryOnMemory, ADamagedOrNewerMarkerIsRefused) {
    auto damaged = std::make_unique<MemoryStorage>();
    damaged->put(layout::kMarker, "{not json");
    EXPECT_THROW(Repository::open(std::move(damaged)), Error);
    auto newer = std::make_unique<MemoryStorage>();
    newer->put(layout::kMarker, R"({"format": 99})");
    try {
        Repository::open(std::move(newer));
        FAIL() << "opened a newer format";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "format 99")) << e.what();
    }
}

TEST(RepositoryOnMemory, AMarkerThatCannotBeReadIsAStorageErrorNotAMissingRepository) {
    MemoryStorage mem;
    Repository::init(mem);
    auto f = std::make_unique<FaultInjectingStorage>(mem);
    f->inject(Fault(StorageOp::stat).key(layout::kMarker).message("S3 503 SlowDown"));
    f->inject(Fault(StorageOp::open).key(layout::kMarker).message("S3 503 SlowDown"));
    try {
        Repository::open(std::move(f));
        FAIL() << "no error";
    } catch (const StorageError& e) {
        EXPECT_TRUE(contains(e.what(), "503")) << e.what();
    }
}

// --- listing and resolving ----------------------------------------------------------------------

TEST(RepositoryOnMemory, ListsCompleteBackupsOldestFirstAndResolvesThem) {
    MemRepo r;
    auto a = r.complete(manifest_of("db", at("2026-01-23T02:00:00Z")));
    auto b = r.complete(manifest_of("db", at("2026-01-24T02:00:00Z")));
    auto c = r.complete(manifest_of("other", at("2026-01-25T02:00:00Z")));
    r.mem.put(layout::archive_key(BackupId::make("db", at("2026-01-26T02:00:00Z"))), "no manifest yet");

    auto all = r.repo.list_backups();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].id, a.id);
    EXPECT_EQ(all[2].id, c.id);
    EXPECT_EQ(r.repo.list_backups("db").size(), 2u);
    EXPECT_EQ(r.repo.resolve("latest").id, c.id);
    EXPECT_EQ(r.repo.resolve("latest", std::string("db")).id, b.id) << "an incomplete backup is invisible";
    EXPECT_EQ(r.repo.resolve(a.id.str()).id, a.id);
    EXPECT_THROW(r.repo.resolve(BackupId::make("db", at("2026-01-26T02:00:00Z")).str()), Error);
    EXPECT_THROW(r.repo.resolve("latest", std::string("nosuchdb")), Error);
}

TEST(RepositoryOnMemory, AManifestThatFailsToReadFailsTheListing) {
    MemRepo r;
    auto a = r.complete(manifest_of("db", at("2026-01-23T02:00:00Z")));
    r.complete(manifest_of("db", at("2026-01-24T02:00:00Z")));
    r.faults->inject(Fault(StorageOp::open).key(layout::manifest_key(a.id)).message("S3 503"));
    std::vector<std::string> problems;
    EXPECT_THROW(r.repo.list_backups("db", &problems), StorageError)
        << "a listing that silently left a backup out would be wrong";
    EXPECT_EQ(r.repo.list_backups("db").size(), 2u) << "the fault fired once";
}

// --- reserving backup ids -----------------------------------------------------------------------

TEST(RepositoryOnMemory, TwoReservationsInTheSameSecondGetDistinctIds) {
    MemRepo r;
    const auto now = at("2026-01-24T02:00:00Z");
    auto first = r.repo.reserve_backup_id("db", now, "{}");
    auto second = r.repo.reserve_backup_id("db", now, "{}");
    EXPECT_EQ(first.id, BackupId::make("db", now, 1));
    EXPECT_EQ(second.id, BackupId::make("db", now, 2));
    EXPECT_TRUE(r.mem.stat(first.claim_key));
    EXPECT_TRUE(r.mem.stat(second.claim_key));
    EXPECT_TRUE(r.repo.list_backups().empty()) << "a reservation is no backup";

    // The first completes (its claim goes): its id stays taken by its manifest.
    r.complete(manifest_of("db", now, 1));
    r.mem.remove({first.claim_key});
    EXPECT_EQ(r.repo.reserve_backup_id("db", now, "{}").id, BackupId::make("db", now, 3));
    // Another database's ids are its own.
    EXPECT_EQ(r.repo.reserve_backup_id("other", now, "{}").id, BackupId::make("other", now, 1));
}

TEST(RepositoryOnMemory, ConcurrentReservationsInTheSameSecondGetDistinctIds) {
    MemRepo r;
    const auto now = at("2026-01-24T02:00:00Z");
    constexpr int kThreads = 4;
    std::vector<BackupId> ids(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] { ids[t] = r.repo.reserve_backup_id("db", now, "{}").id; });
    for (auto& th : threads) th.join();
    std::set<std::string> distinct;
    for (const auto& id : ids) distinct.insert(id.str());
    EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads));
    EXPECT_EQ(r.mem.list("backups/").size(), static_cast<std::size_t>(kThreads)) << "one claim each";
}

TEST(RepositoryOnMemory, AFailingClaimPutLeavesNothingListed) {
    for (const Fault& fault : {Fault(StorageOp::commit).key("*/claim-*").message("disk full"),
                               Fault(StorageOp::write).key("*/claim-*").message("disk full").pass_through(1),
                               Fault(StorageOp::create).key("*/claim-*").message("S3 503")}) {
        MemRepo r;
        r.faults->inject(fault);
        try {
            r.repo.reserve_backup_id("db", at("2026-01-24T02:00:00Z"), R"({"host":"h"})");
            FAIL() << "no error for a failing " << to_string(fault.op);
        } catch (const StorageError& e) {
            EXPECT_TRUE(contains(e.what(), fault.text)) << e.what();
        }
        EXPECT_TRUE(r.mem.list("backups/").empty()) << to_string(fault.op);
        EXPECT_TRUE(r.mem.list_unfinished_writes("").empty()) << to_string(fault.op);
        std::vector<std::string> problems;
        EXPECT_TRUE(r.repo.list_stored_backups("db", &problems).empty());
        EXPECT_TRUE(problems.empty());
        // The storage recovered: the next reservation takes the first id.
        EXPECT_EQ(r.repo.reserve_backup_id("db", at("2026-01-24T02:00:00Z"), "{}").id,
                  BackupId::make("db", at("2026-01-24T02:00:00Z")));
    }
}

TEST(RepositoryOnMemory, AStatFailingDuringReservationWritesNothing) {
    MemRepo r;
    r.faults->inject(Fault(StorageOp::stat).key("*/manifest.json").message("S3 503"));
    EXPECT_THROW(r.repo.reserve_backup_id("db", at("2026-01-24T02:00:00Z"), "{}"), StorageError);
    EXPECT_TRUE(r.mem.list("backups/").empty());
}

// --- backup locks -------------------------------------------------------------------------------

TEST(BackupLockOnMemory, ALockThatCannotBeRemovedIsLeftToGoStale) {
    MemRepo r;
    const auto id = BackupId::make("db", at("2026-01-24T02:00:00Z"));
    r.faults->inject(Fault(StorageOp::remove).key("locks/*").message("S3 503"));
    std::string key;
    {
        BackupLock lock(r.repo.storage(), id, "drill");
        key = lock.key();
    }  // the destructor only logs the failure
    EXPECT_EQ(r.faults->fired(), 1);
    auto locks = list_locks(r.mem, "locks/");
    ASSERT_EQ(locks.size(), 1u);
    EXPECT_EQ(locks[0].key, key);
    // Once its process is gone it is no longer live, so prune would remove it.
    locks[0].holder->pid = pgark::test::dead_pid();
    EXPECT_FALSE(lock_is_live(locks[0], HolderCheck::for_this_host(std::chrono::system_clock::now(), 24h)));
}

TEST(LockBackupOnMemory, ALockThatCannotBeWrittenSaysWhatItMeans) {
    MemRepo r;
    auto m = r.complete(manifest_of("db", at("2026-01-24T02:00:00Z")));
    r.faults->inject(Fault(StorageOp::write).key("locks/*").message("disk full"));
    try {
        lock_backup(r.repo, m.id, "drill");
        FAIL() << "no error";
    } catch (const StorageError& e) {
        EXPECT_TRUE(contains(e.what(), "cannot lock backup " + m.id.str())) << e.what();
        EXPECT_TRUE(contains(e.what(), "disk full")) << e.what();
        EXPECT_TRUE(contains(e.what(), "write access")) << e.what();
    }
    EXPECT_TRUE(r.mem.list("locks/").empty());
    EXPECT_TRUE(r.mem.list_unfinished_writes("").empty());
}

TEST(LockBackupOnMemory, AFailingManifestCheckRemovesTheLock) {
    MemRepo r;
    auto m = r.complete(manifest_of("db", at("2026-01-24T02:00:00Z")));
    r.faults->inject(Fault(StorageOp::stat).key(layout::manifest_key(m.id)).message("S3 503"));
    EXPECT_THROW(lock_backup(r.repo, m.id, "drill"), StorageError);
    EXPECT_TRUE(r.mem.list("locks/").empty());
}

// --- what prune decides from ---------------------------------------------------------------------

// prune (commands/prune.cpp) needs a Context, which opens storage from a URL, so its own gathering is
// not reachable here; this checks what it is built from: the stored backups with their objects, the
// locks and their liveness, and the retention decision over both.
TEST(PruneInputsOnMemory, StoredBackupsLocksAndRetentionAgree) {
    SystemTime now = at("2026-01-24T12:00:00Z");
    MemoryStorage mem("prune", [&] { return now; });
    Repository::init(mem);
    auto f = std::make_unique<FaultInjectingStorage>(mem);
    auto& faults = *f;
    auto repo = Repository::open(std::move(f));

    const auto oldest = manifest_of("db", at("2026-01-21T02:00:00Z"));
    const auto middle = manifest_of("db", at("2026-01-22T02:00:00Z"));
    const auto newest = manifest_of("db", at("2026-01-23T02:00:00Z"));
    now = at("2026-01-21T02:00:05Z");
    for (const auto& m : {oldest, middle, newest}) {
        mem.put(layout::archive_key(m.id), "archive");
        mem.put(layout::manifest_key(m.id), m.to_json());
    }
    const auto crashed = BackupId::make("db", at("2026-01-22T03:00:00Z"));
    mem.put(layout::archive_key(crashed), "partial");
    mem.leave_unfinished_write(layout::archive_key(crashed), at("2026-01-22T03:00:01Z"));
    now = at("2026-01-24T12:00:00Z");

    BackupLock drill(repo.storage(), oldest.id, "drill");
    const auto check = HolderCheck::for_this_host(now, 24h);
    std::set<std::string> in_use;
    for (const auto& l : list_locks(repo.storage(), layout::locks_prefix("db")))
        if (lock_is_live(l, check)) in_use.insert(l.backup_id);
    EXPECT_EQ(in_use, std::set<std::string>{oldest.id.str()});

    std::vector<std::string> problems;
    auto stored = repo.list_stored_backups("db", &problems);
    ASSERT_EQ(stored.size(), 4u);
    EXPECT_TRUE(problems.empty());
    std::vector<RetentionCandidate> candidates;
    for (const auto& b : stored)
        candidates.push_back({b.id.str(),
                              b.has_manifest() ? repo.load_manifest(b.id).started_at : b.id.time(),
                              b.has_manifest(), in_use.count(b.id.str()) > 0});
    RetentionPolicy policy;
    policy.keep_last = 1;
    policy.tz = date::locate_zone("UTC");
    auto decisions = apply_retention(policy, candidates, now, 24h);
    ASSERT_EQ(decisions.size(), 4u);
    std::map<std::string, RetentionDecision> by_id;
    for (const auto& d : decisions) by_id[d.id] = d;
    EXPECT_TRUE(by_id[newest.id.str()].keep);
    EXPECT_TRUE(by_id[oldest.id.str()].keep);
    EXPECT_EQ(by_id[oldest.id.str()].reasons,
              std::vector<std::string>{"in use by a running drill or restore"});
    EXPECT_FALSE(by_id[middle.id.str()].keep);
    EXPECT_FALSE(by_id[crashed.str()].keep);
    EXPECT_EQ(by_id[crashed.str()].reasons, std::vector<std::string>{"incomplete, older than 24h"});

    // A storage that fails while listing stops the decision instead of judging half a repository.
    faults.inject(Fault(StorageOp::list).key("backups/*").message("S3 503"));
    EXPECT_THROW(repo.list_stored_backups("db"), StorageError);
}
