// `pgark list`: reads the manifests of the repository.
#include "commands/list.h"

namespace pgark {

ListResult run_list(const Context& ctx, bool all_databases) {
    Repository repo = ctx.open_repository();
    ListResult r;
    r.repository = repo.describe();
    r.backups = repo.list_backups(all_databases ? std::nullopt : ctx.database_name(), &r.problems);
    return r;
}

}  // namespace pgark
