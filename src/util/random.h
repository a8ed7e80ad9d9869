// Random names for objects that must not collide between processes (lock keys, claim nonces). Not
// for secrets: the generator is seeded from std::random_device but is not a CSPRNG.
#pragma once

#include <string>

namespace pgark {

// `digits` lower-case hexadecimal digits (1..16).
std::string random_hex(int digits);

}  // namespace pgark
