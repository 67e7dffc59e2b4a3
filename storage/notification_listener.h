// NotificationListener: LISTEN on one channel over a dedicated connection.
#ifndef DEBREPO_STORAGE_NOTIFICATION_LISTENER_H_
#define DEBREPO_STORAGE_NOTIFICATION_LISTENER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pqxx/connection"
#include "pqxx/notification"

namespace debrepo::storage {

// NotificationListener owns its connection. Not thread safe.
class NotificationListener {
 public:
  // Open connects to `dsn` and listens on `channel`.
  static absl::StatusOr<std::unique_ptr<NotificationListener>> Open(
      const std::string& dsn, const std::string& channel);
  ~NotificationListener();

  // Wait returns the payloads of the notifications that arrived, waiting up
  // to `timeout` for the first. Empty on timeout. UNAVAILABLE once the
  // connection is lost (open a new listener; notifications sent meanwhile
  // are lost, so callers also poll).
  absl::StatusOr<std::vector<std::string>> Wait(absl::Duration timeout);

 private:
  class Receiver;
  explicit NotificationListener(std::unique_ptr<pqxx::connection> connection);

  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<Receiver> receiver_;
  std::vector<std::string> payloads_;
};

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_NOTIFICATION_LISTENER_H_
