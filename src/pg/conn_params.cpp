// Connection parameters and their safe rendering.
#include "pg/conn_params.h"

#include <libpq-fe.h>

#include <memory>

#include "util/error.h"

namespace pgark {

std::string ConnParams::get(const std::string& key) const {
    auto it = params.find(key);
    return it == params.end() ? "" : it->second;
}

namespace {
std::string quote(const std::string& v) {
    std::string out = "'";
    for (char c : v) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}
}  // namespace

std::string ConnParams::conninfo() const {
    std::string out;
    for (const auto& [k, v] : params) {
        if (v.empty() || k == "password") continue;
        if (!out.empty()) out += ' ';
        out += k + "=" + quote(v);
    }
    return out;
}

std::string ConnParams::display() const {
    return server_display() + "/" + dbname();
}

std::string ConnParams::server_display() const {
    std::string host = get("host").empty() ? "localhost" : get("host");
    std::string port = get("port").empty() ? "5432" : get("port");
    return host + ":" + port;
}

ConnParams ConnParams::with_dbname(const std::string& db) const {
    ConnParams c = *this;
    c.params["dbname"] = db;
    return c;
}

bool looks_like_conninfo(const std::string& s) {
    return s.find('=') != std::string::npos || s.rfind("postgresql://", 0) == 0 ||
           s.rfind("postgres://", 0) == 0;
}

ConnParams parse_conninfo(const std::string& text) {
    char* err = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> opts(PQconninfoParse(text.c_str(), &err),
                                                                      &PQconninfoFree);
    if (!opts) {
        std::string why = err ? err : "out of memory";
        PQfreemem(err);
        while (!why.empty() && why.back() == '\n') why.pop_back();
        throw UsageError("database.dbname is not a valid connection string or URI: " + why);
    }
    ConnParams c;
    for (auto* o = opts.get(); o->keyword; ++o) {
        if (!o->val || !*o->val) continue;
        if (std::string(o->keyword) == "password")
            c.password = o->val;
        else
            c.params[o->keyword] = o->val;
    }
    return c;
}

}  // namespace pgark
