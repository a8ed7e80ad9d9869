// COPY TO STDOUT streaming with cancellation, hashed by CopyTextHasher.
#include "pg/table_content.h"

#include <poll.h>

#include "core/copy_text_hasher.h"
#include "util/cancel.h"
#include "util/error.h"

namespace pgark {

void CopySession::apply(Connection& c) const {
    c.exec(
        "SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3; SET bytea_output = "
        "hex; "
        "SET TimeZone = " +
        c.quote_literal(timezone) + "; SET client_encoding = " + c.quote_literal(client_encoding) +
        "; SELECT pg_catalog.set_config('search_path', '', false)");
}

std::string copy_out_statement(const std::string& copy_stmt) {
    std::string s = copy_stmt;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    const std::string tail = " FROM stdin;";
    if (s.rfind("COPY ", 0) != 0 || s.size() < tail.size() ||
        s.compare(s.size() - tail.size(), tail.size(), tail) != 0)
        throw VerifyError("unexpected COPY statement in the archive: " + copy_stmt.substr(0, 200));
    return s.substr(0, s.size() - tail.size()) + " TO STDOUT";
}

namespace {

// One identifier at `s[pos]` as pg_dump's fmtId writes it: "quoted" (with "" for a quote) or a plain
// lower-case word. Advances pos; false if there is none.
bool scan_identifier(const std::string& s, std::size_t& pos) {
    if (pos >= s.size()) return false;
    if (s[pos] == '"') {
        for (std::size_t i = pos + 1; i < s.size(); ++i) {
            if (s[i] != '"') continue;
            if (i + 1 < s.size() && s[i + 1] == '"') {
                ++i;
                continue;
            }
            if (i == pos + 1) return false;  // "" is not an identifier
            pos = i + 1;
            return true;
        }
        return false;
    }
    // fmtId quotes everything else (upper case, non-ASCII, keywords), and a word without parentheses
    // cannot call a function with side effects.
    auto plain = [](char ch, bool first) {
        return (ch >= 'a' && ch <= 'z') || ch == '_' || (!first && ch >= '0' && ch <= '9');
    };
    if (!plain(s[pos], true)) return false;
    while (pos < s.size() && plain(s[pos], false)) ++pos;
    return true;
}

}  // namespace

std::optional<CopyTarget> parse_copy_target(const std::string& copy_stmt) {
    std::string s;
    try {
        s = copy_out_statement(copy_stmt);  // "COPY rel [(cols)] TO STDOUT"
    } catch (const VerifyError&) {
        return std::nullopt;
    }
    s = s.substr(5, s.size() - 5 - std::string(" TO STDOUT").size());
    std::size_t pos = 0;
    if (!scan_identifier(s, pos)) return std::nullopt;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        if (!scan_identifier(s, pos)) return std::nullopt;
    }
    CopyTarget t{s.substr(0, pos), ""};
    if (pos == s.size()) return t;
    if (s.compare(pos, 2, " (") != 0 || s.back() != ')') return std::nullopt;
    pos += 2;
    const std::size_t cols_begin = pos;
    for (;;) {
        if (!scan_identifier(s, pos)) return std::nullopt;
        if (pos == s.size() - 1) break;  // at the closing parenthesis
        if (s.compare(pos, 2, ", ") != 0) return std::nullopt;
        pos += 2;
    }
    t.columns = s.substr(cols_begin, pos - cols_begin);
    return t;
}

std::string copy_out_range_statement(const CopyTarget& target, std::uint64_t first_block,
                                     std::optional<std::uint64_t> end_block) {
    std::string sql = "COPY (SELECT " + target.columns + " FROM ONLY " + target.relation +
                      " WHERE ctid >= '(" + std::to_string(first_block) + ",0)'::pg_catalog.tid";
    if (end_block) sql += " AND ctid < '(" + std::to_string(*end_block) + ",0)'::pg_catalog.tid";
    return sql + ") TO STDOUT";
}

ContentHash hash_table_content(Connection& c, const std::string& copy_stmt) {
    return hash_copy_out(c, copy_out_statement(copy_stmt));
}

ContentHash hash_copy_out(Connection& c, const std::string& sql) {
    PGconn* conn = c.raw();
    // The extended protocol refuses several statements, so a crafted COPY statement cannot smuggle one.
    if (!PQsendQueryParams(conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0))
        throw PgError("COPY on " + c.display() + " failed: " + PQerrorMessage(conn));
    PGresult* res = PQgetResult(conn);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        std::string msg = PQresultErrorMessage(res);
        PQclear(res);
        while ((res = PQgetResult(conn))) PQclear(res);
        throw PgError("`" + sql + "` failed: " + msg);
    }
    PQclear(res);
    CopyTextHasher hasher;
    for (;;) {
        char* buf = nullptr;
        int n = PQgetCopyData(conn, &buf, 1);
        if (n > 0) {
            hasher.feed(std::as_bytes(std::span(buf, static_cast<std::size_t>(n))));
            PQfreemem(buf);
            continue;
        }
        if (n == 0) {
            // No full row buffered yet: wait for the socket or for cancellation.
            pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {cancel::wake_fd(), POLLIN, 0}};
            ::poll(fds, fds[1].fd >= 0 ? 2 : 1, 1000);
            if (cancel::requested()) {
                PGcancel* cn = PQgetCancel(conn);
                char err[256];
                if (cn) {
                    PQcancel(cn, err, sizeof err);
                    PQfreeCancel(cn);
                }
                while ((res = PQgetResult(conn))) PQclear(res);
                throw Interrupted();
            }
            if (!PQconsumeInput(conn))
                throw PgError("COPY from " + c.display() + " failed: " + PQerrorMessage(conn));
            continue;
        }
        break;  // -1: done, -2: error
    }
    res = PQgetResult(conn);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    std::string msg = ok ? "" : PQresultErrorMessage(res);
    PQclear(res);
    while ((res = PQgetResult(conn))) PQclear(res);
    if (!ok) throw PgError("`" + sql + "` failed: " + msg);
    hasher.finish();
    return {hasher.rows(), hasher.sum()};
}

std::uint64_t count_table_rows(Connection& c, const std::string& schema, const std::string& table) {
    return std::stoull(
        c.scalar("SELECT count(*) FROM ONLY " + c.quote_ident(schema) + "." + c.quote_ident(table)));
}

}  // namespace pgark
