#include "storage/transaction.h"

#include "storage/internal_pg.h"

namespace debrepo::storage {

absl::Status WithRollback(Transaction& tx,
                          absl::FunctionRef<absl::Status(Transaction&)> body) {
  return internal::Guard("rolling back a dry run", [&]() -> absl::Status {
    // Plain SAVEPOINT statements, not a pqxx::subtransaction: libpqxx 6
    // issues a subtransaction's SAVEPOINT only on its first exec(), and
    // exec_params / exec_prepared (what storage runs) do not trigger it,
    // so its abort() would roll nothing back.
    tx.pqxx().exec0("SAVEPOINT dry_run");
    const absl::Status status = body(tx);
    tx.pqxx().exec0("ROLLBACK TO SAVEPOINT dry_run");
    tx.pqxx().exec0("RELEASE SAVEPOINT dry_run");
    return status;
  });
}

}  // namespace debrepo::storage
