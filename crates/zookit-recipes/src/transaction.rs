//! Reading a transaction's results.

use zookit::TransactionResults;

/// The error of the operation that failed a transaction, if one did (not
/// those rolled back because of it).
pub(crate) fn first_failure(results: TransactionResults) -> zookit::Result<()> {
    let mut rolled_back = None;
    for result in results {
        match result {
            Ok(_) => {}
            Err(e) if e.is_rolled_back() => {
                rolled_back.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    rolled_back.map_or(Ok(()), Err)
}
