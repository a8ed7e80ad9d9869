// Regression tests for the manifest and config parser defects found with the fuzz targets in tests/fuzz
// (by the fuzzer, or while writing the targets' checks), with the fuzzer's input where it found one.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "core/manifest.h"
#include "unit/unit_helpers.h"
#include "util/error.h"
#include "util/temp.h"

using namespace pgark;
using namespace pgark::config;

namespace {

std::string error_of(const std::string& manifest_text) {
    try {
        Manifest::from_json(manifest_text, "m.json");
    } catch (const VerifyError& e) {
        return e.what();
    }
    return "";
}

std::string error_of(const Inputs& in) {
    return test::config_error_of(in);
}
}  // namespace

// The fuzzer's find: a year past 2262 overflowed the nanosecond clock (undefined behaviour) and was
// accepted as some other time. Short or impossible times must be refused too, not thrown out of
// parse_iso8601 as std::out_of_range ("1-1-1T1:1:1Z") or normalised into another day.
TEST(ManifestFuzzFindings, RefusesTimesOutsideWhatItWrites) {
    for (const char* bad :
         {"9328-02-29T23:59:58.001Z", "2262-04-12T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "1-1-1T1:1:1Z",
          "2026-01-24T02:00:00", "2026-02-30T00:00:00.000Z", "2026-01-24T24:00:00.000Z",
          "+026-01-24T02:00:00.000Z", "2026-01-24T02:00:00.-50Z", "2026-01-24 02:00:00.000Z"}) {
        auto j = nlohmann::json::parse(test::sample_manifest().to_json());
        j["started_at"] = bad;
        auto msg = error_of(j.dump());
        EXPECT_NE(msg.find("m.json: manifest field 'started_at' is not a UTC time"), std::string::npos)
            << bad << ": " << msg;
    }
    auto j = nlohmann::json::parse(test::sample_manifest().to_json());
    j["finished_at"] = "2261-12-31T23:59:59Z";  // the last second it can hold, without milliseconds
    EXPECT_EQ(Manifest::from_json(j.dump(), "m.json").finished_at, *parse_iso8601("2261-12-31T23:59:59Z"));
    j["id"] = "freshtrack_9999-01-24_02-00-00";
    EXPECT_NE(error_of(j.dump()).find("manifest id is not a valid backup id"), std::string::npos);
}

// get<int>() narrowed silently, so a damaged manifest could claim format 1.
TEST(ManifestFuzzFindings, RefusesIntegersThatWouldWrap) {
    auto j = nlohmann::json::parse(test::sample_manifest().to_json());
    j["format"] = 4294967297ull;  // 2^32 + 1: reads as format 1 when narrowed to int
    EXPECT_NE(error_of(j.dump()).find("manifest field 'format' is out of range"), std::string::npos);
    j = nlohmann::json::parse(test::sample_manifest().to_json());
    j["archive"]["compression_level"] = -4294967293ll;
    EXPECT_NE(error_of(j.dump()).find("'compression_level' is out of range"), std::string::npos);
}

TEST(ManifestFuzzFindings, TablesMustBeAnArray) {
    auto j = nlohmann::json::parse(test::sample_manifest().to_json());
    j["tables"] = {{"devices", j["tables"][0]}};  // an object of tables was read as if it were the list
    EXPECT_NE(error_of(j.dump()).find("manifest field 'tables' has the wrong type"), std::string::npos);
}

TEST(ConfigFuzzFindings, FromTomlIsTheFileLoaderWithoutAFile) {
    auto c = Config::from_toml("[database]\nport = 6000\n", "inline.toml");
    EXPECT_EQ(c.integer("database.port"), 6000);
    EXPECT_EQ(c.setting("database.port").origin.describe(), "file inline.toml:2");
    EXPECT_EQ(c.str("database.host"), "");
    EXPECT_EQ(c.integer("backup.compression_level"), 3);
    try {
        Config::from_toml("[database]\nhots = \"x\"\n", "inline.toml");
        FAIL() << "accepted an unknown key";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("inline.toml:2: unknown key 'database.hots'"),
                  std::string::npos);
    }
}

TEST(ConfigFuzzFindings, UnreadableFileNamesItsPath) {
    TempDir d("cfg");
    Inputs in;
    in.file = d.path().string();  // a directory: it exists, but holds no text
    auto msg = error_of(in);
    EXPECT_NE(msg.find("cannot read config file " + *in.file), std::string::npos) << msg;
}

// Caught by fuzz_config's check that accepted values are readable: an empty value passed validation,
// and the typed accessors then threw std::invalid_argument ("stoll") out of e.g. `pgark backup`.
TEST(ConfigFuzzFindings, EmptyValueOnlyForKeysThatMayBeUnset) {
    TempDir d("cfg");
    Inputs in;
    for (const char* text :
         {"[database]\nport = \"\"\n", "[objectives]\nrpo = \"\"\n", "[s3]\npart_size = \"\"\n",
          "[s3]\nverify_tls = \"\"\n", "[drill]\nlevel = \"\"\n"}) {
        in.file = test::write_toml(d, text);
        auto msg = error_of(in);
        EXPECT_NE(msg.find(":2: invalid value for '"), std::string::npos) << text << msg;
        EXPECT_NE(msg.find("must not be empty; leave the key out for its default"), std::string::npos) << msg;
    }
    in.file = test::write_toml(
        d, "[database]\nsslmode = \"\"\n[schedule]\ndrill = \"\"\n[daemon]\nlisten = \"\"\n");
    auto c = Config::load(in);
    EXPECT_EQ(c.str("database.sslmode"), "");
    EXPECT_EQ(c.str("schedule.drill"), "");  // documented: the job is not scheduled
    EXPECT_EQ(c.str("daemon.listen"), "");   // documented: no HTTP server
    in.file.reset();
    in.default_file = "";
    in.flags = {{"database.port", ""}};
    EXPECT_NE(error_of(in).find("flag --port (for 'database.port'): must not be empty"), std::string::npos);
}

// The fuzzer's find: toml++ 3.3.0 hits undefined behaviour (__builtin_unreachable) when it asks whether a
// character such as U+00D9 is whitespace, which it does outside strings and comments.
TEST(ConfigFuzzFindings, NonAsciiOutsideStringsIsRefusedWithItsLine) {
    TempDir d("cfg");
    Inputs in;
    in.file = test::write_toml(d, "poesstrsion_token \xc3\x99");  // the fuzzer's input, minimised
    EXPECT_NE(error_of(in).find(":1: invalid TOML: a non-ASCII character outside a quoted string or comment"),
              std::string::npos)
        << error_of(in);
    in.file = test::write_toml(d, "[database]\nport = 5432\n\xc2\xa1 = 1\n");
    EXPECT_NE(error_of(in).find(":3: invalid TOML: a non-ASCII character outside"), std::string::npos);
    // A line continued with a backslash in a multi-line string may start with any character.
    in.file = test::write_toml(
        d, "[drill]\n# \"\n[[drill.checks]]\nname = \"x\"\nsql = \"\"\"a\\\n  \xc3\xa9\"\"\"\n");
    auto c = Config::load(in);
    ASSERT_EQ(c.user_checks().size(), 1u);
    EXPECT_EQ(c.user_checks()[0].sql, "a\xc3\xa9");
}

// The fuzzer's second find of the same toml++ defect: looking ahead through a malformed bare value, toml++
// ran into a quote and on into what any simpler reader takes for a string (U+011F here). Since then
// toml++ is never given a non-ASCII byte (config/toml_ascii.h), so the input is an ordinary TOML error.
TEST(ConfigFuzzFindings, BareValueRunningIntoAStringIsATomlError) {
    TempDir d("cfg");
    Inputs in;
    const std::string found("p= 1tev\"ri:\0\0\0\0\0\0\0ify-f\0\0\x01\0`0\0\xc4\x9fr\0\0\0\0\0\0\0a.dl\"a",
                            46);
    in.file = test::write_toml(d, found);
    EXPECT_NE(error_of(in).find(":1: invalid TOML"), std::string::npos) << error_of(in);
    for (const char* text : {"p = 1tev'\xc4\x9f'\n", "p = 1.\"\xc3\xa9\"\n", "p = 1='\xc2\xa1'\n"}) {
        in.file = test::write_toml(d, text);
        EXPECT_NE(error_of(in).find(":1: invalid TOML"), std::string::npos) << text << error_of(in);
    }
}

// The fuzzer's find in that guard itself: a multi-line basic string ending in a backslash at the end of
// the file read one byte past the text. Now an ordinary TOML error with its line. (The input is also a
// seed of fuzz_config, whose build checks string_view bounds, which this build does not.)
TEST(ConfigFuzzFindings, BackslashAtTheEndOfAnUnclosedMultiLineStringIsATomlError) {
    TempDir d("cfg");
    Inputs in;
    in.file = test::write_toml(d, " \"\"\"zh\\");  // the fuzzer's input
    EXPECT_NE(error_of(in).find(":1: invalid TOML"), std::string::npos) << error_of(in);
    in.file = test::write_toml(d, "[drill]\nx = \"\"\"a\\");
    EXPECT_NE(error_of(in).find(":2: invalid TOML"), std::string::npos) << error_of(in);
}

// The guard for the case above must let every valid non-ASCII text through: comments, all four kinds of
// strings (with quotes and escapes that could end them early) and a byte order mark.
TEST(ConfigFuzzFindings, NonAsciiInStringsAndCommentsIsRead) {
    TempDir d("cfg");
    Inputs in;
    in.file = test::write_toml(d,
                               "\xef\xbb\xbf# Gerätepark — Kühlkette\n"
                               "[database]\n"
                               "dbname = \"gerätepark \\\"ä\\\" ø\"  # ü\n"
                               "user = 'élan'\n"
                               "[[drill.checks]]\n"
                               "name = '''keine \"Lücken\" ''\n mehr'''''\n"
                               "sql = \"\"\"SELECT 'Grüße' \\\n   -- ö\n  \"\"\"\"\n"
                               "expect = \"\\u00e9\xc3\xa9\"\n");  // an escaped and a literal U+00E9
    auto c = Config::load(in);
    EXPECT_EQ(c.str("database.dbname"), "gerätepark \"ä\" ø");
    EXPECT_EQ(c.str("database.user"), "élan");
    ASSERT_EQ(c.user_checks().size(), 1u);
    EXPECT_EQ(c.user_checks()[0].name, "keine \"Lücken\" ''\n mehr''");
    EXPECT_EQ(c.user_checks()[0].sql, "SELECT 'Grüße' -- ö\n  \"");
    EXPECT_EQ(c.user_checks()[0].expect, "éé");
}

// The fuzzer's find: with its internal assertions on, toml++ 3.3.0 aborts on a table header that starts
// with a character no key can start with; the library pgark links reports it as bad TOML.
TEST(ConfigFuzzFindings, MalformedTableHeaderIsAnOrdinaryTomlError) {
    TempDir d("cfg");
    Inputs in;
    in.file = test::write_toml(d, "[)");
    EXPECT_NE(error_of(in).find(":1: invalid TOML: "), std::string::npos) << error_of(in);
}
