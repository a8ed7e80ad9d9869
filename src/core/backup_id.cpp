// Backup id construction and strict parsing.
#include "core/backup_id.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <regex>

namespace pgark {

std::string encode_db_component(const std::string& database) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < database.size(); ++i) {
        auto c = static_cast<unsigned char>(database[i]);
        bool keep = std::isalnum(c) || c == '_' || c == '-' || (c == '.' && i > 0);
        if (keep) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out.empty() ? "%00" : out;
}

BackupId BackupId::make(const std::string& database, SystemTime when, int sequence) {
    BackupId id;
    id.db_ = encode_db_component(database);
    id.time_ = std::chrono::time_point_cast<std::chrono::seconds>(when);
    id.seq_ = sequence < 1 ? 1 : sequence;
    std::time_t tt = std::chrono::system_clock::to_time_t(id.time_);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d_%H-%M-%S", &tm);
    id.text_ = id.db_ + "_" + buf;
    if (id.seq_ > 1) id.text_ += "-" + std::to_string(id.seq_);
    return id;
}

std::optional<BackupId> BackupId::parse(const std::string& text) {
    static const std::regex re(
        R"(^([A-Za-z0-9_%-][A-Za-z0-9_.%-]{0,200})_(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})(?:-(\d{1,6}))?$)");
    std::smatch m;
    if (!std::regex_match(text, m, re)) return std::nullopt;
    std::tm tm{};
    tm.tm_year = std::stoi(m[2]) - 1900;
    tm.tm_mon = std::stoi(m[3]) - 1;
    tm.tm_mday = std::stoi(m[4]);
    tm.tm_hour = std::stoi(m[5]);
    tm.tm_min = std::stoi(m[6]);
    tm.tm_sec = std::stoi(m[7]);
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return std::nullopt;
    int seq = m[8].matched ? std::stoi(m[8]) : 1;
    if (m[8].matched && seq < 2) return std::nullopt;
    BackupId id;
    id.db_ = m[1];
    id.time_ = std::chrono::system_clock::from_time_t(timegm(&tm));
    id.seq_ = seq;
    id.text_ = text;
    // Round-trip check rejects non-canonical forms (e.g. Feb 31).
    if (BackupId::make("x", id.time_).str().substr(2) != text.substr(m.position(2), 19)) return std::nullopt;
    return id;
}

std::strong_ordering BackupId::operator<=>(const BackupId& o) const {
    if (auto c = time_ <=> o.time_; c != 0) return c;
    if (auto c = seq_ <=> o.seq_; c != 0) return c;
    return text_ <=> o.text_;
}

}  // namespace pgark
