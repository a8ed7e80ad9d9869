// Local-filesystem storage driver.
#include "storage/posix/posix_storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "util/error.h"
#include "util/fd.h"
#include "util/test_hooks.h"

namespace fs = std::filesystem;

namespace pgark {
namespace {

constexpr const char* kTempMarker = ".pgark-tmp-";

[[noreturn]] void fail(const std::string& action, const fs::path& p, int err) {
    std::string hint;
    if (err == ENOSPC || err == EDQUOT)
        hint =
            "; free space on that filesystem (or raise the quota): remove old backups with `pgark prune`, or "
            "move the repository to a larger filesystem";
    else if (err == EFBIG)
        hint =
            "; the file is larger than the filesystem or this process's file size limit (ulimit -f) allows: "
            "raise the limit or use another filesystem";
    else if (err == EACCES || err == EPERM)
        hint = "; check the directory's owner and permissions";
    else if (err == EROFS)
        hint = "; the filesystem is read-only: remount it read-write or use another repository";
    else if (err == EIO)
        hint = "; the device reported an I/O error: check its health (dmesg) before trusting this repository";
    throw StorageError(action + " " + p.string() + " failed: " + errno_text(err) + hint);
}

void fsync_dir(const fs::path& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) fail("opening directory", dir, errno);
    if (::fsync(fd.get()) != 0 && errno != EINVAL) fail("fsync of directory", dir, errno);
}

// mkdir -p with 0700, fsyncing each parent whose entry we created so the path survives a crash.
// Appends the directories it created to `created`, parents first, so a caller that fails can undo them.
void make_dirs(const fs::path& dir, std::vector<fs::path>& created) {
    if (dir.empty()) return;
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) throw StorageError(dir.string() + " exists but is not a directory");
        return;
    }
    make_dirs(dir.parent_path(), created);
    if (::mkdir(dir.c_str(), 0700) != 0) {
        if (errno != EEXIST) fail("creating directory", dir, errno);
    } else {
        created.push_back(dir);
    }
    fsync_dir(dir.parent_path());
}

// Undoes make_dirs after a failed write, so that a full or read-only filesystem does not collect empty
// backup directories. A directory another writer has meanwhile put something into stays (rmdir fails).
void remove_created_dirs(const std::vector<fs::path>& created) noexcept {
    for (auto it = created.rbegin(); it != created.rend(); ++it) ::rmdir(it->c_str());
}

// Writes everything to a file; errors name `named` (the object, not its temp file).
void write_fully(int fd, std::span<const std::byte> data, const fs::path& named) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("writing", named, errno);
        }
        data = data.subspan(static_cast<std::size_t>(n));
    }
}

std::string random_suffix() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* hex = "0123456789abcdef";
    std::string s;
    auto v = rng();
    for (int i = 0; i < 12; ++i, v >>= 4) s += hex[v & 15];
    return s;
}

// ".<name>.pgark-tmp-<pid>-<random>" beside the object: same directory, so rename()/link() is atomic.
fs::path temp_path_for(const fs::path& final_path) {
    return final_path.parent_path() / ("." + final_path.filename().string() + kTempMarker +
                                       std::to_string(getpid()) + "-" + random_suffix());
}

class PosixWriter : public ObjectWriter {
  public:
    PosixWriter(fs::path final_path) : final_(std::move(final_path)) {
        // Messages name the object (final_), not its temp file: that is the path an operator knows.
        std::vector<fs::path> created;
        try {
            make_dirs(final_.parent_path(), created);
            tmp_ = temp_path_for(final_);
            fd_.reset(::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
            if (!fd_) fail("creating", final_, errno);
        } catch (...) {
            remove_created_dirs(created);
            throw;
        }
    }
    ~PosixWriter() override {
        if (!committed_) {
            fd_.reset();
            ::unlink(tmp_.c_str());
        }
    }
    void write(std::span<const std::byte> data) override {
        write_fully(fd_.get(), data, final_);
        written_ += data.size();
        test_hooks::crash_point("posix: object data written");
    }
    void commit() override {
        if (::fsync(fd_.get()) != 0) fail("fsync of", final_, errno);
        if (::close(fd_.release()) != 0) fail("closing", final_, errno);
        test_hooks::crash_point("posix: object fsynced, not renamed");
        if (::rename(tmp_.c_str(), final_.c_str()) != 0) fail("renaming into place", final_, errno);
        committed_ = true;
        test_hooks::crash_point("posix: object renamed, directory not fsynced");
        fsync_dir(final_.parent_path());
    }
    std::uint64_t bytes_written() const override { return written_; }

  private:
    fs::path final_, tmp_;
    UniqueFd fd_;
    bool committed_ = false;
    std::uint64_t written_ = 0;
};

class PosixReader : public ObjectReader {
  public:
    PosixReader(const fs::path& p, std::uint64_t offset, std::optional<std::uint64_t> length)
        : path_(p), remaining_(length) {
        fd_.reset(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd_) {
            if (errno == ENOENT) throw NotFoundError(p.string() + " does not exist");
            fail("opening", p, errno);
        }
        if (offset > 0 && ::lseek(fd_.get(), static_cast<off_t>(offset), SEEK_SET) < 0)
            fail("seeking in", p, errno);
        ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    std::size_t read(std::span<std::byte> buf) override {
        if (remaining_ && *remaining_ == 0) return 0;
        std::size_t want = buf.size();
        if (remaining_) want = static_cast<std::size_t>(std::min<std::uint64_t>(want, *remaining_));
        for (;;) {
            ssize_t n = ::read(fd_.get(), buf.data(), want);
            if (n < 0) {
                if (errno == EINTR) continue;
                fail("reading", path_, errno);
            }
            if (remaining_) *remaining_ -= static_cast<std::uint64_t>(n);
            return static_cast<std::size_t>(n);
        }
    }

  private:
    fs::path path_;
    UniqueFd fd_;
    std::optional<std::uint64_t> remaining_;
};

}  // namespace

PosixStorage::PosixStorage(fs::path root) : root_(std::move(root)) {}

fs::path PosixStorage::path_of(const std::string& key) const {
    check_key(key);
    return root_ / key;
}

bool PosixStorage::is_temp_name(const std::string& filename) {
    return !filename.empty() && filename[0] == '.' && filename.find(kTempMarker) != std::string::npos;
}

std::unique_ptr<ObjectWriter> PosixStorage::create(const std::string& key) {
    return std::make_unique<PosixWriter>(path_of(key));
}

std::unique_ptr<ObjectReader> PosixStorage::open(const std::string& key, std::uint64_t offset,
                                                 std::optional<std::uint64_t> length) {
    return std::make_unique<PosixReader>(path_of(key), offset, length);
}

std::optional<ObjectInfo> PosixStorage::stat(const std::string& key) {
    auto p = path_of(key);
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        fail("stat of", p, errno);
    }
    if (!S_ISREG(st.st_mode)) return std::nullopt;
    ObjectInfo info{key, static_cast<std::uint64_t>(st.st_size),
                    std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec)};
    return info;
}

template <typename Fn>
void PosixStorage::walk(const std::string& prefix, Fn&& fn) const {
    // Walk only the directory that can hold matches; the caller filters by the full prefix.
    auto slash = prefix.rfind('/');
    fs::path start = slash == std::string::npos ? root_ : root_ / prefix.substr(0, slash);
    std::error_code ec;
    if (!fs::is_directory(start, ec)) return;
    fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) fail("listing", start, ec.value());
    for (; it != end; it.increment(ec)) {
        if (ec) fail("listing", start, ec.value());
        const auto& entry = *it;
        std::error_code sec;
        if (!entry.is_regular_file(sec)) continue;
        auto rel = fs::relative(entry.path(), root_, sec).generic_string();
        if (sec) continue;
        struct stat st {};
        if (::stat(entry.path().c_str(), &st) != 0) continue;  // removed while listing
        fn(rel, entry.path().filename().string(), st);
    }
}

std::vector<ObjectInfo> PosixStorage::list(const std::string& prefix) {
    std::vector<ObjectInfo> out;
    walk(prefix, [&](const std::string& rel, const std::string& name, const struct stat& st) {
        if (is_temp_name(name) || rel.compare(0, prefix.size(), prefix) != 0) return;
        out.push_back({rel, static_cast<std::uint64_t>(st.st_size),
                       std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec)});
    });
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
}

std::vector<UnfinishedWrite> PosixStorage::list_unfinished_writes(const std::string& prefix) {
    std::vector<UnfinishedWrite> out;
    walk(prefix, [&](const std::string& rel, const std::string& name, const struct stat& st) {
        if (!is_temp_name(name)) return;
        // ".<name>.pgark-tmp-<pid>-<random>" is the temp file of <name> in the same directory.
        const auto marker = name.rfind(kTempMarker);
        if (marker <= 1) return;
        const auto dir_len = rel.size() - name.size();
        const std::string key = rel.substr(0, dir_len) + name.substr(1, marker - 1);
        if (key.compare(0, prefix.size(), prefix) != 0) return;
        out.push_back({key, std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec), rel});
    });
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
}

void PosixStorage::discard_unfinished_write(const UnfinishedWrite& w) {
    const auto slash = w.handle.rfind('/');
    if (!is_temp_name(slash == std::string::npos ? w.handle : w.handle.substr(slash + 1)))
        throw StorageError("refusing to discard " + (root_ / w.handle).string() +
                           ": it is not a pgark temp file");
    remove({w.handle});
}

void PosixStorage::remove(const std::vector<std::string>& keys) {
    std::vector<fs::path> dirs;
    for (const auto& key : keys) {
        auto p = path_of(key);
        if (::unlink(p.c_str()) != 0 && errno != ENOENT) fail("removing", p, errno);
        dirs.push_back(p.parent_path());
    }
    // Remove directories left empty, up to (not including) the repository root.
    std::sort(dirs.begin(), dirs.end());
    dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
    for (auto d : dirs) {
        while (d != root_ && d.string().size() > root_.string().size()) {
            if (::rmdir(d.c_str()) != 0) break;
            d = d.parent_path();
        }
    }
}

bool PosixStorage::put_if_absent(const std::string& key, const std::string& data) {
    auto p = path_of(key);
    // Write the content durably under a temp name, then link() it into place: link() fails if the
    // target exists, which makes the reservation atomic between concurrent pgark processes. The temp
    // file goes in every case, also when the filesystem is full or read-only.
    std::vector<fs::path> created;
    const auto tmp = temp_path_for(p);
    int rc = -1, err = 0;
    try {
        make_dirs(p.parent_path(), created);
        UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!fd) fail("creating", p, errno);
        write_fully(fd.get(), std::as_bytes(std::span(data.data(), data.size())), p);
        if (::fsync(fd.get()) != 0) fail("fsync of", p, errno);
        rc = ::link(tmp.c_str(), p.c_str());
        err = errno;
    } catch (...) {
        ::unlink(tmp.c_str());
        remove_created_dirs(created);
        throw;
    }
    ::unlink(tmp.c_str());
    if (rc != 0) {
        if (err == EEXIST) return false;
        remove_created_dirs(created);
        fail("creating", p, err);
    }
    fsync_dir(p.parent_path());
    return true;
}

std::vector<fs::path> PosixStorage::stale_temp_files(std::chrono::seconds age) const {
    std::vector<fs::path> out;
    std::error_code ec;
    auto now = fs::file_time_type::clock::now();
    for (fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        auto name = it->path().filename().string();
        if (!is_temp_name(name)) continue;
        std::error_code tec;
        auto mt = fs::last_write_time(it->path(), tec);
        if (!tec && now - mt > age) out.push_back(it->path());
    }
    return out;
}

}  // namespace pgark
