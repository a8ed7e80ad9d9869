// text_array_literal: every element quoted, `"` and `\` escaped, so a name from an archive stays one
// element with exactly its characters.
#include "pg/sql_literals.h"

#include <gtest/gtest.h>

namespace pgark {
namespace {

TEST(SqlLiterals, EmptyListIsAnEmptyArray) {
    EXPECT_EQ(text_array_literal({}), "{}");
}

TEST(SqlLiterals, PlainNamesAreQuoted) {
    EXPECT_EQ(text_array_literal({"public", "sales"}), R"({"public","sales"})");
}

TEST(SqlLiterals, QuotesAndBackslashesAreEscaped) {
    EXPECT_EQ(text_array_literal({R"(we"ird)", R"(back\slash)"}), R"({"we\"ird","back\\slash"})");
    EXPECT_EQ(text_array_literal({R"(\")"}), R"({"\\\""})");
}

TEST(SqlLiterals, ArraySyntaxInsideAnElementStaysInside) {
    // Unquoted, these would split into elements, nest an array or become NULL.
    EXPECT_EQ(text_array_literal({"a,b", "{x}", "NULL", " padded ", ""}),
              R"({"a,b","{x}","NULL"," padded ",""})");
}

}  // namespace
}  // namespace pgark
