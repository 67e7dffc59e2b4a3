// Transaction: the serializable transaction a job's body runs in. Job
// handlers pass it to storage functions; only storage/ looks inside.
#ifndef DEBREPO_STORAGE_TRANSACTION_H_
#define DEBREPO_STORAGE_TRANSACTION_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "pqxx/pqxx"

namespace debrepo::storage {

// Transaction wraps an open libpqxx transaction. Storage functions that
// take one report a lost serialization race as ABORTED; the job runner then
// rolls back and runs the whole body again.
class Transaction {
 public:
  explicit Transaction(pqxx::transaction_base& tx) : tx_(tx) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // For storage/ only.
  pqxx::transaction_base& pqxx() { return tx_; }

 private:
  pqxx::transaction_base& tx_;
};

// WithRollback runs `body` on a savepoint of `tx` and then rolls its writes
// back, returning its status: what a change would do, computed by doing it
// (a dry run), without keeping it. ABORTED (a lost serialization race)
// still means the whole job's body runs again.
absl::Status WithRollback(Transaction& tx,
                          absl::FunctionRef<absl::Status(Transaction&)> body);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_TRANSACTION_H_
