// Turns SIGINT/SIGTERM into cooperative cancellation: long loops poll it and throw Interrupted,
// so every RAII owner (temp files, child processes, uploads, scratch databases) gets to clean up.
#pragma once

namespace pgark::cancel {

// Installs the handlers (idempotent). Signals are not restarted (no SA_RESTART) so blocking
// calls return EINTR and the caller notices promptly.
void install_signal_handlers();

// True once SIGINT or SIGTERM arrived (or request() was called).
bool requested() noexcept;

// The signal that requested cancellation, or 0.
int signal_number() noexcept;

// Throws Interrupted when cancellation was requested.
void throw_if_requested();

// A file descriptor that becomes readable when cancellation is requested; for poll().
int wake_fd() noexcept;

// Requests cancellation from code (tests, daemon shutdown).
void request(int signo = 0) noexcept;

// Clears a request (the daemon uses this after cancelling a job on SIGTERM... only in tests).
void reset() noexcept;

}  // namespace pgark::cancel
