// Loading and validating the layered configuration.
#include "config/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

#include "config/toml_ascii.h"
#include "util/error.h"
#include "util/text.h"
#include "util/units.h"

namespace pgark::config {

std::string Origin::describe() const {
    switch (kind) {
        case Kind::default_value:
            return "default";
        case Kind::file:
            return "file " + detail;
        case Kind::env:
            return "env " + detail;
        case Kind::flag:
            return "flag " + detail;
    }
    return "";
}

std::optional<std::string> validate(const KeyDef& key, std::string& value) {
    if (value.empty()) {
        // Empty means "unset", which only strings (an empty schedule, no listener...) and keys without a
        // default have; the typed accessors cannot read an empty number, duration, size or boolean.
        if (key.type == Type::string || key.default_value.empty()) return std::nullopt;
        return "must not be empty; leave the key out for its default (" + key.default_value + ")";
    }
    switch (key.type) {
        case Type::string:
            if (value.find('\0') != std::string::npos) return "must not contain NUL bytes";
            return std::nullopt;
        case Type::integer: {
            std::int64_t v = 0;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
            if (ec != std::errc() || p != value.data() + value.size())
                return "'" + value + "' is not a whole number";
            if (key.max > key.min && (v < key.min || v > key.max))
                return value + " is out of range (" + std::to_string(key.min) + ".." +
                       std::to_string(key.max) + ")";
            return std::nullopt;
        }
        case Type::boolean: {
            const std::string l = ascii_lower(value);
            if (l == "true" || l == "yes" || l == "on" || l == "1")
                value = "true";
            else if (l == "false" || l == "no" || l == "off" || l == "0")
                value = "false";
            else
                return "'" + value + "' is not a boolean (true or false)";
            return std::nullopt;
        }
        case Type::duration: {
            auto d = units::parse_duration(value);
            if (!d) return "'" + value + "' is not a duration (e.g. 90s, 30m, 24h, 7d)";
            if (key.max > key.min && (d->count() < key.min || d->count() > key.max))
                return value + " is out of range (" + units::format_duration(static_cast<double>(key.min)) +
                       ".." + units::format_duration(static_cast<double>(key.max)) + ")";
            return std::nullopt;
        }
        case Type::size: {
            auto s = units::parse_size(value);
            if (!s) return "'" + value + "' is not a size (e.g. 16MiB, 5M, 1048576)";
            if (key.max > key.min &&
                (*s < static_cast<std::uint64_t>(key.min) || *s > static_cast<std::uint64_t>(key.max)))
                return value + " is out of range (" +
                       units::format_size(static_cast<std::uint64_t>(key.min)) + ".." +
                       units::format_size(static_cast<std::uint64_t>(key.max)) + ")";
            return std::nullopt;
        }
        case Type::choice:
            if (std::find(key.choices.begin(), key.choices.end(), value) == key.choices.end()) {
                std::string list;
                for (const auto& c : key.choices) list += (list.empty() ? "" : ", ") + c;
                return "'" + value + "' is not one of: " + list;
            }
            return std::nullopt;
    }
    return std::nullopt;
}

namespace {

std::string unknown_key_message(const std::string& where, const std::string& name) {
    std::string msg = where + ": unknown key '" + name + "'";
    auto s = suggest_key(name);
    if (!s.empty()) msg += "; did you mean '" + s + "'?";
    return msg + " (`pgark config show` lists the known keys)";
}

// TOML scalar → text; durations and sizes may be written as numbers or strings.
std::optional<std::string> scalar_text(const toml::node& n) {
    if (auto s = n.as_string()) return s->get();
    if (auto i = n.as_integer()) return std::to_string(i->get());
    if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
    return std::nullopt;
}

void load_user_checks(const std::string& path, const toml::node& node, std::vector<UserCheck>& out) {
    auto line = [&](const toml::node& n) { return path + ":" + std::to_string(n.source().begin.line); };
    auto* arr = node.as_array();
    if (!arr) throw UsageError(line(node) + ": 'drill.checks' must be an array of tables ([[drill.checks]])");
    for (const auto& item : *arr) {
        auto* t = item.as_table();
        if (!t) throw UsageError(line(item) + ": each [[drill.checks]] entry must be a table");
        UserCheck c;
        c.where = line(item);
        for (const auto& [k, v] : *t) {
            std::string key(k.str());
            auto* str = v.as_string();
            if (key != "name" && key != "sql" && key != "expect")
                throw UsageError(line(v) + ": unknown key '" + key +
                                 "' in [[drill.checks]] (known: name, sql, expect)");
            if (!str) throw UsageError(line(v) + ": '" + key + "' in [[drill.checks]] must be a string");
            (key == "name" ? c.name : key == "sql" ? c.sql : c.expect) = str->get();
        }
        if (c.name.empty() || c.sql.empty())
            throw UsageError(c.where + ": a [[drill.checks]] entry needs both 'name' and 'sql'");
        out.push_back(std::move(c));
    }
}

// Applies a parsed config file to `values`; returns whether it set a secret.
bool apply_file(const std::string& path, const toml::table& root, std::map<std::string, Setting>& values,
                std::vector<UserCheck>& checks) {
    bool has_secret = false;
    for (auto& [section_key, section] : root) {
        std::string section_name(section_key.str());
        auto line = std::to_string(section.source().begin.line);
        auto* table = section.as_table();
        if (!table) {
            throw UsageError(unknown_key_message(path + ":" + line, section_name) +
                             "; settings belong in sections such as [database] or [repository]");
        }
        for (auto& [k, v] : *table) {
            std::string name = section_name + "." + std::string(k.str());
            if (name == "drill.checks") {
                load_user_checks(path, v, checks);
                continue;
            }
            std::string where = path + ":" + std::to_string(v.source().begin.line);
            const KeyDef* def = find_key(name);
            if (!def) throw UsageError(unknown_key_message(where, name));
            auto text = scalar_text(v);
            if (!text) throw UsageError(where + ": key '" + name + "' must be a string, number or boolean");
            if (auto err = validate(*def, *text))
                throw UsageError(where + ": invalid value for '" + name + "': " + *err);
            if (def->secret && !text->empty()) has_secret = true;
            values[name] = {*text, {Origin::Kind::file, where}};
        }
    }
    return has_secret;
}

toml::table parse_toml(const std::string& text, const std::string& path) {
    auto ascii = ascii_toml(text);
    if (auto* problem = std::get_if<TomlTextProblem>(&ascii))
        throw UsageError(path + ":" + std::to_string(problem->line) + ": " + problem->message);
    try {
        return toml::parse(std::get<std::string>(ascii), std::string_view(path));
    } catch (const toml::parse_error& e) {
        throw UsageError(path + ":" + std::to_string(e.source().begin.line) +
                         ": invalid TOML: " + std::string(e.description()));
    }
}

std::string read_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw UsageError("cannot open config file " + path + ": " + std::strerror(errno) +
                         "; check its permissions");
    std::string text;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            if (n < 0) throw UsageError("cannot read config file " + path + ": " + std::strerror(err));
            return text;
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
}

void load_file(const std::string& path, std::map<std::string, Setting>& values,
               std::vector<std::string>& warnings, std::vector<UserCheck>& checks) {
    auto root = parse_toml(read_file(path), path);
    bool has_secret = apply_file(path, root, values, checks);
    struct stat st {};
    if (has_secret && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 0077) != 0)
        warnings.push_back(path + " holds secrets but is readable by other users; run: chmod 600 " + path);
}

}  // namespace

Config Config::defaults() {
    Config c;
    for (const auto& k : all_keys()) c.values_[k.name] = {k.default_value, {Origin::Kind::default_value, ""}};
    return c;
}

Config Config::load(const Inputs& in) {
    Config c = defaults();

    std::optional<std::string> path = in.file;
    if (!path) {
        auto it = in.env.find("PGARK_CONFIG");
        if (it != in.env.end() && !it->second.empty()) path = it->second;
    }
    if (path) {
        struct stat st {};
        if (::stat(path->c_str(), &st) != 0)
            throw UsageError("config file " + *path +
                             " does not exist; create it or drop --config/PGARK_CONFIG");
    } else {
        struct stat st {};
        if (!in.default_file.empty() && ::stat(in.default_file.c_str(), &st) == 0) path = in.default_file;
    }
    if (path) {
        load_file(*path, c.values_, c.warnings_, c.user_checks_);
        c.file_ = path;
    }

    for (const auto& k : all_keys()) {
        for (const auto& var : k.env) {
            auto it = in.env.find(var);
            if (it == in.env.end() || it->second.empty()) continue;
            std::string v = it->second;
            if (auto err = validate(k, v))
                throw UsageError("environment variable " + var + " (for '" + k.name + "'): " + *err);
            c.values_[k.name] = {v, {Origin::Kind::env, var}};
            break;
        }
    }
    for (const auto& [name, value] : in.flags) {
        const KeyDef* def = find_key(name);
        if (!def) throw UsageError(unknown_key_message("command line", name));
        c.set(name, value, {Origin::Kind::flag, def->flag.empty() ? name : def->flag});
    }
    return c;
}

Config Config::from_toml(const std::string& text, const std::string& where) {
    Config c = defaults();
    auto root = parse_toml(text, where);
    apply_file(where, root, c.values_, c.user_checks_);
    return c;
}

void Config::set(const std::string& key, const std::string& value, Origin origin) {
    const KeyDef* def = find_key(key);
    if (!def) throw UsageError(unknown_key_message("setting", key));
    std::string v = value;
    if (auto err = validate(*def, v)) throw UsageError(origin.describe() + " (for '" + key + "'): " + *err);
    values_[key] = {v, std::move(origin)};
}

const Setting& Config::setting(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) throw std::logic_error("unknown configuration key " + key);
    return it->second;
}

std::int64_t Config::integer(const std::string& key) const {
    return std::stoll(str(key));
}
bool Config::boolean(const std::string& key) const {
    return str(key) == "true";
}
std::chrono::seconds Config::duration(const std::string& key) const {
    return *units::parse_duration(str(key));
}
std::uint64_t Config::size(const std::string& key) const {
    return *units::parse_size(str(key));
}

std::vector<std::string> Config::secret_values() const {
    std::vector<std::string> out;
    for (const auto& k : all_keys())
        if (k.secret && !str(k.name).empty()) out.push_back(str(k.name));
    return out;
}

}  // namespace pgark::config
