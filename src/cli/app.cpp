// The command line's frame: global options, the subcommands (cli/subcommands/), the configuration,
// logging and progress, the one-shot job report, and the mapping of errors to exit codes.
#include "cli/app.h"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>

#include "cli/log_sink.h"
#include "cli/subcommands.h"
#include "cli/terminal.h"
#include "report/metrics.h"
#include "report/notify.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/redact.h"
#include "util/time.h"

extern char** environ;

namespace pgark::cli {
namespace {

// After a one-shot backup, drill or prune: the metrics textfile and the webhook, as the daemon does.
void report_job(const Context& ctx, const std::string& job, bool ok, const std::string& message,
                std::uint64_t deleted, double seconds) {
    auto previous = update_metrics_textfile(ctx, job, ok, deleted);
    notify_job(ctx, JobEvent{job, ctx.database_name().value_or(""), ok, previous,
                             ok || !message.empty() ? message : "failed; see the log", seconds});
}

std::map<std::string, std::string> environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return env;
}

void add_global_options(CLI::App& app, GlobalOptions& g) {
    app.add_option("--config", g.config_file,
                   "TOML config file (default /etc/pgark/pgark.toml if present, or $PGARK_CONFIG)");
    app.add_flag("-v,--verbose", g.verbose, "debug logging on stderr");
    app.add_flag("-q,--quiet", g.quiet, "only warnings and errors on stderr");
    config_flag(app, g, "--repo", "repository.url", "repository: a path or s3://bucket/prefix");
    config_flag(app, g, "--host", "database.host", "PostgreSQL host (or PGHOST)");
    config_flag(app, g, "--port", "database.port", "PostgreSQL port (or PGPORT)");
    config_flag(app, g, "-U,--username", "database.user", "PostgreSQL user (or PGUSER)");
    config_flag(app, g, "-d,--dbname", "database.dbname", "database name, conninfo or URI (or PGDATABASE)");
    config_flag(app, g, "--pg-bin-dir", "pg.bin_dir", "directory holding pg_dump and pg_restore");
    config_flag(app, g, "--metrics-textfile", "metrics.textfile",
                "write metrics to this node_exporter textfile after backup, drill and prune");
}

// Runs the action; a scheduled job run one-shot reports its outcome (not a usage error, not a cancel).
int run_invocation(const Context& ctx, Invocation& inv) {
    if (inv.job_name.empty()) return inv.action(ctx);
    int code = static_cast<int>(ExitCode::failed);
    Stopwatch sw;
    try {
        code = inv.action(ctx);
    } catch (const Error& e) {
        code = static_cast<int>(e.code());
        inv.job_message = redact::scrub(e.what());
        if (code != static_cast<int>(ExitCode::usage))
            report_job(ctx, inv.job_name, false, inv.job_message, 0, sw.seconds());
        throw;
    }
    report_job(ctx, inv.job_name, code == 0, code == 0 ? "" : inv.job_message, inv.job_deleted, sw.seconds());
    return code;
}

}  // namespace

int run(int argc, char** argv) {
    cancel::install_signal_handlers();
    CLI::App app{"pgark: backups of PostgreSQL that are proven restorable", "pgark"};
    app.set_version_flag("--version", std::string("pgark ") + PGARK_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    GlobalOptions g;
    Invocation inv;
    add_global_options(app, g);
    add_subcommands(app, g, inv);

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return static_cast<int>(ExitCode::usage);
    }

    try {
        config::Inputs in;
        if (!g.config_file.empty()) in.file = g.config_file;
        in.env = environment();
        in.flags = g.flag_values;
        auto cfg = config::Config::load(in);
        std::string level = g.verbose ? "debug" : g.quiet ? "warn" : cfg.str("log.level");
        setup_logging(level);
        for (const auto& w : cfg.warnings()) spdlog::warn("{}", w);
        Context ctx(std::move(cfg));
        inv.reload_config = [in] { return config::Config::load(in); };
        std::optional<ProgressDisplay> display;
        if (!g.quiet && inv.progress_display) display.emplace();
        return run_invocation(ctx, inv);
    } catch (const Cancelled& c) {
        std::fprintf(stderr, "pgark: %s\n", c.what());
        return static_cast<int>(c.code());
    } catch (const Error& e) {
        if (!spdlog::default_logger()) setup_logging("info");
        std::fprintf(stderr, "pgark: error: %s\n", redact::scrub(e.what()).c_str());
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pgark: internal error: %s\n", redact::scrub(e.what()).c_str());
        return static_cast<int>(ExitCode::failed);
    }
}

}  // namespace pgark::cli
