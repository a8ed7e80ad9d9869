// The spool directory of a drill or restore: free-space check, creation, and the sweep of killed runs'.
#include "restore/spool.h"

#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cerrno>
#include <regex>

#include "util/error.h"
#include "util/units.h"

namespace pgark {

std::filesystem::path spool_parent(const config::Config& config) {
    const auto& dir = config.str("drill.spool_dir");
    return dir.empty() ? default_temp_parent() : std::filesystem::path(dir);
}

void check_spool_space(const std::filesystem::path& parent, std::uint64_t raw_bytes) {
    struct statvfs st {};
    if (::statvfs(parent.c_str(), &st) != 0) return;
    std::uint64_t avail = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    std::uint64_t want = raw_bytes + raw_bytes / 50 + (16u << 20);
    if (avail < want)
        throw Error("not enough free space in " + parent.string() + " for the restore spool: need " +
                    units::format_size(want) + ", have " + units::format_size(avail) +
                    "; set drill.spool_dir (PGARK_SPOOL_DIR) to a larger filesystem");
}

void sweep_stale_spools(const std::filesystem::path& parent) {
    static const std::regex name(R"(^pgark-(?:drill|restore)-(\d+)-[A-Za-z0-9]{6}$)");
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(parent, ec)) {
        std::smatch m;
        auto fname = e.path().filename().string();
        if (!std::regex_match(fname, m, name)) continue;
        pid_t pid = static_cast<pid_t>(std::stol(m.str(1)));
        if (pid == getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
        spdlog::info("removing the spool {} of a drill or restore that is gone (pid {})", e.path().string(),
                     pid);
        std::filesystem::remove_all(e.path(), ec);
    }
}

namespace {
const std::filesystem::path& checked(const std::filesystem::path& parent, std::uint64_t raw_bytes) {
    sweep_stale_spools(parent);  // first: a killed run's spool may hold the room this one needs
    check_spool_space(parent, raw_bytes);
    return parent;
}
}  // namespace

// The pid in the name lets a later run tell a dead run's spool from a running one's.
Spool::Spool(const std::filesystem::path& parent, const std::string& job, std::uint64_t raw_bytes)
    : dir_("pgark-" + job + "-" + std::to_string(getpid()), checked(parent, raw_bytes)),
      archive_(dir_.path() / "archive.pgdump") {}

}  // namespace pgark
