// Verifier check: the large objects' count and content hash against the manifest.
#include "restore/verify/verifier.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <regex>

#include <spdlog/spdlog.h>

#include "core/copy_text_hasher.h"
#include "core/xxh3_state.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/redact.h"
#include "util/test_hooks.h"

namespace pgark {

void Verifier::verify_large_objects(Connection& c) {
    auto oids =
        opts_.large_object_oids
            ? c.query(
                  "SELECT oid::text FROM pg_catalog.pg_largeobject_metadata WHERE oid = ANY($1::oid[]) "
                  "ORDER BY oid",
                  {oid_array(*opts_.large_object_oids)})
            : c.query("SELECT oid::text FROM pg_catalog.pg_largeobject_metadata ORDER BY oid");
    std::uint64_t sum = 0;
    for (const auto& row : oids) {
        // One XXH3 over the object's bytes, as the archive scanner hashes large objects.
        Xxh3Stream st;
        const long chunk = 1 << 20;
        for (long off = 0;; off += chunk) {
            cancel::throw_if_requested();
            auto hex = c.scalar("SELECT encode(pg_catalog.lo_get($1::oid, $2::bigint, $3::int), 'hex')",
                                {*row[0], std::to_string(off), std::to_string(chunk)});
            std::string bytes(hex.size() / 2, '\0');
            for (std::size_t i = 0; i < bytes.size(); ++i)
                bytes[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
            st.update(bytes.data(), bytes.size());
            if (static_cast<long>(bytes.size()) < chunk) break;
        }
        sum += st.digest();
    }
    bool ok = oids.size() == m_.large_objects &&
              (m_.large_objects == 0 || copy_hash_hex(sum) == m_.large_objects_hash);
    auto detail = std::to_string(oids.size()) + " large objects" +
                  (ok ? " match"
                      : ", backup had " + std::to_string(m_.large_objects) + " (hash " +
                            m_.large_objects_hash + " expected, " + copy_hash_hex(sum) + " found)");
    out_.checks.push_back(ok ? CheckResult::pass("large objects", detail)
                             : CheckResult::fail("large objects", detail));
}

}  // namespace pgark
