// Local-filesystem driver: atomic writes (temp name, fsync, rename, fsync of the directory),
// files 0600 and directories 0700.
#pragma once

#include <filesystem>

#include "storage/storage.h"

namespace pgark {

class PosixStorage : public Storage {
  public:
    explicit PosixStorage(std::filesystem::path root);

    // The Storage contract (storage.h), and how this driver meets it:
    std::string describe() const override { return root_.string(); }
    // Writes a temp file beside the object; commit() is fsync, rename(), fsync of the directory.
    std::unique_ptr<ObjectWriter> create(const std::string& key) override;
    std::unique_ptr<ObjectReader> open(const std::string& key, std::uint64_t offset,
                                       std::optional<std::uint64_t> length) override;
    std::optional<ObjectInfo> stat(const std::string& key) override;
    // Walks only the directory that can hold `prefix`; temp files are not objects.
    std::vector<ObjectInfo> list(const std::string& prefix) override;
    // Also removes the directories the removal left empty, up to the root.
    void remove(const std::vector<std::string>& keys) override;
    // Atomic between processes: the temp file is link()ed into place, which fails if the key exists.
    bool put_if_absent(const std::string& key, const std::string& data) override;
    // Temp files of writers (".<name>.pgark-tmp-<pid>-<random>"), `since` their last modification:
    // a running writer keeps touching its file, a dead one's stops ageing.
    std::vector<UnfinishedWrite> list_unfinished_writes(const std::string& prefix) override;
    void discard_unfinished_write(const UnfinishedWrite& w) override;

    const std::filesystem::path& root() const { return root_; }
    // Temp files of writers that died without cleaning up (SIGKILL) and are older than `age`.
    std::vector<std::filesystem::path> stale_temp_files(std::chrono::seconds age) const;

    // Names of in-flight temp files: ".<name>.pgark-tmp-<pid>-<random>".
    static bool is_temp_name(const std::string& filename);

  private:
    std::filesystem::path path_of(const std::string& key) const;
    // Calls `fn(relative path, filename, stat)` for every regular file in the directory that can hold
    // keys starting with `prefix` (temp files included).
    template <typename Fn>
    void walk(const std::string& prefix, Fn&& fn) const;
    std::filesystem::path root_;
};

}  // namespace pgark
