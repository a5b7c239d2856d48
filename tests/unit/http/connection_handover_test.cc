// Connection::hand_over and ServerCore's registry: whoever has the socket is what the registry
// holds and counts, and an eviction or a close aimed at a session that handed its socket on
// reaches the new owner (the race an upgrade or a streaming reply has with admit() and stop()).
#include <memory>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "http/connection.h"
#include "http/router.h"
#include "http/server_core.h"

namespace vs {
namespace {

class FakeConnection : public Connection {
 public:
  FakeConnection(ServerCore& core, boost::asio::any_io_executor ex) : Connection(core, std::move(ex)) {}
  std::string become(ConnKind kind) { return set_kind(kind); }
  void pass_to(const std::shared_ptr<Connection>& next) { hand_over(next); }
  int shuts = 0, interrupts = 0;

 private:
  void shut() override { ++shuts; }
  void interrupt() override { ++interrupts; }
};

struct ConnectionHandOver : ::testing::Test {
  Router router;
  std::shared_ptr<ServerCore> core = std::make_shared<ServerCore>(
      router, ListenConfig{}, 1, ConnectionLimits{.max_connections = 2, .reserve = 0, .max_uploads = 1, .max_streams = 2});
  boost::asio::io_context& io = *core->ios.front();

  std::shared_ptr<FakeConnection> make() { return std::make_shared<FakeConnection>(*core, io.get_executor()); }
};

TEST_F(ConnectionHandOver, TheNewOwnerTakesTheEntryWithItsKindAndCount) {
  auto session = make();
  ASSERT_TRUE(core->admit(session));
  ASSERT_EQ(session->become(ConnKind::WebSocket), "");
  const auto since = session->since();
  auto ws = make();
  session->pass_to(ws);
  ASSERT_EQ(core->open_connections().size(), 1u);
  EXPECT_EQ(core->open_connections().front().get(), ws.get());
  EXPECT_EQ(ws->kind(), ConnKind::WebSocket);
  EXPECT_EQ(ws->since(), since);
  // It holds the one upload slot: another upload is refused until it closes.
  auto other = make();
  ASSERT_TRUE(core->admit(other));
  EXPECT_NE(other->become(ConnKind::Upload), "");
  ws->close();
  EXPECT_EQ(core->connections(), 1u);
  EXPECT_EQ(other->become(ConnKind::Upload), "");
}

TEST_F(ConnectionHandOver, CloseAndEvictOfTheOldOwnerReachTheNewOne) {
  auto session = make();
  ASSERT_TRUE(core->admit(session));
  auto writer = make();
  session->pass_to(writer);
  session->evict();
  EXPECT_EQ(writer->interrupts, 1);
  EXPECT_EQ(session->interrupts, 0);
  session->close();  // as HttpServer::stop() does with a snapshot taken before the hand-over
  EXPECT_EQ(writer->shuts, 1);
  EXPECT_EQ(session->shuts, 0);
  EXPECT_EQ(core->connections(), 0u);
}

TEST_F(ConnectionHandOver, AnEvictionPostedJustBeforeTheHandOverLandsOnTheNewOwner) {
  auto idle = make();
  ASSERT_TRUE(core->admit(idle));
  auto busy = make();
  ASSERT_TRUE(core->admit(busy));
  ASSERT_EQ(busy->become(ConnKind::Handling), "");  // never evicted: `idle` is the victim
  auto newcomer = make();
  ASSERT_TRUE(core->admit(newcomer));  // posts idle->evict()
  ASSERT_EQ(idle->become(ConnKind::Stream), "");
  auto writer = make();
  idle->pass_to(writer);  // out of the registry already: nothing to replace
  EXPECT_EQ(core->connections(), 2u);
  io.poll();
  EXPECT_EQ(writer->interrupts, 1);
  // Its stream is still counted until it closes (max_streams is 2), then gone without a trace.
  ASSERT_EQ(busy->become(ConnKind::Stream), "");
  EXPECT_NE(newcomer->become(ConnKind::Stream), "");
  writer->close();
  EXPECT_EQ(writer->shuts, 1);
  EXPECT_EQ(core->connections(), 2u);
  EXPECT_EQ(newcomer->become(ConnKind::Stream), "");
}

}  // namespace
}  // namespace vs
