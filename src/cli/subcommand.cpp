// Helpers shared by the subcommand files.
#include "cli/subcommand.h"

#include "cli/terminal.h"
#include "util/error.h"

namespace pgark::cli {

void config_flag(CLI::App& app, GlobalOptions& g, const std::string& names, const std::string& key,
                 const std::string& help) {
    app.add_option_function<std::string>(
           names, [&g, key](const std::string& v) { g.flag_values[key] = v; }, help)
        ->type_name("VALUE");
}

void json_flag(CLI::App& app, bool& json_out, const std::string& help) {
    app.add_flag("--json", json_out, help);
}

void print(const std::string& text) {
    write_output(text);
}

// PostgreSQL cuts longer names to 63 bytes (NAMEDATALEN - 1) in CREATE and DROP DATABASE, but not in
// the lookups before them: a longer name would restore into, or replace, a database of another name.
void check_database_name(const std::string& flag, const std::string& name) {
    constexpr std::size_t kMaxName = 63;
    if (name.size() > kMaxName)
        throw UsageError(
            flag + " names a database of " + std::to_string(name.size()) +
            " bytes; PostgreSQL database names have at most " + std::to_string(kMaxName) +
            " bytes (it would cut this one short and use another database); choose a shorter name "
            "(nothing was changed)");
}

}  // namespace pgark::cli
