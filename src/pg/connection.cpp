// libpq connection wrapper. The password travels as a libpq parameter, never in a string we build.
#include "pg/connection.h"

#include "util/error.h"
#include "util/text.h"

namespace pgark {

namespace {
std::string connect_hint(const std::string& msg) {
    if (msg.find("password authentication failed") != std::string::npos)
        return "check the password (PGPASSWORD / POSTGRES_PASSWORD / database.password) and the user name";
    if (msg.find("no password supplied") != std::string::npos)
        return "the server wants a password: set PGPASSWORD or database.password";
    if (msg.find("does not exist") != std::string::npos) return "check the database and user names";
    if (msg.find("Connection refused") != std::string::npos ||
        msg.find("could not connect") != std::string::npos ||
        msg.find("could not translate host name") != std::string::npos)
        return "check that the server is running and host/port are right";
    return "check the connection settings (`pgark config show`)";
}
}  // namespace

Connection::Connection(const ConnParams& params, const std::string& application_name)
    : display_(params.display()) {
    std::vector<std::string> keys, vals;
    for (const auto& [k, v] : params.params) {
        if (v.empty()) continue;
        keys.push_back(k);
        vals.push_back(v);
    }
    if (!params.password.empty()) {
        keys.push_back("password");
        vals.push_back(params.password);
    }
    keys.push_back("application_name");
    vals.push_back(application_name);
    keys.push_back("connect_timeout");
    vals.push_back(params.get("connect_timeout").empty() ? "15" : params.get("connect_timeout"));
    std::vector<const char*> k, v;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        k.push_back(keys[i].c_str());
        v.push_back(vals[i].c_str());
    }
    k.push_back(nullptr);
    v.push_back(nullptr);
    conn_ = PQconnectdbParams(k.data(), v.data(), 0);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        std::string msg = conn_ ? trim_end(PQerrorMessage(conn_)) : "out of memory";
        PQfinish(conn_);
        conn_ = nullptr;
        throw PgError("cannot connect to " + display_ + ": " + msg + "; " + connect_hint(msg));
    }
}

Connection::~Connection() {
    PQfinish(conn_);
}

std::vector<Row> Connection::query(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> p;
    for (const auto& s : params) p.push_back(s.c_str());
    // Without parameters use the simple protocol, which also accepts several statements.
    PGresult* res = p.empty() ? PQexec(conn_, sql.c_str())
                              : PQexecParams(conn_, sql.c_str(), static_cast<int>(p.size()), nullptr,
                                             p.data(), nullptr, nullptr, 0);
    auto status = PQresultStatus(res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        std::string msg = trim_end(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
        PQclear(res);
        throw PgError("query on " + display_ + " failed: " + msg);
    }
    std::vector<Row> rows;
    int n = PQntuples(res), m = PQnfields(res);
    rows.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        Row r;
        for (int j = 0; j < m; ++j) {
            if (PQgetisnull(res, i, j))
                r.emplace_back(std::nullopt);
            else
                r.emplace_back(
                    std::string(PQgetvalue(res, i, j), static_cast<std::size_t>(PQgetlength(res, i, j))));
        }
        rows.push_back(std::move(r));
    }
    PQclear(res);
    return rows;
}

std::string Connection::scalar(const std::string& sql, const std::vector<std::string>& params) {
    auto rows = query(sql, params);
    if (rows.empty() || rows[0].empty() || !rows[0][0])
        throw PgError("query on " + display_ + " returned no value");
    return *rows[0][0];
}

int Connection::server_version_num() const {
    return PQserverVersion(conn_);
}

std::string Connection::server_version() const {
    const char* v = PQparameterStatus(conn_, "server_version");
    std::string s = v ? v : "";
    auto sp = s.find(' ');
    return sp == std::string::npos ? s : s.substr(0, sp);
}

std::string Connection::quote_ident(const std::string& ident) const {
    char* q = PQescapeIdentifier(conn_, ident.c_str(), ident.size());
    if (!q) throw PgError("cannot quote identifier: " + trim_end(PQerrorMessage(conn_)));
    std::string out(q);
    PQfreemem(q);
    return out;
}

std::string Connection::quote_literal(const std::string& text) const {
    char* q = PQescapeLiteral(conn_, text.c_str(), text.size());
    if (!q) throw PgError("cannot quote literal: " + trim_end(PQerrorMessage(conn_)));
    std::string out(q);
    PQfreemem(q);
    return out;
}

}  // namespace pgark
