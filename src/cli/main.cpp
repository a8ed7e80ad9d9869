// pgark entry point.
#include "cli/app.h"

int main(int argc, char** argv) {
    return pgark::cli::run(argc, argv);
}
