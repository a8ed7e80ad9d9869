// Free TCP ports on 127.0.0.1 for the servers the test harness starts (PostgreSQL, S3).
#pragma once

namespace pgark::test {

// A port that was free a moment ago: the kernel picks it for a bind to 127.0.0.1:0, then the socket is
// closed. Someone else may take it before the server binds it, so callers retry a failed start on a new port.
int free_tcp_port();

}  // namespace pgark::test
