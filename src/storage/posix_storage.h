// Local-filesystem driver: atomic writes (temp name, fsync, rename, fsync of the directory),
// files 0600 and directories 0700.
#pragma once

#include <filesystem>

#include "storage/storage.h"

namespace pgark {

class PosixStorage : public Storage {
public:
    explicit PosixStorage(std::filesystem::path root);
    std::string describe() const override { return root_.string(); }
    std::unique_ptr<ObjectWriter> create(const std::string& key) override;
    std::unique_ptr<ObjectReader> open(const std::string& key, std::uint64_t offset,
                                       std::optional<std::uint64_t> length) override;
    std::optional<ObjectInfo> stat(const std::string& key) override;
    std::vector<ObjectInfo> list(const std::string& prefix) override;
    void remove(const std::vector<std::string>& keys) override;
    bool put_if_absent(const std::string& key, const std::string& data) override;

    const std::filesystem::path& root() const { return root_; }
    // Temp files of writers that died without cleaning up (SIGKILL) and are older than `age`.
    std::vector<std::filesystem::path> stale_temp_files(std::chrono::seconds age) const;

    // Names of in-flight temp files: ".<name>.pgark-tmp-<pid>-<random>".
    static bool is_temp_name(const std::string& filename);

private:
    std::filesystem::path path_of(const std::string& key) const;
    std::filesystem::path root_;
};

}  // namespace pgark
