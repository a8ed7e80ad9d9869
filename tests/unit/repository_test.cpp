// Unit tests for the repository against hostile input (issue 8): manifests edited to point at another
// backup or database, manifests outside a backup's directory, ids that are paths or carry control
// characters, and database names too long to name a backup. A posix repository in a temp directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/manifest.h"
#include "repo/repository.h"
#include "storage/posix/posix_storage.h"
#include "unit/unit_helpers.h"
#include "util/error.h"
#include "util/temp.h"

using namespace pgark;
using pgark::test::manifest_of;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

SystemTime at(const char* iso) {
    return *parse_iso8601(iso);
}

const std::string kDb = "odd\"db; name";

// A repository in a directory of its own, inside a parent that holds nothing else: a write or removal
// outside the repository shows up as a new or missing entry in the parent.
struct Repo {
    TempDir parent{"repo-test"};
    fs::path root = parent.path() / "repo";
    Repository repo = [this] {
        auto s = std::make_unique<PosixStorage>(root);
        Repository::init(*s);
        return Repository::open(std::move(s));
    }();
    Storage& s() { return repo.storage(); }
    Manifest put(const Manifest& m) {
        s().put(layout::archive_key(m.id), "archive");
        s().put(layout::manifest_key(m.id), m.to_json());
        return m;
    }
    // Writes the manifest of `m` with `edit` applied to its JSON, at the location of `where`.
    void put_edited(const Manifest& m, const BackupId& where, const std::function<void(json&)>& edit) {
        auto j = json::parse(m.to_json());
        edit(j);
        s().put(layout::manifest_key(where), j.dump(2));
    }
    std::vector<std::string> parent_entries() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(parent.path()))
            out.push_back(e.path().filename().string());
        return out;
    }
};

std::string usage_error_of(Repository& repo, const std::string& id) {
    try {
        repo.resolve(id);
    } catch (const UsageError& e) {
        EXPECT_EQ(e.code(), ExitCode::usage);
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not a usage error for '" << id << "': " << e.what();
    }
    return "";
}

std::string verify_error_of(Repository& repo, const std::string& id) {
    try {
        repo.resolve(id);
    } catch (const VerifyError& e) {
        EXPECT_EQ(e.code(), ExitCode::failed);
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not a verification error for '" << id << "': " << e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST(RepositoryHostile, ManifestsOfHostileDatabaseNamesListAndResolve) {
    Repo r;
    auto a = r.put(manifest_of(kDb, at("2026-01-24T02:00:00Z")));
    auto b = r.put(manifest_of("../../etc", at("2026-01-24T02:00:00Z")));
    std::vector<std::string> problems;
    auto all = r.repo.list_backups(std::nullopt, &problems);
    EXPECT_TRUE(problems.empty()) << problems.front();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(r.repo.list_backups(kDb).size(), 1u);
    EXPECT_EQ(r.repo.resolve("latest", std::string("../../etc")).database, "../../etc");
    EXPECT_EQ(r.repo.resolve(a.id.str()).database, kDb);
    EXPECT_EQ(r.parent_entries(), std::vector<std::string>{"repo"});
    EXPECT_TRUE(fs::exists(r.root / layout::manifest_key(b.id)));
}

TEST(RepositoryHostile, ManifestWhoseDatabaseWasEditedIsRefusedNamingIt) {
    const std::vector<std::string> edits = {"../../outside", "other", "",
                                            std::string("odd\"db; name\0x", 14)};
    for (const auto& edited : edits) {
        Repo r;
        auto m = manifest_of(kDb, at("2026-01-24T02:00:00Z"));
        r.s().put(layout::archive_key(m.id), "archive");
        r.put_edited(m, m.id, [&](json& j) { j["database"] = edited; });
        std::vector<std::string> problems;
        EXPECT_TRUE(r.repo.list_backups(std::nullopt, &problems).empty()) << edited;
        ASSERT_EQ(problems.size(), 1u) << edited;
        EXPECT_TRUE(contains(problems[0], "manifest database")) << problems[0];
        EXPECT_TRUE(contains(problems[0], layout::manifest_key(m.id))) << problems[0];
        EXPECT_TRUE(r.repo.list_backups(kDb).empty());
        auto msg = verify_error_of(r.repo, m.id.str());
        EXPECT_TRUE(contains(msg, "does not match its location")) << msg;
        EXPECT_TRUE(contains(msg, "refuses")) << msg;
        EXPECT_FALSE(contains(msg, std::string(1, '\0'))) << msg;
        EXPECT_THROW(r.repo.load_manifest(m.id), VerifyError);
        // "latest" never picks it up.
        EXPECT_THROW(r.repo.resolve("latest", kDb), Error);
        EXPECT_THROW(r.repo.resolve("latest", edited), Error);
    }
}

TEST(RepositoryHostile, ManifestWhoseIdWasEditedOrThatWasCopiedIsRefused) {
    Repo r;
    auto old = r.put(manifest_of(kDb, at("2026-01-23T02:00:00Z")));
    auto newest = manifest_of(kDb, at("2026-01-24T02:00:00Z"));
    r.s().put(layout::archive_key(newest.id), "archive");
    // The newest backup's manifest claims to be the old one (as if copied over from there).
    r.put_edited(old, newest.id, [](json&) {});
    auto msg = verify_error_of(r.repo, newest.id.str());
    EXPECT_TRUE(contains(msg, "manifest id '" + old.id.str() + "' does not match its location")) << msg;
    EXPECT_TRUE(contains(msg, layout::manifest_key(newest.id))) << msg;
    // "latest" falls back to the newest manifest that is what it says, never the edited one.
    EXPECT_EQ(r.repo.resolve("latest", kDb).id, old.id);

    // An id that does not parse (a path) is refused by the manifest parser, still naming the location.
    r.put_edited(newest, newest.id, [](json& j) { j["id"] = "../../../etc/passwd_2026-01-24_02-00-00"; });
    msg = verify_error_of(r.repo, newest.id.str());
    EXPECT_TRUE(contains(msg, layout::manifest_key(newest.id))) << msg;

    // A manifest that names another database's backup with a well-formed id.
    auto other = BackupId::make("postgres", at("2026-01-24T02:00:00Z"));
    r.put_edited(newest, newest.id, [&](json& j) {
        j["id"] = other.str();
        j["database"] = "postgres";
    });
    msg = verify_error_of(r.repo, newest.id.str());
    EXPECT_TRUE(contains(msg, "does not match its location")) << msg;
}

TEST(RepositoryHostile, ManifestsOutsideABackupDirectoryAreReportedNotListed) {
    Repo r;
    auto m = manifest_of(kDb, at("2026-01-24T02:00:00Z"));
    auto other = BackupId::make("other", at("2026-01-24T02:00:00Z"));
    // Valid manifests, but not where their id says: another database's directory, a directory that is no
    // backup id, a non-canonical spelling of the database's directory, and directly under backups/.
    const std::vector<std::string> keys = {
        "backups/other/" + m.id.str() + "/manifest.json",
        "backups/" + other.db_component() + "/notanid/manifest.json",
        "backups/odd%22db%3b%20name/odd%22db%3b%20name_2026-01-24_02-00-00/manifest.json",
        "backups/manifest.json"};
    for (const auto& k : keys) r.s().put(k, m.to_json());
    std::vector<std::string> problems;
    EXPECT_TRUE(r.repo.list_backups(std::nullopt, &problems).empty());
    ASSERT_EQ(problems.size(), keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        EXPECT_TRUE(contains(problems[i], "not in a backup's directory")) << problems[i];
    }
    EXPECT_THROW(r.repo.resolve("latest"), Error);
    EXPECT_THROW(r.repo.resolve(m.id.str()), Error);  // not found: nothing at its own location
}

TEST(RepositoryHostile, IdsThatArePathsOrCarryControlCharactersAreUsageErrors) {
    Repo r;
    auto m = r.put(manifest_of(kDb, at("2026-01-24T02:00:00Z")));
    const std::string abs_manifest = (r.root / layout::manifest_key(m.id)).string();
    for (const std::string id : {"../x", "../../etc/passwd", "x/../../y", "/etc/passwd", abs_manifest.c_str(),
                                 "backups/odd%22db%3B%20name", "%2E%2E_2026-01-24_02-00-00"}) {
        auto msg = usage_error_of(r.repo, id);
        EXPECT_TRUE(contains(msg, "is not a backup id")) << msg;
        EXPECT_TRUE(contains(msg, "pgark list")) << msg;
    }
    // Control characters are shown escaped, so the message stays one line and cannot forge log lines.
    auto msg = usage_error_of(r.repo, m.id.str() + "\npgark: all good");
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_TRUE(contains(msg, "\\x0Apgark: all good")) << msg;
    // A huge id is cut short in the message.
    msg = usage_error_of(r.repo, std::string(100000, 'a'));
    EXPECT_LT(msg.size(), 600u);
    EXPECT_TRUE(contains(msg, "(100000 bytes)")) << msg.substr(0, 200);
    // An empty id (an unset shell variable) is not "latest".
    msg = usage_error_of(r.repo, "");
    EXPECT_TRUE(contains(msg, "empty")) << msg;
    EXPECT_EQ(r.parent_entries(), std::vector<std::string>{"repo"});
}

TEST(RepositoryHostile, ReservingAnIdRefusesANameTooLongToListBackAndWritesNothing) {
    Repo r;
    std::string name;
    while (name.size() < 70) name += "\xC3\xA9";  // 70 bytes, 210 characters escaped
    try {
        r.repo.reserve_backup_id(name, at("2026-01-24T02:00:00Z"), "{}");
        FAIL() << "no error";
    } catch (const UsageError& e) {
        EXPECT_TRUE(contains(e.what(), "cannot name a backup")) << e.what();
    }
    EXPECT_TRUE(r.s().list("backups/").empty());
    // 63 bytes, the most PostgreSQL allows, all escaped: reserved, and listed back once complete.
    name.resize(62);
    name += "'";
    auto res = r.repo.reserve_backup_id(name, at("2026-01-24T02:00:00Z"), "{}");
    auto m = manifest_of(name, at("2026-01-24T02:00:00Z"));
    ASSERT_EQ(res.id, m.id);
    r.put(m);
    ASSERT_EQ(r.repo.list_backups(name).size(), 1u);
    EXPECT_EQ(r.repo.resolve("latest", name).database, name);
}
