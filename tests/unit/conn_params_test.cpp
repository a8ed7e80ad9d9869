// Unit tests for connection parameters: conninfo parsing, quoting, password separation.
#include <gtest/gtest.h>

#include "pg/conn_params.h"
#include "util/error.h"

using namespace pgark;

TEST(ConnParams, UriPasswordIsSeparated) {
    auto p = parse_conninfo("postgresql://alice:s3cr%3At@db.example:6432/freshtrack?sslmode=require");
    EXPECT_EQ(p.password, "s3cr:t");
    EXPECT_EQ(p.get("host"), "db.example");
    EXPECT_EQ(p.get("port"), "6432");
    EXPECT_EQ(p.dbname(), "freshtrack");
    EXPECT_EQ(p.conninfo().find("s3cr"), std::string::npos);
    EXPECT_EQ(p.display(), "db.example:6432/freshtrack");
}

TEST(ConnParams, ConninfoQuotesValues) {
    ConnParams p;
    p.params = {{"dbname", "we'ird db"}, {"host", "h"}};
    p.password = "pw";
    EXPECT_EQ(p.conninfo(), "dbname='we\\'ird db' host='h'");
    auto back = parse_conninfo(p.conninfo());
    EXPECT_EQ(back.dbname(), "we'ird db");
}

TEST(ConnParams, MalformedConninfoDoesNotEchoIt) {
    try {
        parse_conninfo("host=x password=topsecret bogus");
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos);
    }
}

TEST(ConnParams, DetectsConninfo) {
    EXPECT_TRUE(looks_like_conninfo("host=x dbname=y"));
    EXPECT_TRUE(looks_like_conninfo("postgres://x/y"));
    EXPECT_FALSE(looks_like_conninfo("freshtrack"));
}
