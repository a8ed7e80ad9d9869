// The integration suites' shared fixture: a fresh FreshTrack database, a fresh repository on the
// storage driver under test, a private TMPDIR (the spool goes there), the CLI's environment, `pgark()`,
// `backup()`, and a teardown that fails the test when a scratch database is left behind.
//
//   class MySuite : public PgarkFixture {};
//   TEST_P(MySuite, Works) { auto id = backup(); EXPECT_EQ(pgark({"verify", id}).exit_code, 0); }
//   INSTANTIATE_TEST_SUITE_P(Drivers, MySuite, ::testing::ValuesIn(all_drivers()), driver_name);
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/storage_fixtures.h"
#include "util/temp.h"

namespace pgark::test {

class PgarkFixture : public ::testing::TestWithParam<Driver> {
  protected:
    // `prefix` names the database (<prefix>_<n>_<driver>) and the repository.
    explicit PgarkFixture(std::string prefix) : prefix_(std::move(prefix)) {}

    void SetUp() override;
    void TearDown() override;

    static PgCluster& pg() { return PgCluster::shared(); }
    // The database's connection variables, the repository's (S3 keys), TMPDIR, then `extra`.
    std::map<std::string, std::string> env(const std::map<std::string, std::string>& extra = {}) const;
    // `pgark --repo <repository> args...`, to its end.
    CliResult pgark(std::vector<std::string> args,
                    const std::map<std::string, std::string>& extra = {}) const;
    // The same, started in the background (stdout discarded).
    std::unique_ptr<Child> start(std::vector<std::string> args,
                                 const std::map<std::string, std::string>& extra = {}) const;
    // A backup that must succeed: its id ("" after a failure, which is reported).
    std::string backup() const;
    // `--json` output of a command that must exit `expected_exit`; an empty object when it printed none.
    nlohmann::json json_of(std::vector<std::string> args, int expected_exit,
                           const std::map<std::string, std::string>& extra = {}) const;
    // Ids that `pgark list` shows, in its order.
    std::vector<std::string> listed() const;

    std::string db_;
    RepoLocation repo_;
    TempDir tmp_{"pgark-fixture"};

  private:
    std::string prefix_;
    static inline int counter_ = 0;
};

}  // namespace pgark::test
