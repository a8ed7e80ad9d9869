// Backup id construction and strict parsing.
#include "core/backup_id.h"

#include <cstdio>
#include <ctime>
#include <regex>

namespace pgark {

namespace {

// ASCII only, whatever the C locale says: a byte of a UTF-8 name must never pass into a path raw.
bool is_kept(unsigned char c, bool first) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || (c == '.' && !first);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;  // lower case is never produced, so never accepted
}

}  // namespace

std::string encode_db_component(const std::string& database) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < database.size(); ++i) {
        auto c = static_cast<unsigned char>(database[i]);
        if (is_kept(c, i == 0)) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out.empty() ? "%00" : out;
}

std::optional<std::string> decode_db_component(const std::string& component) {
    std::string out;
    for (std::size_t i = 0; i < component.size(); ++i) {
        if (component[i] != '%') {
            out += component[i];
            continue;
        }
        if (i + 2 >= component.size()) return std::nullopt;
        int hi = hex_value(component[i + 1]), lo = hex_value(component[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    // No database is called "" or holds a NUL byte ("%00" is only encode_db_component's answer for "").
    if (out.empty() || out.find('\0') != std::string::npos) return std::nullopt;
    // Only what encode_db_component produces: one spelling per database, so one directory per database.
    if (encode_db_component(out) != component) return std::nullopt;
    return out;
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
    // Checked before the regex: libstdc++'s matcher recurses per character, and no id is this long.
    if (text.size() > kMaxLength) return std::nullopt;
    static const std::regex re(
        R"(^([A-Za-z0-9_%-][A-Za-z0-9_.%-]{0,200})_(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})(?:-(\d{1,6}))?$)");
    std::smatch m;
    if (!std::regex_match(text, m, re)) return std::nullopt;
    if (!decode_db_component(m[1])) return std::nullopt;
    // Outside these years the conversion to a SystemTime would overflow.
    const int year = std::stoi(m[2]);
    if (year < kFirstYear || year > kLastYear) return std::nullopt;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = std::stoi(m[3]) - 1;
    tm.tm_mday = std::stoi(m[4]);
    tm.tm_hour = std::stoi(m[5]);
    tm.tm_min = std::stoi(m[6]);
    tm.tm_sec = std::stoi(m[7]);
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
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
