// Verifier check: every table's row count and content hash against the manifest, large tables in
// parallel block ranges.
#include "restore/verify/verifier.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <regex>

#include <spdlog/spdlog.h>

#include "core/copy_text_hasher.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/redact.h"
#include "util/test_hooks.h"

namespace pgark {

namespace {
// Tables of at least this many 8 KiB blocks (32 MiB) per worker are read in parallel block ranges.
constexpr long long kBlocksPerRange = 4096;
}  // namespace

void Verifier::verify_table(Connection& c, const Task& t) {
    const auto& exp = m_.tables[t.table];
    ContentHash h;
    std::string error;
    try {
        auto data = data_of_table_.find(t.table);
        if (opts_.level < DrillLevel::content) {
            h.rows = count_table_rows(c, exp.schema, exp.name);
        } else if (data == data_of_table_.end()) {
            throw VerifyError("the archive has no data block for this table");
        } else if (t.kind == Task::Kind::table_range) {
            h = hash_copy_out(c, copy_out_range_statement(*parse_copy_target(copy_stmt_.at(data->second)),
                                                          t.first_block, t.end_block));
        } else {
            const std::string& stmt = copy_stmt_.at(data->second);
            auto target = parse_copy_target(stmt);
            std::uint64_t parts = 1, blocks = 0;
            if (opts_.jobs > 1 && target && !target->columns.empty() && c.server_version_num() >= 140000) {
                auto rows = c.query(
                    "SELECT c.relkind::text, pg_catalog.pg_relation_size(c.oid) / "
                    "pg_catalog.current_setting('block_size')::bigint FROM pg_catalog.pg_class c "
                    "WHERE c.oid = pg_catalog.to_regclass($1)",
                    {target->relation});
                if (!rows.empty() && rows[0][0] == "r" && rows[0][1]) {
                    blocks = std::stoull(*rows[0][1]);
                    auto per_range = static_cast<std::uint64_t>(
                        std::max(1LL, test_hooks::number("PGARK_TEST_BLOCKS_PER_RANGE", kBlocksPerRange)));
                    parts =
                        std::min<std::uint64_t>(static_cast<std::uint64_t>(opts_.jobs), blocks / per_range);
                }
            }
            if (parts < 2) {
                h = hash_table_content(c, stmt);
            } else {
                spdlog::debug("verify: reading {} in {} ranges of {} blocks", target->relation, parts,
                              blocks / parts);
                // The other ranges go to the front of the queue, for the other workers to pick up now.
                std::uint64_t step = blocks / parts;
                {
                    std::lock_guard lk(mu_);
                    in_progress_[t.table].parts_left = static_cast<int>(parts);
                }
                for (std::uint64_t p = parts - 1; p >= 1; --p)
                    queue_.push_front(Task::range(
                        t.table, p * step, p + 1 < parts ? std::optional((p + 1) * step) : std::nullopt));
                h = hash_copy_out(c, copy_out_range_statement(*target, 0, step));
            }
        }
    } catch (const Error& e) {
        error = redact::scrub(e.what());
    }
    finish_table_part(t.table, h, error);
}

void Verifier::finish_table_part(std::size_t table, const ContentHash& h, const std::string& error) {
    {
        std::lock_guard lk(mu_);
        auto& p = in_progress_[table];
        p.sum.rows += h.rows;
        p.sum.sum += h.sum;
        if (!error.empty() && p.error.empty()) p.error = error;
        if (--p.parts_left > 0) return;
        TableResult& tr = out_.tables[table];
        if (!p.error.empty()) {
            tr.ok = false;
            tr.detail = p.error;
        } else {
            tr.actual_rows = p.sum.rows;
            if (opts_.level >= DrillLevel::content) tr.actual_hash = copy_hash_hex(p.sum.sum);
            if (*tr.actual_rows != tr.expected_rows) {
                tr.ok = false;
                tr.detail = "expected " + std::to_string(tr.expected_rows) + " rows, found " +
                            std::to_string(*tr.actual_rows);
            } else if (tr.actual_hash && *tr.actual_hash != tr.expected_hash) {
                tr.ok = false;
                tr.detail = "same row count, different contents (hash " + tr.expected_hash + " expected, " +
                            *tr.actual_hash + " found)";
            }
        }
        in_progress_.erase(table);
        --tables_left_;
        if (released_all_ && tables_left_ == 0 && amcheck_left_ == 0) queue_.close();
    }
    cv_.notify_all();
}

}  // namespace pgark
