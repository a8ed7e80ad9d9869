// The catalogue of configuration keys: type, default, environment variables, flag, and whether the
// value is a secret. One table drives loading, validation, `config show` and the docs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pgark::config {

enum class Type { string, integer, boolean, duration, size, choice };

struct KeyDef {
    std::string name;  // "database.host"
    Type type;
    std::string default_value;     // empty = unset
    std::vector<std::string> env;  // in priority order
    std::string flag;              // "--host" (empty: no flag; secrets never have one)
    bool secret = false;
    std::int64_t min = 0, max = 0;     // integer range (when max > min)
    std::vector<std::string> choices;  // for Type::choice
    std::string help;
};

const std::vector<KeyDef>& all_keys();
const KeyDef* find_key(const std::string& name);
// The closest known key to a misspelt one, for "did you mean" hints (empty if none is close).
std::string suggest_key(const std::string& name);

}  // namespace pgark::config
