// Manifest serialisation with strict validation of everything read back.
#include "core/manifest.h"

#include <climits>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "util/error.h"

namespace pgark {

using nlohmann::json;

std::uint64_t Manifest::total_rows() const {
    std::uint64_t n = 0;
    for (const auto& t : tables) n += t.rows;
    return n;
}

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
    if (!purpose.empty()) j["purpose"] = purpose;
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

SystemTime time_field(const json& j, const char* name, const std::string& where) {
    auto t = parse_iso8601(field<std::string>(j, name, where));
    if (!t)
        throw VerifyError(where + ": manifest field '" + name +
                          "' is not a UTC time like 2026-01-24T02:00:00.250Z between the years " +
                          std::to_string(kFirstYear) + " and " + std::to_string(kLastYear) +
                          "; the manifest is damaged or was not written by pgark");
    return *t;
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
    auto id = BackupId::parse(field<std::string>(j, "id", where));
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
    if (j.contains("purpose")) {
        m.purpose = field<std::string>(j, "purpose", where);
        if (!m.purpose.empty() && m.purpose != kSafetyPurpose)
            throw VerifyError(where + ": manifest purpose '" + m.purpose + "' is not known to this pgark");
    }
    m.large_objects_recorded = j.contains("large_objects");
    if (m.large_objects_recorded) {
        m.large_objects = field<std::uint64_t>(j["large_objects"], "count", where);
        m.large_objects_hash = field<std::string>(j["large_objects"], "hash", where);
    }
    return m;
}

}  // namespace pgark
