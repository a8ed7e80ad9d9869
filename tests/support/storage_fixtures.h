// Parametrisation of integration suites over the storage drivers: a suite written once against a
// RepoLocation runs on a local directory and on S3 (the shared Swift server).
//
//   class MySuite : public ::testing::TestWithParam<Driver> {};
//   TEST_P(MySuite, Works) { auto repo = make_repo_location(GetParam(), "works"); ... repo.open() ... }
//   INSTANTIATE_TEST_SUITE_P(Drivers, MySuite, ::testing::Values(Driver::posix, Driver::s3), driver_name);
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "storage/s3/s3_options.h"
#include "storage/storage.h"

namespace pgark::test {

enum class Driver { posix, s3 };

std::string to_string(Driver d);
// Test-name generator for INSTANTIATE_TEST_SUITE_P ("posix", "s3").
std::string driver_name(const ::testing::TestParamInfo<Driver>& info);
// Both drivers, for ::testing::ValuesIn.
const std::vector<Driver>& all_drivers();

struct RepoLocation {
    Driver driver = Driver::posix;
    std::string url;                         // a directory path, or s3://bucket/prefix
    std::map<std::string, std::string> env;  // for the pgark CLI: AWS_*, PGARK_S3_PATH_STYLE
    S3Options s3;                            // what open() uses for s3 (tests may tune it first)
    std::string bucket;                      // s3 only

    std::unique_ptr<Storage> open() const;
};

// A fresh, empty repository location. posix: a new temporary directory kept for the process
// lifetime. s3: a new bucket on SwiftServer::shared() (started on first use) with prefix "repo".
// `unique_name` need only be unique within the process; it makes buckets and directories readable.
RepoLocation make_repo_location(Driver driver, const std::string& unique_name);

}  // namespace pgark::test
