// Finding PostgreSQL's client programs (pg_dump, pg_restore) that match a server version, and the
// environment they run with (password through a 0600 passfile, fixed session TimeZone).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "pg/conn_params.h"
#include "util/temp.h"

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

// The password for child processes, in a private 0600 passfile inside a private temp directory
// that is removed with this object. `env()` gives PGPASSFILE (and removes inherited PGPASSWORD).
class ChildPgAuth {
public:
    explicit ChildPgAuth(const ConnParams& params);
    std::map<std::string, std::string> env() const;
    static std::vector<std::string> env_to_unset();

private:
    std::unique_ptr<TempDir> dir_;
    std::filesystem::path passfile_;
};

}  // namespace pgark
