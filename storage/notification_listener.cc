#include "storage/notification_listener.h"

#include <utility>

#include "common/status_macros.h"
#include "storage/database.h"

namespace debrepo::storage {

class NotificationListener::Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection& connection, const std::string& channel,
           std::vector<std::string>* payloads)
      : pqxx::notification_receiver(connection, channel), payloads_(payloads) {}

  void operator()(const std::string& payload, int /*backend_pid*/) override {
    payloads_->push_back(payload);
  }

 private:
  std::vector<std::string>* payloads_;
};

absl::StatusOr<std::unique_ptr<NotificationListener>>
NotificationListener::Open(const std::string& dsn, const std::string& channel) {
  ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> connection, Connect(dsn));
  std::unique_ptr<NotificationListener> listener(
      new NotificationListener(std::move(connection)));
  try {
    listener->receiver_ = std::make_unique<Receiver>(
        *listener->connection_, channel, &listener->payloads_);
    // The receiver issues LISTEN lazily; make it take effect now.
    listener->connection_->get_notifs();
  } catch (const std::exception& e) {
    return StatusFromException(e, "listening for notifications");
  }
  return listener;
}

NotificationListener::NotificationListener(
    std::unique_ptr<pqxx::connection> connection)
    : connection_(std::move(connection)) {}

NotificationListener::~NotificationListener() {
  // The receiver unlistens through the connection; drop it while the
  // connection still exists, and never throw from here.
  try {
    receiver_.reset();
  } catch (...) {
  }
}

absl::StatusOr<std::vector<std::string>> NotificationListener::Wait(
    absl::Duration timeout) {
  try {
    if (connection_->get_notifs() == 0) {
      const int64_t micros = absl::ToInt64Microseconds(timeout);
      connection_->await_notification(micros / 1000000, micros % 1000000);
    }
    if (!connection_->is_open()) {
      return absl::UnavailableError("lost the notification connection");
    }
  } catch (const std::exception& e) {
    return StatusFromException(e, "waiting for notifications");
  }
  return std::exchange(payloads_, {});
}

}  // namespace debrepo::storage
