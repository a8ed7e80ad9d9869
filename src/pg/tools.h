// Finding PostgreSQL's client programs (pg_dump, pg_restore) that match a server version, and the
// environment they run with (password through their environment, never argv).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "pg/conn_params.h"

namespace pgark {

struct PgTools {
    std::filesystem::path bin_dir;  // empty: from PATH
    std::string program(const std::string& name) const;
    // "15.18" from `pg_dump --version`.
    std::string version(const std::string& name) const;
};

// bin_dir from config if set; else /usr/lib/postgresql/<major>/bin (Debian) for the server's major
// version or the newest installed one above it; else PATH. Throws PgError when nothing suitable exists.
PgTools locate_pg_tools(const std::string& configured_bin_dir, int server_major);

// The password for child processes (pg_dump, pg_restore): passed in their environment as PGPASSWORD,
// which only the same user and root can read (/proc/PID/environ is 0400), never on their command
// line, and unlike a passfile it leaves nothing behind when pgark is SIGKILLed.
class ChildPgAuth {
  public:
    explicit ChildPgAuth(const ConnParams& params) : password_(params.password) {}
    std::map<std::string, std::string> env() const;
    // Inherited variables a child must not see (it gets only the password it needs, from env()).
    static std::vector<std::string> env_to_unset();

  private:
    std::string password_;
};

}  // namespace pgark
