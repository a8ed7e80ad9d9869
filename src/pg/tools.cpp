// Locating PostgreSQL client programs and preparing their credentials.
#include "pg/tools.h"

#include <sys/stat.h>
#include <unistd.h>

#include <regex>

#include "util/error.h"
#include "util/process.h"

namespace fs = std::filesystem;

namespace pgark {

std::string PgTools::program(const std::string& name) const {
    return bin_dir.empty() ? name : (bin_dir / name).string();
}

std::string PgTools::version(const std::string& name) const {
    ProcessSpec spec;
    spec.program = program(name);
    spec.args = {"--version"};
    auto r = run_process(spec);
    std::smatch m;
    static const std::regex re(R"((\d+)(\.\d+)?)");
    if (!r.status.ok() || !std::regex_search(r.out, m, re))
        throw PgError(spec.program + " --version failed (" + r.status.describe() + "): " + r.err);
    return m.str(0);
}

PgTools locate_pg_tools(const std::string& configured_bin_dir, int server_major) {
    if (!configured_bin_dir.empty()) {
        if (access((fs::path(configured_bin_dir) / "pg_dump").c_str(), X_OK) != 0)
            throw PgError("pg.bin_dir " + configured_bin_dir + " has no executable pg_dump; fix pg.bin_dir");
        return {configured_bin_dir};
    }
    // pg_dump must be at least as new as the server; prefer the exact major version.
    const fs::path debian_root = "/usr/lib/postgresql";
    std::error_code ec;
    int best = 0;
    for (const auto& e : fs::directory_iterator(debian_root, ec)) {
        int major = 0;
        try {
            major = std::stoi(e.path().filename().string());
        } catch (...) {
            continue;
        }
        if (access((e.path() / "bin" / "pg_dump").c_str(), X_OK) != 0) continue;
        if (major == server_major) return {e.path() / "bin"};
        if (major > server_major && (best == 0 || major < best)) best = major;
    }
    if (best) return {debian_root / std::to_string(best) / "bin"};
    if (!find_in_path("pg_dump").empty()) return {};
    throw PgError("no pg_dump for PostgreSQL " + std::to_string(server_major) +
                  " found (looked in /usr/lib/postgresql/*/bin and PATH); install postgresql-client-" +
                  std::to_string(server_major) + " or set pg.bin_dir");
}

std::map<std::string, std::string> ChildPgAuth::env() const {
    std::map<std::string, std::string> e;
    if (!password_.empty()) e["PGPASSWORD"] = password_;
    return e;
}

std::vector<std::string> ChildPgAuth::env_to_unset() {
    // Other secrets pgark holds are not the children's business.
    return {"PGPASSWORD",        "POSTGRES_PASSWORD", "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN", "MINIO_SECRET_KEY",  "MINIO_ROOT_PASSWORD"};
}

}  // namespace pgark
