// The "kinds" sample database against plain pg_dump -Fc / pg_restore, without pgark: proves the sample
// loads, restores cleanly, and that COPY text compares byte for byte between source and restore when
// both sessions pin the settings COPY output depends on. The drill design rests on these facts, and the
// tests that pin down where naive comparisons go wrong (column order of inheritance children,
// database-level defaults, bytea_output) keep that design honest.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/kinds_db.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "util/temp.h"

namespace pgark::test {
namespace {

constexpr const char* kSource = "kinds_src";
constexpr const char* kRestored = "kinds_restored";
constexpr const char* kHostile = "kinds_hostile";
constexpr const char* kReload = "kinds_reload";

// What pg_dump sets for its COPY data (search_path '' makes reg* output schema-qualified). pg_dump
// does not set bytea_output; it is pinned here so a database default cannot change the comparison.
constexpr const char* kDumpSettings =
    "SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3; SET TimeZone = 'UTC'; "
    "SET bytea_output = hex; SELECT pg_catalog.set_config('search_path', '', false)";

using TableName = std::pair<std::string, std::string>;  // (schema, table), unquoted
using ConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// A libpq session over the unix socket; `setup` runs first (empty: keep the database's defaults).
class Session {
  public:
    Session(PgCluster& pg, const std::string& db, const std::string& setup = kDumpSettings)
        : conn_(connect(pg, db)) {
        if (!setup.empty()) exec(setup);
    }

    void exec(const std::string& sql) {
        ResultPtr res(PQexec(conn_.get(), sql.c_str()), &PQclear);
        auto st = PQresultStatus(res.get());
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            throw std::runtime_error(sql + ": " + PQresultErrorMessage(res.get()));
    }

    // Every row, columns joined by '|' (NULL as "<null>"), rows by '\n': for small catalog queries.
    std::string text(const std::string& sql) {
        ResultPtr res(PQexec(conn_.get(), sql.c_str()), &PQclear);
        if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
            throw std::runtime_error(sql + ": " + PQresultErrorMessage(res.get()));
        std::string out;
        for (int r = 0; r < PQntuples(res.get()); ++r) {
            if (r) out += '\n';
            for (int c = 0; c < PQnfields(res.get()); ++c) {
                if (c) out += '|';
                out += PQgetisnull(res.get(), r, c) ? "<null>" : PQgetvalue(res.get(), r, c);
            }
        }
        return out;
    }

    // The full output of a COPY ... TO STDOUT.
    std::string copy_out(const std::string& sql) {
        PGconn* c = conn_.get();
        ResultPtr start(PQexec(c, sql.c_str()), &PQclear);
        if (PQresultStatus(start.get()) != PGRES_COPY_OUT)
            throw std::runtime_error(sql + ": " + PQresultErrorMessage(start.get()));
        std::string out;
        char* buf = nullptr;
        int n;
        while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
            out.append(buf, static_cast<std::size_t>(n));
            PQfreemem(buf);
        }
        ResultPtr end(PQgetResult(c), &PQclear);
        if (n != -1 || PQresultStatus(end.get()) != PGRES_COMMAND_OK)
            throw std::runtime_error(sql + ": " + PQerrorMessage(c));
        while (PGresult* extra = PQgetResult(c)) PQclear(extra);
        return out;
    }

  private:
    static ConnPtr connect(PgCluster& pg, const std::string& db) {
        const std::string port = std::to_string(pg.port());
        const std::string host = pg.socket_dir();
        const char* keys[] = {"host", "port", "user", "dbname", "client_encoding", nullptr};
        const char* values[] = {host.c_str(), port.c_str(), pg.superuser().c_str(),
                                db.c_str(),   "UTF8",       nullptr};
        ConnPtr conn(PQconnectdbParams(keys, values, 0), &PQfinish);
        if (PQstatus(conn.get()) != CONNECTION_OK)
            throw std::runtime_error("cannot connect to '" + db + "': " + PQerrorMessage(conn.get()));
        return conn;
    }

    ConnPtr conn_;
};

std::string qualified(const TableName& t) {
    return PgCluster::quote_ident(t.first) + "." + PgCluster::quote_ident(t.second);
}

// The statements that read one table: `plain` is bare COPY (the table's own column order), `listed`
// names the columns in the *source's* order like pg_dump's COPY header does, `with_generated` also
// returns STORED generated columns, which COPY leaves out.
struct CopyStatements {
    std::string plain, listed, with_generated;
};

CopyStatements copy_statements(Session& source, const TableName& table) {
    const std::string name = qualified(table);
    const std::string cols = source.text(
        "SELECT coalesce(string_agg(format('%I', attname), ', ' ORDER BY attnum) "
        "                  FILTER (WHERE attgenerated = ''), ''), "
        "       coalesce(string_agg(format('%I', attname), ', ' ORDER BY attnum), '') "
        "FROM pg_catalog.pg_attribute WHERE attrelid = " +
        PgCluster::quote_literal(name) + "::pg_catalog.regclass AND attnum > 0 AND NOT attisdropped");
    const auto bar = cols.find('|');
    const std::string stored = cols.substr(0, bar), all = cols.substr(bar + 1);
    CopyStatements s;
    s.plain = "COPY " + name + " TO STDOUT";
    // A zero-column table has no column list to give: bare COPY is all there is.
    s.listed = stored.empty() ? s.plain : "COPY " + name + " (" + stored + ") TO STDOUT";
    s.with_generated = "COPY (SELECT " + all + " FROM ONLY " + name + ") TO STDOUT";
    return s;
}

// "" when equal, else where the first difference is, with both lines, for assertion messages.
std::string first_difference(const std::string& a, const std::string& b) {
    if (a == b) return "";
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    auto line_at = [i](const std::string& s) {
        auto begin = s.rfind('\n', i == 0 ? 0 : i - 1);
        begin = (begin == std::string::npos || i == 0) ? 0 : begin + 1;
        auto end = s.find('\n', i);
        return s.substr(begin, (end == std::string::npos ? s.size() : end) - begin);
    };
    return "first difference at byte " + std::to_string(i) + " (sizes " + std::to_string(a.size()) + " / " +
           std::to_string(b.size()) + ")\n  source:   " + line_at(a) + "\n  restored: " + line_at(b);
}

CliResult pg_dump_custom(PgCluster& pg, const std::string& db, const std::string& file) {
    return run_command(PgCluster::bin("pg_dump"), {"-Fc", "-f", file, db}, pg.client_env(db));
}

CliResult pg_restore_into(PgCluster& pg, const std::string& db, const std::string& file) {
    return run_command(PgCluster::bin("pg_restore"), {"-d", db, file}, pg.client_env(db));
}

// Loading, dumping and restoring take seconds: done once, shared by the tests of this file.
struct Prepared {
    double load_seconds = 0;
    std::unique_ptr<TempDir> dir;
    std::string dump_file;
    CliResult dump, restore;
};

std::unique_ptr<Prepared> g_prepared;
std::exception_ptr g_prepare_failed;

const Prepared& prepared() {
    if (g_prepare_failed) std::rethrow_exception(g_prepare_failed);
    if (g_prepared) return *g_prepared;
    try {
        auto& pg = PgCluster::shared();
        auto p = std::make_unique<Prepared>();
        pg.drop_database(kSource);
        auto t0 = std::chrono::steady_clock::now();
        load_kinds(pg, kSource);
        p->load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        p->dir = std::make_unique<TempDir>("kinds-dump");
        p->dump_file = (p->dir->path() / "kinds.dump").string();
        p->dump = pg_dump_custom(pg, kSource, p->dump_file);
        pg.drop_database(kRestored);
        pg.create_database(kRestored);
        if (p->dump.exit_code == 0) p->restore = pg_restore_into(pg, kRestored, p->dump_file);
        g_prepared = std::move(p);
    } catch (...) {
        g_prepare_failed = std::current_exception();
        throw;
    }
    return *g_prepared;
}

class KindsDb : public ::testing::Test {
  protected:
    static void TearDownTestSuite() {
        if (!g_prepared && !g_prepare_failed) return;
        auto& pg = PgCluster::shared();
        for (const char* db : {kSource, kRestored, kHostile, kReload}) pg.drop_database(db);
        g_prepared.reset();
        g_prepare_failed = nullptr;
    }

    // Asserts `build(table)` gives identical COPY text on both sides for every table with data.
    template <typename Build>
    static void expect_same_copy(Session& source, Session& restored, Build build) {
        for (const auto& table : kinds_tables_with_data(PgCluster::shared(), kSource)) {
            const std::string sql = build(source, table);
            EXPECT_EQ(first_difference(source.copy_out(sql), restored.copy_out(sql)), "") << sql;
        }
    }
};

TEST_F(KindsDb, LoadsDeterministicallyAndIsRerunnable) {
    auto& pg = PgCluster::shared();
    const Prepared& p = prepared();
    std::printf("kinds.sql loaded in %.2f s\n", p.load_seconds);
    EXPECT_LT(p.load_seconds, 30.0);

    const auto tables = kinds_tables_with_data(pg, kSource);
    const std::set<TableName> have(tables.begin(), tables.end());
    const std::vector<TableName> wanted = {
        {"Sales", "orders_2023"},        // range partition
        {"Sales", "orders_2024_EU"},     // list sub-partition
        {"Sales", "orders_2024_other"},  // default sub-partition
        {"Sales", "orders_2025"},        // attached, with another column order
        {"Sales", "orders_default"},     // default partition
        {"données", "événements"},       // inheritance parent (its own rows)
        {"données", "événements_achat"},
        {"données", "événements_connexion"},
        {"odd; name's \"q\"", "table; DROP TABLE x; --"},
        {"select", "from"},
        {"kinds", "éééééééééééééééééééééééééééééé_xy"},  // 63 bytes, the identifier limit
        {"kinds", "dropped_col"},
        {"public", "unlogged_log"},
        {"public", "zero_columns"},
        {"public", "MixedCase"},
    };
    for (const auto& want : wanted) EXPECT_TRUE(have.count(want)) << want.first << "." << want.second;
    const std::vector<TableName> unwanted = {
        {"Sales", "orders"},  // partitioned: the rows live in the partitions
        {"Sales", "orders_2024"},  {"Sales", "orders_2026_empty"},
        {"public", "empty_table"}, {"Sales", "Monthly Revenue"},  // materialized view
    };
    for (const auto& t : unwanted) EXPECT_FALSE(have.count(t)) << t.first << "." << t.second;

    Session source(pg, kSource);
    EXPECT_EQ(source.text("SELECT length(lo_get(424201)) > 1024 * 1024, length(lo_get(424202)) > 0, "
                          "length(lo_get(424203))"),
              "t|t|0");

    // Loaded twice into another database (the second run replaces everything), it holds the same rows.
    pg.drop_database(kReload);
    load_kinds(pg, kReload);
    load_kinds(pg, kReload);
    Session reload(pg, kReload);
    EXPECT_EQ(kinds_tables_with_data(pg, kReload), tables);
    expect_same_copy(source, reload, [](Session& s, const auto& t) { return copy_statements(s, t).plain; });
}

TEST_F(KindsDb, PgDumpCustomFormatRestoresWithoutErrors) {
    const Prepared& p = prepared();
    ASSERT_EQ(p.dump.exit_code, 0) << p.dump.describe();
    EXPECT_EQ(p.dump.err, "");
    EXPECT_LT(std::filesystem::file_size(p.dump_file), 5u * 1024 * 1024);
    EXPECT_EQ(p.restore.exit_code, 0) << p.restore.describe();
    EXPECT_EQ(p.restore.err, "");  // not even a warning
}

TEST_F(KindsDb, CopyWithTheDumpsColumnListIsByteIdenticalAfterRestore) {
    auto& pg = PgCluster::shared();
    ASSERT_EQ(prepared().restore.exit_code, 0) << prepared().restore.describe();
    EXPECT_EQ(kinds_tables_with_data(pg, kRestored), kinds_tables_with_data(pg, kSource));
    Session source(pg, kSource), restored(pg, kRestored);
    expect_same_copy(source, restored,
                     [](Session& s, const auto& t) { return copy_statements(s, t).listed; });
    // Generated columns are recomputed by the restore, not copied: check their values too.
    expect_same_copy(source, restored,
                     [](Session& s, const auto& t) { return copy_statements(s, t).with_generated; });
}

// Bare COPY uses the table's own column order, and pg_dump does not keep it for inheritance children
// whose columns were not in the order CREATE TABLE ... INHERITS produces (a column added to the parent
// later, or a table that was ALTERed to INHERIT). The data is intact (pg_dump's COPY names its
// columns), so a drill must compare with the archive's column list, never with bare COPY.
TEST_F(KindsDb, BareCopyDiffersOnlyForInheritanceChildrenWithReorderedColumns) {
    auto& pg = PgCluster::shared();
    ASSERT_EQ(prepared().restore.exit_code, 0) << prepared().restore.describe();
    Session source(pg, kSource), restored(pg, kRestored);
    std::set<std::string> differing;
    for (const auto& table : kinds_tables_with_data(pg, kSource)) {
        const std::string sql = copy_statements(source, table).plain;
        if (source.copy_out(sql) != restored.copy_out(sql))
            differing.insert(table.first + "." + table.second);
    }
    EXPECT_EQ(differing, (std::set<std::string>{"données.événements_achat", "données.événements_connexion"}));
    const std::string columns =
        "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_catalog.pg_attribute "
        "WHERE attrelid = '\"données\".\"événements_achat\"'::pg_catalog.regclass AND attnum > 0";
    EXPECT_EQ(source.text(columns), "montant,détails,quand,id,source");
    EXPECT_EQ(restored.text(columns), "id,quand,détails,source,montant");
}

// The scratch database a drill restores into may have database-level defaults (or a server default)
// that differ from the source's: a session that sets every output setting itself must not care, and
// neither must pg_restore.
TEST_F(KindsDb, PinnedSessionSettingsBeatHostileDatabaseDefaults) {
    auto& pg = PgCluster::shared();
    const Prepared& p = prepared();
    ASSERT_EQ(p.dump.exit_code, 0) << p.dump.describe();
    pg.drop_database(kHostile);
    pg.create_database(kHostile);
    pg.psql(std::string("ALTER DATABASE ") + kHostile + " SET TimeZone = 'Asia/Kolkata'; " +
            "ALTER DATABASE " + kHostile + " SET DateStyle = 'SQL, DMY'; " + "ALTER DATABASE " + kHostile +
            " SET IntervalStyle = 'sql_standard'; " + "ALTER DATABASE " + kHostile +
            " SET extra_float_digits = 0; " + "ALTER DATABASE " + kHostile +
            " SET search_path = kinds, \"Sales\", public; " + "ALTER DATABASE " + kHostile +
            " SET bytea_output = 'escape'");
    CliResult restore = pg_restore_into(pg, kHostile, p.dump_file);
    ASSERT_EQ(restore.exit_code, 0) << restore.describe();
    EXPECT_EQ(restore.err, "");

    Session source(pg, kSource), hostile(pg, kHostile);
    expect_same_copy(source, hostile, [](Session& s, const auto& t) { return copy_statements(s, t).listed; });

    // The defaults really are in effect: without pinning, these tables' COPY text changes.
    Session unpinned(pg, kHostile, "");
    EXPECT_EQ(unpinned.text("SHOW TimeZone"), "Asia/Kolkata");
    for (const char* table : {"kinds.time_zones", "kinds.refs", "kinds.all_types", "\"Sales\".orders_2023"}) {
        const std::string sql = std::string("COPY ") + table + " TO STDOUT";
        EXPECT_NE(source.copy_out(sql), unpinned.copy_out(sql)) << sql;
    }
}

// pg_dump pins DateStyle, IntervalStyle, extra_float_digits and search_path, but takes bytea_output
// (like TimeZone, which pgark pins with PGTZ) from the server, database or role default: a drill that
// compares bytea columns must dump with bytea_output pinned (PGOPTIONS) or know the dump's value.
TEST_F(KindsDb, PgDumpTakesByteaOutputFromTheServer) {
    auto& pg = PgCluster::shared();
    ASSERT_EQ(prepared().dump.exit_code, 0);
    auto env = pg.client_env(kSource);
    auto dump_all_types = [&](const std::string& options) {
        env["PGOPTIONS"] = options;
        CliResult r =
            run_command(PgCluster::bin("pg_dump"), {"--data-only", "-t", "kinds.all_types", kSource}, env);
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        return r.out;
    };
    const std::string hex = dump_all_types("-c bytea_output=hex");
    const std::string escape = dump_all_types("-c bytea_output=escape");
    // Row 41's bytea is a single NUL byte.
    EXPECT_NE(hex.find("\\\\x00\t"), std::string::npos);
    EXPECT_NE(escape.find("\\\\000\t"), std::string::npos);
    EXPECT_NE(hex, escape);
}

TEST_F(KindsDb, LargeObjectsSequencesAndMaterializedViewsSurviveRestore) {
    auto& pg = PgCluster::shared();
    ASSERT_EQ(prepared().restore.exit_code, 0) << prepared().restore.describe();
    Session source(pg, kSource), restored(pg, kRestored);
    const std::string checks[] = {
        // Large objects keep their oids, contents and comments.
        "SELECT oid, length(lo_get(oid)), md5(lo_get(oid)), obj_description(oid, 'pg_largeobject') "
        "FROM pg_catalog.pg_largeobject_metadata ORDER BY oid",
        "SELECT schemaname, sequencename, last_value, increment_by, min_value, max_value, cycle "
        "FROM pg_catalog.pg_sequences ORDER BY 1, 2",
        "SELECT c.oid::pg_catalog.regclass::text, c.relispopulated FROM pg_catalog.pg_class c "
        "WHERE c.relkind = 'm' ORDER BY 1",
        "SELECT * FROM \"Sales\".\"Monthly Revenue\" ORDER BY month",
        // Enum labels added out of order keep their sort order.
        "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_catalog.pg_enum "
        "WHERE enumtypid = 'kinds.mood'::pg_catalog.regtype",
        // NOT VALID constraints stay NOT VALID (the rows violating them came through).
        "SELECT conname, convalidated FROM pg_catalog.pg_constraint "
        "WHERE conrelid = 'kinds.legacy'::pg_catalog.regclass AND contype IN ('c', 'f') ORDER BY 1",
        "SELECT pg_catalog.pg_get_userbyid(relowner), relrowsecurity, relforcerowsecurity FROM "
        "pg_catalog.pg_class "
        "WHERE oid IN ('kinds.app_owned'::pg_catalog.regclass, 'kinds.secrets'::pg_catalog.regclass) "
        "ORDER BY relname",
    };
    for (const std::string& sql : checks) EXPECT_EQ(source.text(sql), restored.text(sql)) << sql;
    EXPECT_EQ(restored.text("SELECT count(*) FROM pg_catalog.pg_largeobject_metadata"), "3");
    EXPECT_EQ(restored.text("SELECT relispopulated FROM pg_catalog.pg_class WHERE oid = "
                            "'kinds.not_populated'::pg_catalog.regclass"),
              "f");
}

}  // namespace
}  // namespace pgark::test
