// Escaping array literals (PostgreSQL's array input syntax: double quotes, backslash escapes).
#include "pg/sql_literals.h"

namespace pgark {

std::string text_array_literal(const std::vector<std::string>& items) {
    std::string a = "{";
    for (const auto& item : items) {
        if (a.size() > 1) a += ',';
        a += '"';
        for (char ch : item) {
            if (ch == '"' || ch == '\\') a += '\\';
            a += ch;
        }
        a += '"';
    }
    return a + '}';
}

}  // namespace pgark
