// Shared by the fuzz targets: the rule that a parser may refuse input only with a pgark::Error, whose
// message a user can act on. Anything else escaping (a library's exception, std::out_of_range...) would
// reach the user as an unhelpful message, so it is a finding: abort, and libFuzzer saves the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include "util/error.h"

namespace pgark::fuzz {

[[noreturn]] inline void finding(const char* target, const std::string& what) {
    std::fprintf(stderr, "\n==== FINDING in %s: %s\n", target, what.c_str());
    std::abort();
}

// Runs `parse`; true when it accepted the input, false when it refused it with a pgark::Error.
template <typename F>
bool accepts(const char* target, F&& parse) {
    try {
        parse();
        return true;
    } catch (const Error&) {
        return false;
    } catch (const std::exception& e) {
        finding(target, std::string("non-pgark exception escaped: ") + typeid(e).name() + ": " + e.what());
    } catch (...) {
        finding(target, "non-std exception escaped");
    }
}

// Runs code that must not throw at all, such as reading back what a parser has accepted.
template <typename F>
void must_not_throw(const char* target, const char* step, F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        finding(target, std::string(step) + " threw " + typeid(e).name() + ": " + e.what());
    } catch (...) {
        finding(target, std::string(step) + " threw a non-std exception");
    }
}

}  // namespace pgark::fuzz
