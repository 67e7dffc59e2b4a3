#include "fetch/http_fetch.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/status_matchers.h"
#include "fetch/hostile_http_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::fetch {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// kFileSize is large enough that a body takes several chunks.
constexpr int kFileSize = 300 * 1000;
// kSmallFileSize is the size of "Small", which a trickle takes seconds over.
constexpr int kSmallFileSize = 100;

// IsPrintableAscii is true when `text` has no byte outside 0x20-0x7e (what
// a message quoting a hostile server must be).
bool IsPrintableAscii(absl::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

class HttpFetchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string(absl::StrCat(std::getenv("TEST_TMPDIR"), "/www"));
    std::filesystem::create_directories(*root_);
    absl::BitGen random;
    content_ = new std::string(kFileSize, '\0');
    for (char& c : *content_) c = absl::Uniform<unsigned char>(random);
    std::ofstream(*root_ + "/Release", std::ios::binary) << *content_;
    std::ofstream(*root_ + "/Small", std::ios::binary)
        << std::string(kSmallFileSize, 's');
    auto server = HostileHttpServer::Start(*root_);
    ASSERT_THAT(server, IsOk());
    server_ = server->release();
  }
  static void TearDownTestSuite() { delete server_; }

  // Options with short timeouts and back-off, so tests end fast.
  static FetchOptions Quick() {
    FetchOptions options;
    options.connect_timeout = absl::Seconds(5);
    options.stall_timeout = absl::Seconds(1);
    options.max_tries = 3;
    options.first_retry_delay = absl::Milliseconds(10);
    return options;
  }

  // RequestsOf counts the requests of `path`.
  static int RequestsOf(const std::string& path) {
    int count = 0;
    for (const LoggedRequest& request : server_->Requests()) {
      if (request.path == path) ++count;
    }
    return count;
  }

  static std::string* root_;
  static std::string* content_;
  static HostileHttpServer* server_;
};

std::string* HttpFetchTest::root_ = nullptr;
std::string* HttpFetchTest::content_ = nullptr;
HostileHttpServer* HttpFetchTest::server_ = nullptr;

TEST_F(HttpFetchTest, FetchesAWholeFile) {
  EXPECT_THAT(FetchToString(server_->Url("/files/Release"), Quick()),
              IsOkAndHolds(*content_));
}

TEST_F(HttpFetchTest, StreamsChunksInOrder) {
  std::string received;
  int chunks = 0;
  ASSERT_THAT(FetchStream(server_->Url("/files/Release"), Quick(),
                          [&](absl::string_view chunk) {
                            received.append(chunk.data(), chunk.size());
                            ++chunks;
                            return absl::OkStatus();
                          }),
              IsOk());
  EXPECT_EQ(received, *content_);
  EXPECT_GT(chunks, 1);
}

TEST_F(HttpFetchTest, TimeInTheSinkIsNotTheServersStall) {
  // The server sends 999 bytes, then nothing; the sink takes 2.5 s over
  // them. The 1 s stall is counted from when the sink returned.
  const absl::Time start = absl::Now();
  const absl::Status status = FetchStream(
      server_->Url("/stall/999/Release"), Quick(), [](absl::string_view) {
        absl::SleepFor(absl::Milliseconds(2500));
        return absl::OkStatus();
      });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(3400));
}

TEST_F(HttpFetchTest, SinkErrorStopsTheFetch) {
  const absl::Status status = FetchStream(
      server_->Url("/files/Release"), Quick(),
      [](absl::string_view) { return absl::DataLossError("sink refuses"); });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(HttpFetchTest, NotFoundIsNotRetried) {
  const absl::StatusOr<std::string> body =
      FetchToString(server_->Url("/files/missing.xz"), Quick());
  EXPECT_THAT(body, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(body.status().message(), HasSubstr("/files/missing.xz"));
  EXPECT_EQ(RequestsOf("/files/missing.xz"), 1);
  EXPECT_THAT(FetchToString(server_->Url("/status/410/x"), Quick()),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(HttpFetchTest, ForbiddenFailsWithoutRetry) {
  EXPECT_THAT(FetchToString(server_->Url("/status/403/Release"), Quick()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(RequestsOf("/status/403/Release"), 1);
}

TEST_F(HttpFetchTest, ServerErrorsAreRetried) {
  EXPECT_THAT(FetchToString(server_->Url("/flaky/2/Release"), Quick()),
              IsOkAndHolds(*content_));
  EXPECT_EQ(RequestsOf("/flaky/2/Release"), 3);
}

TEST_F(HttpFetchTest, ServerErrorsBeyondTheTriesAreUnavailable) {
  const absl::StatusOr<std::string> body =
      FetchToString(server_->Url("/flaky/5/Release"), Quick());
  EXPECT_THAT(body, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(body.status().message(), HasSubstr("HTTP 503"));
  EXPECT_EQ(RequestsOf("/flaky/5/Release"), 3);
}

TEST_F(HttpFetchTest, EndlessErrorBodyEndsAtItsStatus) {
  const absl::Time start = absl::Now();
  const absl::StatusOr<std::string> body =
      FetchToString(server_->Url("/endless-status/503/Release"), Quick());
  EXPECT_THAT(body, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(body.status().message(), HasSubstr("HTTP 503"));
  EXPECT_EQ(RequestsOf("/endless-status/503/Release"), 3);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(HttpFetchTest, EndlessRedirectBodyIsStillFollowed) {
  const absl::Time start = absl::Now();
  EXPECT_THAT(
      FetchToString(server_->Url("/endless-status/302/Release"), Quick()),
      IsOkAndHolds(*content_));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(HttpFetchTest, RefusedConnectionIsUnavailable) {
  // Port 1 on loopback: nothing listens there.
  FetchOptions options = Quick();
  options.max_tries = 2;
  EXPECT_THAT(FetchToString("http://127.0.0.1:1/Release", options),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(HttpFetchTest, OnlyHttpUrlsAreFetched) {
  EXPECT_THAT(FetchToString("file:///etc/passwd", Quick()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FetchToString("ftp://127.0.0.1/x", Quick()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(HttpFetchTest, OversizedBodyFailsAtOnce) {
  FetchOptions options = Quick();
  options.max_bytes = kFileSize;
  // The file itself fits exactly.
  EXPECT_THAT(FetchToString(server_->Url("/files/Release"), options),
              IsOkAndHolds(SizeIs(kFileSize)));
  // Announced larger: refused before the body.
  int64_t received = 0;
  const absl::Status announced =
      FetchStream(server_->Url("/oversize/1/Release"), options,
                  [&](absl::string_view chunk) {
                    received += chunk.size();
                    return absl::OkStatus();
                  });
  EXPECT_THAT(announced, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(announced.message(), HasSubstr("/oversize/1/Release"));
  EXPECT_EQ(received, 0);
}

TEST_F(HttpFetchTest, EndlessBodyWithoutLengthFailsAtTheLimit) {
  FetchOptions options = Quick();
  options.max_bytes = kFileSize;
  int64_t received = 0;
  const absl::Time start = absl::Now();
  const absl::Status status = FetchStream(
      server_->Url("/endless/Release"), options, [&](absl::string_view chunk) {
        received += chunk.size();
        return absl::OkStatus();
      });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("larger than the limit"));
  EXPECT_LE(received, kFileSize);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(RequestsOf("/endless/Release"), 1);
}

TEST_F(HttpFetchTest, StallMidBodyIsADeadlineNotRetriedAfterBytes) {
  const absl::Time start = absl::Now();
  int64_t received = 0;
  const absl::Status status =
      FetchStream(server_->Url("/stall/1000/Release"), Quick(),
                  [&](absl::string_view chunk) {
                    received += chunk.size();
                    return absl::OkStatus();
                  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(status.message(), HasSubstr("/stall/1000/Release"));
  EXPECT_EQ(received, 1000);
  // One try: the sink has taken bytes and cannot take them again.
  EXPECT_EQ(RequestsOf("/stall/1000/Release"), 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(HttpFetchTest, TrickleBelowTheMinimumThroughputIsADeadline) {
  // 20 bytes a second would take 5 s over the file; the floor of 1 KiB/s
  // over the 1 s window ends it after about a second.
  const absl::Time start = absl::Now();
  const absl::StatusOr<std::string> body =
      FetchToString(server_->Url("/trickle/20/Small"), Quick());
  EXPECT_THAT(body, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(body.status().message(), HasSubstr("/trickle/20/Small"));
  EXPECT_THAT(body.status().message(), HasSubstr("bytes a second"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

TEST_F(HttpFetchTest, SlowButSteadyServerIsNotATrickle) {
  FetchOptions options = Quick();
  options.min_bytes_per_second = 10;
  EXPECT_THAT(FetchToString(server_->Url("/trickle/50/Small"), options),
              IsOkAndHolds(std::string(kSmallFileSize, 's')));
}

TEST_F(HttpFetchTest, StallBeforeAnswerIsRetriedThenADeadline) {
  const absl::Time start = absl::Now();
  const absl::Status status =
      FetchToString(server_->Url("/stallheaders/Release"), Quick()).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(RequestsOf("/stallheaders/Release"), 3);
  EXPECT_LT(absl::Now() - start, absl::Seconds(12));
}

TEST_F(HttpFetchTest, StallBeforeTheFirstByteIsRetried) {
  // The first response stalls after its headers, before any body byte.
  EXPECT_THAT(FetchToString(server_->Url("/stallonce/0/Release"), Quick()),
              IsOkAndHolds(*content_));
  EXPECT_EQ(RequestsOf("/stallonce/0/Release"), 2);
}

TEST_F(HttpFetchTest, DroppedConnectionMidBodyIsUnavailable) {
  const absl::Status status =
      FetchToString(server_->Url("/drop/5000/Release"), Quick()).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(status.message(), HasSubstr("/drop/5000/Release"));
  EXPECT_EQ(RequestsOf("/drop/5000/Release"), 1);
}

TEST_F(HttpFetchTest, FollowsHttpRedirects) {
  EXPECT_THAT(
      FetchToString(server_->Url("/redirect/%2Ffiles%2FRelease"), Quick()),
      IsOkAndHolds(*content_));
  const std::string absolute = server_->Url("/files/Release");
  EXPECT_THAT(
      FetchToString(
          server_->Url(absl::StrCat(
              "/redirect/",
              absl::StrReplaceAll(absolute, {{"/", "%2F"}, {":", "%3A"}}))),
          Quick()),
      IsOkAndHolds(*content_));
}

TEST_F(HttpFetchTest, RefusesRedirectsToOtherSchemes) {
  for (const char* target :
       {"file%3A%2F%2F%2Fetc%2Fpasswd", "ftp%3A%2F%2F127.0.0.1%2FRelease"}) {
    const absl::Status status =
        FetchToString(server_->Url(absl::StrCat("/redirect/", target)), Quick())
            .status();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition))
        << target;
    EXPECT_THAT(status.message(), HasSubstr("only http and https redirects"));
  }
}

TEST_F(HttpFetchTest, HostileLocationIsEscapedInTheMessage) {
  const absl::Status status =
      FetchToString(server_->Url("/redirect/ftp%3A%2F%2F%FF%FE%1B%5B2J%2Fx"),
                    Quick())
          .status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("ftp://\\xff\\xfe"));
  EXPECT_TRUE(IsPrintableAscii(status.message())) << status.message();
}

TEST_F(HttpFetchTest, EndlessRedirectsEnd) {
  const absl::Status status =
      FetchToString(server_->Url("/loop/0"), Quick()).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("redirects more than 10 times"));
  EXPECT_EQ(RequestsOf("/loop/11"), 0);
}

TEST_F(HttpFetchTest, UntrustedCertificateFailsWithoutRetry) {
  auto tls_server = HostileHttpServer::StartTls(*root_);
  ASSERT_THAT(tls_server, IsOk());
  FetchOptions options = Quick();
  options.first_retry_delay = absl::Seconds(10);
  const absl::Time start = absl::Now();
  const absl::Status status =
      FetchToString((*tls_server)->Url("/files/Release"), options).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("certificate"));
  // Not retried: a retry would have waited at least 5 s.
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

}  // namespace
}  // namespace debrepo::fetch
