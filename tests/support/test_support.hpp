// Helpers shared by the integration tests: running passes in-process and the binaries as processes.
#pragma once

#include "asyncfetch/fetch.hpp"
#include "asyncfetch/runner.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace asyncfetch::test {

/// Built with AddressSanitizer or ThreadSanitizer: their shadow memory makes RSS figures
/// meaningless, and their runtimes need file descriptors of their own.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool under_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool under_sanitizer = true;
#else
inline constexpr bool under_sanitizer = false;
#endif
#else
inline constexpr bool under_sanitizer = false;
#endif

/// Results of one in-process pass, sorted by input index, with its summary.
struct pass_results
{
    std::vector<fetch_result> results;
    run_summary summary;
};

/// Runs one pass over urls with cfg and a TLS context (cacert_pem trusted when given).
inline pass_results run_urls(const std::vector<std::string>& urls,
                             run_config cfg = {},
                             const std::string& cacert_pem = {},
                             bool verify = true)
{
    boost::asio::io_context ioc(1);
    auto tls = make_client_tls_context(verify, {});
    if (!cacert_pem.empty())
        tls->add_certificate_authority(boost::asio::buffer(cacert_pem));
    cfg.client.verify = verify;
    vector_source src(urls);
    pass_results out;
    const result_sink sink = [&](const fetch_result& r) {
        out.results.push_back(r);
        return true;
    };
    out.summary = run_pass(ioc, *tls, cfg, src, sink).summary;
    std::sort(out.results.begin(), out.results.end(), [](const auto& a, const auto& b) {
        return a.index < b.index;
    });
    return out;
}

/// A run_config with the given concurrency and per-host limit.
inline run_config config_with(std::size_t concurrency, std::size_t per_host = 0)
{
    run_config cfg;
    cfg.concurrency = concurrency;
    cfg.client.per_host = per_host == 0 ? concurrency : per_host;
    cfg.client.max_idle = std::max(cfg.client.per_host, concurrency);
    return cfg;
}

/// What a child process printed and how it ended.
struct process_result
{
    int exit_code = -1;  ///< exit status, or 128+signal
    std::string out;
    std::string err;
    /// The child's peak resident set in KiB (VmHWM), as last read while it ran; 0 if never read.
    long peak_rss_kb = 0;
};

/// VmHWM of a live process in KiB; 0 once it has exited (a zombie has no memory) or on error.
///
/// Not wait4()'s ru_maxrss: posix_spawn shares the parent's memory until exec (CLONE_VM), and Linux
/// folds the old memory's high-water mark into the child's ru_maxrss at exec, so that figure is never
/// below the test process's own peak.
inline long peak_rss_kb_of(pid_t pid)
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
    {
        if (line.rfind("VmHWM:", 0) == 0)
            return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return 0;
}

/// Starts args[0] with args as its argument vector, the file actions given and this process's
/// environment; returns posix_spawn's result (0 when the child started).
inline int spawn(const std::vector<std::string>& args, const posix_spawn_file_actions_t& actions, pid_t& pid)
{
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    return posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
}

/// An unlinked temporary file holding text, positioned at its start: a child's stdin.
inline int input_file(const std::string& text)
{
    char path[] = "/tmp/asyncfetch-test-in-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0)
        throw std::runtime_error("mkstemp failed");
    unlink(path);
    if (!text.empty() && write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    {
        close(fd);
        throw std::runtime_error("cannot write the input file");
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/// Runs argv[0] with argv, feeding stdin_text on its stdin, and collects stdout and stderr
/// (through temporary files, so no pipe can fill up). Kills the child after timeout_s seconds.
/// Polls every 10 ms, reading the child's peak RSS each time.
inline process_result run_process(const std::vector<std::string>& args,
                                  const std::string& stdin_text = {},
                                  int timeout_s = 60)
{
    char out_path[] = "/tmp/asyncfetch-test-out-XXXXXX";
    char err_path[] = "/tmp/asyncfetch-test-err-XXXXXX";
    const int in_fd = input_file(stdin_text);
    const int out_fd = mkstemp(out_path);
    const int err_fd = mkstemp(err_path);
    if (out_fd < 0 || err_fd < 0)
        throw std::runtime_error("mkstemp failed");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    pid_t pid = 0;
    const int rc = spawn(args, actions, pid);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        throw std::runtime_error("posix_spawn failed for " + args[0]);

    int status = 0;
    long peak_rss_kb = 0;
    for (int waited_ms = 0;; waited_ms += 10)
    {
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        // The high-water mark only grows: the last reading before exit is the peak, give or take 10 ms.
        peak_rss_kb = std::max(peak_rss_kb, peak_rss_kb_of(pid));
        if (waited_ms > timeout_s * 1000)
        {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(10'000);
    }

    auto slurp = [](const char* path) {
        std::ifstream f(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(f), {});
    };
    process_result out;
    out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    out.out = slurp(out_path);
    out.err = slurp(err_path);
    out.peak_rss_kb = peak_rss_kb;
    for (int fd : {in_fd, out_fd, err_fd})
        close(fd);
    for (const char* p : {out_path, err_path})
        unlink(p);
    return out;
}

#ifdef ASYNCFETCH_BIN
/// Runs the asyncfetch binary with args and stdin_text on its stdin (a file, so never a terminal);
/// killed after timeout_s seconds.
inline process_result run_cli(const std::vector<std::string>& args,
                              const std::string& stdin_text = {},
                              int timeout_s = 30)
{
    std::vector<std::string> argv{ASYNCFETCH_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, stdin_text, timeout_s);
}
#endif

/// A temporary file holding contents, removed when the object goes.
class temp_file
{
public:
    explicit temp_file(const std::string& contents = {})
    {
        char tmpl[] = "/tmp/asyncfetch-test-XXXXXX";
        const int fd = mkstemp(tmpl);
        if (fd < 0)
            throw std::runtime_error("mkstemp failed");
        close(fd);
        path_ = tmpl;
        std::ofstream(path_, std::ios::binary | std::ios::trunc) << contents;
    }
    ~temp_file() { unlink(path_.c_str()); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;

    const std::string& path() const { return path_; }
    std::string read() const
    {
        std::ifstream f(path_, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(f), {});
    }

private:
    std::string path_;
};

/// A fresh temporary directory, removed with everything in it when the object goes.
class temp_dir
{
public:
    temp_dir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "asyncfetch-test-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~temp_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    /// The path of name inside the directory.
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    std::string operator/(const std::string& name) const { return file(name); }
    /// How many entries the directory holds.
    std::size_t entries() const
    {
        return static_cast<std::size_t>(
            std::distance(std::filesystem::directory_iterator(path_), std::filesystem::directory_iterator()));
    }
    /// Writes content to name inside the directory; returns its path.
    std::string write(const std::string& name, const std::string& content) const
    {
        const auto path = file(name);
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    /// A file of size bytes that takes no disk space (it reads as zeros).
    std::string sparse_file(const std::string& name, std::uint64_t size) const
    {
        const auto path = file(name);
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(size)) != 0)
            throw std::runtime_error("cannot make " + path);
        ::close(fd);
        return path;
    }

private:
    std::filesystem::path path_;
};

/// Splits text into lines without their '\n'.
inline std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size())
    {
        auto nl = text.find('\n', pos);
        if (nl == std::string::npos)
            nl = text.size();
        out.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

}  // namespace asyncfetch::test
