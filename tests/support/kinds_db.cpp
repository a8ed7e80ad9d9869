// Loading the "kinds" sample through psql (like sample_db.cpp does for FreshTrack) and listing its
// tables that hold rows.
#include "support/kinds_db.h"
#include "support/sample_db.h"

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

#include "support/pgark_cli.h"
#include "support/test_paths.h"

namespace pgark::test {

namespace {

using ConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Over the unix socket (trusted), like the harness's own admin work: no password to pass around.
ConnPtr connect_socket(PgCluster& cluster, const std::string& db) {
    const std::string port = std::to_string(cluster.port());
    const std::string host = cluster.socket_dir();
    const char* keys[] = {"host", "port", "user", "dbname", "client_encoding", nullptr};
    const char* values[] = {host.c_str(), port.c_str(), cluster.superuser().c_str(),
                            db.c_str(),   "UTF8",       nullptr};
    ConnPtr conn(PQconnectdbParams(keys, values, 0), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK)
        throw std::runtime_error("cannot connect to '" + db + "': " + PQerrorMessage(conn.get()));
    return conn;
}

ResultPtr query(PGconn* conn, const std::string& sql) {
    ResultPtr res(PQexec(conn, sql.c_str()), &PQclear);
    if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
        throw std::runtime_error("query failed: " + sql + ": " + PQresultErrorMessage(res.get()));
    return res;
}

}  // namespace

std::string kinds_sql_path() {
    return source_dir() + "/scripts/sample/kinds.sql";
}

void load_kinds(PgCluster& cluster, const std::string& db) {
    load_sql_file(cluster, db, kinds_sql_path());
}

std::vector<std::pair<std::string, std::string>> kinds_tables_with_data(PgCluster& cluster,
                                                                        const std::string& db) {
    ConnPtr conn = connect_socket(cluster, db);
    // Extension member tables are recreated by CREATE EXTENSION, not restored from the dump's data.
    ResultPtr tables = query(conn.get(),
                             "SELECT n.nspname, c.relname, format('%I.%I', n.nspname, c.relname) "
                             "FROM pg_catalog.pg_class c "
                             "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                             "WHERE c.relkind = 'r' "
                             "  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' "
                             "  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d "
                             "                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
                             "                    AND d.objid = c.oid AND d.deptype = 'e') "
                             "ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"");
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = 0; i < PQntuples(tables.get()); ++i) {
        // ONLY: an inheritance parent counts for its own rows, not for its children's.
        ResultPtr has_rows = query(conn.get(), std::string("SELECT EXISTS (SELECT FROM ONLY ") +
                                                   PQgetvalue(tables.get(), i, 2) + ")");
        if (std::string(PQgetvalue(has_rows.get(), 0, 0)) == "t")
            out.emplace_back(PQgetvalue(tables.get(), i, 0), PQgetvalue(tables.get(), i, 1));
    }
    return out;
}

}  // namespace pgark::test
