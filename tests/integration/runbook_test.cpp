// Runs every command block of docs/runbook.md, in order, as an operator would (bash, with pgark,
// the PostgreSQL client tools, zstd and the AWS CLI on PATH), against a real PostgreSQL 15 and a
// local and an S3 repository. The runbook's example paths, endpoint and backup ids are replaced by
// the real ones; `<!-- test: answer=NAME -->` blocks run on a terminal and type NAME at the prompt,
// `repository=posix|s3` blocks run for that repository kind only, `cron` blocks are checked as cron
// lines and their command is run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "core/cron.h"
#include "support/pg_cluster.h"
#include "support/pgark_cli.h"
#include "support/pty_session.h"
#include "support/sample_db.h"
#include "support/storage_fixtures.h"
#include "support/swift_server.h"
#include "support/test_paths.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::test;
namespace fs = std::filesystem;

namespace {

struct Block {
    int line = 0;                                // of the opening fence, for messages
    std::map<std::string, std::string> options;  // from <!-- test: k=v k2 -->
    std::string text;
};

std::vector<Block> runbook_blocks(const fs::path& file) {
    std::ifstream in(file);
    std::vector<Block> blocks;
    std::map<std::string, std::string> pending;
    std::regex annotation(R"(^\s*<!-- test: (.*) -->\s*$)"), fence(R"(^(\s*)```sh\s*$)");
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        std::smatch m;
        if (std::regex_match(line, m, annotation)) {
            std::istringstream words(m.str(1));
            for (std::string w; words >> w;) {
                auto eq = w.find('=');
                pending[w.substr(0, eq)] = eq == std::string::npos ? "" : w.substr(eq + 1);
            }
            continue;
        }
        if (!std::regex_match(line, m, fence)) {
            if (!line.empty()) pending.clear();  // an annotation applies to the block right below it
            continue;
        }
        Block b{n, pending, ""};
        pending.clear();
        const auto indent = m.str(1).size();
        while (std::getline(in, line)) {
            ++n;
            if (line.find("```") != std::string::npos) break;
            b.text += (line.size() >= indent ? line.substr(indent) : line) + "\n";
        }
        blocks.push_back(b);
    }
    return blocks;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    return s;
}

class RunbookTest : public ::testing::TestWithParam<Driver> {
  protected:
    static PgCluster& pg() { return PgCluster::shared(); }
    void SetUp() override {
        for (const char* db : {"freshtrack", "freshtrack_restored"}) pg().drop_database(db);
        load_freshtrack(pg(), "freshtrack");
        repo_ = make_repo_location(GetParam(), "runbook");
        env_ = pg().client_env("freshtrack");
        for (const auto& [k, v] : repo_.env) env_[k] = v;
        env_["PGARK_REPOSITORY"] = repo_.url;
        env_["TMPDIR"] = tmp_.path().string();
        // The AWS CLI reads the same AWS_* variables; keep a developer's ~/.aws out of it.
        env_["AWS_DEFAULT_REGION"] = "us-east-1";
        env_["AWS_CONFIG_FILE"] = (tmp_.path() / "aws-config").string();
        env_["AWS_SHARED_CREDENTIALS_FILE"] = (tmp_.path() / "aws-credentials").string();
        env_["PATH"] = fs::path(pgark_binary()).parent_path().string() + ":" + PgCluster::bin_dir() +
                       ":/usr/local/bin:/usr/bin:/bin";
        auto r = run_pgark({"init"}, env_);
        ASSERT_EQ(r.exit_code, 0) << r.describe();
        r = run_pgark({"backup", "-q"}, env_);
        ASSERT_EQ(r.exit_code, 0) << r.describe();
        first_backup_ = latest_id();
        // Production goes wrong after the backup: alerts lost, a table added.
        pg().psql("DELETE FROM alerts; CREATE TABLE junk (i int)", "freshtrack");
    }
    void TearDown() override {
        for (const char* db : {"freshtrack", "freshtrack_restored"}) pg().drop_database(db);
    }
    std::string latest_id() {
        auto r = run_pgark({"list", "--json", "--all"}, env_);
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        auto j = nlohmann::json::parse(r.out);
        auto& list = j.is_array() ? j : j["backups"];
        return list.empty() ? "" : list.back()["id"].get<std::string>();
    }
    std::size_t backup_count() {
        auto r = run_pgark({"list", "--json", "--all"}, env_);
        auto j = nlohmann::json::parse(r.out);
        return (j.is_array() ? j : j["backups"]).size();
    }
    std::string newest_safety_backup() {
        auto r = run_pgark({"list", "--json", "--all"}, env_);
        EXPECT_EQ(r.exit_code, 0) << r.describe();
        std::string newest;
        const auto listing = nlohmann::json::parse(r.out);  // named: the loop reads into it
        for (const auto& b : listing["backups"])
            if (b.value("purpose", "") == "safety") newest = b["id"].get<std::string>();
        return newest;
    }
    std::string concrete(std::string text) const {
        text = replace_all(text, "/srv/pgark", repo_.driver == Driver::posix ? repo_.url : "/nonexistent");
        text = replace_all(text, "s3://pgark/freshtrack", repo_.url);
        text = replace_all(text, "https://minio.example:9000", SwiftServer::shared().endpoint());
        text = replace_all(text, "freshtrack_2026-01-24_02-00-00", first_backup_);
        if (!safety_backup_.empty())
            text = replace_all(text, "freshtrack_2026-01-24_03-12-09", safety_backup_);
        return text;
    }

    RepoLocation repo_;
    TempDir tmp_{"runbook"};
    std::map<std::string, std::string> env_;
    std::string first_backup_, safety_backup_;
};

TEST_P(RunbookTest, EveryCommandBlockRunsAsWritten) {
    auto blocks = runbook_blocks(fs::path(PGARK_SOURCE_DIR) / "docs" / "runbook.md");
    ASSERT_GE(blocks.size(), 12u) << "the runbook lost its command blocks";
    int ran = 0;
    for (const auto& b : blocks) {
        SCOPED_TRACE("docs/runbook.md:" + std::to_string(b.line) + ":\n" + b.text);
        if (b.options.count("repository") && b.options.at("repository") != to_string(GetParam())) continue;
        std::string script = concrete(b.text);
        ASSERT_TRUE(script.find("freshtrack_2026-01-24_") == std::string::npos)
            << "an example backup id has no real counterpart yet:\n"
            << script;
        if (b.options.count("cron")) {
            // "m h dom mon dow  command": the schedule must parse, the command must run.
            std::smatch m;
            ASSERT_TRUE(std::regex_match(script, m, std::regex(R"(^((?:\S+\s+){4}\S+)\s+(.*)\n$)")))
                << script;
            EXPECT_NO_THROW(CronExpr::parse(m.str(1), "runbook cron line"));
            script = m.str(2);
        }
        std::string output;
        int code = -1;
        if (b.options.count("answer")) {
            PtySession tty("/bin/bash", {"-eo", "pipefail", "-c", script}, env_);
            ASSERT_TRUE(tty.expect("to continue: ")) << tty.transcript();
            tty.send(b.options.at("answer") + "\n");
            code = tty.wait();
            output = tty.transcript();
        } else {
            auto r = run_command("/bin/bash", {"-eo", "pipefail", "-c", script}, env_);
            code = r.exit_code;
            output = r.out + r.err;
        }
        ASSERT_EQ(code, 0) << output;
        ++ran;
        // The safety backup the runbook's undo step restores: the newest one, as its manifest marks it
        // (the message names it too, but a terminal transcript may be cut short under load).
        if (auto newest = newest_safety_backup(); !newest.empty()) safety_backup_ = newest;
    }
    // Blocks for the other repository kind are the only ones skipped.
    EXPECT_EQ(ran, static_cast<int>(blocks.size()) - 1);
    // The restores brought back the backup's contents (the last one restored the safety backup of a
    // restored database), and the manual restore produced the same database.
    EXPECT_EQ(table_counts(pg(), "freshtrack"), freshtrack_counts().by_table());
    EXPECT_EQ(pg().psql("SELECT count(*) FROM pg_class WHERE relname = 'junk'", "freshtrack"), "0");
    EXPECT_EQ(table_counts(pg(), "freshtrack_restored"), freshtrack_counts().by_table());
    // The first backup, a safety backup per destructive restore (three), the checklist's backup and
    // the cron line's backup.
    EXPECT_EQ(backup_count(), 6u);
}

INSTANTIATE_TEST_SUITE_P(Drivers, RunbookTest, ::testing::ValuesIn(all_drivers()), driver_name);

}  // namespace
