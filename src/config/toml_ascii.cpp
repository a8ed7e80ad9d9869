// The ASCII rewrite of a TOML text in front of toml++ 3.3.0 (see toml_ascii.h and ADR 0008).
//
// toml++ 3.3.0 reaches __builtin_unreachable when it asks whether one of U+00A1..U+0499,
// U+2C4E..U+3047 or U+FB26..U+FEFE is whitespace. It asks outside strings, but also while looking ahead
// through a malformed bare value, which can run into what is a string to any simpler reader. Guessing
// where it looks is fragile (the first guard did, and the fuzzer found a way past it), so instead it is
// never given a non-ASCII byte: string contents are escaped, which TOML defines to mean the same
// characters, and comments, which mean nothing, lose theirs. On valid TOML this scanner's view of
// strings and comments is exact, so no value changes; on invalid TOML toml++ still reports an error.
#include "config/toml_ascii.h"

#include <cstdio>
#include <optional>

namespace pgark::config {
namespace {

constexpr const char* kNotUtf8 = "invalid TOML: the text is not valid UTF-8; save the file as UTF-8";

bool is_ascii(char c) {
    return static_cast<unsigned char>(c) < 0x80;
}

// Decodes one strict UTF-8 sequence (no overlong forms, surrogates or values past U+10FFFF) at t[i].
// Returns the code point and advances i, or nullopt (i unchanged).
std::optional<char32_t> decode_utf8(std::string_view t, std::size_t& i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(t[k]); };
    const unsigned char lead = b(i);
    std::size_t len;
    char32_t cp;
    char32_t min;
    if (lead >= 0xC2 && lead <= 0xDF) {
        len = 2, cp = lead & 0x1F, min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        len = 3, cp = lead & 0x0F, min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        len = 4, cp = lead & 0x07, min = 0x10000;
    } else {
        return std::nullopt;
    }
    if (t.size() - i < len) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    i += len;
    return cp;
}

std::string escape(char32_t cp) {
    char buf[16];
    if (cp <= 0xFFFF)
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
    else
        std::snprintf(buf, sizeof buf, "\\U%08X", static_cast<unsigned>(cp));
    return buf;
}

class Rewriter {
  public:
    explicit Rewriter(std::string_view t) : t_(t) { out_.reserve(t.size() + t.size() / 8); }

    std::variant<std::string, TomlTextProblem> run() {
        if (t_.starts_with("\xEF\xBB\xBF")) i_ = 3;  // a UTF-8 byte order mark: dropped, as toml++ does
        while (!problem_ && i_ < t_.size()) {
            const char c = t_[i_];
            if (c == '#') {
                comment();
            } else if ((c == '"' || c == '\'') && run_of(i_, c) >= 3) {
                multi_line_string(c == '"');
            } else if (c == '"' || c == '\'') {
                single_line_string(c == '"');
            } else if (!is_ascii(c)) {
                fail("invalid TOML: a non-ASCII character outside a quoted string or comment");
            } else {
                put(c);
            }
        }
        if (problem_) return *problem_;
        return std::move(out_);
    }

  private:
    std::size_t run_of(std::size_t at, char c) const {
        std::size_t n = 0;
        while (at + n < t_.size() && t_[at + n] == c) ++n;
        return n;
    }

    void fail(std::string message) {
        if (!problem_) problem_ = TomlTextProblem{line_, std::move(message)};
    }

    // Copies one ASCII character, counting lines.
    void put(char c) {
        if (c == '\n') ++line_;
        out_ += c;
        ++i_;
    }

    // Copies a non-ASCII character of a string as its escape.
    void put_escaped() {
        if (auto cp = decode_utf8(t_, i_))
            out_ += escape(*cp);
        else
            fail(kNotUtf8);
    }

    void comment() {
        while (!problem_ && i_ < t_.size() && t_[i_] != '\n') {
            if (is_ascii(t_[i_])) {
                put(t_[i_]);
            } else if (decode_utf8(t_, i_)) {
                out_ += '?';
            } else {
                fail(kNotUtf8);
            }
        }
    }

    // One character (or escape) of a string's content, written so that it means the same in a basic
    // string: a literal string's `\` and `"` are escaped, non-ASCII characters become escapes.
    void string_content(bool basic, bool multi_line) {
        const char c = t_[i_];
        if (basic && c == '\\') {
            basic_escape(multi_line);
        } else if (!basic && (c == '\\' || c == '"')) {
            out_ += '\\';
            put(c);
        } else if (is_ascii(c)) {
            put(c);
        } else {
            put_escaped();
        }
    }

    // A backslash in a basic string and what it escapes. A line-ending backslash (TOML trims the line
    // break and the whitespace after it) is copied with that whitespace.
    void basic_escape(bool multi_line) {
        put('\\');
        std::size_t j = i_;
        while (j < t_.size() && (t_[j] == ' ' || t_[j] == '\t')) ++j;
        if (j < t_.size() && !is_ascii(t_[j])) {
            fail("invalid TOML: a non-ASCII character after a backslash in a string (escape it as \\uXXXX)");
        } else if (multi_line && j < t_.size() && (t_[j] == '\n' || t_[j] == '\r')) {
            while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r'))
                put(t_[i_]);
        } else if (i_ < t_.size() && t_[i_] != '\n') {
            put(t_[i_]);  // the escaped character (the parser judges whether it is a valid escape)
        }
    }

    void single_line_string(bool basic) {
        const char quote = t_[i_];
        ++i_;
        out_ += '"';
        while (!problem_ && i_ < t_.size() && t_[i_] != quote && t_[i_] != '\n') string_content(basic, false);
        if (!problem_ && i_ < t_.size() && t_[i_] == quote) {
            out_ += '"';
            ++i_;
        }
    }

    void multi_line_string(bool basic) {
        const char quote = t_[i_];
        i_ += 3;
        out_ += R"(""")";
        while (!problem_ && i_ < t_.size()) {
            if (t_[i_] == quote && run_of(i_, quote) >= 3) {
                // Up to two quotes before the closing three belong to the content.
                const std::size_t run = run_of(i_, quote);
                if (run > 5) {
                    fail("invalid TOML: more than five quotes in a row end a multi-line string");
                    return;
                }
                out_.append(run - 3, basic ? '"' : '\'');
                out_ += R"(""")";
                i_ += run;
                return;
            }
            string_content(basic, true);
        }
    }

    std::string_view t_;
    std::size_t i_ = 0;
    std::size_t line_ = 1;
    std::string out_;
    std::optional<TomlTextProblem> problem_;
};

}  // namespace

std::variant<std::string, TomlTextProblem> ascii_toml(std::string_view text) {
    return Rewriter(text).run();
}

}  // namespace pgark::config
