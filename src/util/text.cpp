// Small text helpers for messages.
#include "util/text.h"

#include <vector>

namespace pgark {

std::string tail_lines(const std::string& text, std::size_t max_lines) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    std::string out;
    for (std::size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i)
        out += (out.empty() ? "" : "\n  ") + lines[i];
    return out;
}

}  // namespace pgark
