// Locations the tests need: the pgark binary under test, the source tree and test data.
#pragma once

#include <string>

namespace pgark::test {

std::string pgark_binary();
std::string source_dir();
std::string test_data_dir();

}  // namespace pgark::test
