// libFuzzer target for Manifest::from_json: manifests are read back from storage that other hosts (or
// an attacker with bucket access) can write, so any bytes must end in a Manifest or a pgark::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/manifest.h"
#include "fuzz_support.h"

namespace {
constexpr const char* kTarget = "fuzz_manifest";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    pgark::Manifest m;
    if (!pgark::fuzz::accepts(kTarget, [&] { m = pgark::Manifest::from_json(text, "fuzz/manifest.json"); }))
        return 0;
    // What was accepted must be written back in a form that reads back the same: otherwise pgark could
    // accept a manifest that it would then misreport, or write one it later refuses.
    pgark::fuzz::must_not_throw(kTarget, "round trip of an accepted manifest", [&] {
        const std::string written = m.to_json();
        const std::string again = pgark::Manifest::from_json(written, "fuzz/round-trip.json").to_json();
        if (again != written)
            pgark::fuzz::finding(kTarget,
                                 "manifest changes on a round trip:\n" + written + "\nbecame\n" + again);
        (void)m.duration_seconds();
    });
    return 0;
}
