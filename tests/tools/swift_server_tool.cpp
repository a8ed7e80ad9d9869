// Runs the test suite's single-node Swift (S3 API, SigV4-checking) for scripts such as bench/run.sh:
// starts it on free ports under a temporary directory, creates a bucket, prints the settings a pgark
// S3 repository needs as shell assignments on stdout, and runs until its stdin closes or it gets
// SIGINT/SIGTERM; then stops the servers and removes their directory (a watchdog does so after SIGKILL).
// The credentials are the throwaway test account's, not secrets.
//
//   pgark_swift_server BUCKET
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <thread>

#include "support/swift_server.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: pgark_swift_server BUCKET\n";
        return 2;
    }
    try {
        // Block the signals before any thread starts, then wait for one (or for stdin to close).
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop, nullptr);
        pgark::test::SwiftServer server;
        server.create_bucket(argv[1]);
        std::cout << "AWS_ENDPOINT_URL=" << server.endpoint() << "\nAWS_ACCESS_KEY_ID=" << server.access_key()
                  << "\nAWS_SECRET_ACCESS_KEY=" << server.secret_key() << "\nAWS_REGION=" << server.region()
                  << "\nREADY=1" << std::endl;
        std::thread stdin_watch([] {
            char c;
            while (::read(0, &c, 1) > 0) {
            }
            ::kill(::getpid(), SIGTERM);
        });
        stdin_watch.detach();
        int sig = 0;
        sigwait(&stop, &sig);
        return 0;  // ~SwiftServer stops the servers
    } catch (const std::exception& e) {
        std::cerr << "pgark_swift_server: " << e.what() << "\n";
        return 1;
    }
}
