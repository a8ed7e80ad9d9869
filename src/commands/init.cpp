// `pgark init`: writes the repository marker (repo/repository.h) unless one is there.
#include "commands/init.h"

#include "storage/open_storage.h"

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

}  // namespace pgark
