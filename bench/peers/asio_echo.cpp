// Peer for bench/compare: a minimal single-threaded Asio echo server (the shape of
// Asio's own async_tcp_echo_server example), on 127.0.0.1:PORT.
#include <asio.hpp>

#include <array>
#include <cstdlib>
#include <memory>

namespace {

class session : public std::enable_shared_from_this<session> {
public:
    explicit session(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}
    void start() { read(); }

private:
    void read() {
        auto self = shared_from_this();
        socket_.async_read_some(asio::buffer(data_), [self](std::error_code ec, std::size_t n) {
            if (!ec) {
                self->write(n);
            }
        });
    }
    void write(std::size_t n) {
        auto self = shared_from_this();
        asio::async_write(socket_, asio::buffer(data_, n), [self](std::error_code ec, std::size_t) {
            if (!ec) {
                self->read();
            }
        });
    }
    asio::ip::tcp::socket socket_;
    std::array<char, 16384> data_;
};

void accept(asio::ip::tcp::acceptor& acceptor) {
    acceptor.async_accept([&acceptor](std::error_code ec, asio::ip::tcp::socket socket) {
        if (!ec) {
            socket.set_option(asio::ip::tcp::no_delay(true));
            std::make_shared<session>(std::move(socket))->start();
        }
        accept(acceptor);
    });
}

}  // namespace

int main(int argc, char** argv) {
    const auto port = static_cast<unsigned short>(std::atoi(argc > 1 ? argv[1] : "65432"));
    asio::io_context io{1};
    asio::ip::tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), port}};
    accept(acceptor);
    io.run();
}
