// RAII temporary directories and private (0600) files.
#include "util/temp.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <span>
#include <vector>

#include "util/error.h"
#include "util/fd.h"

namespace pgark {

std::filesystem::path default_temp_parent() {
    const char* t = getenv("TMPDIR");
    return (t && *t) ? std::filesystem::path(t) : std::filesystem::path("/tmp");
}

TempDir::TempDir(const std::string& prefix, const std::filesystem::path& parent) {
    auto base = parent.empty() ? default_temp_parent() : parent;
    std::string tmpl = (base / (prefix + "-XXXXXX")).string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data()))
        throw Error("cannot create a temporary directory under " + base.string() + ": " + errno_text(errno) +
                    "; check that it exists and is writable, or set TMPDIR");
    path_ = buf.data();
}

TempDir::~TempDir() {
    if (keep_ || path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void write_private_file(const std::filesystem::path& path, const std::string& content) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) throw Error("cannot write " + path.string() + ": " + errno_text(errno));
    if (fchmod(fd.get(), 0600) != 0) throw Error("cannot chmod " + path.string() + ": " + errno_text(errno));
    if (!write_all(fd.get(), std::as_bytes(std::span(content.data(), content.size())), path.string()))
        throw Error("cannot write " + path.string());
}

}  // namespace pgark
