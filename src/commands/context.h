// What every command starts from: the effective configuration, and the objects derived from it
// (connection parameters, the repository, S3 settings).
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "pg/conn_params.h"
#include "repo/repository.h"
#include "storage/s3/s3_options.h"

namespace pgark {

class Context {
  public:
    explicit Context(config::Config cfg);

    const config::Config& config() const { return cfg_; }
    // Throws UsageError when no database is configured.
    ConnParams conn_params(bool allow_no_db = false) const;
    // Connection to the configured server with `dbname` (for drills: the database may be unset).
    ConnParams server_params(const std::string& dbname) const;
    // The configured database name, if any (for filtering "latest").
    std::optional<std::string> database_name() const;
    S3Options s3_options() const;
    std::string repository_url() const;
    // Opens the configured repository (must exist).
    Repository open_repository() const;

  private:
    config::Config cfg_;
};

}  // namespace pgark
