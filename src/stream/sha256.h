// Incremental SHA-256 (OpenSSL EVP), hex-encoded digest.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace pgark {

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::span<const std::byte> data);
    void update(const std::string& s) { update(std::as_bytes(std::span(s.data(), s.size()))); }
    // Lower-case hex; the object is finished afterwards.
    std::string hex_digest();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::span<const std::byte> data);
std::string sha256_hex(const std::string& s);

}  // namespace pgark
