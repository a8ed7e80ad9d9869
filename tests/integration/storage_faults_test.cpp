// Storage faults end to end through the CLI (issue 8): a local repository, or the drill's spool directory,
// on a full filesystem (a size- or inode-limited tmpfs, or a file size limit) and on a read-only one; an S3
// repository whose requests at the end of a backup and during verify, drill and list are cut, stalled or
// refused by a fault proxy. A fault must be absorbed by retries or end in exit 1 with a message naming what
// failed and what to do; `pgark list` must only ever show backups that verify; nothing half-written (temp
// files, claims, empty directories, locks, spools, scratch databases) may stay behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/backup_id.h"
#include "support/fault_proxy.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "support/swift_server.h"
#include "support/test_paths.h"
#include "support/text_util.h"
#include "support/tmpfs_mount.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> scratch_databases() {
    return PgCluster::shared().scratch_databases();
}

// pgark's own connection and pg_dump's both run as application "pgark backup": once a failed backup has
// exited, none may be left (pg_dump was stopped, not left streaming into nowhere).
bool backup_sessions_end(std::chrono::seconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    for (;;) {
        if (PgCluster::shared().psql(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgark backup'") == "0")
            return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(100ms);
    }
}

std::string id_of(const json& backup) {
    return backup.value("id", std::string());
}

// The FreshTrack sample; `big` adds 25 MB of barely compressible text (about 13 MB stored), so that a
// backup is still streaming from pg_dump when a small filesystem fills up.
void load_db(const std::string& db, bool big) {
    auto& pg = PgCluster::shared();
    pg.drop_database(db);
    load_freshtrack(pg, db);
    if (big)
        pg.psql(
            "CREATE TABLE blobs AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) "
            "AS junk FROM generate_series(1, 250000) g",
            db);
}

// Mounts a tmpfs into mount_, or skips the test saying why mounting is not permitted here.
#define MOUNT_TMPFS_OR_SKIP(...)                                 \
    do {                                                         \
        std::string why_not;                                     \
        mount_ = TmpfsMount::try_mount({__VA_ARGS__}, &why_not); \
        if (!mount_) GTEST_SKIP() << why_not;                    \
        ASSERT_TRUE(mount_->mounted()) << mount_->path();        \
    } while (0)

class StorageFaultTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(scratch_databases().empty()) << "a previous test left " << joined(scratch_databases());
    }
    void TearDown() override {
        mount_.reset();
        EXPECT_TRUE(tmpfs_mounts_of_this_process().empty())
            << "still mounted: " << joined(tmpfs_mounts_of_this_process());
        const auto left = scratch_databases();
        EXPECT_TRUE(left.empty()) << "scratch database left behind: " << joined(left);
        for (const auto& s : left) PgCluster::shared().drop_database(s);
        EXPECT_TRUE(directory_tree(spool_.path()).empty())
            << "a drill left its spool: " << joined(directory_tree(spool_.path()));
    }

    std::vector<std::string> global_args() const {
        std::vector<std::string> a = {"--repo", repo_url_};
        if (!config_.empty()) a.insert(a.end(), {"--config", config_});
        return a;
    }
    std::map<std::string, std::string> env(const std::string& db,
                                           const std::map<std::string, std::string>& extra = {}) const {
        auto e = PgCluster::shared().client_env(db);
        for (const auto& [k, v] : repo_env_) e[k] = v;
        e["PGARK_SPOOL_DIR"] = spool_.path().string();
        for (const auto& [k, v] : extra) e[k] = v;
        return e;
    }
    CliResult pgark(const std::string& db, std::vector<std::string> args,
                    const std::map<std::string, std::string>& extra = {}) const {
        auto g = global_args();
        args.insert(args.begin(), g.begin(), g.end());
        return run_pgark(args, env(db, extra));
    }
    // A backup that must succeed; its manifest (id, archive sizes), or an empty object after a failure.
    json backup_ok(const std::string& db) const {
        auto r = pgark(db, {"backup", "--json", "-q"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        if (r.exit_code != 0) return json::object();
        return json::parse(r.out);
    }
    std::vector<std::string> listed(const std::string& db) const {
        auto r = pgark(db, {"list", "--json"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        std::vector<std::string> ids;
        if (r.exit_code != 0) return ids;
        const auto listing = json::parse(r.out);  // named: a range-for over a temporary's member dangles
        for (const auto& b : listing["backups"]) ids.push_back(id_of(b));
        return ids;
    }
    // `pgark list` shows exactly `ids`, and every one of them verifies.
    void expect_listed_and_verifying(const std::string& db, const std::vector<std::string>& ids) const {
        EXPECT_EQ(listed(db), ids);
        for (const auto& id : ids) {
            auto v = pgark(db, {"verify", id});
            EXPECT_EQ(v.exit_code, 0) << id << ": " << v.describe();
        }
    }

    std::string repo_url_;
    std::map<std::string, std::string> repo_env_;
    std::string config_;
    TempDir spool_{"sfault-spool"};
    std::unique_ptr<TmpfsMount> mount_;
};

// ---------------------------------------------------------------------------------------------------------
// A local repository or spool on a full or read-only filesystem.

class StorageFaultLocal : public StorageFaultTest {
  protected:
    static void SetUpTestSuite() {
        load_db(kSmall, false);
        load_db(kBig, true);
    }
    static void TearDownTestSuite() {
        PgCluster::shared().drop_database(kSmall);
        PgCluster::shared().drop_database(kBig);
    }
    // A repository at <mount>/repo.
    fs::path repo_on_mount() {
        const auto repo = mount_->path() / "repo";
        repo_url_ = repo.string();
        auto r = pgark(kSmall, {"init"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return repo;
    }
    // A failed backup changed nothing in the repository: no temp file, claim or empty directory left.
    static void expect_tree(const fs::path& repo, const std::vector<std::string>& before) {
        const auto now = directory_tree(repo);
        EXPECT_EQ(now, before) << "now: " << joined(now);
    }

    static constexpr const char* kSmall = "sfault_small";
    static constexpr const char* kBig = "sfault_big";
};

TEST_F(StorageFaultLocal, BackupRunsOutOfSpaceMidStream) {
    MOUNT_TMPFS_OR_SKIP(64ull << 20);
    const auto repo = repo_on_mount();
    const auto first = backup_ok(kBig);
    ASSERT_TRUE(first.contains("id"));
    const std::uint64_t leave = 2ull << 20;
    ASSERT_GT(first["archive"]["stored_bytes"].get<std::uint64_t>(), 4 * leave)
        << "too little data to fill up";
    const auto before = directory_tree(repo);

    mount_->fill_leaving_bytes(leave);
    auto r = pgark(kBig, {"backup"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_TRUE(has(r.err, "writing " + repo.string() + "/backups/" + kBig + "/")) << r.err;
    EXPECT_TRUE(has(r.err, "/archive.pgdump.zst failed: No space left on device")) << r.err;
    EXPECT_TRUE(has(r.err, "free space on that filesystem")) << r.err;
    EXPECT_TRUE(has(r.err, "pgark prune")) << r.err;
    expect_tree(repo, before);
    EXPECT_EQ(mount_->free_bytes(), leave) << "the partial archive still holds space";
    EXPECT_TRUE(backup_sessions_end(10s)) << "pg_dump or pgark's connection outlived the failed backup";
    expect_listed_and_verifying(kBig, {id_of(first)});

    // With space again the next backup succeeds beside the first.
    mount_->release_fillers();
    const auto second = backup_ok(kBig);
    ASSERT_TRUE(second.contains("id"));
    expect_listed_and_verifying(kBig, {id_of(first), id_of(second)});
}

TEST_F(StorageFaultLocal, BackupRunsOutOfSpaceAtTheManifest) {
    MOUNT_TMPFS_OR_SKIP(16ull << 20);
    const auto repo = repo_on_mount();
    const auto first = backup_ok(kSmall);
    ASSERT_TRUE(first.contains("id"));
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const auto archive_pages = (first["archive"]["stored_bytes"].get<std::uint64_t>() + page - 1) / page;
    const auto before = directory_tree(repo);

    // A backup needs one page for its claim, the archive's pages (a new archive of the same data has the
    // same size, give or take a few bytes of pg_dump's header) and one page for the manifest. Leave room
    // for the archive alone, then one page more per round: the claim takes one, so the first round fails
    // writing the archive, the next one writing the manifest, and the last one succeeds.
    bool manifest_failed = false;
    std::string second;
    for (std::uint64_t extra = 0; extra <= 4 && second.empty(); ++extra) {
        SCOPED_TRACE("free: the archive's pages + " + std::to_string(extra));
        const auto leave = (archive_pages + extra) * page;
        mount_->release_fillers();
        mount_->fill_leaving_bytes(leave);
        auto r = pgark(kSmall, {"backup", "--json", "-q"});
        if (r.exit_code == 0) {
            second = json::parse(r.out)["id"].get<std::string>();
            break;
        }
        EXPECT_EQ(r.exit_code, 1) << r.describe();
        EXPECT_TRUE(has(r.err, "writing " + repo.string() + "/backups/" + kSmall + "/")) << r.err;
        EXPECT_TRUE(has(r.err, "failed: No space left on device; free space")) << r.err;
        if (has(r.err, "/manifest.json failed")) manifest_failed = true;
        expect_tree(repo, before);
        EXPECT_EQ(mount_->free_bytes(), leave);
        // verify cannot take its lock on the full filesystem either: it warns, verifies, leaves nothing.
        expect_listed_and_verifying(kSmall, {id_of(first)});
        expect_tree(repo, before);
    }
    EXPECT_TRUE(manifest_failed) << "no round ran out of space writing the manifest";
    ASSERT_FALSE(second.empty()) << "no round succeeded";
    mount_->release_fillers();
    expect_listed_and_verifying(kSmall, {id_of(first), second});
}

TEST_F(StorageFaultLocal, BackupRunsOutOfInodesAtEveryStep) {
    MOUNT_TMPFS_OR_SKIP(16ull << 20, 512);
    const auto repo = repo_on_mount();
    const auto first = backup_ok(kSmall);
    ASSERT_TRUE(first.contains("id"));
    const auto before = directory_tree(repo);

    // A backup creates its directory, its claim, its archive and its manifest, one inode each: with k
    // inodes free it fails at step k + 1 (creating the manifest when k = 3), then succeeds. Every failure
    // must give back every inode it took (temp files and directories included).
    std::vector<std::string> failed_at;
    std::string second;
    for (std::uint64_t k = 0; k <= 8 && second.empty(); ++k) {
        SCOPED_TRACE("free inodes: " + std::to_string(k));
        mount_->release_fillers();
        mount_->fill_leaving_inodes(k);
        auto r = pgark(kSmall, {"backup", "--json", "-q"});
        if (r.exit_code == 0) {
            second = json::parse(r.out)["id"].get<std::string>();
            break;
        }
        EXPECT_EQ(r.exit_code, 1) << r.describe();
        EXPECT_TRUE(has(r.err, repo.string() + "/backups/" + kSmall + "/")) << r.err;
        EXPECT_TRUE(has(r.err, "failed: No space left on device; free space")) << r.err;
        failed_at.push_back(has(r.err, "/manifest.json failed")        ? "manifest"
                            : has(r.err, "/archive.pgdump.zst failed") ? "archive"
                            : has(r.err, "/claim-")                    ? "claim"
                                                                       : "other");
        expect_tree(repo, before);
        EXPECT_EQ(mount_->free_inodes(), k) << "the failed backup kept inodes";
        expect_listed_and_verifying(kSmall, {id_of(first)});
        expect_tree(repo, before);
        EXPECT_EQ(mount_->free_inodes(), k) << "verify's lock attempt kept inodes";
    }
    ASSERT_FALSE(second.empty()) << "no round succeeded; failed at " << joined(failed_at);
    EXPECT_EQ(failed_at, (std::vector<std::string>{"other", "claim", "archive", "manifest"}))
        << "a backup's inodes are its directory, claim, archive and manifest";
    mount_->release_fillers();
    expect_listed_and_verifying(kSmall, {id_of(first), second});
}

TEST_F(StorageFaultLocal, BackupHitsTheFileSizeLimitMidStream) {
    // Needs no mount, so it also runs where the tmpfs tests skip: a file size limit (SIGXFSZ ignored, as
    // a daemon's service manager may set it) makes writes past it fail with EFBIG, mid-stream.
    const auto loc = make_repo_location(Driver::posix, "fsize");
    repo_url_ = loc.url;
    ASSERT_EQ(pgark(kBig, {"init"}).exit_code, 0);
    const auto first = backup_ok(kBig);
    ASSERT_TRUE(first.contains("id"));
    const auto before = directory_tree(loc.url);

    std::vector<std::string> args = {"-c", "trap '' XFSZ; exec prlimit --fsize=1048576 -- \"$@\"", "sh",
                                     pgark_binary()};
    for (const auto& a : global_args()) args.push_back(a);
    args.push_back("backup");
    auto r = run_command("/bin/sh", args, env(kBig));
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_TRUE(has(r.err, "writing " + loc.url + "/backups/" + kBig + "/")) << r.err;
    EXPECT_TRUE(has(r.err, "/archive.pgdump.zst failed: File too large")) << r.err;
    EXPECT_TRUE(has(r.err, "ulimit -f")) << r.err;
    EXPECT_EQ(directory_tree(loc.url), before);
    EXPECT_TRUE(backup_sessions_end(10s));
    expect_listed_and_verifying(kBig, {id_of(first)});
}

TEST_F(StorageFaultLocal, DrillSpoolWithoutRoomIsRefusedBeforeAnyDatabase) {
    MOUNT_TMPFS_OR_SKIP(4ull << 20);
    const auto loc = make_repo_location(Driver::posix, "spool-small");
    repo_url_ = loc.url;
    ASSERT_EQ(pgark(kSmall, {"init"}).exit_code, 0);
    const auto b = backup_ok(kSmall);
    ASSERT_TRUE(b.contains("id"));

    auto r = pgark(kSmall, {"drill", "latest"}, {{"PGARK_SPOOL_DIR", mount_->path().string()}});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_TRUE(has(r.err, "not enough free space in " + mount_->path().string())) << r.err;
    EXPECT_TRUE(has(r.err, "drill.spool_dir")) << r.err;
    EXPECT_TRUE(scratch_databases().empty());
    EXPECT_TRUE(directory_tree(mount_->path()).empty()) << joined(directory_tree(mount_->path()));
    EXPECT_TRUE(loc.open()->list("locks/").empty()) << "the drill's lock stayed";
}

// A production restore checks the spool's free space with the other refusals: before it asks for
// confirmation (here: without a terminal it would ask for --yes), on --dry-run too, and with --yes
// before anything is downloaded or changed.
TEST_F(StorageFaultLocal, RestoreSpoolWithoutRoomIsRefusedBeforeTheConfirmation) {
    MOUNT_TMPFS_OR_SKIP(4ull << 20);
    const auto loc = make_repo_location(Driver::posix, "restore-spool-small");
    repo_url_ = loc.url;
    ASSERT_EQ(pgark(kSmall, {"init"}).exit_code, 0);
    ASSERT_TRUE(backup_ok(kSmall).contains("id"));
    const auto rows_before = PgCluster::shared().psql("SELECT count(*) FROM sensor_readings", kSmall);
    const std::map<std::string, std::string> small_spool = {{"PGARK_SPOOL_DIR", mount_->path().string()}};

    for (const auto& extra : std::vector<std::vector<std::string>>{{}, {"--dry-run"}, {"--yes"}}) {
        std::vector<std::string> args = {"restore", "latest", "--mode", "clean", "--target-db", kSmall};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = pgark(kSmall, args, small_spool);
        EXPECT_EQ(r.exit_code, 1) << r.describe();
        EXPECT_TRUE(has(r.err, "not enough free space in " + mount_->path().string())) << r.err;
        EXPECT_TRUE(has(r.err, "drill.spool_dir")) << r.err;
        EXPECT_FALSE(has(r.err, "confirm")) << "asked before refusing: " << r.err;
        EXPECT_TRUE(directory_tree(mount_->path()).empty()) << joined(directory_tree(mount_->path()));
    }
    EXPECT_EQ(PgCluster::shared().psql("SELECT count(*) FROM sensor_readings", kSmall), rows_before);
    EXPECT_EQ(listed(kSmall).size(), 1u) << "no safety backup was taken";
    EXPECT_TRUE(loc.open()->list("locks/").empty()) << "the restore's lock stayed";
}

TEST_F(StorageFaultLocal, ReadOnlyRepository) {
    MOUNT_TMPFS_OR_SKIP(32ull << 20);
    const auto repo = repo_on_mount();
    const auto first = backup_ok(kSmall);
    ASSERT_TRUE(first.contains("id"));
    const std::string id = id_of(first);
    const auto before = directory_tree(repo);
    mount_->remount(true);

    // backup: refused before pg_dump starts, naming the path and the reason.
    auto b = pgark(kSmall, {"backup"});
    EXPECT_EQ(b.exit_code, 1) << b.describe();
    EXPECT_TRUE(has(b.err, repo.string() + "/backups/" + kSmall)) << b.err;
    EXPECT_TRUE(has(b.err, "Read-only file system")) << b.err;
    EXPECT_TRUE(has(b.err, "remount it read-write or use another repository")) << b.err;
    EXPECT_EQ(directory_tree(repo), before);

    // list and verify need no write access (verify warns that it could not take its lock).
    EXPECT_EQ(listed(kSmall), std::vector<std::string>{id});
    auto v = pgark(kSmall, {"verify", "latest"});
    EXPECT_EQ(v.exit_code, 0) << v.describe();
    EXPECT_TRUE(has(v.err, "could not lock backup " + id)) << v.err;

    // A drill must write a lock (so that prune leaves the backup alone) and its report: it stops before
    // any work, saying why and what works read-only, instead of restoring and then losing the report.
    auto d = pgark(kSmall, {"drill", "latest"});
    EXPECT_EQ(d.exit_code, 1) << d.describe();
    EXPECT_TRUE(has(d.err, "cannot lock backup " + id + " in " + repo.string() + " for this drill")) << d.err;
    EXPECT_TRUE(has(d.err, "Read-only file system")) << d.err;
    EXPECT_TRUE(has(d.err, "needs write access to the repository")) << d.err;
    EXPECT_TRUE(has(d.err, "`pgark verify`")) << d.err;
    EXPECT_FALSE(has(d.err, "download+validate")) << "the drill started working: " << d.err;
    EXPECT_TRUE(scratch_databases().empty());
    EXPECT_EQ(directory_tree(repo), before);

    // Read-write again, the same drill passes: the repository was left intact.
    mount_->remount(false);
    auto ok = pgark(kSmall, {"drill", "latest"});
    EXPECT_EQ(ok.exit_code, 0) << ok.describe();
}

// ---------------------------------------------------------------------------------------------------------
// An S3 repository reached through a fault proxy, with short timeouts so that each test stays quick.

class StorageFaultS3 : public StorageFaultTest {
  protected:
    static void SetUpTestSuite() { load_db(kDb, false); }
    static void TearDownTestSuite() { PgCluster::shared().drop_database(kDb); }

    void SetUp() override {
        StorageFaultTest::SetUp();
        if (HasFatalFailure()) return;
        loc_ =
            make_repo_location(Driver::s3, ::testing::UnitTest::GetInstance()->current_test_info()->name());
        proxy_ = std::make_unique<FaultProxy>(SwiftServer::shared().port());
        repo_url_ = loc_.url;
        repo_env_ = loc_.env;
        repo_env_["AWS_ENDPOINT_URL"] = proxy_->endpoint();
        config_ = (cfg_dir_.path() / "pgark.toml").string();
        // 3 attempts per request, a stalled transfer given up after 2 s.
        std::ofstream(config_)
            << "[s3]\nconnect_timeout = \"1s\"\nlow_speed_time = \"2s\"\nmax_retries = 2\n";
        auto r = pgark(kDb, {"init"});
        ASSERT_EQ(r.exit_code, 0) << r.describe();
    }
    void TearDown() override {
        if (proxy_) proxy_->clear();
        if (!loc_.bucket.empty()) {
            EXPECT_TRUE(SwiftServer::shared().list_multipart_uploads(loc_.bucket).empty())
                << "a multipart upload was left";
        }
        StorageFaultTest::TearDown();
    }

    // Keys under `prefix`, read straight from Swift (not through the proxy).
    std::vector<std::string> keys(const std::string& prefix) const {
        std::vector<std::string> out;
        for (const auto& o : loc_.open()->list(prefix)) out.push_back(o.key);
        return out;
    }
    std::string object_path(const std::string& id, const std::string& name) const {
        return "/" + loc_.bucket + "/repo/backups/" + kDb + "/" + id + "/" + name;
    }
    std::string archive_location(const std::string& id) const {
        return "s3://" + loc_.bucket + "/repo/backups/" + kDb + "/" + id + "/archive.pgdump.zst";
    }
    // Applies `f` to the PUT of the next backup's manifest. Its id is the second the backup starts, so
    // there is one rule per second of the next minute; only the real id's rule ever matches.
    void fault_next_manifest_put(const Fault& f) {
        // Any second of the next minute; a backup in the same second as an earlier one gets "-2", "-3".
        const auto now = std::chrono::system_clock::now();
        for (int s = -2; s < 60; ++s) {
            for (int seq = 1; seq <= 3; ++seq) {
                Fault g = f;
                g.match = "PUT " + object_path(BackupId::make(kDb, now + std::chrono::seconds(s), seq).str(),
                                               "manifest.json");
                proxy_->add(g);
            }
        }
    }
    // The request lines the proxy saw that contain `part`.
    std::vector<std::string> requests_with(const std::string& part) const {
        std::vector<std::string> out;
        for (const auto& l : proxy_->request_lines())
            if (has(l, part)) out.push_back(l);
        return out;
    }

    static constexpr const char* kDb = "sfault_s3";
    RepoLocation loc_;
    std::unique_ptr<FaultProxy> proxy_;
    TempDir cfg_dir_{"sfault-cfg"};
};

TEST_F(StorageFaultS3, ManifestPutCutIsRetried) {
    fault_next_manifest_put(Fault::drop_response("", 0, 1));   // the manifest arrives, the answer does not
    fault_next_manifest_put(Fault::drop_request("", 200, 1));  // cut in the middle of the manifest
    const auto b = backup_ok(kDb);
    ASSERT_TRUE(b.contains("id"));
    EXPECT_EQ(proxy_->faults_applied(), 2);
    EXPECT_EQ(requests_with("PUT " + object_path(id_of(b), "manifest.json")).size(), 3u);
    expect_listed_and_verifying(kDb, {id_of(b)});
}

TEST_F(StorageFaultS3, ManifestPutStallIsTimedOutAndRetried) {
    fault_next_manifest_put(Fault::stall_response("", 60s, 0, 1));
    const auto start = std::chrono::steady_clock::now();
    const auto b = backup_ok(kDb);
    ASSERT_TRUE(b.contains("id"));
    EXPECT_LT(seconds_since(start), 30)
        << "the stall was waited out instead of timed out (s3.low_speed_time)";
    EXPECT_EQ(proxy_->faults_applied(), 1);
    expect_listed_and_verifying(kDb, {id_of(b)});
}

TEST_F(StorageFaultS3, ManifestPutThatKeepsFailingLeavesNothingListed) {
    const auto first = backup_ok(kDb);
    ASSERT_TRUE(first.contains("id"));
    const std::string id = id_of(first);
    const std::vector<std::string> first_keys = {
        "backups/" + std::string(kDb) + "/" + id + "/archive.pgdump.zst",
        "backups/" + std::string(kDb) + "/" + id + "/manifest.json"};
    ASSERT_EQ(keys("backups/"), first_keys);

    for (const bool stall : {false, true}) {
        SCOPED_TRACE(stall ? "every manifest PUT stalls" : "every manifest PUT is cut");
        proxy_->clear();
        // A cut PUT reaches the server each time (the answer is lost), so the manifest exists there until
        // the failed backup removes it again; a stalled one never completes.
        fault_next_manifest_put(stall ? Fault::stall_response("", 60s, 0, -1)
                                      : Fault::drop_response("", 0, -1));
        const auto start = std::chrono::steady_clock::now();
        auto r = pgark(kDb, {"backup"});
        EXPECT_LT(seconds_since(start), 60);
        EXPECT_EQ(r.exit_code, 1) << r.describe();
        EXPECT_TRUE(has(r.err, "uploading s3://" + loc_.bucket + "/repo/backups/" + kDb + "/")) << r.err;
        EXPECT_TRUE(has(r.err, "/manifest.json: ")) << r.err;
        EXPECT_TRUE(has(r.err, "after 3 attempts")) << r.err;
        EXPECT_TRUE(has(r.err, stall ? "timed out" : "check the network path")) << r.err;
        proxy_->clear();
        EXPECT_EQ(keys("backups/"), first_keys) << "the failed backup left objects";
        EXPECT_TRUE(backup_sessions_end(10s));
        expect_listed_and_verifying(kDb, {id});
    }
}

TEST_F(StorageFaultS3, ManifestThatArrivedDespiteTheFailureIsOfAVerifiableBackup) {
    // Worst case: every manifest PUT reaches the server but its answer is lost, and the failed backup
    // cannot remove its objects either. pgark reports the failure, yet the backup is listed: acceptable
    // only because the archive was complete and committed before the manifest was sent.
    fault_next_manifest_put(Fault::drop_response("", 0, -1));
    proxy_->add(Fault::respond("?delete", 503, "ServiceUnavailable", -1));
    auto r = pgark(kDb, {"backup"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_TRUE(has(r.err, "/manifest.json: ")) << r.err;
    EXPECT_TRUE(has(r.err, "could not remove the reservation")) << r.err;
    proxy_->clear();
    const auto ids = listed(kDb);
    EXPECT_EQ(ids.size(), 1u);
    expect_listed_and_verifying(kDb, ids);
}

TEST_F(StorageFaultS3, VerifyDownloadCutOrStalledIsResumed) {
    const auto b = backup_ok(kDb);
    ASSERT_TRUE(b.contains("id"));
    const std::string id = id_of(b);
    const auto stored = b["archive"]["stored_bytes"].get<std::uint64_t>();
    ASSERT_GT(stored, 10000u);
    const std::string get = "GET " + object_path(id, "archive.pgdump.zst");
    proxy_->add(Fault::drop_response(get, stored / 2, 1));
    proxy_->add(Fault::stall_response(get, 60s, 1000, 1));
    const auto start = std::chrono::steady_clock::now();
    auto v = pgark(kDb, {"verify", id});
    EXPECT_EQ(v.exit_code, 0) << v.describe();
    EXPECT_LT(seconds_since(start), 30);
    EXPECT_EQ(proxy_->faults_applied(), 2);
    EXPECT_EQ(requests_with(get).size(), 3u) << "one GET and two resumptions";
    EXPECT_TRUE(keys("locks/").empty());
}

TEST_F(StorageFaultS3, VerifyDownloadThatKeepsFailingFailsClearly) {
    const auto b = backup_ok(kDb);
    ASSERT_TRUE(b.contains("id"));
    const std::string id = id_of(b);
    proxy_->add(Fault::drop_response("GET " + object_path(id, "archive.pgdump.zst"), 1000, -1));
    auto v = pgark(kDb, {"verify", id});
    EXPECT_EQ(v.exit_code, 1) << v.describe();
    EXPECT_TRUE(has(v.err, "reading " + archive_location(id))) << v.err;
    EXPECT_TRUE(has(v.err, "after 3 attempts")) << v.err;
    EXPECT_TRUE(keys("locks/").empty()) << "verify's lock stayed";
    proxy_->clear();
    expect_listed_and_verifying(kDb, {id});
}

TEST_F(StorageFaultS3, DrillDownloadIsResumedOrFailsLeavingNothing) {
    const auto b = backup_ok(kDb);
    ASSERT_TRUE(b.contains("id"));
    const std::string id = id_of(b);
    const std::string get = "GET " + object_path(id, "archive.pgdump.zst");

    proxy_->add(Fault::drop_response(get, b["archive"]["stored_bytes"].get<std::uint64_t>() / 2, 1));
    auto ok = pgark(kDb, {"drill", id, "--json"});
    EXPECT_EQ(ok.exit_code, 0) << ok.describe();
    EXPECT_EQ(proxy_->faults_applied(), 1);

    proxy_->clear();
    proxy_->add(Fault::drop_response(get, 1000, -1));
    auto d = pgark(kDb, {"drill", id});
    EXPECT_EQ(d.exit_code, 1) << d.describe();
    EXPECT_TRUE(has(d.err, "reading " + archive_location(id))) << d.err;
    EXPECT_TRUE(has(d.err, "after 3 attempts")) << d.err;
    EXPECT_TRUE(scratch_databases().empty());
    EXPECT_TRUE(directory_tree(spool_.path()).empty());
    EXPECT_TRUE(keys("locks/").empty()) << "the drill's lock stayed";
}

TEST_F(StorageFaultS3, DrillSpoolFillsUpDuringTheDownload) {
    // Room for the spool when the drill checks (the archive, 2 % and 16 MiB), then another process takes
    // it: the archive's download is held back 1.5 s, the filesystem filled meanwhile.
    MOUNT_TMPFS_OR_SKIP(24ull << 20);
    const auto b = backup_ok(kDb);
    ASSERT_TRUE(b.contains("id"));
    const std::string id = id_of(b);
    proxy_->add(Fault::stall_response("GET " + object_path(id, "archive.pgdump.zst"), 1500ms, 0, 1));

    std::atomic<bool> stop{false};
    std::string filled, filler_error;
    std::thread filler([&] {
        try {
            const auto deadline = std::chrono::steady_clock::now() + 60s;
            while (!stop && std::chrono::steady_clock::now() < deadline) {
                for (const auto& e : fs::directory_iterator(mount_->path())) {
                    if (e.path().filename().string().rfind("pgark-drill-", 0) == 0 &&
                        fs::exists(e.path() / "archive.pgdump")) {
                        mount_->fill_leaving_bytes(0);
                        filled = (e.path() / "archive.pgdump").string();
                        return;
                    }
                }
                std::this_thread::sleep_for(5ms);
            }
        } catch (const std::exception& e) {
            filler_error = e.what();
        }
    });
    auto d = pgark(kDb, {"drill", id}, {{"PGARK_SPOOL_DIR", mount_->path().string()}});
    stop = true;
    filler.join();
    ASSERT_TRUE(filler_error.empty()) << filler_error;
    ASSERT_FALSE(filled.empty()) << "the spool never appeared: " << d.describe();
    EXPECT_EQ(d.exit_code, 1) << d.describe();
    EXPECT_TRUE(has(d.err, filled)) << d.err;
    EXPECT_TRUE(has(d.err, "No space left on device")) << d.err;
    EXPECT_TRUE(has(d.err, "drill.spool_dir")) << "no advice what to do: " << d.err;
    EXPECT_TRUE(scratch_databases().empty());
    EXPECT_TRUE(directory_tree(mount_->path()).empty()) << joined(directory_tree(mount_->path()));
    EXPECT_TRUE(keys("locks/").empty()) << "the drill's lock stayed";
}

TEST_F(StorageFaultS3, ListCutOrStalledIsRetriedOrFailsClearly) {
    const auto b = backup_ok(kDb);
    ASSERT_TRUE(b.contains("id"));
    proxy_->add(Fault::drop_response("list-type=2", 0, 1));
    proxy_->add(Fault::stall_response("list-type=2", 60s, 0, 1));
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(listed(kDb), std::vector<std::string>{id_of(b)});
    EXPECT_LT(seconds_since(start), 30);
    EXPECT_EQ(proxy_->faults_applied(), 2);

    proxy_->clear();
    proxy_->add(Fault::drop_response("list-type=2", 0, -1));
    start = std::chrono::steady_clock::now();
    auto r = pgark(kDb, {"list"});
    EXPECT_LT(seconds_since(start), 30);
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_TRUE(has(r.err, "listing s3://" + loc_.bucket + "/repo/backups/" + kDb + "/: ")) << r.err;
    EXPECT_TRUE(has(r.err, "after 3 attempts")) << r.err;
    EXPECT_TRUE(r.out.empty() || !has(r.out, id_of(b))) << r.out;
}

TEST_F(StorageFaultS3, ManifestThatCannotBeReadFailsListAndLatest) {
    // The newest backup's manifest cannot be read (the storage keeps failing, the manifest is fine):
    // list must not present the older backups as the whole story, and "latest" must not quietly become
    // the older backup (restore latest would restore it).
    const auto older = backup_ok(kDb);
    const auto newer = backup_ok(kDb);
    ASSERT_TRUE(older.contains("id") && newer.contains("id"));
    const std::string newest = id_of(newer);
    proxy_->add(Fault::drop_response("GET " + object_path(newest, "manifest.json"), 0, -1));

    auto l = pgark(kDb, {"list", "--json"});
    EXPECT_EQ(l.exit_code, 1) << l.describe();
    EXPECT_TRUE(has(l.err, newest + "/manifest.json")) << l.err;

    auto v = pgark(kDb, {"verify", "latest"});
    EXPECT_EQ(v.exit_code, 1) << v.describe();
    EXPECT_TRUE(has(v.err, newest + "/manifest.json")) << v.err;

    proxy_->clear();
    expect_listed_and_verifying(kDb, {id_of(older), newest});
}

}  // namespace
