// Where and how to connect to PostgreSQL. The password is kept apart so it can be handed to libpq as
// a parameter and to child processes through their environment, never in a conninfo on argv.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pgark {

struct ConnParams {
    // libpq keywords (host, port, user, dbname, sslmode, ...) without "password".
    std::map<std::string, std::string> params;
    std::string password;

    std::string get(const std::string& key) const;
    std::string dbname() const { return get("dbname"); }
    // "host=... port=... dbname=..." with values quoted for libpq; no password.
    std::string conninfo() const;
    // "127.0.0.1:5432/freshtrack" for messages and manifests.
    std::string display() const;
    // "host:port" of the server, no database and no credentials (for messages, manifests, reports).
    std::string server_display() const;
    // A copy pointing at another database on the same server.
    ConnParams with_dbname(const std::string& db) const;
};

// Splits a conninfo string or postgresql:// URI (libpq's own parser) into keywords; moves any
// password into `password`. Throws UsageError for a malformed string (without echoing it).
ConnParams parse_conninfo(const std::string& text);

// True when `s` looks like a conninfo string or URI rather than a plain database name.
bool looks_like_conninfo(const std::string& s);

}  // namespace pgark
