// Every configuration key pgark understands. Environment names follow the ecosystem (libpq's PG*,
// the Docker images' POSTGRES_*, AWS_*, MINIO_*), see docs/architecture.md and README "Configuration".
#include "config/keys.h"

#include <algorithm>

namespace pgark::config {

const std::vector<KeyDef>& all_keys() {
    // One row a key, aligned as a table: clang-format would put every field on a line of its own.
    // clang-format off
    static const std::vector<KeyDef> keys = {
        // database: where to connect (libpq semantics; dbname may also be a conninfo string or URI)
        {"database.host", Type::string, "", {"PGHOST", "POSTGRES_HOST"}, "--host", false, 0, 0, {},
         "server host name, IP or unix socket directory"},
        {"database.port", Type::integer, "5432", {"PGPORT"}, "--port", false, 1, 65535, {}, "server port"},
        {"database.user", Type::string, "", {"PGUSER", "POSTGRES_USER"}, "--username", false, 0, 0, {},
         "role to connect as"},
        {"database.password", Type::string, "", {"PGPASSWORD", "POSTGRES_PASSWORD"}, "", true, 0, 0, {},
         "password (never accepted on the command line)"},
        {"database.dbname", Type::string, "", {"PGDATABASE", "POSTGRES_DB"}, "--dbname", false, 0, 0, {},
         "database to back up; a conninfo string or postgresql:// URI is accepted too"},
        {"database.sslmode", Type::choice, "", {"PGSSLMODE"}, "", false, 0, 0,
         {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}, "libpq sslmode"},
        {"pg.bin_dir", Type::string, "", {"PGARK_PG_BIN_DIR"}, "--pg-bin-dir", false, 0, 0, {},
         "directory of pg_dump/pg_restore; default: the Debian directory matching the server version"},
        // repository
        {"repository.url", Type::string, "", {"PGARK_REPOSITORY"}, "--repo", false, 0, 0, {},
         "local path or s3://bucket/prefix"},
        // backup
        {"backup.compression_level", Type::integer, "3", {"PGARK_COMPRESSION_LEVEL"}, "--compression-level", false,
         1, 19, {}, "zstd level"},
        {"backup.threads", Type::integer, "0", {"PGARK_THREADS"}, "--threads", false, 0, 256, {},
         "zstd worker threads (0 = one per CPU)"},
        // S3
        {"s3.endpoint", Type::string, "", {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "MINIO_ENDPOINT"}, "", false,
         0, 0, {}, "endpoint URL, e.g. http://minio:9000 (empty: AWS for the region)"},
        {"s3.region", Type::string, "us-east-1", {"AWS_REGION", "AWS_DEFAULT_REGION"}, "", false, 0, 0, {},
         "region used in request signatures"},
        {"s3.access_key_id", Type::string, "", {"AWS_ACCESS_KEY_ID", "MINIO_ACCESS_KEY", "MINIO_ROOT_USER"}, "",
         false, 0, 0, {}, "access key id"},
        {"s3.secret_access_key", Type::string, "",
         {"AWS_SECRET_ACCESS_KEY", "MINIO_SECRET_KEY", "MINIO_ROOT_PASSWORD"}, "", true, 0, 0, {},
         "secret access key (never accepted on the command line)"},
        {"s3.session_token", Type::string, "", {"AWS_SESSION_TOKEN"}, "", true, 0, 0, {},
         "temporary credentials' session token"},
        {"s3.path_style", Type::choice, "auto", {"PGARK_S3_PATH_STYLE"}, "", false, 0, 0, {"auto", "true", "false"},
         "path-style addressing (auto: on when an endpoint is set, as MinIO/Ceph/Swift need)"},
        {"s3.verify_tls", Type::boolean, "true", {"PGARK_S3_VERIFY_TLS"}, "", false, 0, 0, {},
         "verify the server's TLS certificate"},
        {"s3.ca_bundle", Type::string, "", {"AWS_CA_BUNDLE"}, "", false, 0, 0, {}, "PEM file of trusted CAs"},
        {"s3.part_size", Type::size, "16MiB", {}, "", false, 5ll << 20, 5ll << 30, {}, "multipart part size"},
        {"s3.parallel_parts", Type::integer, "4", {}, "", false, 1, 64, {}, "parts uploaded in parallel"},
        {"s3.connect_timeout", Type::duration, "10s", {}, "", false, 1, 3600, {}, "TCP/TLS connect timeout"},
        {"s3.low_speed_time", Type::duration, "30s", {}, "", false, 1, 3600, {},
         "abort and retry a transfer stalled this long"},
        {"s3.max_retries", Type::integer, "5", {}, "", false, 0, 20, {}, "retries of a failed request"},
        // drills
        {"drill.level", Type::choice, "content", {"PGARK_DRILL_LEVEL"}, "--level", false, 0, 0,
         {"archive", "schema", "rows", "content"}, "verification level"},
        {"drill.jobs", Type::integer, "2", {"PGARK_DRILL_JOBS"}, "--jobs", false, 1, 64, {},
         "parallel pg_restore jobs and verification connections"},
        {"drill.target", Type::string, "", {"PGARK_DRILL_TARGET"}, "--target", false, 0, 0, {},
         "conninfo of the server to restore into (default: the source server)"},
        {"drill.spool_dir", Type::string, "", {"PGARK_SPOOL_DIR"}, "", false, 0, 0, {},
         "directory for the local restore spool (default: $TMPDIR or /tmp)"},
        {"drill.keep_on_failure", Type::boolean, "false", {}, "--keep-on-failure", false, 0, 0, {},
         "leave a failed drill's scratch database for inspection"},
        {"drill.amcheck", Type::choice, "auto", {}, "", false, 0, 0, {"auto", "full", "off"},
         "amcheck btree checks on the restored database when available: auto = index structure, full = also "
         "every heap tuple indexed"},
        {"drill.restore_owner", Type::boolean, "false", {}, "", false, 0, 0, {},
         "restore object ownership and privileges (needs the roles on the target server)"},
        {"drill.sweep_after", Type::duration, "24h", {}, "", false, 60, 366ll * 86400, {},
         "sweep scratch databases of drills on other hosts older than this"},
        // objectives (RPO and RTO; README "Objectives")
        {"objectives.rpo", Type::duration, "24h", {}, "", false, 60, 366ll * 86400, {},
         "recovery point objective: the oldest a latest backup may be"},
        {"objectives.rto", Type::duration, "30m", {}, "", false, 1, 7ll * 86400, {},
         "recovery time objective: the longest a restore may take"},
        // logging
        {"log.level", Type::choice, "info", {"PGARK_LOG_LEVEL"}, "", false, 0, 0, {"error", "warn", "info", "debug"},
         "stderr log level (-v = debug, -q = warn)"},
        // production restore (pgark restore)
        {"restore.level", Type::choice, "rows", {"PGARK_RESTORE_LEVEL"}, "--level", false, 0, 0,
         {"archive", "schema", "rows", "content"},
         "verification level after a restore (rows keeps the outage short; drills prove contents)"},
        {"restore.jobs", Type::integer, "2", {"PGARK_RESTORE_JOBS"}, "--jobs", false, 1, 64, {},
         "parallel pg_restore jobs and verification connections of a restore"},
        {"restore.safety_backup", Type::boolean, "true", {}, "--no-safety-backup", false, 0, 0, {},
         "back up the target database before a destructive restore"},
        {"restore.restore_owner", Type::boolean, "true", {}, "", false, 0, 0, {},
         "restore object ownership and privileges (the roles must exist on the target server)"},
        // schedules (pgark daemon): 5-field cron expressions; empty = the job is not scheduled
        {"schedule.timezone", Type::string, "UTC", {"PGARK_TIMEZONE"}, "", false, 0, 0, {},
         "IANA time zone of the schedules and of retention's days, weeks and months (e.g. Europe/Berlin)"},
        {"schedule.backup", Type::string, "0 2 * * *", {}, "", false, 0, 0, {}, "when to back up (cron)"},
        {"schedule.drill", Type::string, "30 3 * * *", {}, "", false, 0, 0, {}, "when to drill the latest backup (cron)"},
        {"schedule.prune", Type::string, "0 4 * * *", {}, "", false, 0, 0, {}, "when to apply retention (cron)"},
        {"schedule.random_delay", Type::duration, "0s", {}, "", false, 0, 86400, {},
         "start each scheduled job after a random delay up to this long (spreads load across hosts)"},
        // daemon
        {"daemon.listen", Type::string, "127.0.0.1:9871", {"PGARK_LISTEN"}, "--listen", false, 0, 0, {},
         "address:port serving /metrics and /healthz (empty: no HTTP server)"},
        {"daemon.stop_timeout", Type::duration, "0s", {}, "", false, 0, 86400, {},
         "on SIGTERM, let a running job finish for this long before cancelling it (0: cancel at once)"},
        // metrics
        {"metrics.textfile", Type::string, "", {"PGARK_METRICS_TEXTFILE"}, "--metrics-textfile", false, 0, 0, {},
         "write metrics to this node_exporter textfile-collector file after each job (*.prom)"},
        // retention (pgark prune): grandfather-father-son in schedule.timezone
        {"retention.keep_last", Type::integer, "7", {}, "--keep-last", false, 0, 100000, {},
         "keep the newest N complete backups"},
        {"retention.keep_daily", Type::integer, "7", {}, "--keep-daily", false, 0, 100000, {},
         "keep the newest backup of each of the last N days that have one"},
        {"retention.keep_weekly", Type::integer, "4", {}, "--keep-weekly", false, 0, 100000, {},
         "keep the newest backup of each of the last N ISO weeks that have one"},
        {"retention.keep_monthly", Type::integer, "12", {}, "--keep-monthly", false, 0, 100000, {},
         "keep the newest backup of each of the last N months that have one"},
        {"retention.incomplete_after", Type::duration, "24h", {}, "", false, 3600, 366ll * 86400, {},
         "remove incomplete backups (no manifest: crashed or killed runs) older than this"},
        // notifications
        {"notify.webhook_url", Type::string, "", {"PGARK_WEBHOOK_URL"}, "", true, 0, 0, {},
         "POST a JSON message here when a job fails and when it recovers (secret: such URLs carry tokens)"},
        {"notify.format", Type::choice, "json", {}, "", false, 0, 0, {"json", "slack"},
         "webhook payload: pgark's JSON event, or a Slack-compatible {\"text\": ...}"},
    };
    // clang-format on
    return keys;
}

const KeyDef* find_key(const std::string& name) {
    for (const auto& k : all_keys())
        if (k.name == name) return &k;
    return nullptr;
}

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}
}  // namespace

std::string suggest_key(const std::string& name) {
    std::string best;
    std::size_t best_d = 4;
    for (const auto& k : all_keys()) {
        auto d = edit_distance(name, k.name);
        if (d < best_d) {
            best_d = d;
            best = k.name;
        }
    }
    return best;
}

}  // namespace pgark::config
