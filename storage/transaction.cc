#include "storage/transaction.h"

#include "storage/internal_pg.h"

namespace debrepo::storage {

absl::Status WithRollback(Transaction& tx,
                          absl::FunctionRef<absl::Status(Transaction&)> body) {
  return internal::Guard("rolling back a dry run", [&]() -> absl::Status {
    // A job's body runs in a subtransaction already; its savepoints nest.
    pqxx::subtransaction savepoint(
        dynamic_cast<pqxx::dbtransaction&>(tx.pqxx()), "dry_run");
    Transaction rolled_back(savepoint);
    const absl::Status status = body(rolled_back);
    savepoint.abort();
    return status;
  });
}

}  // namespace debrepo::storage
