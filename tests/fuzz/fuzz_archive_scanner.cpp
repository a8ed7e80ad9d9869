// libFuzzer target for ArchiveScanner: it parses pg_dump custom-format archives downloaded from the
// bucket (bytes another host, or an attacker with bucket access, may have written), so any bytes must
// end in a scan or a pgark::Error. And because the stream arrives in chunks that may split any field,
// the same bytes fed in other chunk sizes must give the same result.
#include <cstddef>
#include <cstdint>
#include <span>
#include <sstream>
#include <string>

#include "fuzz_support.h"
#include "pg/archive_scanner.h"

namespace {
constexpr const char* kTarget = "fuzz_archive_scanner";

// Feeds `data` in chunks of `chunk` bytes, then finishes; returns what the scan found, or "refused".
std::string scan(std::span<const std::byte> data, std::size_t chunk) {
    pgark::ArchiveScanner s;
    std::string out;
    if (!pgark::fuzz::accepts(kTarget, [&] {
            for (std::size_t at = 0; at < data.size(); at += chunk)
                s.feed(data.subspan(at, std::min(chunk, data.size() - at)));
            s.finish();
        }))
        return "refused";
    pgark::fuzz::must_not_throw(kTarget, "reading an accepted scan", [&] {
        std::ostringstream o;
        o << "toc " << s.toc().size() << " blobs " << s.blob_count() << " hash " << s.blob_hash_sum()
          << " encoding " << s.encoding() << " bytes " << s.bytes_scanned() << "\n";
        for (const auto& e : s.toc())
            o << e.dump_id << ' ' << e.desc << ' ' << e.schema << '.' << e.tag << '\n';
        for (const auto& t : s.table_data())
            o << t.qualified_name() << ' ' << t.rows.value_or(~0ULL) << ' ' << t.hash_sum.value_or(0) << ' '
              << t.bytes << ' ' << t.complete << '\n';
        out = o.str();
    });
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks a chunk size for the second pass (1..256 bytes), the rest is the archive.
    const std::size_t chunk = static_cast<std::size_t>(data[0]) + 1;
    const std::span<const std::byte> archive(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
    const auto whole = scan(archive, archive.size() + 1);
    const auto chunked = scan(archive, chunk);
    if (whole != chunked)
        pgark::fuzz::finding(kTarget, "chunks of " + std::to_string(chunk) + " bytes change the scan:\n" +
                                          whole + "\nbecame\n" + chunked);
    return 0;
}
