// Size-limited tmpfs mounts for storage-fault tests (see tmpfs_mount.h).
#include "support/tmpfs_mount.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "util/temp.h"

namespace fs = std::filesystem;

namespace pgark::test {
namespace {

constexpr const char* kPrefix = "pgark-tmpfs-";
constexpr const char* kFiller = ".filler";
constexpr const char* kInodeFiller = ".filler-inodes";

std::runtime_error sys_error(const std::string& what, int err) {
    return std::runtime_error(what + ": " + std::strerror(err));
}

// Mount points listed in /proc/mounts (octal escapes such as \040 decoded).
std::vector<std::string> mount_points() {
    std::vector<std::string> out;
    std::ifstream in("/proc/self/mounts");
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string source, target;
        if (!(fields >> source >> target)) continue;
        std::string decoded;
        for (std::size_t i = 0; i < target.size(); ++i) {
            if (target[i] == '\\' && i + 3 < target.size()) {
                decoded += static_cast<char>(std::stoi(target.substr(i + 1, 3), nullptr, 8));
                i += 3;
            } else {
                decoded += target[i];
            }
        }
        out.push_back(decoded);
    }
    return out;
}

// The pid in a mount point made by TmpfsMount (".../pgark-tmpfs-<pid>-XXXXXX"), or 0.
pid_t owner_of(const std::string& mount_point) {
    static const std::regex re(std::string("/") + kPrefix + R"((\d+)-[A-Za-z0-9]{6}$)");
    std::smatch m;
    if (!std::regex_search(mount_point, m, re)) return 0;
    return static_cast<pid_t>(std::stol(m[1]));
}

// Unmounts what a killed test process left mounted: a SIGKILL runs no destructor.
void sweep_stale_mounts() {
    for (const auto& mp : mount_points()) {
        pid_t pid = owner_of(mp);
        if (pid <= 0 || pid == getpid()) continue;
        if (::kill(pid, 0) == 0 || errno == EPERM) continue;
        if (::umount2(mp.c_str(), MNT_DETACH) == 0) {
            std::error_code ec;
            fs::remove_all(mp, ec);
        }
    }
}

struct statvfs stat_fs(const fs::path& p) {
    struct statvfs st {};
    if (::statvfs(p.c_str(), &st) != 0) throw sys_error("statvfs of " + p.string(), errno);
    return st;
}

}  // namespace

std::unique_ptr<TmpfsMount> TmpfsMount::try_mount(const Options& opts, std::string* why_not) {
    sweep_stale_mounts();
    std::unique_ptr<TmpfsMount> m(new TmpfsMount());
    m->dir_ = std::make_unique<TempDir>(kPrefix + std::to_string(getpid()));
    m->path_ = m->dir_->path();
    std::string data = "size=" + std::to_string(opts.size_bytes) + ",mode=0700";
    if (opts.inodes > 0) data += ",nr_inodes=" + std::to_string(opts.inodes);
    if (::mount("pgark-test-tmpfs", m->path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, data.c_str()) != 0) {
        int err = errno;
        if (err == EPERM || err == EACCES) {
            if (why_not)
                *why_not = "mounting a tmpfs is not permitted here (" + std::string(std::strerror(err)) +
                           ", euid " + std::to_string(geteuid()) +
                           "): these tests need root or CAP_SYS_ADMIN (CI runs them as root)";
            return nullptr;
        }
        throw sys_error("mounting a tmpfs (" + data + ") on " + m->path_.string(), err);
    }
    m->mounted_ = true;
    return m;
}

TmpfsMount::~TmpfsMount() {
    unmount();
}

void TmpfsMount::unmount() noexcept {
    if (!mounted_) return;
    // A pgark child that was just killed may still hold a file open for a moment: retry, then detach
    // (the tmpfs then goes away as soon as the last user does).
    for (int i = 0; i < 50; ++i) {
        if (::umount2(path_.c_str(), 0) == 0 || errno == EINVAL || errno == ENOENT) {
            mounted_ = false;
            return;
        }
        if (errno != EBUSY) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (::umount2(path_.c_str(), MNT_DETACH) == 0) mounted_ = false;
}

bool TmpfsMount::mounted() const {
    const auto points = mount_points();
    return std::find(points.begin(), points.end(), path_.string()) != points.end();
}

void TmpfsMount::remount(bool read_only) {
    unsigned long flags = MS_REMOUNT | MS_NOSUID | MS_NODEV | (read_only ? MS_RDONLY : 0);
    if (::mount(nullptr, path_.c_str(), nullptr, flags, nullptr) != 0)
        throw sys_error(
            std::string("remounting ") + path_.string() + (read_only ? " read-only" : " read-write"), errno);
}

std::uint64_t TmpfsMount::free_bytes() const {
    auto st = stat_fs(path_);
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

std::uint64_t TmpfsMount::free_inodes() const {
    return static_cast<std::uint64_t>(stat_fs(path_).f_ffree);
}

void TmpfsMount::fill_leaving_bytes(std::uint64_t leave) {
    std::error_code ec;
    fs::remove(path_ / kFiller, ec);
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    leave = leave / page * page;
    const auto free = free_bytes();
    if (free < leave)
        throw std::runtime_error("cannot leave " + std::to_string(leave) + " bytes free in " +
                                 path_.string() + ": only " + std::to_string(free) + " are");
    const auto filler = path_ / kFiller;
    int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw sys_error("creating " + filler.string(), errno);
    int rc = free > leave ? ::fallocate(fd, 0, 0, static_cast<off_t>(free - leave)) : 0;
    int err = errno;
    ::close(fd);
    if (rc != 0) throw sys_error("preallocating " + filler.string(), err);
    if (free_bytes() != leave)
        throw std::runtime_error("filling " + path_.string() + " left " + std::to_string(free_bytes()) +
                                 " bytes free instead of " + std::to_string(leave));
}

void TmpfsMount::fill_leaving_inodes(std::uint64_t leave) {
    const auto dir = path_ / kInodeFiller;
    std::error_code ec;
    fs::create_directory(dir, ec);
    if (ec) throw std::runtime_error("creating " + dir.string() + ": " + ec.message());
    const auto free = free_inodes();
    if (free < leave)
        throw std::runtime_error("cannot leave " + std::to_string(leave) + " inodes free in " +
                                 path_.string() + ": only " + std::to_string(free) + " are");
    static int serial = 0;
    for (std::uint64_t i = 0; i < free - leave; ++i) {
        const auto f = dir / ("f" + std::to_string(++serial));
        int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) throw sys_error("creating " + f.string(), errno);
        ::close(fd);
    }
    if (free_inodes() != leave)
        throw std::runtime_error("filling " + path_.string() + " left " + std::to_string(free_inodes()) +
                                 " inodes free instead of " + std::to_string(leave));
}

void TmpfsMount::release_fillers() {
    std::error_code ec;
    fs::remove(path_ / kFiller, ec);
    if (ec) throw std::runtime_error("removing the filler in " + path_.string() + ": " + ec.message());
    fs::remove_all(path_ / kInodeFiller, ec);
    if (ec) throw std::runtime_error("removing the inode filler in " + path_.string() + ": " + ec.message());
}

std::vector<std::string> directory_tree(const fs::path& root) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const auto rel = fs::relative(it->path(), root).generic_string();
        const bool dir = it->is_directory();
        if (rel == kFiller || rel == kInodeFiller) {
            if (dir) it.disable_recursion_pending();
            continue;
        }
        out.push_back(dir ? rel + "/" : rel);
    }
    if (ec) throw std::runtime_error("listing " + root.string() + ": " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> tmpfs_mounts_of_this_process() {
    std::vector<std::string> out;
    for (const auto& mp : mount_points())
        if (owner_of(mp) == getpid()) out.push_back(mp);
    return out;
}

}  // namespace pgark::test
