// Single-node Swift + s3api for the integration tests: config files, rings built in one Python call,
// five processes (memcached, object, container, account, proxy), a readiness probe, and three ways of
// being stopped (normal exit, SIGINT/SIGTERM handler, watchdog after SIGKILL).
#include "support/swift_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <curl/curl.h>

#include "storage/s3/s3_storage.h"
#include "support/free_port.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace pgark::test {
namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Swift's own interpreter (see reference/s3-notes.md)

// Pids the signal handler stops; written before the handler is installed, read only in the handler.
constexpr int kMaxPids = 8;
pid_t g_pids[kMaxPids];
std::atomic<int> g_npids{0};

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_previous[3];

void stop_servers_from_handler() {
    int n = g_npids.load();
    for (int i = 0; i < n; ++i)
        if (g_pids[i] > 0) ::kill(g_pids[i], SIGTERM);
}

// Stops the servers when the signal is going to end the process; chains to the handler that was there
// before (the PostgreSQL harness's, or pgark's cancellation in a test that raises SIGINT on purpose).
extern "C" void on_fatal_signal(int signo) {
    int idx = 0;
    while (idx < 3 && kSignals[idx] != signo) ++idx;
    if (idx == 3) return;
    const struct sigaction& prev = g_previous[idx];
    if (!(prev.sa_flags & SA_SIGINFO) && prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
        prev.sa_handler(signo);
        struct sigaction now {};
        sigaction(signo, nullptr, &now);
        if (now.sa_handler == SIG_DFL) stop_servers_from_handler();  // it re-raised: the process ends
        return;
    }
    if (prev.sa_handler == SIG_IGN) return;
    stop_servers_from_handler();
    ::signal(signo, SIG_DFL);
    ::raise(signo);
}

void install_handlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &g_previous[i]);
    });
}

std::string user_name() {
    if (geteuid() == 0) return "root";
    if (passwd* pw = getpwuid(geteuid())) return pw->pw_name;
    return "root";
}

void write_file(const fs::path& p, const std::string& text) {
    std::ofstream out(p);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

std::string tail_of(const fs::path& p, std::size_t max_bytes) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return "";
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

bool tcp_port_open(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

long http_status(const std::string& url) {
    CURL* h = curl_easy_init();
    if (!h) return 0;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(
        h, CURLOPT_WRITEFUNCTION, +[](char*, std::size_t s, std::size_t n, void*) { return s * n; });
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    return status;
}

}  // namespace

SwiftServer& SwiftServer::shared() {
    static std::unique_ptr<SwiftServer> server;
    static std::once_flag once;
    std::call_once(once, [] { server = std::make_unique<SwiftServer>(); });
    return *server;
}

SwiftServer::SwiftServer() {
    // A port picked free can be taken before Swift binds it: start over on new ports a few times.
    for (int attempt = 1;; ++attempt) {
        try {
            start();
            return;
        } catch (const std::exception& e) {
            std::string logs = log_tail();
            stop();
            if (attempt >= 3)
                throw std::runtime_error(std::string("cannot start Swift for the S3 tests: ") + e.what() +
                                         "\n--- server logs ---\n" + logs);
        }
    }
}

SwiftServer::~SwiftServer() {
    stop();
}

void SwiftServer::start() {
    dir_ = std::make_unique<TempDir>("pgark-swift");
    proxy_port_ = free_tcp_port();
    object_port_ = free_tcp_port();
    container_port_ = free_tcp_port();
    account_port_ = free_tcp_port();
    memcached_port_ = free_tcp_port();
    for (const char* sub : {"etc", "srv/node/d1", "run", "log"}) fs::create_directories(dir_->path() / sub);
    write_configs();
    build_rings();
    spawn_servers();
    start_watchdog();
    wait_until_up();
}

void SwiftServer::write_configs() {
    const fs::path d = dir_->path();
    const std::string etc = (d / "etc").string();
    const char* level_env = std::getenv("PGARK_TEST_SWIFT_LOG_LEVEL");
    const std::string level = level_env && *level_env ? level_env : "WARNING";
    write_file(d / "etc/swift.conf",
               "[swift-hash]\nswift_hash_path_suffix = pgark\nswift_hash_path_prefix = pgark\n"
               "[storage-policy:0]\nname = Policy-0\ndefault = yes\n");
    auto common = [&](int port) {
        return "[DEFAULT]\nswift_dir = " + etc + "\ndevices = " + (d / "srv/node").string() +
               "\nmount_check = false\ndisable_fallocate = true\nbind_ip = 127.0.0.1\nbind_port = " +
               std::to_string(port) + "\nworkers = 0\nuser = " + user_name() + "\nlog_level = " + level +
               "\nlog_name = swift\n";
    };
    for (auto [name, port] : {std::pair<const char*, int>{"object", object_port_},
                              {"container", container_port_},
                              {"account", account_port_}}) {
        write_file(d / "etc" / (std::string(name) + "-server.conf"),
                   common(port) + "[pipeline:main]\npipeline = " + name + "-server\n[app:" + name +
                       "-server]\nuse = egg:swift#" + name + "\n");
    }
    // The cache filter must stay in the pipeline: without it tempauth logins fail ("Memcache required").
    std::string proxy =
        common(proxy_port_) +
        "[pipeline:main]\n"
        "pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk "
        "s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server\n"
        "[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n"
        "[filter:s3api]\nuse = egg:swift#s3api\nlocation = us-east-1\n"
        "storage_domain = s3.localhost\n"
        "[filter:tempauth]\nuse = egg:swift#tempauth\nuser_test_tester = testing .admin\n"
        "[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = 127.0.0.1:" +
        std::to_string(memcached_port_) + "\n";
    for (const char* f : {"catch_errors", "gatekeeper", "healthcheck", "proxy-logging", "listing_formats",
                          "bulk", "copy", "slo", "dlo", "versioned_writes"}) {
        std::string egg = f;
        for (auto& c : egg)
            if (c == '-') c = '_';
        proxy += std::string("[filter:") + f + "]\nuse = egg:swift#" + egg + "\n";
    }
    write_file(d / "etc/proxy-server.conf", proxy);
}

void SwiftServer::build_rings() {
    // One Python process instead of nine swift-ring-builder runs: saves a few seconds per start.
    const std::string script =
        "import sys\n"
        "from swift.common.ring import RingBuilder\n"
        "d = sys.argv[1]\n"
        "for name, port in zip(('object', 'container', 'account'), sys.argv[2:5]):\n"
        "    b = RingBuilder(6, 1, 1)\n"
        "    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port),\n"
        "               'device': 'd1', 'weight': 1})\n"
        "    b.rebalance()\n"
        "    b.get_ring().save(d + '/' + name + '.ring.gz')\n";
    ProcessSpec spec;
    spec.program = kPython;
    spec.args = {"-c",
                 script,
                 (dir_->path() / "etc").string(),
                 std::to_string(object_port_),
                 std::to_string(container_port_),
                 std::to_string(account_port_)};
    RunResult r = run_process(spec);
    if (!r.status.ok())
        throw std::runtime_error("building the Swift rings failed (" + r.status.describe() + "): " + r.err);
}

void SwiftServer::spawn_servers() {
    const fs::path d = dir_->path();
    auto spawn = [&](const std::string& name, const std::string& command) {
        ProcessSpec spec;
        spec.program = "/bin/sh";
        // exec: the pid we hold is the server itself, so signals reach it directly.
        spec.args = {
            "-c", "exec " + command + " >" + shell_quote((d / "log" / (name + ".log")).string()) + " 2>&1"};
        spec.stdout_mode = ProcessSpec::Out::null;
        spec.capture_stderr = false;
        children_.push_back(Child::spawn(spec));
        int i = g_npids.load();
        if (i < kMaxPids) {
            g_pids[i] = children_.back()->pid();
            g_npids.store(i + 1);
        }
    };
    std::string mc = find_in_path("memcached");
    if (mc.empty()) mc = "/usr/bin/memcached";
    spawn("memcached", shell_quote(mc) + " -l 127.0.0.1 -U 0 -m 32 -p " + std::to_string(memcached_port_) +
                           (geteuid() == 0 ? " -u root" : ""));
    for (const char* s : {"object", "container", "account", "proxy"}) {
        std::string conf = (d / "etc" / (std::string(s) + "-server.conf")).string();
        spawn(s, std::string(kPython) + " /usr/bin/swift-" + s + "-server " + shell_quote(conf));
    }
    install_handlers();
}

void SwiftServer::start_watchdog() {
    // In its own session so neither a terminal's Ctrl-C nor our own death takes it down; it outlives a
    // SIGKILLed test process, then stops the servers and removes their state. A normal stop removes the
    // directory first, which lets the watchdog exit without touching pids that may have been reused.
    std::string dir = shell_quote(dir_->path().string());
    std::string pids;
    for (const auto& c : children_) pids += " " + std::to_string(c->pid());
    std::string script = "exec >/dev/null 2>&1; while kill -0 " + std::to_string(getpid()) + " && [ -d " +
                         dir + " ]; do sleep 1; done; [ -d " + dir + " ] || exit 0; kill -TERM" + pids +
                         "; sleep 2; kill -KILL" + pids + "; rm -rf " + dir;
    ProcessSpec spec;
    spec.program = "setsid";
    spec.args = {"-f", "/bin/sh", "-c", script};
    spec.stdout_mode = ProcessSpec::Out::null;
    spec.capture_stderr = false;
    auto child = Child::spawn(spec);
    child->wait();  // setsid -f forks the watchdog and returns at once
}

void SwiftServer::wait_until_up() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    const std::string health = endpoint() + "/healthcheck";
    for (;;) {
        if (http_status(health) == 200 && tcp_port_open(object_port_) && tcp_port_open(container_port_) &&
            tcp_port_open(account_port_) && tcp_port_open(memcached_port_))
            return;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("Swift did not come up within 60 s on port " +
                                     std::to_string(proxy_port_));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void SwiftServer::stop() noexcept {
    g_npids.store(0);
    for (auto& c : children_) c->kill(SIGTERM);
    for (auto& c : children_) {
        try {
            c->terminate(std::chrono::milliseconds(5000));
        } catch (...) {
        }
    }
    children_.clear();
    dir_.reset();
}

std::string SwiftServer::log_tail() const {
    if (!dir_) return "";
    std::string out;
    for (const char* s : {"proxy", "object", "container", "account", "memcached"}) {
        std::string t = tail_of(dir_->path() / "log" / (std::string(s) + ".log"), 2000);
        if (!t.empty()) out += std::string("[") + s + ".log]\n" + t + "\n";
    }
    return out;
}

S3Options SwiftServer::options(const std::string& bucket, const std::string& prefix) const {
    S3Options o;
    o.bucket = bucket;
    o.prefix = prefix;
    o.endpoint = endpoint();
    o.region = region();
    o.path_style = true;
    o.access_key_id = access_key();
    o.secret_access_key = secret_key();
    o.retry_base_delay = std::chrono::milliseconds(50);
    o.connect_timeout = std::chrono::seconds(5);
    return o;
}

void SwiftServer::create_bucket(const std::string& name) {
    S3Storage(options(name)).create_bucket();
}

std::vector<s3::UploadInfo> SwiftServer::list_multipart_uploads(const std::string& bucket) {
    return S3Storage(options(bucket)).list_multipart_uploads();
}

}  // namespace pgark::test
