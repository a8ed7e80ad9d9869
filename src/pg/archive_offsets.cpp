// Data offsets for a spooled archive; see archive_offsets.h.
#include "pg/archive_offsets.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "util/error.h"

namespace pgark {

std::size_t write_data_offsets(int fd, const ArchiveScanner& scanner) {
    const int off_size = scanner.header().off_size;
    if (off_size < 1 || off_size > 8) return 0;
    std::size_t patched = 0;
    std::vector<unsigned char> field(1 + static_cast<std::size_t>(off_size));
    for (const auto& e : scanner.toc()) {
        if (e.data_state != ArchiveTocEntry::data_offset_not_set || !e.block_pos) continue;
        // K_OFFSET_POS_SET, then the offset least significant byte first (pg_backup_custom.c WriteOffset).
        field[0] = ArchiveTocEntry::data_offset_set;
        for (int i = 0; i < off_size; ++i)
            field[1 + static_cast<std::size_t>(i)] = static_cast<unsigned char>(*e.block_pos >> (8 * i));
        auto n = ::pwrite(fd, field.data(), field.size(), static_cast<off_t>(e.data_state_pos));
        if (n != static_cast<ssize_t>(field.size()))
            throw Error(std::string("writing data offsets into the restore spool failed: ") +
                        (n < 0 ? std::strerror(errno) : "short write"));
        ++patched;
    }
    return patched;
}

}  // namespace pgark
