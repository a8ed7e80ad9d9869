// A libpq connection owned by RAII, with the few query shapes pgark needs.
#pragma once

#include <libpq-fe.h>

#include <optional>
#include <string>
#include <vector>

#include "pg/conn_params.h"

namespace pgark {

using Row = std::vector<std::optional<std::string>>;

class Connection {
  public:
    // Throws PgError "cannot connect to HOST:PORT/DB: <libpq message>; <hint>".
    explicit Connection(const ConnParams& params, const std::string& application_name = "pgark");
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs a statement with text parameters; returns all rows. Throws PgError with the server message.
    std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {});
    // First column of the first row (throws if there is none or it is NULL).
    std::string scalar(const std::string& sql, const std::vector<std::string>& params = {});
    void exec(const std::string& sql) { query(sql); }

    int server_version_num() const;      // 150018
    std::string server_version() const;  // "15.18"
    std::string quote_ident(const std::string& ident) const;
    std::string quote_literal(const std::string& text) const;
    PGconn* raw() { return conn_; }
    const std::string& display() const { return display_; }

  private:
    PGconn* conn_ = nullptr;
    std::string display_;
};

}  // namespace pgark
