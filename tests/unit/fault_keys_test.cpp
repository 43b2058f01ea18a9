// The admin API's JSON bodies turned into fault specs by the URL's own key parsers,
// and the routes that swap a listener's spec with them.
#include "app/echo_server/admin_api.hpp"
#include "core/fault_keys.hpp"
#include "core/listen_url.hpp"
#include "pipeline/echo_application.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using echo::core::datagram_faults;
using echo::core::fault_key_list;
using echo::core::stream_faults;

namespace {

fault_key_list keys_of(std::string_view body) {
    auto r = echo::core::fault_keys_from_json(body);
    EXPECT_TRUE(std::holds_alternative<fault_key_list>(r)) << std::get<std::string>(r);
    return std::holds_alternative<fault_key_list>(r) ? std::get<fault_key_list>(r)
                                                     : fault_key_list{};
}

std::string json_error(std::string_view body) {
    auto r = echo::core::fault_keys_from_json(body);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "(accepted)";
}

// What the URL parser says about the same key on a listener of that kind.
std::string url_error(const std::string& listener) {
    auto r = echo::core::parse_listen_url(listener);
    return std::holds_alternative<echo::core::listen_url_error>(r)
               ? std::get<echo::core::listen_url_error>(r).message
               : "(accepted)";
}

}  // namespace

TEST(FaultKeys, JsonValuesBecomeTheTextsAUrlWouldCarry) {
    const auto keys = keys_of(R"({"delay":"200ms","toxicity":0.5,"rate":1048576,"refuse":false})");
    const fault_key_list expected{
        {"delay", "200ms"}, {"toxicity", "0.5"}, {"rate", "1048576"}, {"refuse", "0"}};
    EXPECT_EQ(keys, expected);
    EXPECT_EQ(echo::core::fault_query(keys), "delay=200ms&toxicity=0.5&rate=1048576&refuse=0");
    EXPECT_EQ(echo::core::fault_json(keys),
              R"({"delay":"200ms","toxicity":"0.5","rate":"1048576","refuse":"0"})");
}

TEST(FaultKeys, StreamSpecIsTheOneTheUrlGives) {
    auto spec = echo::core::stream_faults_of(keys_of(R"({"delay":"200ms","rate":"1MiB"})"));
    ASSERT_TRUE(std::holds_alternative<std::optional<stream_faults>>(spec));
    const auto& f = std::get<std::optional<stream_faults>>(spec);
    ASSERT_TRUE(f);
    auto url = echo::core::parse_listen_url("tcp://127.0.0.1:0?delay=200ms&rate=1MiB");
    ASSERT_TRUE(std::holds_alternative<echo::core::listen_url>(url));
    EXPECT_EQ(*f, *std::get<echo::core::listen_url>(url).faults);
    EXPECT_EQ(f->delay, 200ms);
    EXPECT_EQ(f->rate, 1U << 20);
    EXPECT_FALSE(std::get<std::optional<stream_faults>>(echo::core::stream_faults_of({})));
}

TEST(FaultKeys, DatagramSpecIsTheOneTheUrlGives) {
    auto spec = echo::core::datagram_faults_of(keys_of(R"({"drop":0.25,"delay":"5ms"})"));
    ASSERT_TRUE(std::holds_alternative<std::optional<datagram_faults>>(spec));
    const auto& f = std::get<std::optional<datagram_faults>>(spec);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->drop, 0.25);
    EXPECT_EQ(f->delay, 5ms);
}

TEST(FaultKeys, ErrorsAreTheUrlParsersOwnLines) {
    const auto stream_error = [](std::string_view body) {
        auto r = echo::core::stream_faults_of(keys_of(body));
        return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "(accepted)";
    };
    const auto datagram_error = [](std::string_view body) {
        auto r = echo::core::datagram_faults_of(keys_of(body));
        return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "(accepted)";
    };
    const auto delay = stream_error(R"({"delay":"2h"})");
    EXPECT_NE(url_error("tcp://127.0.0.1:0?delay=2h").find(delay), std::string::npos) << delay;
    EXPECT_EQ(delay, "delay must be a duration (250ms, 1.5s) of at most 60 s");
    const auto drop = datagram_error(R"({"drop":2})");
    EXPECT_NE(url_error("udp://127.0.0.1:0?drop=2").find(drop), std::string::npos) << drop;
    // finish_*: what ties keys together is checked as for a URL.
    const auto reorder = datagram_error(R"({"reorder":0.5})");
    EXPECT_NE(url_error("udp://127.0.0.1:0?reorder=0.5").find(reorder), std::string::npos)
        << reorder;
    EXPECT_EQ(stream_error(R"({"drop":0.5})"), "unknown fault key 'drop'");
    EXPECT_EQ(datagram_error(R"({"slice":"100,20"})"), "unknown fault key 'slice'");
}

TEST(FaultKeys, BodiesThatAreNotAnObjectOfScalarsAreRefused) {
    EXPECT_EQ(json_error("delay=200ms"), "the body is not JSON");
    EXPECT_EQ(json_error(R"({"delay":"200ms")"), "the body is not JSON");
    EXPECT_EQ(json_error(R"(["delay"])"), "the body must be a JSON object of fault keys");
    EXPECT_EQ(json_error(R"({"delay":["1s"]})"), "delay must be a string, a number or a boolean");
    EXPECT_EQ(json_error(R"({"delay":null})"), "delay must be a string, a number or a boolean");
    EXPECT_EQ(json_error(std::string(echo::core::kMaxFaultJson + 1, ' ')),
              "the body may be at most 16384 bytes");
    EXPECT_EQ(json_error(std::string(echo::core::kMaxFaultJson, '[')), "the body is not JSON");
    EXPECT_TRUE(keys_of("{}").empty());
}

namespace {

echo::core::request_line request(std::string method, std::string path, std::string auth = {}) {
    echo::core::request_line r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.authorization = std::move(auth);
    return r;
}

struct admin_fixture {
    std::shared_ptr<echo::pipeline::fault_application_factory> stream =
        std::make_shared<echo::pipeline::fault_application_factory>(
            std::make_shared<echo::pipeline::echo_application_factory>(),
            std::make_shared<const stream_faults>());
    std::shared_ptr<echo::core::datagram_fault_switch> udp =
        std::make_shared<echo::core::datagram_fault_switch>(nullptr);
    echo::app::admin_api api;

    explicit admin_fixture(std::string token = {})
        : api({{"tcp://127.0.0.1:7", false, stream, nullptr, {{"delay", "0"}}},
               {"udp://127.0.0.1:7", true, nullptr, udp, {}},
               {"tcp://[::1]:7", false, nullptr, nullptr, {}}},
              std::move(token)) {}
};

}  // namespace

TEST(AdminApi, PutSwapsTheSpecAndDeleteClearsIt) {
    admin_fixture f;
    auto r = f.api.handle(request("PUT", "/listeners/0/faults"), R"({"delay":"200ms"})", "peer");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(f.stream->faults()->delay, 200ms);
    EXPECT_NE(r.body.find(
                  R"("applies_to":{"new_connections":["delay"],"open_connections":["delay"]})"),
              std::string::npos)
        << r.body;
    r = f.api.handle(request("PUT", "/listeners/0/faults"),
                     R"({"delay":"200ms","rate":"1MiB","close_after":"1KiB","seed":3})", "p");
    EXPECT_NE(r.body.find(R"("applies_to":{"new_connections":["rate","close_after","seed"],)"
                          R"("open_connections":["rate"]})"),
              std::string::npos)
        << "only what changed, and of that what open connections take up: " << r.body;
    r = f.api.handle(request("DELETE", "/listeners/tcp%3A%2F%2F127.0.0.1%3A7/faults"), "", "p");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(f.stream->faults()->any());

    const auto version = f.udp->version();
    r = f.api.handle(request("PUT", "/listeners/udp://127.0.0.1:7/faults"), R"({"drop":1})", "p");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(f.udp->version(), version + 1);
    ASSERT_TRUE(f.udp->faults());
    EXPECT_EQ(f.udp->faults()->drop, 1.0);
    r = f.api.handle(request("GET", "/listeners"), "", "p");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find(R"("faults":"drop=1","fields":{"drop":"1"})"), std::string::npos)
        << r.body;
}

TEST(AdminApi, RefusalsSayWhy) {
    admin_fixture f;
    auto r = f.api.handle(request("PUT", "/listeners/0/faults"), R"({"delay":"2h"})", "p");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "delay must be a duration (250ms, 1.5s) of at most 60 s\n");
    EXPECT_EQ(f.stream->faults()->delay, 0ns) << "a refused change changes nothing";
    EXPECT_EQ(f.api.handle(request("PUT", "/listeners/2/faults"), "{}", "p").status, 409);
    EXPECT_EQ(f.api.handle(request("PUT", "/listeners/3/faults"), "{}", "p").status, 404);
    EXPECT_EQ(f.api.handle(request("POST", "/listeners/0/faults"), "{}", "p").status, 405);
    EXPECT_EQ(f.api.handle(request("GET", "/nothing"), "", "p").status, 404);
    // A key the client made up is quoted on one line: no control byte of it passes.
    r = f.api.handle(request("PUT", "/listeners/0/faults"),
                     R"({"x\r\nSet-Cookie: y\u0000":"1"})", "p");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "unknown fault key 'x\\x0d\\x0aSet-Cookie: y\\x00'\n");
}

TEST(AdminApi, ATokenIsRequiredWhenSet) {
    admin_fixture f{"s3cret"};
    const auto refused = f.api.handle(request("GET", "/listeners"), "", "p");
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(refused.www_authenticate, "Bearer") << "a 401 says which scheme it wants";
    EXPECT_EQ(f.api.handle(request("GET", "/listeners", "Bearer s3cre"), "", "p").status, 401);
    EXPECT_EQ(f.api.handle(request("GET", "/listeners", "Bearer s3cret!"), "", "p").status, 401);
    EXPECT_EQ(f.api.handle(request("GET", "/listeners", "Basic s3cret"), "", "p").status, 401);
    EXPECT_EQ(f.api.handle(request("GET", "/listeners", "Bearer s3cret"), "", "p").status, 200);
    EXPECT_EQ(f.api.handle(request("GET", "/listeners", "bearer s3cret"), "", "p").status, 200)
        << "the scheme's name is matched without regard to case (RFC 9110 11.1)";
}
