// Deriving connection, storage and repository settings from the configuration.
#include "commands/context.h"

#include "storage/open_storage.h"
#include "util/error.h"
#include "util/redact.h"

namespace pgark {

Context::Context(config::Config cfg) : cfg_(std::move(cfg)) {
    for (const auto& s : cfg_.secret_values()) redact::register_secret(s);
    // A password inside a conninfo/URI given as dbname is a secret too.
    const auto& db = cfg_.str("database.dbname");
    if (looks_like_conninfo(db)) redact::register_secret(parse_conninfo(db).password);
}

ConnParams Context::server_params(const std::string& dbname) const {
    return conn_params(true).with_dbname(dbname);
}

ConnParams Context::conn_params(bool allow_no_db) const {
    const auto& db = cfg_.setting("database.dbname");
    ConnParams p;
    bool from_conninfo = looks_like_conninfo(db.value);
    if (from_conninfo)
        p = parse_conninfo(db.value);
    else if (!db.value.empty())
        p.params["dbname"] = db.value;
    if (p.dbname().empty() && !from_conninfo && !allow_no_db)
        throw UsageError(
            "no database given: pass --dbname NAME, or set PGDATABASE / POSTGRES_DB / database.dbname");
    // A conninfo/URI is complete: its own values win over separately configured ones, except flags.
    for (const auto& [key, libpq] :
         {std::pair{"database.host", "host"}, std::pair{"database.port", "port"},
          std::pair{"database.user", "user"}, std::pair{"database.sslmode", "sslmode"}}) {
        const auto& s = cfg_.setting(key);
        if (!s.is_set()) continue;
        bool present = p.params.count(libpq) > 0;
        bool is_flag = s.origin.kind == config::Origin::Kind::flag;
        bool is_default = s.origin.kind == config::Origin::Kind::default_value;
        if (!present || is_flag || (!from_conninfo && !is_default)) p.params[libpq] = s.value;
    }
    if (p.password.empty() ||
        cfg_.setting("database.password").origin.kind != config::Origin::Kind::default_value) {
        if (!cfg_.str("database.password").empty()) p.password = cfg_.str("database.password");
    }
    if (!p.password.empty()) redact::register_secret(p.password);
    return p;
}

std::optional<std::string> Context::database_name() const {
    const auto& db = cfg_.str("database.dbname");
    if (db.empty()) return std::nullopt;
    if (looks_like_conninfo(db)) {
        auto p = parse_conninfo(db);
        if (p.dbname().empty()) return std::nullopt;
        return p.dbname();
    }
    return db;
}

S3Options Context::s3_options() const {
    S3Options o;
    o.endpoint = cfg_.str("s3.endpoint");
    o.region = cfg_.str("s3.region");
    auto ps = cfg_.str("s3.path_style");
    o.path_style = ps == "auto" ? !o.endpoint.empty() : ps == "true";
    o.verify_tls = cfg_.boolean("s3.verify_tls");
    o.ca_bundle = cfg_.str("s3.ca_bundle");
    o.access_key_id = cfg_.str("s3.access_key_id");
    o.secret_access_key = cfg_.str("s3.secret_access_key");
    o.session_token = cfg_.str("s3.session_token");
    o.part_size = cfg_.size("s3.part_size");
    o.parallel_parts = static_cast<int>(cfg_.integer("s3.parallel_parts"));
    o.connect_timeout = cfg_.duration("s3.connect_timeout");
    o.low_speed_time = cfg_.duration("s3.low_speed_time");
    o.max_retries = static_cast<int>(cfg_.integer("s3.max_retries"));
    return o;
}

std::string Context::repository_url() const {
    const auto& url = cfg_.str("repository.url");
    if (url.empty())
        throw UsageError(
            "no repository given: pass --repo PATH|s3://BUCKET/PREFIX, set PGARK_REPOSITORY, or set "
            "repository.url in the config file");
    return url;
}

Repository Context::open_repository() const {
    return Repository::open(open_storage(repository_url(), s3_options()));
}

}  // namespace pgark
