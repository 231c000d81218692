// TLS session resumption: tickets the servers hand out, kept per origin, offered on reconnects.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <unordered_map>

namespace asyncfetch::detail {

/// The newest session per origin. Owned by a client; connections point to it through SSL ex_data,
/// because TLS 1.3 tickets arrive after the handshake, while the response is read.
class session_cache
{
public:
    session_cache() = default;
    session_cache(const session_cache&) = delete;
    session_cache& operator=(const session_cache&) = delete;
    ~session_cache()
    {
        for (auto& [key, session] : sessions_)
            SSL_SESSION_free(session);
    }

    /// Takes ownership of session, replacing the one kept for key.
    void store(const std::string& key, SSL_SESSION* session)
    {
        auto [it, inserted] = sessions_.try_emplace(key, session);
        if (!inserted)
        {
            SSL_SESSION_free(it->second);
            it->second = session;
        }
    }

    /// The session for key, or null; the cache keeps it.
    SSL_SESSION* find(const std::string& key) const
    {
        auto it = sessions_.find(key);
        return it == sessions_.end() ? nullptr : it->second;
    }

    /// Points ssl's new-session callback at this cache under key (which must outlive ssl).
    void attach(SSL* ssl, const std::string* key);

    /// Stops ssl from filing sessions anywhere (its connection may outlive the cache).
    static void detach(SSL* ssl);

private:
    std::unordered_map<std::string, SSL_SESSION*> sessions_;
};

/// Turns on client session caching for ctx with the callback that feeds session_cache.
void enable_session_cache(SSL_CTX* ctx);

}  // namespace asyncfetch::detail
