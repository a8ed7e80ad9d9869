// Permissions of a local repository (issue 8): after init, backups, a drill (report, lock) and a prune,
// run with a permissive umask, every file pgark created is 0600 and every directory 0700, so other users
// of the machine can read neither the data nor its metadata.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/sample_db.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
namespace fs = std::filesystem;

namespace {

TEST(RepositoryPermissions, FilesAre0600AndDirectories0700WhateverTheUmask) {
    auto& pg = PgCluster::shared();
    const std::string db = "perm_db";
    pg.drop_database(db);
    load_freshtrack(pg, db);
    TempDir dir("perm");
    const auto repo = dir.path() / "repo";
    auto env = pg.client_env(db);
    env["PGARK_REPOSITORY"] = repo.string();
    env["TMPDIR"] = dir.path().string();

    std::vector<CliResult> runs;
    {
        // Children inherit the umask: 0 is the most permissive one. Restored however the runs end.
        struct UmaskFor {
            mode_t old = ::umask(0);
            ~UmaskFor() { ::umask(old); }
        } permissive;
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"init"}, {"backup"}, {"backup"}, {"drill"}, {"prune", "--keep-last", "1"}})
            runs.push_back(run_pgark(args, env));
    }
    for (const auto& r : runs) EXPECT_EQ(r.exit_code, 0) << r.describe();
    pg.drop_database(db);

    int files = 0;
    struct stat st {};
    ASSERT_EQ(::stat(repo.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u) << repo;
    for (const auto& e : fs::recursive_directory_iterator(repo)) {
        ASSERT_EQ(::lstat(e.path().c_str(), &st), 0);
        if (S_ISDIR(st.st_mode)) {
            EXPECT_EQ(st.st_mode & 07777, 0700u) << e.path();
        } else {
            ++files;
            EXPECT_TRUE(S_ISREG(st.st_mode)) << e.path();
            EXPECT_EQ(st.st_mode & 07777, 0600u) << e.path();
        }
    }
    EXPECT_GE(files, 4) << "marker, archive, manifest and drill report at least";
}

}  // namespace
