// Manifest serialisation with strict validation of everything read back.
#include "core/manifest.h"

#include <climits>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "util/error.h"

namespace pgark {

using nlohmann::json;

double Manifest::duration_seconds() const {
    return std::chrono::duration<double>(finished_at - started_at).count();
}

std::string Manifest::to_json() const {
    json tables_j = json::array();
    for (const auto& t : tables)
        tables_j.push_back({{"schema", t.schema}, {"name", t.name}, {"rows", t.rows}, {"hash", t.hash}});
    json j = {
        {"format", format},
        {"tool_version", tool_version},
        {"id", id.str()},
        {"database", database},
        {"server", server},
        {"server_version", server_version},
        {"pg_dump_version", pg_dump_version},
        {"started_at", format_iso8601(started_at, true)},
        {"finished_at", format_iso8601(finished_at, true)},
        {"archive",
         {{"name", kArchiveName},
          {"raw_bytes", raw_bytes},
          {"stored_bytes", stored_bytes},
          {"sha256", sha256},
          {"compression", compression},
          {"compression_level", compression_level}}},
        {"toc_entries", toc_entries},
        {"encoding", encoding},
        {"timezone", timezone},
        {"tables", tables_j},
        {"large_objects", {{"count", large_objects}, {"hash", large_objects_hash}}},
    };
    return j.dump(2) + "\n";
}

namespace {

template <typename T>
T field(const json& j, const char* name, const std::string& where) {
    if (!j.contains(name)) throw VerifyError(where + ": manifest field '" + name + "' is missing");
    const auto& v = j.at(name);
    bool type_ok = true;
    if constexpr (std::is_same_v<T, std::uint64_t>)
        type_ok = v.is_number_unsigned();
    else if constexpr (std::is_same_v<T, int>)
        type_ok = v.is_number_integer();
    else if constexpr (std::is_same_v<T, std::string>)
        type_ok = v.is_string();
    if (!type_ok) throw VerifyError(where + ": manifest field '" + name + "' has the wrong type");
    if constexpr (std::is_same_v<T, int>) {
        // get<int>() would wrap larger numbers silently (2^32 + 1 would read as format 1).
        bool fits = v.is_number_unsigned() ? v.template get<std::uint64_t>() <= INT_MAX
                                           : v.template get<std::int64_t>() >= INT_MIN &&
                                                 v.template get<std::int64_t>() <= INT_MAX;
        if (!fits) throw VerifyError(where + ": manifest field '" + name + "' is out of range");
    }
    try {
        return v.get<T>();
    } catch (const json::exception&) {
        throw VerifyError(where + ": manifest field '" + name + "' has the wrong type");
    }
}

// The years a SystemTime can hold: libstdc++'s system_clock counts nanoseconds in 64 bits, which ends in
// April 2262, and converting a later time overflows (undefined behaviour). pgark wrote no backup before 1970.
constexpr int kFirstYear = 1970;
constexpr int kLastYear = 2261;

bool year_in_range(const std::string& text, std::size_t pos) {
    if (pos + 4 > text.size()) return false;
    int year = 0;
    for (std::size_t i = pos; i < pos + 4; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        year = year * 10 + (text[i] - '0');
    }
    return year >= kFirstYear && year <= kLastYear;
}

// Exactly what to_json() writes (or the same without milliseconds): parse_iso8601 itself accepts looser
// forms, normalises impossible dates such as February 30, and has no range check.
SystemTime time_field(const json& j, const char* name, const std::string& where) {
    const auto text = field<std::string>(j, name, where);
    auto bad = [&] {
        return VerifyError(where + ": manifest field '" + name +
                           "' is not a UTC time like 2026-01-24T02:00:00.250Z between the years " +
                           std::to_string(kFirstYear) + " and " + std::to_string(kLastYear) +
                           "; the manifest is damaged or was not written by pgark");
    };
    const std::string shape = text.size() == 24 ? "dddd-dd-ddTdd:dd:dd.dddZ" : "dddd-dd-ddTdd:dd:ddZ";
    if (text.size() != shape.size() || !year_in_range(text, 0)) throw bad();
    for (std::size_t i = 0; i < shape.size(); ++i)
        if (shape[i] == 'd' ? (text[i] < '0' || text[i] > '9') : text[i] != shape[i]) throw bad();
    auto t = parse_iso8601(text);
    if (!t || format_iso8601(*t, text.size() == 24) != text) throw bad();
    return *t;
}

// BackupId::parse converts the id's time without a range check either. In an id that parses, the date
// follows the last '_' but one (the database part may hold '_', the time and sequence may not).
std::optional<BackupId> id_field(const json& j, const std::string& where) {
    const auto text = field<std::string>(j, "id", where);
    const auto last = text.rfind('_');
    const auto date = last == std::string::npos || last == 0 ? std::string::npos : text.rfind('_', last - 1);
    if (date != std::string::npos && !year_in_range(text, date + 1)) return std::nullopt;
    return BackupId::parse(text);
}

bool is_hex(const std::string& s, std::size_t len) {
    return s.size() == len && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

Manifest Manifest::from_json(const std::string& text, const std::string& where) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        throw VerifyError(where + ": manifest is not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw VerifyError(where + ": manifest is not a JSON object");
    Manifest m;
    m.format = field<int>(j, "format", where);
    if (m.format > kFormat)
        throw Error(where + ": manifest format " + std::to_string(m.format) + " is newer than this pgark (" +
                    std::to_string(kFormat) + "); upgrade pgark to read it");
    if (m.format < 1)
        throw VerifyError(where + ": manifest format " + std::to_string(m.format) + " is invalid");
    m.tool_version = field<std::string>(j, "tool_version", where);
    auto id = id_field(j, where);
    if (!id) throw VerifyError(where + ": manifest id is not a valid backup id");
    m.id = *id;
    m.database = field<std::string>(j, "database", where);
    m.server = field<std::string>(j, "server", where);
    m.server_version = field<std::string>(j, "server_version", where);
    m.pg_dump_version = field<std::string>(j, "pg_dump_version", where);
    m.started_at = time_field(j, "started_at", where);
    m.finished_at = time_field(j, "finished_at", where);
    if (!j.contains("archive") || !j["archive"].is_object())
        throw VerifyError(where + ": manifest field 'archive' is missing");
    const auto& a = j["archive"];
    if (field<std::string>(a, "name", where) != kArchiveName)
        throw VerifyError(where + ": manifest names an unexpected archive object; refusing to follow it");
    m.raw_bytes = field<std::uint64_t>(a, "raw_bytes", where);
    m.stored_bytes = field<std::uint64_t>(a, "stored_bytes", where);
    m.sha256 = field<std::string>(a, "sha256", where);
    if (!is_hex(m.sha256, 64)) throw VerifyError(where + ": manifest sha256 is not 64 hex digits");
    m.compression = field<std::string>(a, "compression", where);
    if (m.compression != "zstd")
        throw VerifyError(where + ": manifest compression '" + m.compression + "' is not supported");
    m.compression_level = field<int>(a, "compression_level", where);
    m.toc_entries = field<std::uint64_t>(j, "toc_entries", where);
    m.encoding = field<std::string>(j, "encoding", where);
    m.timezone = field<std::string>(j, "timezone", where);
    const auto tables = field<json>(j, "tables", where);
    if (!tables.is_array()) throw VerifyError(where + ": manifest field 'tables' has the wrong type");
    for (const auto& t : tables) {
        TableStats ts{field<std::string>(t, "schema", where), field<std::string>(t, "name", where),
                      field<std::uint64_t>(t, "rows", where), field<std::string>(t, "hash", where)};
        if (!is_hex(ts.hash, 16))
            throw VerifyError(where + ": manifest hash of table " + ts.name + " is malformed");
        m.tables.push_back(std::move(ts));
    }
    if (j.contains("large_objects")) {
        m.large_objects = field<std::uint64_t>(j["large_objects"], "count", where);
        m.large_objects_hash = field<std::string>(j["large_objects"], "hash", where);
    }
    return m;
}

namespace layout {
std::string backups_prefix() {
    return "backups/";
}
std::string backup_dir(const BackupId& id) {
    return "backups/" + id.db_component() + "/" + id.str() + "/";
}
std::string manifest_key(const BackupId& id) {
    return backup_dir(id) + Manifest::kManifestName;
}
std::string archive_key(const BackupId& id) {
    return backup_dir(id) + Manifest::kArchiveName;
}
std::string claim_prefix(const BackupId& id) {
    return backup_dir(id) + "claim-";
}
std::string claim_key(const BackupId& id, const std::string& nonce) {
    return claim_prefix(id) + nonce + ".json";
}
}  // namespace layout

}  // namespace pgark
