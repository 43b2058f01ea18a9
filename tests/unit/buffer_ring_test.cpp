// The provided-buffer ring against a real io_uring: the kernel itself says which
// buffers it holds, so "back exactly once, after its last use" is observed, not assumed.
#include "io/uring/buffer_ring.hpp"

#include <gtest/gtest.h>
#include <liburing.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace {

using echo::io::buffer_ring;

class BufferRing : public ::testing::Test {
protected:
    void SetUp() override {
        if (io_uring_queue_init(8, &ring_, 0) != 0) {
            GTEST_SKIP() << "io_uring unavailable here";
        }
        ready_ = true;
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0);
    }
    void TearDown() override {
        buffers_.reset();
        if (ready_) {
            ::close(fds_[0]);
            ::close(fds_[1]);
            io_uring_queue_exit(&ring_);
        }
    }

    // One byte written, one recv that picks a buffer: the buffer id, or -errno.
    int receive_one() {
        char byte = 'x';
        if (::write(fds_[0], &byte, 1) != 1) {
            return -EIO;
        }
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        io_uring_prep_recv(sqe, fds_[1], nullptr, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = buffer_ring::kGroup;
        io_uring_submit(&ring_);
        io_uring_cqe* cqe = nullptr;
        if (io_uring_wait_cqe(&ring_, &cqe) != 0) {
            return -EIO;
        }
        const int res = cqe->res;
        const unsigned flags = cqe->flags;
        io_uring_cqe_seen(&ring_, cqe);
        if (res < 0) {
            char drop = 0;  // the byte stays queued when no buffer was free
            (void)::read(fds_[1], &drop, 1);
            return res;
        }
        return static_cast<int>(flags >> IORING_CQE_BUFFER_SHIFT);
    }

    io_uring ring_{};
    bool ready_ = false;
    int fds_[2] = {-1, -1};
    std::unique_ptr<buffer_ring> buffers_;
};

TEST_F(BufferRing, BufferReturnsOnlyWhenItsLastOwnerDropsIt) {
    buffers_ = std::make_unique<buffer_ring>(ring_, 2, 64, 2);
    const int first = receive_one();
    const int second = receive_one();
    ASSERT_GE(first, 0);
    ASSERT_GE(second, 0);
    auto a = buffers_->take(static_cast<std::uint16_t>(first), 1);
    auto b = buffers_->take(static_cast<std::uint16_t>(second), 1);
    EXPECT_EQ(receive_one(), -ENOBUFS) << "both lent, none may be in the kernel's hands";

    a.reset();
    EXPECT_EQ(receive_one(), first) << "the dropped buffer is usable again";
    auto again = buffers_->take(static_cast<std::uint16_t>(first), 1);
    EXPECT_EQ(receive_one(), -ENOBUFS) << "returned once, so the kernel got it once";
    EXPECT_EQ(buffers_->lent(), 2U);
}

TEST_F(BufferRing, ProvidesMoreOnlyAsTheLentOnesPileUp) {
    buffers_ = std::make_unique<buffer_ring>(ring_, 64, 64, 2);
    EXPECT_EQ(buffers_->provided(), 2U);
    std::vector<echo::core::chunk_ptr> held;
    for (int i = 0; i < 40; ++i) {
        const int id = receive_one();
        ASSERT_GE(id, 0) << "a recv found no buffer after " << i << " while the ring could grow";
        held.push_back(buffers_->take(static_cast<std::uint16_t>(id), 1));
    }
    EXPECT_GE(buffers_->provided(), 40U);
    EXPECT_LE(buffers_->provided(), 64U);
    held.clear();
    EXPECT_EQ(buffers_->lent(), 0U);
}

TEST_F(BufferRing, ALightLoadCyclesTheFirstBuffersOnly) {
    buffers_ = std::make_unique<buffer_ring>(ring_, 64, 64, 32);
    for (int i = 0; i < 500; ++i) {
        const int id = receive_one();
        ASSERT_GE(id, 0);
        ASSERT_LT(id, 32) << "a buffer beyond the initial set was touched";
        buffers_->take(static_cast<std::uint16_t>(id), 1).reset();
    }
    EXPECT_EQ(buffers_->provided(), 32U);
}

}  // namespace
