// Temporary files and directories owned by RAII: removed when the owner goes out of scope.
#pragma once

#include <filesystem>
#include <string>

namespace pgark {

class TempDir {
  public:
    // Creates a fresh 0700 directory under `parent` (default: $TMPDIR or /tmp) named prefix-XXXXXX.
    explicit TempDir(const std::string& prefix, const std::filesystem::path& parent = {});
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    // Keeps the directory (for --keep-on-failure style inspection).
    void keep() { keep_ = true; }

  private:
    std::filesystem::path path_;
    bool keep_ = false;
};

std::filesystem::path default_temp_parent();

// Writes `content` to `path` with mode 0600, creating or truncating it.
void write_private_file(const std::filesystem::path& path, const std::string& content);

}  // namespace pgark
