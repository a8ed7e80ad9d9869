// Unit tests for configuration loading: precedence, origins, validation messages, secrets.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "config/config.h"
#include "unit/unit_helpers.h"
#include "util/error.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::config;

namespace {
using test::write_toml;

std::string error_of(const Inputs& in) {
    return test::config_error_of(in);
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
    in.file = write_toml(
        d, "[database]\nhost = \"filehost\"\nport = 6000\nuser = \"fileuser\"\ndbname = \"filedb\"\n");
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
    in.env = {{"POSTGRES_DB", "freshtrack"},
              {"POSTGRES_USER", "freshtrack_user"},
              {"MINIO_ACCESS_KEY", "minio"},
              {"MINIO_SECRET_KEY", "miniosecret"},
              {"AWS_SECRET_ACCESS_KEY", "awssecret"}};
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

// --- hostile values (issue 8): each is refused naming the key and where it came from ---------------

TEST(Config, HostileFileValuesNameKeyAndLine) {
    TempDir d("cfg");
    struct Case {
        std::string toml;  // the bad value is on line 3
        std::string key;
        std::string why;
    };
    const std::vector<Case> cases = {
        {"[backup]\n\ncompression_level = 1e100\n", "backup.compression_level",
         "must be a string, number or boolean"},
        {"[backup]\n\ncompression_level = -5\n", "backup.compression_level", "out of range (1..19)"},
        {"[backup]\n\ncompression_level = \"3; rm -rf /\"\n", "backup.compression_level",
         "not a whole number"},
        {"[backup]\n\nthreads = -1\n", "backup.threads", "out of range"},
        {"[backup]\n\nthreads = 9223372036854775807\n", "backup.threads", "out of range"},
        {"[drill]\n\njobs = 0\n", "drill.jobs", "out of range (1..64)"},
        {"[drill]\n\njobs = 100000\n", "drill.jobs", "out of range (1..64)"},
        {"[drill]\n\njobs = 2.5\n", "drill.jobs", "must be a string, number or boolean"},
        {"[drill]\n\njobs = true\n", "drill.jobs", "not a whole number"},
        {"[drill]\n\njobs = [2]\n", "drill.jobs", "must be a string, number or boolean"},
        {"[drill]\n\njobs = { n = 2 }\n", "drill.jobs", "must be a string, number or boolean"},
        {"[objectives]\n\nrpo = \"-5m\"\n", "objectives.rpo", "not a duration"},
        {"[objectives]\n\nrpo = -300\n", "objectives.rpo", "not a duration"},
        {"[objectives]\n\nrpo = \"999999999999h\"\n", "objectives.rpo", "objectives.rpo"},
        {"[objectives]\n\nrto = \"0s\"\n", "objectives.rto", "out of range"},
        {"[retention]\n\nincomplete_after = \"1s\"\n", "retention.incomplete_after", "out of range"},
        {"[retention]\n\nkeep_last = -1\n", "retention.keep_last", "out of range"},
        {"[s3]\n\npart_size = 0\n", "s3.part_size", "out of range"},
        {"[s3]\n\npart_size = \"1TiB\"\n", "s3.part_size", "not a size"},
        {"[s3]\n\npart_size = \"99999999999G\"\n", "s3.part_size", "not a size"},
        {"[s3]\n\npart_size = \"18446744073709551616\"\n", "s3.part_size", "not a size"},
        {"[s3]\n\npart_size = \"-16MiB\"\n", "s3.part_size", "not a size"},
        {"[s3]\n\nmax_retries = 1000000\n", "s3.max_retries", "out of range"},
        {"[s3]\n\nverify_tls = \"perhaps\"\n", "s3.verify_tls", "not a boolean"},
        {"[database]\n\nhost = \"db\\u0000.evil\"\n", "database.host", "NUL"},
        {"[database]\n\nsslmode = \"disable'; DROP TABLE x; --\"\n", "database.sslmode", "is not one of"},
        {"[drill]\n\nlevel = \"../../etc\"\n", "drill.level", "is not one of"},
        {"[database]\n\nport = \"0x10\"\n", "database.port", "not a whole number"},
        {"[database]\n\nport = 65536\n", "database.port", "out of range"},
        {"[database]\n\nextra = 1\n", "database.extra", "unknown key"},
        {"[database]\nhost = \"x\"\n[database.nested]\nx = 1\n", "database.nested", "unknown key"},
    };
    for (const auto& c : cases) {
        Inputs in;
        in.file = write_toml(d, c.toml);
        auto msg = error_of(in);
        EXPECT_NE(msg.find(*in.file + ":3"), std::string::npos) << c.toml << " -> " << msg;
        EXPECT_NE(msg.find("'" + c.key + "'"), std::string::npos) << c.toml << " -> " << msg;
        EXPECT_NE(msg.find(c.why), std::string::npos) << c.toml << " -> " << msg;
    }
}

TEST(Config, HostileTomlIsRefusedNamingTheLine) {
    TempDir d("cfg");
    const std::vector<std::pair<std::string, std::string>> cases = {
        // Not representable: the parser stops before pgark sees a key, so the line and the value say where.
        {"[backup]\n\ncompression_level = 99999999999999999999\n", "99999999999999999999"},
        {"[database]\n\nhost = " + std::string(100000, '[') + "\n", "nested"},
        {"[database]\n\nhost = \"\xff\xfe\"\n", "not valid UTF-8"},
        {std::string("[database]\n\nhost = \"a") + '\0' + "b\"\n", "control characters"},
        {"[database]\nport = 1\nport = 2\n", "port"},
    };
    for (const auto& [toml, why] : cases) {
        Inputs in;
        in.file = write_toml(d, toml);
        auto msg = error_of(in);
        EXPECT_NE(msg.find(*in.file + ":3: invalid TOML"), std::string::npos) << msg;
        EXPECT_NE(msg.find(why), std::string::npos) << msg;
    }
}

TEST(Config, HostileEnvironmentValuesNameTheVariable) {
    const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
        {"PGARK_COMPRESSION_LEVEL", "1e100", "backup.compression_level"},
        {"PGARK_COMPRESSION_LEVEL", "-5", "backup.compression_level"},
        {"PGARK_COMPRESSION_LEVEL", "99999999999999999999", "backup.compression_level"},
        {"PGARK_THREADS", "-1", "backup.threads"},
        {"PGARK_DRILL_JOBS", "0", "drill.jobs"},
        {"PGARK_DRILL_JOBS", "100000", "drill.jobs"},
        {"PGARK_DRILL_JOBS", " 2", "drill.jobs"},
        {"PGARK_RESTORE_JOBS", "2; DROP TABLE x", "restore.jobs"},
        {"PGPORT", "-1", "database.port"},
        {"PGARK_S3_VERIFY_TLS", "maybe", "s3.verify_tls"},
        {"PGARK_DRILL_LEVEL", "../../etc/passwd", "drill.level"},
        {"PGSSLMODE", "disable host=evil", "database.sslmode"},
    };
    for (const auto& [var, value, key] : cases) {
        Inputs in;
        in.default_file = "";
        in.env = {{var, value}};
        auto msg = error_of(in);
        EXPECT_NE(msg.find("environment variable " + var), std::string::npos)
            << var << "=" << value << " -> " << msg;
        EXPECT_NE(msg.find("'" + key + "'"), std::string::npos) << var << "=" << value << " -> " << msg;
    }
}

TEST(Config, HostileFlagValuesNameTheFlag) {
    const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
        {"backup.compression_level", "99999999999999999999", "--compression-level"},
        {"backup.compression_level", "1e100", "--compression-level"},
        {"backup.threads", "-1", "--threads"},
        {"drill.jobs", "0", "--jobs"},
        {"drill.jobs", "100000", "--jobs"},
        {"restore.jobs", "-2", "--jobs"},
        {"retention.keep_last", "-1", "--keep-last"},
        {"retention.keep_daily", "1e3", "--keep-daily"},
        {"retention.keep_monthly", "100001", "--keep-monthly"},
        {"database.port", "0", "--port"},
        {"drill.level", "content; DROP TABLE x", "--level"},
    };
    for (const auto& [key, value, flag] : cases) {
        Inputs in;
        in.default_file = "";
        in.flags = {{key, value}};
        auto msg = error_of(in);
        EXPECT_NE(msg.find("flag " + flag), std::string::npos) << flag << " " << value << " -> " << msg;
        EXPECT_NE(msg.find("'" + key + "'"), std::string::npos) << flag << " " << value << " -> " << msg;
    }
}
