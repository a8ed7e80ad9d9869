// Unit tests for the ASCII rewrite in front of toml++ (config/toml_ascii.h): values keep their meaning,
// lines are kept, the parser never sees a non-ASCII byte, and invalid text is refused with its line.
#include "config/toml_ascii.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <algorithm>

using pgark::config::ascii_toml;
using pgark::config::TomlTextProblem;

namespace {

std::string rewritten(std::string_view text) {
    auto r = ascii_toml(text);
    if (auto* p = std::get_if<TomlTextProblem>(&r)) {
        ADD_FAILURE() << "refused at line " << p->line << ": " << p->message;
        return {};
    }
    return std::get<std::string>(r);
}

TomlTextProblem problem_of(std::string_view text) {
    auto r = ascii_toml(text);
    if (auto* p = std::get_if<TomlTextProblem>(&r)) return *p;
    ADD_FAILURE() << "accepted: " << std::get<std::string>(r);
    return {};
}

bool all_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

TEST(TomlAscii, AsciiTextIsUnchanged) {
    const std::string t = "# c\n[a]\nb = \"x\\\"y\" # z\nc = '''q\n'''\nd = [1, 'e\\f']\n";
    EXPECT_EQ(rewritten(t), "# c\n[a]\nb = \"x\\\"y\" # z\nc = \"\"\"q\n\"\"\"\nd = [1, \"e\\\\f\"]\n");
}

TEST(TomlAscii, StringsAreEscapedAndLiteralStringsBecomeBasicOnes) {
    EXPECT_EQ(rewritten("a = \"\xc3\xa9\xe3\x80\x80\xf0\x9f\x98\x80\"\n"),
              "a = \"\\u00E9\\u3000\\U0001F600\"\n");
    EXPECT_EQ(rewritten("'k\xc3\xbc' = 'a\"\\\xc3\xbc'\n"), "\"k\\u00FC\" = \"a\\\"\\\\\\u00FC\"\n");
    EXPECT_EQ(rewritten("a = '''x''\n\xc3\xbc'''''\n"), "a = \"\"\"x''\n\\u00FC''\"\"\"\n");
    EXPECT_EQ(rewritten("a = \"\"\"\xc3\xbc\"\"\"\"\"\n"), "a = \"\"\"\\u00FC\"\"\"\"\"\n");
    // A line-ending backslash keeps its whitespace; the next line's first character is escaped.
    EXPECT_EQ(rewritten("a = \"\"\"x\\  \n  \xc3\xa9\"\"\"\n"), "a = \"\"\"x\\  \n  \\u00E9\"\"\"\n");
    // A byte order mark is dropped, as toml++ drops it.
    EXPECT_EQ(rewritten("\xef\xbb\xbf"
                        "a = 1\n"),
              "a = 1\n");
}

TEST(TomlAscii, CommentsLoseTheirNonAsciiCharacters) {
    EXPECT_EQ(rewritten("# K\xc3\xbchlkette \xe2\x80\x94 ok\na = 1 # \xc3\xa9\n"),
              "# K?hlkette ? ok\na = 1 # ?\n");
}

// The rewritten text parses to the same values as the original, for every kind of string.
TEST(TomlAscii, ParsedValuesAreTheSame) {
    const std::string t =
        "\"k\xc3\xa9y\" = \"gr\xc3\xbc\xc3\x9f\\te \\\"\xc3\xa4\\\"\"\n"
        "lit = 'C:\\\\pfad\\\\\xc3\xb6 \"q\"'\n"
        "ml = '''\nzeile \xe2\x82\xac\n\\zwei \"\"\" '' '''\n"
        "mb = \"\"\"\n\xf0\x9f\x98\x80 \\\n   \xc3\xb1 \"\" end\"\"\"\n"
        "arr = ['\xce\xb1', \"\xce\xb2\"]  # \xce\xb3\n";
    const std::string out = rewritten(t);
    EXPECT_TRUE(all_ascii(out)) << out;
    const auto expected = toml::parse(t);
    const auto got = toml::parse(out);
    EXPECT_EQ(got, expected);
    EXPECT_EQ(got["lit"].value_or(std::string()), "C:\\\\pfad\\\\\xc3\xb6 \"q\"");
    EXPECT_EQ(got["ml"].value_or(std::string()), "zeile \xe2\x82\xac\n\\zwei \"\"\" '' ");
    EXPECT_EQ(got["mb"].value_or(std::string()), "\xf0\x9f\x98\x80 \xc3\xb1 \"\" end");
    EXPECT_EQ(got["k\xc3\xa9y"].value_or(std::string()), "gr\xc3\xbc\xc3\x9f\te \"\xc3\xa4\"");
}

TEST(TomlAscii, LinesAreKept) {
    const std::string t = "a = '''\n\xc3\xa9\n'''\n# \xc3\xa9\nb = \"\xc3\xa9\"\nc = oops\n";
    const std::string out = rewritten(t);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), std::count(t.begin(), t.end(), '\n'));
    try {
        (void)toml::parse(out);
        ADD_FAILURE() << "parsed";
    } catch (const toml::parse_error& e) {
        EXPECT_EQ(e.source().begin.line, 6u);
    }
}

TEST(TomlAscii, RefusesWhatTomlForbidsWithTheLine) {
    auto p = problem_of("a = 1\nb \xc2\xa0= 2\n");
    EXPECT_EQ(p.line, 2u);
    EXPECT_EQ(p.message, "invalid TOML: a non-ASCII character outside a quoted string or comment");
    p = problem_of("a = \"x\\\xc3\xa9\"\n");
    EXPECT_EQ(p.line, 1u);
    EXPECT_NE(p.message.find("after a backslash"), std::string::npos);
    p = problem_of("a = 1\n\nb = \"\xc3\x28\"\n");  // a broken two-byte sequence
    EXPECT_EQ(p.line, 3u);
    EXPECT_NE(p.message.find("not valid UTF-8"), std::string::npos);
    for (const char* bad :
         {"# \xc0\xaf\n", "a = '\xed\xa0\x80'\n", "a = \"\xf4\x90\x80\x80\"\n", "a = \"\xe2\x82\""})
        EXPECT_NE(problem_of(bad).message.find("not valid UTF-8"), std::string::npos) << bad;
    EXPECT_NE(problem_of("a = '''x''''''\n").message.find("more than five quotes"), std::string::npos);
}
