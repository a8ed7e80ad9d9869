// A per-thread generator seeded from std::random_device.
#include "util/random.h"

#include <cstdio>
#include <random>

namespace pgark {

std::string random_hex(int digits) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    if (digits < 1) digits = 1;
    if (digits > 16) digits = 16;
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
    return std::string(buf + 16 - digits, buf + 16);
}

}  // namespace pgark
