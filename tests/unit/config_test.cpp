// Unit tests for configuration loading: precedence, origins, validation messages, secrets.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "config/config.h"
#include "util/error.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::config;

namespace {
std::string write_toml(const TempDir& d, const std::string& text, const char* name = "pgark.toml") {
    auto p = (d.path() / name).string();
    std::ofstream(p) << text;
    ::chmod(p.c_str(), 0600);
    return p;
}

std::string error_of(const Inputs& in) {
    try {
        Config::load(in);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST(Config, DefaultsApply) {
    Inputs in;
    in.default_file = "";
    auto c = Config::load(in);
    EXPECT_EQ(c.integer("database.port"), 5432);
    EXPECT_EQ(c.duration("objectives.rpo").count(), 24 * 3600);
    EXPECT_EQ(c.duration("objectives.rto").count(), 30 * 60);
    EXPECT_EQ(c.integer("backup.compression_level"), 3);
    EXPECT_EQ(c.setting("database.port").origin.describe(), "default");
}

TEST(Config, FlagsBeatEnvironmentBeatFile) {
    TempDir d("cfg");
    Inputs in;
    in.file = write_toml(d, "[database]\nhost = \"filehost\"\nport = 6000\nuser = \"fileuser\"\ndbname = \"filedb\"\n");
    in.env = {{"PGHOST", "envhost"}, {"PGPORT", "7000"}};
    in.flags = {{"database.host", "flaghost"}};
    auto c = Config::load(in);
    EXPECT_EQ(c.str("database.host"), "flaghost");
    EXPECT_EQ(c.setting("database.host").origin.describe(), "flag --host");
    EXPECT_EQ(c.integer("database.port"), 7000);
    EXPECT_EQ(c.setting("database.port").origin.describe(), "env PGPORT");
    EXPECT_EQ(c.str("database.user"), "fileuser");
    EXPECT_EQ(c.setting("database.user").origin.describe(), "file " + *in.file + ":4");
}

TEST(Config, EcosystemVariablesInPriorityOrder) {
    Inputs in;
    in.default_file = "";
    in.env = {{"POSTGRES_DB", "freshtrack"}, {"POSTGRES_USER", "freshtrack_user"}, {"MINIO_ACCESS_KEY", "minio"},
              {"MINIO_SECRET_KEY", "miniosecret"}, {"AWS_SECRET_ACCESS_KEY", "awssecret"}};
    auto c = Config::load(in);
    EXPECT_EQ(c.str("database.dbname"), "freshtrack");
    EXPECT_EQ(c.str("database.user"), "freshtrack_user");
    EXPECT_EQ(c.str("s3.access_key_id"), "minio");
    EXPECT_EQ(c.str("s3.secret_access_key"), "awssecret");  // AWS_* first, then MINIO_*
    in.env["PGDATABASE"] = "other";
    EXPECT_EQ(Config::load(in).str("database.dbname"), "other");  // libpq's own variable wins
}

TEST(Config, UnknownKeyNamesKeyLineAndSuggestion) {
    TempDir d("cfg");
    Inputs in;
    in.file = write_toml(d, "[database]\nhost = \"x\"\nhots = \"y\"\n");
    auto msg = error_of(in);
    EXPECT_NE(msg.find(":3: unknown key 'database.hots'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'database.host'"), std::string::npos) << msg;
}

TEST(Config, InvalidValuesNameKeyAndLine) {
    TempDir d("cfg");
    Inputs in;
    in.file = write_toml(d, "[backup]\n\ncompression_level = 99\n");
    auto msg = error_of(in);
    EXPECT_NE(msg.find(":3: invalid value for 'backup.compression_level'"), std::string::npos) << msg;
    in.file = write_toml(d, "[objectives]\nrpo = \"yesterday\"\n");
    EXPECT_NE(error_of(in).find("'objectives.rpo'"), std::string::npos);
    in.file = write_toml(d, "[database]\nport = -1\n");
    EXPECT_NE(error_of(in).find("out of range"), std::string::npos);
    in.file = write_toml(d, "[database]\nport = 99999999999999999999999\n");
    EXPECT_NE(error_of(in).find("invalid TOML"), std::string::npos);
    in.file = write_toml(d, "[database\nport = 1\n");
    EXPECT_NE(error_of(in).find(":1: invalid TOML"), std::string::npos) << error_of(in);
    in.file = write_toml(d, "port = 1\n");
    EXPECT_NE(error_of(in).find("unknown key 'port'"), std::string::npos);
}

TEST(Config, InvalidEnvAndFlagsNameTheirSource) {
    Inputs in;
    in.default_file = "";
    in.env = {{"PGPORT", "abc"}};
    EXPECT_NE(error_of(in).find("environment variable PGPORT"), std::string::npos);
    in.env.clear();
    in.flags = {{"backup.threads", "-3"}};
    EXPECT_NE(error_of(in).find("--threads"), std::string::npos);
}

TEST(Config, MissingExplicitFileIsAnError) {
    Inputs in;
    in.file = "/nonexistent/pgark.toml";
    EXPECT_NE(error_of(in).find("does not exist"), std::string::npos);
}

TEST(Config, WarnsWhenSecretsAreWorldReadable) {
    TempDir d("cfg");
    Inputs in;
    in.file = write_toml(d, "[database]\npassword = \"hunter22\"\n");
    EXPECT_TRUE(Config::load(in).warnings().empty());
    ::chmod(in.file->c_str(), 0644);
    auto c = Config::load(in);
    ASSERT_EQ(c.warnings().size(), 1u);
    EXPECT_EQ(c.warnings()[0].find("hunter22"), std::string::npos);
    EXPECT_EQ(c.secret_values(), std::vector<std::string>{"hunter22"});
}
