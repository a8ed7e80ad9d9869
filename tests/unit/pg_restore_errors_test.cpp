// pg_restore_error_summary: the errors themselves, out of interleaved parallel output.
#include "pg/pg_restore_errors.h"

#include <gtest/gtest.h>

namespace pgark {
namespace {

// What pg_restore --jobs 2 --verbose (LC_MESSAGES=C) writes when two items fail, progress lines kept.
const char* kParallel =
    "pg_restore: launching item 3 TABLE DATA public.devices\n"
    "pg_restore: error: could not execute query: ERROR:  relation \"alerts\" already exists\n"
    "Command was: CREATE TABLE public.alerts (\n"
    "    id integer NOT NULL\n"
    ");\n"
    "pg_restore: finished item 3 TABLE DATA devices\n"
    "pg_restore: launching item 7 INDEX public.readings_idx\n"
    "pg_restore: error: could not execute query: ERROR:  role \"shop_owner\" does not exist\n"
    "Command was: ALTER TABLE public.alerts OWNER TO shop_owner;\n"
    "pg_restore: finished item 7 INDEX readings_idx\n"
    "pg_restore: finished item 8 INDEX x\n"
    "pg_restore: finished item 9 INDEX y\n"
    "pg_restore: finished item 10 INDEX z\n"
    "pg_restore: finished main parallel loop\n"
    "pg_restore: warning: errors ignored on restore: 2\n";

TEST(PgRestoreErrors, QuotesEveryErrorAndTheCountNotTheProgressOrTheSql) {
    const auto s = pg_restore_error_summary(kParallel);
    EXPECT_NE(s.find("relation \"alerts\" already exists"), std::string::npos) << s;
    EXPECT_NE(s.find("role \"shop_owner\" does not exist"), std::string::npos) << s;
    EXPECT_NE(s.find("errors ignored on restore: 2"), std::string::npos) << s;
    EXPECT_EQ(s.find("finished item"), std::string::npos) << s;
    EXPECT_EQ(s.find("Command was"), std::string::npos) << s;
    EXPECT_EQ(s.find("id integer"), std::string::npos) << s;
}

TEST(PgRestoreErrors, KeepsTheServersDetailAndHint) {
    const auto s = pg_restore_error_summary(
        "pg_restore: error: could not execute query: ERROR:  insert or update violates foreign key\n"
        "DETAIL:  Key (device_id)=(7) is not present in table \"devices\".\n"
        "Command was: ALTER TABLE ONLY public.r ADD CONSTRAINT r_fk FOREIGN KEY (device_id);\n");
    EXPECT_NE(s.find("violates foreign key\n    DETAIL:  Key (device_id)=(7)"), std::string::npos) << s;
}

TEST(PgRestoreErrors, CountsWhatItLeavesOut) {
    std::string text;
    for (int i = 0; i < 8; ++i)
        text += "pg_restore: error: could not execute query: ERROR:  error " + std::to_string(i) + "\n";
    const auto s = pg_restore_error_summary(text, 3);
    EXPECT_NE(s.find("error 2"), std::string::npos) << s;
    EXPECT_EQ(s.find("error 3"), std::string::npos) << s;
    EXPECT_NE(s.find("... and 5 more errors"), std::string::npos) << s;
}

TEST(PgRestoreErrors, WithoutErrorLinesTheTailIsQuoted) {
    EXPECT_EQ(pg_restore_error_summary("could not connect\nserver closed the connection\n"),
              "could not connect\n  server closed the connection");
}

}  // namespace
}  // namespace pgark
