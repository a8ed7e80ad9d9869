// Effective configuration: defaults < TOML file < environment < flags, each value remembering where
// it came from (for `pgark config show`). Validation errors name the key and the file line.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/keys.h"

namespace pgark::config {

struct Origin {
    enum class Kind { default_value, file, env, flag } kind = Kind::default_value;
    std::string detail;  // "pgark.toml:12", "PGHOST", "--host"
    std::string describe() const;
};

struct Setting {
    std::string value;  // validated text form
    Origin origin;
    bool is_set() const { return !value.empty(); }
};

// A named SQL assertion run in the restored database ([[drill.checks]] in the config file). It passes
// when the first column of the single row equals `expect` (default "t", i.e. a true boolean).
struct UserCheck {
    std::string name;
    std::string sql;
    std::string expect = "t";
    std::string where;  // "pgark.toml:12"
};

struct Inputs {
    std::optional<std::string> file;                     // explicit --config (must exist)
    std::string default_file = "/etc/pgark/pgark.toml";  // read only if it exists
    std::map<std::string, std::string> env;              // snapshot of the process environment
    std::map<std::string, std::string> flags;            // key name -> value, from command-line flags
};

class Config {
  public:
    // Throws UsageError (exit 2) naming the key, and the file line or variable or flag.
    static Config load(const Inputs& in);
    // Defaults < the TOML `text`, named `where` in messages: a config file's contents without the
    // environment, flags or file-mode check (for tests and the fuzz target, which hold text, not files).
    // Throws UsageError like load().
    static Config from_toml(const std::string& text, const std::string& where);

    const Setting& setting(const std::string& key) const;
    const std::string& str(const std::string& key) const { return setting(key).value; }
    std::int64_t integer(const std::string& key) const;
    bool boolean(const std::string& key) const;
    std::chrono::seconds duration(const std::string& key) const;
    std::uint64_t size(const std::string& key) const;

    const std::optional<std::string>& file() const { return file_; }
    // Set when the file holds a secret and other users can read it.
    const std::vector<std::string>& warnings() const { return warnings_; }
    const std::vector<UserCheck>& user_checks() const { return user_checks_; }
    // Every secret value (for scrubbing text that may echo them).
    std::vector<std::string> secret_values() const;

    // A test or command may override a value after loading (validated like a flag).
    void set(const std::string& key, const std::string& value, Origin origin);

  private:
    static Config defaults();

    std::map<std::string, Setting> values_;
    std::optional<std::string> file_;
    std::vector<std::string> warnings_;
    std::vector<UserCheck> user_checks_;
};

// Returns an error text when `value` is not valid for `key`, or nullopt; normalises booleans.
std::optional<std::string> validate(const KeyDef& key, std::string& value);

}  // namespace pgark::config
