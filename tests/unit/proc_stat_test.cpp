// Unit tests for /proc/PID/stat parsing against this very process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "util/proc_stat.h"

using namespace pgark;

TEST(ProcStat, ReadsThisProcess) {
    auto s = read_proc_stat(getpid());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->pid, getpid());
    EXPECT_EQ(s->ppid, getppid());
    EXPECT_EQ(s->pgrp, getpgrp());
    EXPECT_EQ(s->state, 'R');
    EXPECT_GT(s->start_ticks, 0u);
    // The parent started no later than this process.
    auto parent = read_proc_stat(getppid());
    ASSERT_TRUE(parent);
    EXPECT_LE(parent->start_ticks, s->start_ticks);
}

TEST(ProcStat, AMissingProcessIsNullopt) {
    EXPECT_FALSE(read_proc_stat(-1));
}

TEST(ProcStat, ListsThisProcessAmongAll) {
    auto all = list_processes();
    EXPECT_GT(all.size(), 1u);
    EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const ProcStat& p) { return p.pid == getpid(); }));
}
