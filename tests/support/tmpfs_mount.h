// A small, size-limited tmpfs on a fresh temporary directory, for storage-fault tests: a repository or
// spool directory that runs out of space (or inodes), or becomes read-only. The destructor unmounts it,
// also when a test fails or throws; a mount left by a test process that was killed is unmounted by the
// next one. Mounting needs root (CAP_SYS_ADMIN): try_mount() says why when it is not permitted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace pgark {
class TempDir;
}

namespace pgark::test {

class TmpfsMount {
  public:
    struct Options {
        std::uint64_t size_bytes = 64ull << 20;
        std::uint64_t inodes = 0;  // nr_inodes; 0 = the kernel's default
    };

    // Mounts a tmpfs; nullptr (with the reason in *why_not) when this process may not mount, e.g. not
    // root or EPERM in a container. Throws std::runtime_error on any other failure.
    static std::unique_ptr<TmpfsMount> try_mount(const Options& opts, std::string* why_not);
    ~TmpfsMount();
    TmpfsMount(const TmpfsMount&) = delete;
    TmpfsMount& operator=(const TmpfsMount&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // True while path() is a mount point in /proc/mounts.
    bool mounted() const;
    // mount -o remount,ro / rw; throws std::runtime_error on failure.
    void remount(bool read_only);

    std::uint64_t free_bytes() const;   // statvfs f_bavail * f_frsize
    std::uint64_t free_inodes() const;  // statvfs f_ffree

    // Occupies space with one preallocated file (".filler" in the root) so that `leave` bytes stay free
    // (a multiple of the page size: tmpfs allocates whole pages). Replaces an earlier filler.
    void fill_leaving_bytes(std::uint64_t leave);
    // Uses inodes with empty files (in ".filler-inodes/") until exactly `leave` are free.
    void fill_leaving_inodes(std::uint64_t leave);
    // Removes the fillers: the space and inodes they held are free again.
    void release_fillers();

  private:
    TmpfsMount() = default;
    void unmount() noexcept;

    std::unique_ptr<TempDir> dir_;
    std::filesystem::path path_;
    bool mounted_ = false;
};

// Every file and directory below `root` as sorted relative paths, directories with a trailing '/', except
// TmpfsMount's fillers: a test compares the tree before and after a failed run.
std::vector<std::string> directory_tree(const std::filesystem::path& root);

// Mount points of the tmpfs mounts TmpfsMount made in this process, for asserting none is left behind.
std::vector<std::string> tmpfs_mounts_of_this_process();

}  // namespace pgark::test
