// Writes the data offsets into a custom-format archive that pg_dump wrote to a pipe (where it could not
// seek back to fill them in). With the offsets set, pg_restore seeks straight to each data block; without
// them, every parallel worker scans the archive from the start to find its block.
#pragma once

#include <cstddef>

#include "pg/archive_scanner.h"

namespace pgark {

// Patches, in the archive file open for writing at `fd`, every TOC entry whose offset is "not set" and
// whose data block the scanner saw. Returns the number of entries patched. Throws Error on an I/O error.
std::size_t write_data_offsets(int fd, const ArchiveScanner& scanner);

}  // namespace pgark
