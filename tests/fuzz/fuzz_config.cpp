// libFuzzer target for the config file loader (TOML parsing, key lookup and value validation): any
// bytes must end in a Config or a UsageError, and every value a Config accepted must be usable by the
// typed accessors the commands call, since those assume validation let only good values through.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"
#include "config/toml_ascii.h"
#include "fuzz_support.h"

namespace {
constexpr const char* kTarget = "fuzz_config";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pgark::config;
    const std::string text(reinterpret_cast<const char*>(data), size);
    // toml++ 3.3.0 must never see a non-ASCII byte (ADR 0008), and its line numbers must stay right.
    auto ascii = ascii_toml(text);
    if (const auto* out = std::get_if<std::string>(&ascii)) {
        for (char c : *out)
            if (static_cast<unsigned char>(c) >= 0x80)
                pgark::fuzz::finding(kTarget, "ascii_toml left a non-ASCII byte");
        if (std::count(out->begin(), out->end(), '\n') != std::count(text.begin(), text.end(), '\n'))
            pgark::fuzz::finding(kTarget, "ascii_toml changed the number of lines");
    }
    std::optional<Config> cfg;
    if (!pgark::fuzz::accepts(kTarget, [&] { cfg = Config::from_toml(text, "fuzz.toml"); })) return 0;
    pgark::fuzz::must_not_throw(kTarget, "reading an accepted config", [&] {
        for (const auto& k : all_keys()) {
            std::string value = cfg->str(k.name);
            // Stored values are already normalised, so validating them again changes nothing.
            std::string again = value;
            if (auto err = validate(k, again))
                pgark::fuzz::finding(kTarget, "stored value of " + k.name + " no longer validates: " + *err);
            if (again != value)
                pgark::fuzz::finding(kTarget, "stored value of " + k.name + " is not normalised");
            switch (k.type) {
                case Type::integer:
                    (void)cfg->integer(k.name);
                    break;
                case Type::boolean:
                    (void)cfg->boolean(k.name);
                    break;
                case Type::duration:
                    (void)cfg->duration(k.name);
                    break;
                case Type::size:
                    (void)cfg->size(k.name);
                    break;
                case Type::string:
                case Type::choice:
                    break;
            }
        }
        for (const auto& c : cfg->user_checks())
            if (c.name.empty() || c.sql.empty())
                pgark::fuzz::finding(kTarget, "a drill check lacks name or sql");
        (void)cfg->secret_values();
    });
    return 0;
}
