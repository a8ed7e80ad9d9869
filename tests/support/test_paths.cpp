// Locations the tests need: the pgark binary under test, the source tree and test data.
#include "support/test_paths.h"

namespace pgark::test {

std::string pgark_binary() {
    return PGARK_BINARY;
}
std::string source_dir() {
    return PGARK_SOURCE_DIR;
}
std::string test_data_dir() {
    return PGARK_TEST_DATA_DIR;
}

}  // namespace pgark::test
