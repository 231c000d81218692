// Real peers the harness starts (nginx, nghttpd): free ports, readiness, and files of known sizes.
#pragma once

#include "test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace asyncfetch::test {

inline std::string slurp(const std::filesystem::path& p)
{
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// A free loopback port: bound, read back and released (nginx binds it right after).
inline std::uint16_t pick_free_port()
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    std::uint16_t port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

inline bool port_accepts(std::uint16_t port)
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

// Deterministic sizes from 0 to ~300 KB, with the edge cases 0, 1 and 65536 pinned.
inline std::vector<std::size_t> file_sizes(std::size_t count)
{
    std::vector<std::size_t> sizes(count);
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    auto next = [&state] {
        // xorshift64: the same sequence on every platform and standard library.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    for (auto& s : sizes)
    {
        const std::uint64_t r = next();
        // One file in four is large, the rest small, as on a typical site.
        s = r % 4 == 0 ? static_cast<std::size_t>(next() % 300'001)
                       : static_cast<std::size_t>(next() % 4'097);
    }
    sizes[0] = 0;
    sizes[1] = 1;
    sizes[2] = 65536;
    sizes[3] = 300'000;
    if (count > 150)
    {
        sizes[100] = 0;
        sizes[150] = 65536;
    }
    return sizes;
}

inline std::string file_name(std::size_t i)
{
    std::string n = std::to_string(i);
    return "f" + std::string(3 - std::min<std::size_t>(3, n.size()), '0') + n + ".bin";
}

/// Writes files named file_name(i) of sizes[i] bytes ('a' + (i + j) % 26) into dir; false on failure.
inline bool write_files(const std::filesystem::path& dir, const std::vector<std::size_t>& sizes)
{
    std::filesystem::create_directories(dir);
    for (std::size_t i = 0; i < sizes.size(); ++i)
    {
        std::string body(sizes[i], '\0');
        for (std::size_t j = 0; j < body.size(); ++j)
            body[j] = static_cast<char>('a' + (i + j) % 26);
        std::ofstream f(dir / file_name(i), std::ios::binary);
        f << body;
        if (!f)
            return false;
    }
    return true;
}

/// A server process on a loopback port: started, waited for until it accepts, stopped with SIGTERM.
class spawned_peer
{
public:
    spawned_peer() = default;
    spawned_peer(const spawned_peer&) = delete;
    spawned_peer& operator=(const spawned_peer&) = delete;
    ~spawned_peer() { stop(); }

    /// Runs args with its output in log_file until port accepts (5 s at most); empty on success,
    /// else why not, with the log.
    std::string start(const std::vector<std::string>& args, std::uint16_t port, const std::string& log_file)
    {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        const int rc = spawn(args, actions, pid_);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0)
        {
            pid_ = 0;
            return "posix_spawn of " + args[0] + " failed: " + std::strerror(rc);
        }
        // Bounded polling: the servers give no other sign of readiness.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!port_accepts(port))
        {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_)
            {
                pid_ = 0;
                return args[0] + " exited early (" +
                       (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                          : "signal " + std::to_string(WTERMSIG(status))) +
                       ")\n" + slurp(log_file);
            }
            if (std::chrono::steady_clock::now() > deadline)
                return args[0] + " did not accept on port " + std::to_string(port) + " within 5 s\n" +
                       slurp(log_file);
            usleep(20'000);
        }
        return {};
    }

    /// SIGTERM (nginx's fast shutdown), SIGKILL if it has not ended within 5 s.
    void stop()
    {
        if (pid_ <= 0)
            return;
        kill(pid_, SIGTERM);
        int status = 0;
        bool reaped = false;
        for (int waited_ms = 0; waited_ms < 5000 && !reaped; waited_ms += 10)
        {
            reaped = waitpid(pid_, &status, WNOHANG) == pid_;
            if (!reaped)
                usleep(10'000);
        }
        if (!reaped)
        {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
        pid_ = 0;
    }

private:
    pid_t pid_ = 0;
};

}  // namespace asyncfetch::test
