// This host's name; see host.h.
#include "util/host.h"

#include <unistd.h>

namespace pgark {

std::string host_name() {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0) return "unknown";
    return host;
}

}  // namespace pgark
