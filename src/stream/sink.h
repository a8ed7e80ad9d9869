// The one shape every pipeline stage emits data through.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

namespace pgark {

using ByteSink = std::function<void(std::span<const std::byte>)>;

}  // namespace pgark
