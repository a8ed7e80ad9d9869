// The "kinds" sample database (scripts/sample/kinds.sql) for integration tests: every kind of object
// and value a drill has to restore and compare (awkward names, partitions, inheritance, generated and
// dropped columns, edge-case values of most built-in types, large objects, extensions, ...).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "support/pg_cluster.h"

namespace pgark::test {

std::string kinds_sql_path();

// Creates `db` if missing and (re)loads the sample into it with psql, as an operator would; existing
// kinds objects are replaced. Also creates the cluster-wide NOLOGIN role kinds_app if missing.
void load_kinds(PgCluster& cluster, const std::string& db);

// (schema, table) of every table in `db` that itself holds rows: plain, unlogged, leaf partitions,
// inheritance parents and children (rows of the table only, as COPY TO reads them). Partitioned
// parents, materialized views and empty tables are left out; names are raw (unquoted), sorted.
std::vector<std::pair<std::string, std::string>> kinds_tables_with_data(PgCluster& cluster,
                                                                        const std::string& db);

}  // namespace pgark::test
