// init, list and config show.
#include "commands/simple.h"

#include "storage/open_storage.h"
#include "util/redact.h"

namespace pgark {

InitResult run_init(const Context& ctx) {
    auto storage = open_storage(ctx.repository_url(), ctx.s3_options());
    InitResult r;
    r.location = storage->describe();
    r.created = Repository::init(*storage);
    // Opening it checks that an existing marker is one this pgark understands.
    Repository::open(std::move(storage));
    return r;
}

ListResult run_list(const Context& ctx, bool all_databases) {
    Repository repo = ctx.open_repository();
    ListResult r;
    r.repository = repo.describe();
    r.backups = repo.list_backups(all_databases ? std::nullopt : ctx.database_name(), &r.problems);
    return r;
}

std::vector<ConfigEntry> run_config_show(const Context& ctx) {
    std::vector<ConfigEntry> out;
    for (const auto& k : config::all_keys()) {
        const auto& s = ctx.config().setting(k.name);
        std::string v = s.value;
        if (k.secret && !v.empty()) v = "********";
        v = redact::scrub(v);
        out.push_back({k.name, v, s.origin.describe(), k.secret});
    }
    return out;
}

}  // namespace pgark
