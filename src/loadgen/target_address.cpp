// A client connects to one address: the first the resolver gives, as the tutorial's
// client does; servers, not clients, are the ones that must bind them all.
#include "loadgen/target_address.hpp"

#include "net/resolver.hpp"

#include <sys/un.h>

#include <cstring>

namespace echo::loadgen {

target_address resolve_target(const core::target_url& url) {
    target_address t;
    t.text = url.to_string();
    if (url.scheme == "unix") {
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        const std::size_t offset = url.abstract ? 1 : 0;  // abstract names start with NUL
        std::memcpy(sa.sun_path + offset, url.path.data(), url.path.size());
        t.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset +
                                          url.path.size() + (url.abstract ? 0 : 1));
        std::memcpy(&t.storage, &sa, sizeof sa);
        t.family = AF_UNIX;
        return t;
    }
    const auto e = net::resolve_listen_addresses(url.host, url.port)[0];
    std::memcpy(&t.storage, e.sockaddr_ptr(), e.sockaddr_len());
    t.length = e.sockaddr_len();
    t.family = e.family();
    t.type = url.scheme == "udp" ? SOCK_DGRAM : SOCK_STREAM;
    return t;
}

}  // namespace echo::loadgen
