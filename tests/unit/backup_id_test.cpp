// Unit tests for BackupId: format, strict parsing, ordering, path safety.
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <vector>

#include "core/backup_id.h"

using namespace pgark;

namespace {
SystemTime at(const char* iso) {
    return *parse_iso8601(iso);
}
}  // namespace

TEST(BackupId, FormatsAsDesignSays) {
    auto id = BackupId::make("freshtrack", at("2026-01-24T02:00:00Z"));
    EXPECT_EQ(id.str(), "freshtrack_2026-01-24_02-00-00");
    EXPECT_EQ(BackupId::make("freshtrack", at("2026-01-24T02:00:00Z"), 2).str(),
              "freshtrack_2026-01-24_02-00-00-2");
}

TEST(BackupId, ParsesWhatItMakes) {
    for (int seq : {1, 2, 17}) {
        auto id = BackupId::make("my db/ü", at("2026-03-01T23:59:59Z"), seq);
        auto back = BackupId::parse(id.str());
        ASSERT_TRUE(back) << id.str();
        EXPECT_EQ(back->str(), id.str());
        EXPECT_EQ(back->time(), id.time());
        EXPECT_EQ(back->sequence(), seq);
        EXPECT_EQ(back->db_component(), id.db_component());
    }
}

TEST(BackupId, RejectsTraversalAndJunk) {
    for (const char* bad :
         {"", "latest", "../x_2026-01-24_02-00-00", "a/b_2026-01-24_02-00-00", ".x_2026-01-24_02-00-00",
          "x_2026-13-24_02-00-00", "x_2026-02-31_02-00-00", "x_2026-01-24_02-00-00-1",
          "x_2026-01-24_02-00-00/../../etc", "x_2026-01-24 02-00-00"}) {
        EXPECT_FALSE(BackupId::parse(bad)) << bad;
    }
}

TEST(BackupId, EncodesHostileDatabaseNames) {
    EXPECT_EQ(encode_db_component("freshtrack"), "freshtrack");
    EXPECT_EQ(encode_db_component("../etc"), "%2E.%2Fetc");
    EXPECT_EQ(encode_db_component("a b;c'd"), "a%20b%3Bc%27d");
    EXPECT_EQ(encode_db_component(""), "%00");
    EXPECT_NE(encode_db_component("a%20b"), encode_db_component("a b"));  // injective
    EXPECT_EQ(encode_db_component("a/b").find('/'), std::string::npos);
}

TEST(BackupId, OrdersChronologicallyThenBySequence) {
    auto a = BackupId::make("db", at("2026-01-24T02:00:00Z"));
    auto b = BackupId::make("db", at("2026-01-24T02:00:00Z"), 2);
    auto c = BackupId::make("db", at("2026-01-24T02:00:01Z"));
    auto d = BackupId::make("db", at("2026-01-24T02:00:00Z"), 10);
    EXPECT_LT(a, b);
    EXPECT_LT(b, d);  // numeric, not lexical: -10 after -2
    EXPECT_LT(d, c);
}

// --- hostile input (issue 8) ----------------------------------------------------------------------

namespace {
// Database names an operator may really have: quotes, SQL, spaces, UTF-8, reserved words, path syntax,
// escapes that look like ours, and the longest name PostgreSQL allows with every byte escaped.
std::vector<std::string> hostile_names() {
    std::string longest;
    while (longest.size() < 60) longest += "\xC3\xBC";  // ü
    longest += "\"';";                                  // 63 bytes
    return {"odd\"db; name",
            "it's",
            "donn\xC3\xA9"
            "es \xC3\xA9t\xC3\xA9",
            "select",
            "a b",
            "'; DROP TABLE x; --",
            "../../etc",
            ".",
            "..",
            "-",
            "%2E%2E",
            "a%20b",
            "x_2026-01-24_02-00-00",
            "tab\there",
            longest};
}
}  // namespace

TEST(BackupId, HostileNamesMakeOneSafePathComponentThatParsesBack) {
    const auto when = at("2026-12-31T23:59:59Z");
    for (const auto& name : hostile_names()) {
        const auto c = encode_db_component(name);
        EXPECT_EQ(c.find('/'), std::string::npos) << name;
        EXPECT_NE(c.front(), '.') << name;
        for (unsigned char ch : c)
            EXPECT_TRUE(std::isalnum(ch) || ch == '%' || ch == '_' || ch == '-' || ch == '.') << name;
        EXPECT_EQ(decode_db_component(c), name) << c;
        for (int seq : {1, 999999}) {
            const auto id = BackupId::make(name, when, seq);
            auto back = BackupId::parse(id.str());
            ASSERT_TRUE(back) << id.str();
            EXPECT_EQ(back->db_component(), c);
            EXPECT_EQ(back->sequence(), seq);
            EXPECT_LE(id.str().size(), BackupId::kMaxLength);
        }
        // The longest file name pgark derives from a database name: a drill report "<id>_xxxx.json" (the id
        // without sequence) that the posix driver writes as ".<name>.pgark-tmp-<pid>-<12 hex>" first. It must
        // fit in one path component (255 bytes), or drills of such a database could never store a report.
        const std::string temp_name = "." + BackupId::make(name, when).str() + "_ffff.json" + ".pgark-tmp-" +
                                      "4194304-" + std::string(12, 'f');
        EXPECT_LE(temp_name.size(), 255u) << name;
    }
    // Escapes keep distinct databases apart, also ones that look like escapes.
    std::set<std::string> components;
    for (const auto& name : hostile_names()) components.insert(encode_db_component(name));
    EXPECT_EQ(components.size(), hostile_names().size());
}

TEST(BackupId, RejectsHostileCommandLineIds) {
    const std::string good = "db_2026-01-24_02-00-00";
    ASSERT_TRUE(BackupId::parse(good));
    const std::vector<std::string> bad = {
        "../x",
        "../../etc/passwd",
        "x/../../y",
        "/etc/passwd",
        "/" + good,
        "./" + good,
        good + "/",
        good + "\n",
        "\n" + good,
        "db\n_2026-01-24_02-00-00",
        good + "\r",
        "d\tb_2026-01-24_02-00-00",
        std::string("db\0x_2026-01-24_02-00-00", 24),
        good + std::string(1, '\0'),
        "..",
        "%2E%2E_2026-01-24_02-00-00",  // ".." spelt with escapes encode_db_component never writes
        "%2e_2026-01-24_02-00-00",     // lower-case escape
        "%41_2026-01-24_02-00-00",     // 'A' escaped: a second spelling of database "A"
        "%00_2026-01-24_02-00-00",     // the empty name: no database is called that
        "a%00b_2026-01-24_02-00-00",   // NUL: neither
        "a%2_2026-01-24_02-00-00",
        "a%_2026-01-24_02-00-00",
        "%2F_2026-01-24_02-00-00/../..",
        std::string(BackupId::kMaxLength - 19, 'a') + "_2026-01-24_02-00-00",
        std::string(1 << 20, 'a')};
    for (const auto& text : bad) EXPECT_FALSE(BackupId::parse(text)) << text.substr(0, 60);
    // The escape of '/' is a legal spelling (database "a/b"), and stays one path component.
    auto slash = BackupId::parse("a%2Fb_2026-01-24_02-00-00");
    ASSERT_TRUE(slash);
    EXPECT_EQ(decode_db_component(slash->db_component()), "a/b");
}

TEST(BackupId, DecodesOnlyWhatItEncodes) {
    EXPECT_EQ(decode_db_component("freshtrack"), "freshtrack");
    EXPECT_EQ(decode_db_component("%2E.%2Fetc"), "../etc");
    EXPECT_EQ(decode_db_component("%2E"), ".");
    EXPECT_EQ(decode_db_component("%C3"), "\xC3");
    for (const char* c :
         {"", "%00", "a%00b", ".x", "..", "%2e", "%41", "%5F", "%", "%4", "a%2", "%ZZ", "a b", "a/b", "a\nb"})
        EXPECT_FALSE(decode_db_component(c)) << c;
}
