// Conversion of absl::Status to grpc::Status, done once at the RPC edge.
#ifndef DEBREPO_SERVER_GRPC_STATUS_H_
#define DEBREPO_SERVER_GRPC_STATUS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/support/status.h"

namespace debrepo::server {

// ToGrpcStatus keeps the code (absl and gRPC share the canonical numbers)
// and the message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Respond moves an OK `result` into `response`, or returns its error.
template <typename T>
grpc::Status Respond(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_GRPC_STATUS_H_
