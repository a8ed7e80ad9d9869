// Typed errors carrying a user-facing message; the cli layer maps each kind to an exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace pgark {

// Exit codes (README "Exit codes").
enum class ExitCode : int { ok = 0, failed = 1, usage = 2, interrupted = 130 };

// Base of every error pgark reports to a user: what happened, to what, and what to do next.
class Error : public std::runtime_error {
  public:
    explicit Error(const std::string& message, ExitCode code = ExitCode::failed)
        : std::runtime_error(message), code_(code) {}
    ExitCode code() const noexcept { return code_; }

  private:
    ExitCode code_;
};

// Bad command line or configuration: nothing ran.
class UsageError : public Error {
  public:
    explicit UsageError(const std::string& message) : Error(message, ExitCode::usage) {}
};

// Base of cancellation (SIGINT, SIGTERM, a daemon's stop). Deliberately neither an Error nor a
// std::exception: no `catch (const Error&)` or `catch (const std::exception&)` that turns failures
// into messages can swallow a Ctrl-C, so no rethrow guards are needed in front of them. `cli` maps it
// to exit code 130.
class Cancelled {
  public:
    virtual ~Cancelled() = default;
    virtual const char* what() const noexcept = 0;
    ExitCode code() const noexcept { return ExitCode::interrupted; }
};

// SIGINT or SIGTERM arrived; raised at a cancellation point so destructors clean up.
class Interrupted final : public Cancelled {
  public:
    const char* what() const noexcept override {
        return "interrupted by signal; cleaned up what this run had created";
    }
};

// The storage backend failed (I/O error, permission, S3 error response...).
class StorageError : public Error {
  public:
    using Error::Error;
};

// A key that is not in the storage.
class NotFoundError : public StorageError {
  public:
    using StorageError::StorageError;
};

// PostgreSQL or one of its tools failed.
class PgError : public Error {
  public:
    using Error::Error;
};

// Data did not verify (checksum, decompression, archive contents).
class VerifyError : public Error {
  public:
    using Error::Error;
};

}  // namespace pgark
