// Small helpers the test suites share for checking output: substring tests, joined lists, elapsed time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace pgark::test {

inline bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// "a, b, c" (for failure messages).
inline std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
    return out;
}

inline double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace pgark::test
