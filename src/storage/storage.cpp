// Storage conveniences shared by every driver.
#include "storage/storage.h"

#include "util/error.h"

namespace pgark {

void Storage::put(const std::string& key, const std::string& data) {
    auto w = create(key);
    w->write(std::as_bytes(std::span(data.data(), data.size())));
    w->commit();
}

std::string Storage::get(const std::string& key) {
    auto r = open(key);
    std::string out;
    std::byte buf[65536];
    for (;;) {
        std::size_t n = r->read(buf);
        if (n == 0) break;
        out.append(reinterpret_cast<const char*>(buf), n);
    }
    return out;
}

std::vector<UnfinishedWrite> Storage::sweep_abandoned_writes(const std::string& prefix, SystemTime older_than,
                                                             bool dry_run) {
    std::vector<UnfinishedWrite> out;
    for (auto& w : list_unfinished_writes(prefix)) {
        if (w.since >= older_than) continue;
        if (!dry_run) discard_unfinished_write(w);
        out.push_back(std::move(w));
    }
    return out;
}

void check_key(const std::string& key) {
    auto bad = [&](const std::string& why) {
        throw Error("refusing storage key '" + key + "': " + why +
                    " (a repository key must stay inside the repository)");
    };
    if (key.empty()) bad("it is empty");
    if (key.front() == '/') bad("it is absolute");
    std::size_t start = 0;
    while (start <= key.size()) {
        auto end = key.find('/', start);
        if (end == std::string::npos) end = key.size();
        std::string seg = key.substr(start, end - start);
        if (seg.empty() && end != key.size()) bad("it has an empty path segment");
        if (seg == "." || seg == "..") bad("it contains '" + seg + "'");
        start = end + 1;
        if (end == key.size()) break;
    }
    for (unsigned char c : key)
        if (c < 0x20 || c == 0x7f) bad("it contains a control character");
}

}  // namespace pgark
