// Hostile input (issue 8) end to end, on a real PostgreSQL 15 and both storage drivers: database names
// with quotes, SQL, spaces, UTF-8, reserved words and path syntax; backup ids that are paths; manifests
// edited to point elsewhere; locations that are no repository or one of a newer format. Every pgark run
// gets its own HOME, TMPDIR and working directory, which must be empty afterwards, and the repository's
// surroundings (its parent directory, the rest of its bucket) must stay as they were: nothing is written
// outside the repository. Sentinel tables named by the SQL in the names prove that nothing was injected.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/backup_id.h"
#include "core/manifest.h"
#include "repo/layout.h"
#include "storage/open_storage.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/storage_fixtures.h"
#include "support/swift_server.h"
#include "support/test_paths.h"
#include "support/text_util.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

PgCluster& cluster() {
    return PgCluster::shared();
}

// How a database name is configured: as is, or as a conninfo when it would look like one.
std::string dbname_setting(const std::string& name) {
    if (name.find('=') == std::string::npos) return name;
    std::string quoted;
    for (char c : name) {
        if (c == '\'' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return "dbname='" + quoted + "'";
}

// psql in `db`, whatever its name (psql, like libpq, reads a name with '=' as a conninfo).
std::string sql_in(const std::string& db, const std::string& sql) {
    return cluster().psql(sql, dbname_setting(db));
}

// Every database in the cluster. Tests compare it before and after: pgark creates and drops only what
// it was asked to (the --to-new database) and its own scratch databases.
std::set<std::string> databases() {
    std::set<std::string> out;
    // Hex, so that names with spaces at either end or newlines come back whole.
    auto text =
        cluster().psql("SELECT encode(convert_to(datname, 'UTF8'), 'hex') FROM pg_catalog.pg_database");
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string name;
        for (auto i = start; i + 1 < end; i += 2)
            name += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
        if (end > start) out.insert(name);
        start = end + 1;
    }
    return out;
}

// The database the payloads in the names aim at: its table x must survive every test.
constexpr const char* kSentinelDb = "hostile_sentinel";

// Table x, the target of "DROP TABLE x" in the names, with one row, in `db`.
void create_sentinel_table(const std::string& db) {
    sql_in(db,
           "DROP TABLE IF EXISTS x; CREATE TABLE x (id integer PRIMARY KEY, note text); "
           "INSERT INTO x VALUES (1, 'sentinel');");
}

std::string sentinel_rows(const std::string& db) {
    return sql_in(db, "SELECT count(*) FROM x WHERE note = 'sentinel'");
}

void ensure_sentinels() {
    static DropAtExit drop_sentinel_db({kSentinelDb});  // destroyed before the shared cluster stops
    if (!cluster().database_exists(kSentinelDb)) cluster().create_database(kSentinelDb);
    create_sentinel_table(kSentinelDb);
    create_sentinel_table("postgres");
}

// An injection in any connection pgark opens (to the source, to the maintenance database, to the new
// database) would have dropped one of these.
void expect_sentinels_intact(const std::vector<std::string>& more_dbs = {}) {
    EXPECT_EQ(sentinel_rows(kSentinelDb), "1");
    EXPECT_EQ(sentinel_rows("postgres"), "1");
    for (const auto& db : more_dbs) EXPECT_EQ(sentinel_rows(db), "1") << db;
}

// A database's content, small but with names that trip code joining or splitting them: "s.t"."u" and
// s."t.u" both print as s.t.u, a newline, padding, dollar quotes, a backslash.
void load_small_content(const std::string& db) {
    create_sentinel_table(db);
    sql_in(db, R"SQL(
CREATE TABLE t (id integer PRIMARY KEY, v text);
INSERT INTO t SELECT g, repeat(chr(65 + g % 26), g % 7) FROM generate_series(1, 200) AS g;
CREATE SCHEMA "s.t";
CREATE SCHEMA s;
CREATE TABLE "s.t"."u" (v text);
INSERT INTO "s.t"."u" VALUES ('one');
CREATE TABLE s."t.u" (v text);
INSERT INTO s."t.u" VALUES ('one'), ('two');
CREATE TABLE "line
break" (v text);
INSERT INTO "line
break" VALUES (E'a\nb'), ('c');
CREATE TABLE " padded " (v text);
INSERT INTO " padded " VALUES (' x ');
CREATE TABLE "$$; DROP TABLE x; --" (v text);
INSERT INTO "$$; DROP TABLE x; --" VALUES ('$$');
CREATE TABLE "back\slash" (v text);
INSERT INTO "back\slash" VALUES (E'\\');
)SQL");
}

// "schema.table=rows" of every table, sorted: equal for a database and its restored copy.
std::string table_digest(const std::string& db) {
    return sql_in(
        db,
        "SELECT string_agg(d, ',' ORDER BY d) FROM (SELECT format('%I.%I', n.nspname, c.relname) || '=' || "
        "(xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, "
        "c.relname), "
        "false, true, '')))[1]::text AS d FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')) AS t");
}

// Where a pgark run might write besides the repository: HOME, TMPDIR (the drill and restore spools) and
// the working directory. All three must be empty once a command has finished.
struct Sandbox {
    TempDir root{"hostile-sandbox"};
    fs::path home = root.path() / "home", tmp = root.path() / "tmp", cwd = root.path() / "cwd";
    Sandbox() {
        for (const auto& d : {home, tmp, cwd}) fs::create_directory(d);
    }
    std::map<std::string, std::string> env() const {
        return {{"HOME", home.string()}, {"TMPDIR", tmp.string()}};
    }
    std::vector<std::string> leftovers() const {
        std::vector<std::string> out;
        for (const auto& d : {home, tmp, cwd})
            for (const auto& e : fs::recursive_directory_iterator(d)) out.push_back(e.path().string());
        return out;
    }
};

// What surrounds a repository: for posix everything in its parent directory but the repository
// (make_repo_location puts it alone in a fresh directory), for s3 every object of the bucket outside
// the repository's prefix.
std::vector<std::string> repository_surroundings(const RepoLocation& repo) {
    std::vector<std::string> out;
    if (repo.driver == Driver::posix) {
        const auto parent = fs::path(repo.url).parent_path();
        for (auto it = fs::recursive_directory_iterator(parent); it != fs::recursive_directory_iterator();
             ++it) {
            if (it->path() == fs::path(repo.url)) {
                it.disable_recursion_pending();
                continue;
            }
            out.push_back(fs::relative(it->path(), parent).string());
        }
    } else {
        auto whole = open_storage("s3://" + repo.bucket, SwiftServer::shared().options(repo.bucket));
        for (const auto& o : whole->list(""))
            if (o.key.rfind("repo/", 0) != 0) out.push_back(o.key);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> repository_keys(const RepoLocation& repo) {
    std::vector<std::string> out;
    for (const auto& o : repo.open()->list("")) out.push_back(o.key);
    return out;
}

// Key -> content of every object, to prove a refused command changed nothing.
std::map<std::string, std::string> repository_snapshot(const RepoLocation& repo) {
    std::map<std::string, std::string> out;
    auto s = repo.open();
    for (const auto& o : s->list("")) out[o.key] = s->get(o.key);
    return out;
}

// The base of the suites: a repository, a sandbox, a configured database, runs of pgark.
class HostileBase {
  protected:
    void open_repo(Driver d, const std::string& name) {
        repo_ = make_repo_location(d, name);
        surroundings_ = repository_surroundings(repo_);
    }
    // The cluster's connection variables, PGDATABASE = db_ (none when db_ is empty), the repository's
    // credentials, the sandbox.
    std::map<std::string, std::string> env(const std::map<std::string, std::string>& extra) const {
        auto e = cluster().client_env(db_.empty() ? "postgres" : db_);
        if (db_.empty())
            e.erase("PGDATABASE");
        else
            e["PGDATABASE"] = dbname_setting(db_);
        for (const auto& [k, v] : repo_.env) e[k] = v;
        for (const auto& [k, v] : sandbox_.env()) e[k] = v;
        for (const auto& [k, v] : extra) e[k] = v;
        return e;
    }
    CliResult pgark(std::vector<std::string> args, const std::map<std::string, std::string>& extra = {}) {
        args.insert(args.begin(), {"--repo", repo_.url});
        ProcessSpec spec;
        spec.program = pgark_binary();
        spec.args = args;
        spec.env_set = env(extra);
        spec.cwd = sandbox_.cwd.string();
        auto r = run_hermetic(spec);
        EXPECT_EQ(joined(sandbox_.leftovers()), "") << "left outside the repository by pgark " << args[2];
        return r;
    }
    void expect_nothing_outside_the_repository() {
        EXPECT_EQ(joined(repository_surroundings(repo_)), joined(surroundings_));
        EXPECT_EQ(joined(sandbox_.leftovers()), "");
        for (const auto& db : databases())
            EXPECT_NE(db.rfind("pgark_drill_", 0), 0u) << "scratch database left: " << db;
    }

    std::string db_;
    RepoLocation repo_;
    std::vector<std::string> surroundings_;
    Sandbox sandbox_;
};

// --- 1. database names --------------------------------------------------------------------------

struct NameCase {
    const char* label;
    std::string source;  // the database backed up, verified, drilled
    std::string target;  // restore --to-new
};

std::string bytes63(const std::string& unit, const std::string& tail) {
    std::string s;
    while (s.size() + unit.size() + tail.size() <= 63) s += unit;
    s += tail;
    while (s.size() < 63) s += "_";
    return s;
}

const std::vector<NameCase>& name_cases() {
    static const std::vector<NameCase> cases = {
        {"quotes", "odd\"db; name", "restored \"odd\"; DROP TABLE x; --"},
        {"apostrophe", "it's", "it's restored"},
        {"unicode",
         "donn\xC3\xA9"
         "es \xC3\xA9t\xC3\xA9",
         "\xD0\xB2\xD0\xBE\xD1\x81\xD1\x81\xD1\x82 \xE2\x9C\x93"},
        {"reserved", "select", "table"},
        {"spaces", "a b", " padded "},
        {"literal_injection", "'; DROP TABLE x; --", "\\'; DROP TABLE x; --"},
        {"path", "../../escape", "../../../tmp/escape"},
        {"escapes_and_conninfo", "%2E%2E a%20b", "host=/nonexistent dbname=postgres"},
        {"longest", bytes63("\xC3\xBC", "\"';"), bytes63("\xC3\xA9", "'\"")},
        // Configured as a conninfo (a bare name with '=' is one, as in libpq): dbname='a=b c'.
        {"equals_sign", "a=b c", "new=db"},
    };
    return cases;
}

class HostileNamesTest : public HostileBase,
                         public ::testing::TestWithParam<std::tuple<Driver, std::size_t>> {
  protected:
    void SetUp() override {
        const auto& c = name_cases()[std::get<1>(GetParam())];
        db_ = c.source;
        target_ = c.target;
        ASSERT_EQ(db_.size() <= 63 && target_.size() <= 63, true);
        ensure_sentinels();
        cluster().drop_database(db_);
        cluster().drop_database(target_);
        cluster().create_database(db_);
        load_small_content(db_);
        before_ = databases();
        open_repo(std::get<0>(GetParam()), std::string("names-") + c.label);
        auto r = pgark({"init"});
        ASSERT_EQ(r.exit_code, 0) << r.describe();
    }
    void TearDown() override {
        cluster().drop_database(db_);
        cluster().drop_database(target_);
    }
    std::string target_;
    std::set<std::string> before_;
};

TEST_P(HostileNamesTest, BackupListVerifyDrillRestorePruneWorkAndTouchNothingElse) {
    const std::string component = encode_db_component(db_);
    const std::string digest = table_digest(db_);

    auto r = pgark({"backup", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    const auto backup = json::parse(r.out);
    const std::string id_text = backup["id"];
    EXPECT_EQ(backup["database"], db_);
    auto id = BackupId::parse(id_text);
    ASSERT_TRUE(id) << id_text;
    EXPECT_EQ(id->db_component(), component);
    EXPECT_EQ(decode_db_component(id->db_component()), db_);

    // The database given as a flag instead of PGDATABASE.
    r = pgark({"-d", dbname_setting(db_), "list", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto list = json::parse(r.out);
    ASSERT_EQ(list["backups"].size(), 1u) << r.out;
    EXPECT_EQ(list["backups"][0]["id"], id_text);
    EXPECT_EQ(list["backups"][0]["database"], db_);
    EXPECT_TRUE(list["problems"].empty()) << r.out;
    r = pgark({"list", "--all", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(json::parse(r.out)["backups"].size(), 1u) << r.out;

    for (const std::string& which : {id_text, std::string("latest")}) {
        r = pgark({"verify", which, "--json"});
        EXPECT_EQ(r.exit_code, 0) << which << ": " << r.describe();
        if (r.exit_code == 0) {
            EXPECT_EQ(json::parse(r.out)["id"], id_text);
        }
    }

    r = pgark({"drill", "latest", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto drill = json::parse(r.out);
    EXPECT_TRUE(drill["ok"].get<bool>()) << r.out;
    EXPECT_EQ(drill["backup_id"], id_text);
    EXPECT_EQ(drill["database"], db_);
    EXPECT_EQ(drill["tables"].size(), 8u) << r.out;
    for (const auto& t : drill["tables"]) EXPECT_TRUE(t["ok"].get<bool>()) << t.dump();
    const std::string report_key = drill["report_key"];
    EXPECT_EQ(report_key.rfind("drills/" + component + "/" + component + "_", 0), 0u) << report_key;

    r = pgark({"restore", id_text, "--to-new", target_, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(json::parse(r.out)["ok"].get<bool>()) << r.out;
    ASSERT_TRUE(cluster().database_exists(target_));
    EXPECT_EQ(table_digest(target_), digest);

    r = pgark({"prune", "--keep-last", "1", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0",
               "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto prune = json::parse(r.out);
    EXPECT_EQ(prune["database"], db_);
    ASSERT_EQ(prune["backups"].size(), 1u) << r.out;
    EXPECT_EQ(prune["backups"][0]["action"], "keep") << r.out;
    EXPECT_TRUE(prune["problems"].empty()) << r.out;

    // The repository holds the marker, this backup and its drill report, all under the encoded name.
    for (const auto& key : repository_keys(repo_)) {
        EXPECT_TRUE(key == "pgark.json" || key.rfind(layout::backup_dir(*id), 0) == 0 || key == report_key)
            << key;
    }
    EXPECT_TRUE(repo_.open()->stat(layout::archive_key(*id)));
    expect_nothing_outside_the_repository();
    expect_sentinels_intact({db_, target_});
    EXPECT_EQ(table_digest(db_), digest);
    auto expected = before_;
    expected.insert(target_);
    EXPECT_EQ(databases(), expected);
}

std::string name_case_name(const ::testing::TestParamInfo<std::tuple<Driver, std::size_t>>& info) {
    return to_string(std::get<0>(info.param)) + "_" + name_cases()[std::get<1>(info.param)].label;
}

INSTANTIATE_TEST_SUITE_P(Drivers, HostileNamesTest,
                         ::testing::Combine(::testing::ValuesIn(all_drivers()),
                                            ::testing::Range<std::size_t>(0, name_cases().size())),
                         name_case_name);

// --- 2. backup ids on the command line ----------------------------------------------------------

class HostileIdsTest : public HostileBase, public ::testing::TestWithParam<Driver> {
  protected:
    void SetUp() override {
        db_ = "hostile_ids";
        ensure_sentinels();
        cluster().drop_database(db_);
        cluster().drop_database(kNew);
        cluster().create_database(db_);
        load_small_content(db_);
        open_repo(GetParam(), "ids");
        ASSERT_EQ(pgark({"init"}).exit_code, 0);
        auto r = pgark({"backup", "--json"});
        ASSERT_EQ(r.exit_code, 0) << r.describe();
        id_ = json::parse(r.out)["id"];
    }
    void TearDown() override {
        cluster().drop_database(db_);
        cluster().drop_database(kNew);
    }
    static constexpr const char* kNew = "hostile_ids_new";
    std::string id_;
};

TEST_P(HostileIdsTest, PathsControlCharactersAndHugeIdsExitTwoTouchingNothing) {
    const auto snapshot = repository_snapshot(repo_);
    const auto before = databases();
    const auto id = *BackupId::parse(id_);
    std::vector<std::string> ids = {"../x",
                                    "../../etc/passwd",
                                    "x/../../y",
                                    "/etc/passwd",
                                    layout::backup_dir(id) + "..",
                                    id_ + "/../../..",
                                    "../" + id_,
                                    id_ + "\n",
                                    id_ + "\npgark: verified OK",
                                    std::string("\t") + id_,
                                    "%2E%2E_2026-01-24_02-00-00",
                                    "%00_2026-01-24_02-00-00",
                                    std::string(5000, 'a') + "_2026-01-24_02-00-00",
                                    ""};
    if (repo_.driver == Driver::posix) ids.push_back(repo_.url + "/" + layout::manifest_key(id));
    const std::vector<std::vector<std::string>> commands = {
        {"verify"},
        {"verify", "--json"},
        {"drill"},
        {"drill", "--level", "archive"},
        {"restore", "--to-new", kNew},
        {"restore", "--mode", "clean", "--target-db", db_, "--yes", "--no-safety-backup"},
        {"restore", "--mode", "schema-cascade", "--target-db", db_, "--yes", "--dry-run"},
    };
    for (const auto& bad : ids) {
        for (auto args : commands) {
            args.insert(args.begin() + 1, bad);
            auto r = pgark(args);
            const std::string what = args[0] + " '" + bad.substr(0, 60) + "'";
            EXPECT_EQ(r.exit_code, 2) << what << ": " << r.describe();
            EXPECT_TRUE(has(r.err, bad.empty() ? "the backup id is empty" : "is not a backup id"))
                << what << ": " << r.err;
            EXPECT_TRUE(has(r.err, "pgark list")) << what << ": " << r.err;
            // One line: an id cannot smuggle a second (forged) line into the log.
            EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": " << r.err;
            EXPECT_LT(r.err.size(), 1000u) << what;
            EXPECT_TRUE(r.out.empty()) << what << ": " << r.out;
        }
    }
    // A target name PostgreSQL would cut to 63 bytes (and so act on another database) is refused first.
    const std::string overlong(64, 'n');
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"restore", id_, "--to-new", overlong},
             {"restore", id_, "--mode", "clean", "--target-db", overlong, "--yes", "--no-safety-backup"}}) {
        auto r = pgark(args);
        EXPECT_EQ(r.exit_code, 2) << r.describe();
        EXPECT_TRUE(has(r.err, "PostgreSQL database names have at most 63 bytes")) << r.err;
        EXPECT_FALSE(cluster().database_exists(overlong.substr(0, 63)));
    }
    // prune takes no id: a path given to it is an unexpected argument.
    for (const std::string bad : {"../x", "/etc/passwd"}) {
        auto r = pgark({"prune", bad, "--keep-last", "1"});
        EXPECT_EQ(r.exit_code, 2) << r.describe();
    }
    EXPECT_EQ(repository_snapshot(repo_), snapshot);
    EXPECT_EQ(databases(), before);
    EXPECT_FALSE(cluster().database_exists(kNew));
    expect_nothing_outside_the_repository();
    expect_sentinels_intact({db_});
}

TEST_P(HostileIdsTest, DatabaseNamesThatArePathsPruneOnlyInsideTheRepository) {
    // Decoys beside the repository where "../" in a name would lead, shaped like old incomplete backups
    // (which prune removes) so that a prune that followed the path would remove them.
    const auto old = BackupId::make("x", *parse_iso8601("2020-01-01T00:00:00Z"));
    auto beside = repo_.driver == Driver::posix
                      ? open_storage(fs::path(repo_.url).parent_path().string(), {})
                      : open_storage("s3://" + repo_.bucket, SwiftServer::shared().options(repo_.bucket));
    for (const auto& key :
         {layout::archive_key(old), old.str() + "/archive.pgdump.zst", "x/" + old.str() + "/claim-1.json"})
        beside->put(key, "decoy");
    surroundings_ = repository_surroundings(repo_);
    auto s = repo_.open();
    for (const std::string name : {"..", "../..", "../x", "../backups/x", "/", "", ".", "x/../.."}) {
        auto r = pgark(
            {"prune", "--keep-last", "1", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0"},
            {{"PGDATABASE", name}});
        if (name.empty()) {
            EXPECT_EQ(r.exit_code, 2) << r.describe();  // no database configured at all
            continue;
        }
        EXPECT_EQ(r.exit_code, 0) << name << ": " << r.describe();
        EXPECT_TRUE(has(r.out, "No backups of " + name)) << name << ": " << r.out;
    }
    EXPECT_TRUE(s->stat(layout::manifest_key(*BackupId::parse(id_))));
    expect_nothing_outside_the_repository();
}

INSTANTIATE_TEST_SUITE_P(Drivers, HostileIdsTest, ::testing::ValuesIn(all_drivers()), driver_name);

// --- 3. manifests edited to point elsewhere -------------------------------------------------------

class HostileManifestTest : public HostileBase, public ::testing::TestWithParam<Driver> {
  protected:
    void SetUp() override {
        db_ = "hostile_manifest";
        ensure_sentinels();
        cluster().drop_database(db_);
        cluster().drop_database(kNew);
        cluster().create_database(db_);
        load_small_content(db_);
        open_repo(GetParam(), "manifest");
        ASSERT_EQ(pgark({"init"}).exit_code, 0);
        for (auto* out : {&older_, &newer_}) {
            auto r = pgark({"backup", "--json"});
            ASSERT_EQ(r.exit_code, 0) << r.describe();
            *out = *BackupId::parse(json::parse(r.out)["id"].get<std::string>());
        }
        original_ = repo_.open()->get(layout::manifest_key(newer_));
    }
    void TearDown() override {
        cluster().drop_database(db_);
        cluster().drop_database(kNew);
    }
    static constexpr const char* kNew = "hostile_manifest_new";
    BackupId older_, newer_;
    std::string original_;
};

TEST_P(HostileManifestTest, EditedNewestManifestIsRefusedByEveryCommandAndNeverFollowed) {
    const auto newer_key = layout::manifest_key(newer_);
    struct Edit {
        const char* what;
        std::function<void(json&)> apply;
        const char* message;  // in the refusal of `verify <id>`
    };
    const std::vector<Edit> edits = {
        {"database to a path", [](json& j) { j["database"] = "../../outside"; },
         "does not match its location"},
        {"database to another database", [](json& j) { j["database"] = kSentinelDb; },
         "does not match its location"},
        {"id to a path", [](json& j) { j["id"] = "../../outside_2026-01-24_02-00-00"; },
         "not a valid backup id"},
        {"id to the older backup", [&](json& j) { j["id"] = older_.str(); }, "does not match its location"},
        {"id to another database's backup",
         [&](json& j) {
             j["id"] = BackupId::make(kSentinelDb, newer_.time()).str();
             j["database"] = kSentinelDb;
         },
         "does not match its location"},
        {"archive name to a path",
         [](json& j) { j["archive"]["name"] = "../../../outside/archive.pgdump.zst"; },
         "refusing to follow it"},
    };
    for (const auto& e : edits) {
        SCOPED_TRACE(e.what);
        auto j = json::parse(original_);
        e.apply(j);
        repo_.open()->put(newer_key, j.dump(2));
        const auto snapshot = repository_snapshot(repo_);
        const auto dbs = databases();

        auto r = pgark({"list", "--json"});
        ASSERT_EQ(r.exit_code, 0) << r.describe();
        auto list = json::parse(r.out);
        ASSERT_EQ(list["backups"].size(), 1u) << r.out;
        EXPECT_EQ(list["backups"][0]["id"], older_.str());
        ASSERT_EQ(list["problems"].size(), 1u) << r.out;
        EXPECT_TRUE(has(list["problems"][0], newer_key)) << r.out;
        r = pgark({"list", "--all"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        EXPECT_TRUE(has(r.out, "warning: ") && has(r.out, newer_key)) << r.out;

        r = pgark({"verify", newer_.str()});
        EXPECT_EQ(r.exit_code, 1) << r.describe();
        EXPECT_TRUE(has(r.err, newer_key)) << r.err;
        EXPECT_TRUE(has(r.err, e.message)) << r.err;
        // "latest" is the newest backup whose manifest is what it says, and the skipped one is named.
        r = pgark({"verify", "latest", "--json"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        if (r.exit_code == 0) {
            EXPECT_EQ(json::parse(r.out)["id"], older_.str());
        }
        EXPECT_TRUE(has(r.err, newer_key)) << r.err;

        r = pgark({"drill", newer_.str(), "--json"});
        EXPECT_EQ(r.exit_code, 1) << r.describe();
        EXPECT_TRUE(has(r.err, newer_key)) << r.err;
        r = pgark({"restore", newer_.str(), "--to-new", kNew});
        EXPECT_EQ(r.exit_code, 1) << r.describe();
        EXPECT_TRUE(has(r.err, newer_key)) << r.err;
        EXPECT_FALSE(cluster().database_exists(kNew));

        EXPECT_EQ(repository_snapshot(repo_), snapshot) << "a refused command changed the repository";
        EXPECT_EQ(databases(), dbs);

        // Prune keeps one backup: the edited one does not count as the newest (it is left alone, reported),
        // so the older, intact one stays.
        r = pgark(
            {"prune", "--keep-last", "1", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0"});
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        EXPECT_TRUE(has(r.out, "unreadable manifest, left alone")) << r.out;
        EXPECT_EQ(repository_snapshot(repo_), snapshot) << "prune removed something";
        expect_nothing_outside_the_repository();
    }
    repo_.open()->put(newer_key, original_);
    auto r = pgark({"verify", newer_.str()});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    expect_sentinels_intact({db_});
}

TEST_P(HostileManifestTest, ManifestCopiedIntoAnotherDatabasesDirectoryIsNotItsBackup) {
    // Copied where a backup of the sentinel database would be: it must not become one.
    const auto foreign = BackupId::make(kSentinelDb, newer_.time());
    const auto copy_key =
        layout::backups_prefix() + foreign.db_component() + "/" + newer_.str() + "/manifest.json";
    auto s = repo_.open();
    s->put(copy_key, original_);
    s->put(layout::manifest_key(foreign), original_);  // and under the id of such a backup
    const auto snapshot = repository_snapshot(repo_);

    auto r = pgark({"list", "--all", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto list = json::parse(r.out);
    EXPECT_EQ(list["backups"].size(), 2u) << r.out;
    for (const auto& b : list["backups"]) EXPECT_EQ(b["database"], db_) << r.out;
    EXPECT_EQ(list["problems"].size(), 2u) << r.out;

    const std::string own_db = db_;  // TearDown drops db_: it must be this test's database again at the end
    db_.clear();                     // nothing configured: "latest" of the target database
    r = pgark(
        {"restore", "latest", "--mode", "clean", "--target-db", kSentinelDb, "--yes", "--no-safety-backup"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_TRUE(has(r.err, "no backups of database " + std::string(kSentinelDb))) << r.err;
    r = pgark({"verify", foreign.str()});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_TRUE(has(r.err, "does not match its location")) << r.err;
    db_ = kSentinelDb;
    r = pgark(
        {"prune", "--keep-last", "1", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    db_ = own_db;
    EXPECT_EQ(repository_snapshot(repo_), snapshot);
    expect_sentinels_intact({db_});
    expect_nothing_outside_the_repository();
}

INSTANTIATE_TEST_SUITE_P(Drivers, HostileManifestTest, ::testing::ValuesIn(all_drivers()), driver_name);

// --- 5. locations that are no repository, or a newer one ------------------------------------------

class HostileLocationTest : public HostileBase, public ::testing::TestWithParam<Driver> {
  protected:
    void SetUp() override {
        db_ = "hostile_location";
        ensure_sentinels();
        cluster().drop_database(db_);
        cluster().drop_database(kNew);
        cluster().create_database(db_);
        load_small_content(db_);
    }
    void TearDown() override {
        cluster().drop_database(db_);
        cluster().drop_database(kNew);
    }
    // Every command that opens a repository, each must refuse with `message` and change nothing.
    void expect_every_command_refuses(const std::string& id, const std::string& message,
                                      const std::string& hint) {
        const auto snapshot = repository_snapshot(repo_);
        const auto dbs = databases();
        const std::vector<std::vector<std::string>> commands = {
            {"list"},
            {"list", "--all", "--json"},
            {"verify", "latest"},
            {"verify", id},
            {"drill", "latest"},
            {"drill", id, "--level", "archive"},
            {"restore", id, "--to-new", kNew},
            {"restore", "latest", "--mode", "clean", "--target-db", db_, "--yes", "--no-safety-backup"},
            {"prune", "--keep-last", "1", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0"},
            {"prune", "--dry-run"},
            {"status"},
            {"backup"},
        };
        for (const auto& args : commands) {
            auto r = pgark(args);
            const std::string what = args[0] + (args.size() > 1 ? " " + args[1] : "");
            EXPECT_EQ(r.exit_code, 1) << what << ": " << r.describe();
            EXPECT_TRUE(has(r.err, message)) << what << ": " << r.err;
            EXPECT_TRUE(has(r.err, hint)) << what << ": " << r.err;
        }
        EXPECT_EQ(repository_snapshot(repo_), snapshot);
        EXPECT_EQ(databases(), dbs);
        EXPECT_FALSE(cluster().database_exists(kNew));
        EXPECT_EQ(sentinel_rows(db_), "1");
        expect_nothing_outside_the_repository();
    }
    // A repository with two backups, so that a prune keeping one that went ahead would remove the older;
    // returns the older's id.
    std::string two_backups() {
        EXPECT_EQ(pgark({"init"}).exit_code, 0);
        std::string first;
        for (int i = 0; i < 2; ++i) {
            auto r = pgark({"backup", "--json"});
            EXPECT_EQ(r.exit_code, 0) << r.describe();
            if (first.empty() && r.exit_code == 0) first = json::parse(r.out)["id"];
        }
        return first;
    }
    static constexpr const char* kNew = "hostile_location_new";
};

TEST_P(HostileLocationTest, LocationThatIsNotARepositoryIsRefusedByEveryCommand) {
    open_repo(GetParam(), "notarepo");
    // What a repository would hold, but no marker: a backup, an old incomplete one that prune would
    // otherwise remove, and an unrelated file.
    const auto id = BackupId::make(db_, *parse_iso8601("2020-01-01T00:00:00Z"));
    const auto incomplete = BackupId::make(db_, *parse_iso8601("2020-01-02T00:00:00Z"));
    auto s = repo_.open();
    s->put(layout::archive_key(id), "not an archive");
    s->put(layout::manifest_key(id), "{}");
    s->put(layout::archive_key(incomplete), "partial");
    s->put("holiday-photos/1.jpg", "jpeg");
    expect_every_command_refuses(id.str(), "is not a pgark repository", "pgark init");
    // `status --json` still prints an object, for the monitoring script that parses stdout.
    auto st = pgark({"status", "--json"});
    EXPECT_EQ(st.exit_code, 1) << st.describe();
    try {
        auto j = nlohmann::json::parse(st.out);
        EXPECT_EQ(j["ok"], false) << j.dump();
        EXPECT_EQ(j["exit_code"], 1) << j.dump();
        EXPECT_TRUE(has(j["error"].get<std::string>(), "is not a pgark repository")) << j.dump();
    } catch (const nlohmann::json::exception& e) {
        ADD_FAILURE() << "status --json printed no JSON object: " << e.what() << "\n" << st.describe();
    }
}

// `init` of a location inside an existing repository is refused, on both drivers; the repository itself
// is still accepted as already initialised.
TEST_P(HostileLocationTest, InitInsideAnExistingRepositoryIsRefused) {
    open_repo(GetParam(), "outer");
    const auto outer = repo_.url;
    ASSERT_EQ(pgark({"init"}).exit_code, 0);
    const auto snapshot = repository_snapshot(repo_);
    repo_.url = outer + "/nested/deeper";
    auto r = pgark({"init"});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_TRUE(has(r.err, "is inside the pgark repository at " + outer)) << r.err;
    EXPECT_TRUE(has(r.err, "nothing was created")) << r.err;
    repo_.url = outer;
    EXPECT_EQ(repository_snapshot(repo_), snapshot) << "init wrote into the outer repository";
    auto again = pgark({"init"});
    EXPECT_EQ(again.exit_code, 0) << again.describe();
    EXPECT_TRUE(has(again.out, "already is a pgark repository")) << again.out;
}

TEST_P(HostileLocationTest, RepositoryOfANewerFormatIsRefusedByEveryCommand) {
    open_repo(GetParam(), "newer");
    const auto id = two_backups();
    repo_.open()->put("pgark.json", R"({"format": 2, "created_at": "2030-01-01T00:00:00Z"})");
    expect_every_command_refuses(id, "newer than this pgark supports", "upgrade pgark");
    auto r = pgark({"init"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_TRUE(has(r.err, "newer than this pgark")) << r.err;
}

TEST_P(HostileLocationTest, DamagedMarkerIsRefusedByEveryCommand) {
    open_repo(GetParam(), "damaged");
    const auto id = two_backups();
    repo_.open()->put("pgark.json", "{\"format\": \"../../\"");
    expect_every_command_refuses(id, "pgark.json", "damaged");
}

INSTANTIATE_TEST_SUITE_P(Drivers, HostileLocationTest, ::testing::ValuesIn(all_drivers()), driver_name);

}  // namespace
