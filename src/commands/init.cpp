// `pgark init`: writes the repository marker (repo/repository.h) unless one is there.
#include "commands/init.h"

#include "repo/layout.h"
#include "storage/open_storage.h"
#include "util/error.h"

namespace pgark {

namespace {

// A repository inside another would be listed, pruned and swept as part of the outer one.
void refuse_inside_a_repository(const Context& ctx, const std::string& url) {
    for (const auto& outer : enclosing_locations(url)) {
        bool is_repository = false;
        try {
            is_repository = open_storage(outer, ctx.s3_options())->stat(layout::kMarker).has_value();
        } catch (const StorageError&) {
            continue;  // a parent we may not read (a bucket root, /root) cannot be judged
        }
        if (is_repository)
            throw UsageError(url + " is inside the pgark repository at " + outer +
                             "; a repository inside another mixes their objects (the outer one's sweeps walk "
                             "the whole tree). Choose a location outside it (nothing was created)");
    }
}

}  // namespace

InitResult run_init(const Context& ctx) {
    auto storage = open_storage(ctx.repository_url(), ctx.s3_options());
    InitResult r;
    r.location = storage->describe();
    if (!storage->stat(layout::kMarker)) refuse_inside_a_repository(ctx, ctx.repository_url());
    r.created = Repository::init(*storage);
    // Opening it checks that an existing marker is one this pgark understands.
    Repository::open(std::move(storage));
    return r;
}

}  // namespace pgark
