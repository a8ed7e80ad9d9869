// Unit tests for the daemon lock: who counts as a running daemon (this host: its process; elsewhere:
// its heartbeat), which of two daemons keeps a database, and the RAII owner refusing a second daemon.
#include <gtest/gtest.h>
#include <unistd.h>

#include "repo/daemon_lock.h"
#include "repo/layout.h"
#include "storage/posix/posix_storage.h"
#include "support/proc_util.h"
#include "util/error.h"
#include "util/temp.h"

using namespace pgark;
using namespace std::chrono_literals;

namespace {

SystemTime at(const char* iso) {
    return *parse_iso8601(iso);
}

HolderCheck check_at(const char* now, bool process_alive) {
    return {"here", "boot-1", at(now), kDaemonHeartbeatTimeout, [process_alive](long) {
                return ProcessProbe{process_alive, std::nullopt};
            }};
}

DaemonLockInfo info(const std::string& host, const char* started, std::optional<const char*> heartbeat,
                    const std::string& key = "daemons/db/a.json") {
    DaemonLockInfo l;
    l.key = key;
    Holder h;
    h.host = host;
    h.pid = 4242;
    h.command = "daemon";
    h.started_at = at(started);
    h.boot_id = "boot-1";
    l.holder = h;
    if (heartbeat) l.heartbeat = at(*heartbeat);
    return l;
}

}  // namespace

TEST(DaemonLock, OnThisHostALockLivesAsLongAsItsProcess) {
    const auto l = info("here", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    // Days without a heartbeat do not matter on its own host: the process is what counts.
    EXPECT_TRUE(daemon_lock_is_live(l, check_at("2026-01-09T00:00:00Z", true)));
    EXPECT_FALSE(daemon_lock_is_live(l, check_at("2026-01-01T00:00:01Z", false)));
}

TEST(DaemonLock, OnAnotherHostALockLivesUntilItsHeartbeatIsOld) {
    const auto l = info("there", "2026-01-01T00:00:00Z", "2026-01-01T06:00:00Z");
    EXPECT_TRUE(daemon_lock_is_live(l, check_at("2026-01-01T06:04:59Z", false)));
    EXPECT_FALSE(daemon_lock_is_live(l, check_at("2026-01-01T06:05:01Z", true)));
    // The object's own time counts as a heartbeat too (a holder whose clock is behind).
    auto touched = l;
    touched.modified = at("2026-01-01T07:00:00Z");
    EXPECT_TRUE(daemon_lock_is_live(touched, check_at("2026-01-01T07:01:00Z", false)));
}

TEST(DaemonLock, AnUnreadableLockIsJudgedByItsAgeNeverGuessedDead) {
    DaemonLockInfo l;
    l.key = "daemons/db/x.json";
    l.modified = at("2026-01-01T00:00:00Z");
    EXPECT_TRUE(daemon_lock_is_live(l, check_at("2026-01-01T00:01:00Z", false)));
    EXPECT_FALSE(daemon_lock_is_live(l, check_at("2026-01-01T01:00:00Z", false)));
}

TEST(DaemonLock, TheDaemonThatStartedFirstKeepsTheDatabase) {
    const auto older = info("a", "2026-01-01T00:00:00Z", std::nullopt, "daemons/db/z.json");
    const auto newer = info("b", "2026-01-01T00:00:01Z", std::nullopt, "daemons/db/a.json");
    EXPECT_TRUE(daemon_lock_precedes(older, newer));
    EXPECT_FALSE(daemon_lock_precedes(newer, older));
    // Same start: the key decides, so both daemons agree on one.
    const auto twin = info("c", "2026-01-01T00:00:00Z", std::nullopt, "daemons/db/b.json");
    EXPECT_TRUE(daemon_lock_precedes(twin, older));
    EXPECT_FALSE(daemon_lock_precedes(older, twin));
}

TEST(DaemonLock, ASecondDaemonForTheSameDatabaseIsRefusedAndLeavesNothing) {
    TempDir dir("daemon-lock");
    PosixStorage storage(dir.path());
    {
        DaemonLock first(storage, "fresh track");
        EXPECT_EQ(storage.list(layout::daemon_locks_prefix("fresh track")).size(), 1u);
        try {
            DaemonLock second(storage, "fresh track");
            ADD_FAILURE() << "a second daemon lock was granted";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("already scheduled by the daemon with pid " +
                                                 std::to_string(getpid())),
                      std::string::npos)
                << e.what();
        }
        EXPECT_EQ(storage.list(layout::daemon_locks_prefix("fresh track")).size(), 1u);
        // Another database is another lock.
        DaemonLock other(storage, "other");
        first.heartbeat();
    }
    EXPECT_TRUE(storage.list("daemons/").empty());
}

TEST(DaemonLock, TheLockOfADaemonThatIsGoneIsRemovedAndDoesNotBlock) {
    TempDir dir("daemon-lock");
    PosixStorage storage(dir.path());
    Holder h = Holder::this_process("daemon");
    h.pid = pgark::test::dead_pid();
    h.start_ticks.reset();
    const std::string stale = layout::daemon_locks_prefix("db") + "stale.json";
    storage.put(stale, h.to_json());
    DaemonLock lock(storage, "db");
    EXPECT_FALSE(storage.stat(stale));
    EXPECT_EQ(storage.list(layout::daemon_locks_prefix("db")).size(), 1u);
}
