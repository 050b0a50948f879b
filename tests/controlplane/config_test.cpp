// Configuration: a good file loads with every key; each kind of mistake names file:line:col and
// the dotted key, and nothing is returned. Routing: first matching rule, user prefix / domain /
// request-URI host.
#include <gtest/gtest.h>

#include <string>

#include "rtpx/cp/config.hpp"
#include "rtpx/cp/routing.hpp"

namespace rtpx::cp {
namespace {

const std::string kGood = R"([sip]
user_agent = "t"
[[sip.listener]]
name = "a"
transport = "udp"
address = "127.0.0.1:5060"
[[sip.listener]]
name = "b6"
transport = "tcp"
address = "[::1]:5070"
[[dataplane]]
name = "dp"
socket = "/tmp/x.sock"
[[dataplane.interface]]
name = "side-a"
address = "10.0.0.1"
port_min = 40000
port_max = 40099
[[route]]
name = "bob"
user_prefix = "bob"
next_hop = "10.0.0.2:5080"
listener = "a"
srtp = "force-srtp"
a_interface = "side-a"
b_interface = "side-a"
[[route]]
name = "v6"
domain = "example.net"
transport = "tcp"
listener = "b6"
next_hop = "[2001:db8::2]"
[[route]]
name = "direct"
[limits]
max_calls = 5
max_cps = 7
max_duration_s = 60
media_timeout_s = 9
[timers]
t1_ms = 100
t2_ms = 800
[http]
listen = "127.0.0.1:9780"
[log]
level = "debug"
[records]
path = "/tmp/r.jsonl"
[ng]
listen = "127.0.0.1:2223"
)";

TEST(Config, GoodFileLoadsEveryKey) {
    auto c = parse_config(kGood, "good.toml");
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->listeners.size(), 2u);
    EXPECT_EQ(c->listeners[1].proto, sip::TransportProto::kTcp);
    EXPECT_TRUE(c->listeners[1].address.is_ipv6());
    EXPECT_EQ(c->listeners[1].address.port(), 5070);
    ASSERT_EQ(c->routes.size(), 3u);
    EXPECT_EQ(c->routes[0].srtp, SrtpPolicy::kForceSrtp);
    EXPECT_EQ(c->routes[1].next_hop->port(), 5060);
    EXPECT_EQ(c->dataplanes.at(0).interfaces.at(0).port_max, 40099);
    EXPECT_EQ(c->limits.max_cps, 7u);
    EXPECT_EQ(c->timers.t1.count(), 100);
    EXPECT_EQ(c->http_listen, "127.0.0.1:9780");
    EXPECT_EQ(c->ng_listen, "127.0.0.1:2223");
    EXPECT_EQ(c->user_agent, "t");
}

struct BadCase {
    const char* name;
    std::string text;
    std::string expect;  // a substring of the message (it always starts with "bad.toml:LINE:")
    int line;
};

class ConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, NameFileLineAndKey) {
    const BadCase& bc = GetParam();
    auto c = parse_config(bc.text, "bad.toml");
    ASSERT_FALSE(c) << bc.name;
    EXPECT_NE(c.error().message.find(bc.expect), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.rfind("bad.toml:" + std::to_string(bc.line) + ":", 0), 0u)
        << c.error().message;
}

const std::string kListener = "[[sip.listener]]\naddress = \"127.0.0.1\"\n";

INSTANTIATE_TEST_SUITE_P(
    Files, ConfigErrors,
    ::testing::Values(
        BadCase{"unknown_top", kListener + "[limitz]\nmax_calls = 1\n", "limitz: unknown key", 3},
        BadCase{"unknown_nested", kListener + "[limits]\nmax_call = 1\n",
                "limits.max_call: unknown key", 4},
        BadCase{"bad_transport",
                "[[sip.listener]]\naddress = \"127.0.0.1\"\ntransport = \"sctp\"\n",
                "sip.listener[0].transport: 'sctp' is not one of udp, tcp, tls", 3},
        BadCase{"bad_address", "[[sip.listener]]\naddress = \"sip.example.com\"\n",
                "sip.listener[0].address", 2},
        BadCase{"wrong_type", kListener + "[limits]\nmax_calls = \"many\"\n",
                "limits.max_calls: must be an integer", 4},
        BadCase{"out_of_range", kListener + "[timers]\nt1_ms = 0\n",
                "timers.t1_ms: 0 is out of range", 4},
        BadCase{"bad_srtp", kListener + "[[route]]\nsrtp = \"maybe\"\n",
                "route[0].srtp: 'maybe' is not one of", 4},
        BadCase{"dangling_listener", kListener + "[[route]]\nlistener = \"nope\"\n",
                "route[0].listener: no [[sip.listener]] named 'nope'", 4},
        BadCase{"dangling_interface", kListener + "[[route]]\nb_interface = \"x\"\n",
                "route[0].b_interface: no [[dataplane.interface]] named 'x'", 4},
        BadCase{"bad_level", kListener + "[log]\nlevel = \"loud\"\n", "log.level", 4},
        BadCase{"syntax", kListener + "[limits\n", "bad.toml:3:", 3},
        BadCase{"duplicate_listener",
                "[[sip.listener]]\nname = \"x\"\naddress = \"127.0.0.1\"\n[[sip.listener]]\nname = "
                "\"x\"\naddress = \"127.0.0.2\"\n",
                "duplicate listener name 'x'", 5},
        BadCase{"tls_without_cert",
                "[[sip.listener]]\ntransport = \"tls\"\naddress = \"127.0.0.1\"\n",
                "needs certificate and private_key", 1},
        BadCase{"ports",
                kListener + "[[dataplane]]\nsocket = \"s\"\n[[dataplane.interface]]\nname = "
                            "\"i\"\naddress = \"10.0.0.1\"\nport_min = 5000\nport_max = 4000\n",
                "port_max: must be above port_min", 9}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Config, MissingListenerIsAnError) {
    auto c = parse_config("[log]\nlevel = \"info\"\n", "bad.toml");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("at least one [[sip.listener]]"), std::string::npos);
}

TEST(Config, LoadConfigNamesAnUnreadableFile) {
    auto c = load_config("/nonexistent/rtpx.toml");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("/nonexistent/rtpx.toml"), std::string::npos);
}

TEST(Routing, FirstMatchingRuleWins) {
    auto c = parse_config(kGood, "good.toml");
    ASSERT_TRUE(c);
    auto bob = select_route(*c, "sip:bob42@example.net");
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->route->name, "bob");  // before the domain rule
    EXPECT_EQ(bob->next_hop.to_string(), "10.0.0.2:5080");
    EXPECT_EQ(bob->request_uri, "sip:bob42@example.net");

    auto v6 = select_route(*c, "sip:alice@EXAMPLE.net;transport=tcp");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->route->name, "v6");
    EXPECT_EQ(v6->proto, sip::TransportProto::kTcp);
    EXPECT_EQ(v6->next_hop.to_string(), "[2001:db8::2]:5060");

    // The catch-all route without next_hop: the request-URI's own host and port.
    auto direct = select_route(*c, "sip:carol@192.0.2.7:5999");
    ASSERT_TRUE(direct);
    EXPECT_EQ(direct->route->name, "direct");
    EXPECT_EQ(direct->next_hop.to_string(), "192.0.2.7:5999");
    // ... which must be numeric (no DNS): no route.
    EXPECT_FALSE(select_route(*c, "sip:carol@host.example"));
    EXPECT_FALSE(select_route(*c, "not a uri"));
}

TEST(Routing, NoRoutesNoMatch) {
    auto c = parse_config(kListener, "x.toml");
    ASSERT_TRUE(c);
    EXPECT_FALSE(select_route(*c, "sip:bob@10.0.0.1"));
}

}  // namespace
}  // namespace rtpx::cp
