// PgarkFixture: see pgark_fixture.h.
#include "support/pgark_fixture.h"

#include "support/sample_db.h"

namespace pgark::test {

void PgarkFixture::SetUp() {
    const int n = counter_++;
    db_ = prefix_ + "_" + std::to_string(n) + "_" + to_string(GetParam());
    pg().drop_database(db_);
    pg().drop_database(db_ + "_new");
    ASSERT_TRUE(pg().scratch_databases().empty()) << "a previous test left a scratch database";
    load_freshtrack(pg(), db_);
    repo_ = make_repo_location(GetParam(), prefix_ + std::to_string(n));
    auto r = pgark({"init"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
}

void PgarkFixture::TearDown() {
    pg().drop_database(db_);
    pg().drop_database(db_ + "_new");
    const auto left = pg().scratch_databases();
    EXPECT_TRUE(left.empty()) << "scratch database left behind: " << (left.empty() ? "" : left.front());
    for (const auto& s : left) pg().drop_database(s);
}

std::map<std::string, std::string> PgarkFixture::env(const std::map<std::string, std::string>& extra) const {
    auto e = pg().client_env(db_);
    for (const auto& [k, v] : repo_.env) e[k] = v;
    e["TMPDIR"] = tmp_.path().string();
    for (const auto& [k, v] : extra) e[k] = v;
    return e;
}

CliResult PgarkFixture::pgark(std::vector<std::string> args,
                              const std::map<std::string, std::string>& extra) const {
    args.insert(args.begin(), {"--repo", repo_.url});
    return run_pgark(args, env(extra));
}

std::unique_ptr<Child> PgarkFixture::start(std::vector<std::string> args,
                                           const std::map<std::string, std::string>& extra) const {
    args.insert(args.begin(), {"--repo", repo_.url});
    return start_pgark(args, env(extra), ProcessSpec::Out::null);
}

std::string PgarkFixture::backup() const {
    auto r = pgark({"backup", "--json", "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    if (r.exit_code != 0) return "";
    return nlohmann::json::parse(r.out)["id"].get<std::string>();
}

nlohmann::json PgarkFixture::json_of(std::vector<std::string> args, int expected_exit,
                                     const std::map<std::string, std::string>& extra) const {
    args.push_back("--json");
    auto r = pgark(args, extra);
    EXPECT_EQ(r.exit_code, expected_exit) << r.describe();
    try {
        return nlohmann::json::parse(r.out);
    } catch (...) {
        ADD_FAILURE() << "no JSON: " << r.describe();
        return nlohmann::json::object();
    }
}

std::vector<std::string> PgarkFixture::listed() const {
    auto r = pgark({"list", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::vector<std::string> ids;
    if (r.exit_code != 0) return ids;
    const auto listing =
        nlohmann::json::parse(r.out);  // named: a range-for over a temporary's member dangles
    for (const auto& b : listing["backups"]) ids.push_back(b["id"].get<std::string>());
    return ids;
}

}  // namespace pgark::test
