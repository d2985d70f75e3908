//! Applying a planned sequence of writes quickly, in order: runs of creates,
//! sets and deletes go in transactions of a few hundred operations each.

use zookit::{Acl, Client, CreateMode};

use crate::Result;

/// Operations per transaction, at most.
const MAX_OPS: usize = 400;
/// Estimated request bytes per transaction, at most (the server refuses
/// requests over `jute.maxbuffer`, about 1 MiB by default).
const MAX_BYTES: usize = 512 * 1024;

/// One planned write.
#[derive(Debug, Clone)]
pub(crate) enum Write {
    /// Create a persistent node.
    Create { path: String, data: String, acl: Vec<Acl> },
    /// Replace a node's data.
    Set { path: String, data: String },
    /// Delete a (childless) node.
    Delete { path: String },
    /// Replace a node's ACL, at its ACL version. Not available in
    /// transactions: sent on its own.
    SetAcl { path: String, acl: Vec<Acl>, version: i32 },
}

impl Write {
    fn in_transaction(&self) -> bool {
        !matches!(self, Self::SetAcl { .. })
    }

    /// A rough upper bound of the operation's encoded size.
    fn size(&self) -> usize {
        let acl_size =
            |acl: &[Acl]| acl.iter().map(|a| 16 + a.id.scheme.len() + a.id.id.len()).sum::<usize>();
        match self {
            Self::Create { path, data, acl } => 32 + path.len() + data.len() + acl_size(acl),
            Self::Set { path, data } => 32 + path.len() + data.len(),
            Self::Delete { path } => 32 + path.len(),
            Self::SetAcl { path, acl, .. } => 32 + path.len() + acl_size(acl),
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Applied {
    pub(crate) created: usize,
    pub(crate) updated: usize,
    pub(crate) deleted: usize,
}

impl Applied {
    fn count(&mut self, write: &Write) {
        match write {
            Write::Create { .. } => self.created += 1,
            Write::Set { .. } | Write::SetAcl { .. } => self.updated += 1,
            Write::Delete { .. } => self.deleted += 1,
        }
    }
}

/// Applies `writes` in order. Each batch is a transaction: all or nothing.
/// If one fails, its writes are made again one at a time, so that
/// everything before the failing write is applied and the error is that
/// write's own, as if every write had been sent alone (zc.zk's behaviour).
pub(crate) async fn apply(client: &Client, writes: &[Write]) -> Result<Applied> {
    let mut applied = Applied::default();
    let mut rest = writes;
    while let Some(first) = rest.first() {
        let len = if first.in_transaction() {
            let mut bytes = 0;
            rest.iter()
                .take(MAX_OPS)
                .take_while(|write| {
                    bytes += write.size();
                    write.in_transaction() && bytes <= MAX_BYTES
                })
                .count()
                .max(1)
        } else {
            1
        };
        let (batch, remaining) = rest.split_at(len);
        rest = remaining;
        if batch.len() == 1 || !commit(client, batch).await? {
            for write in batch {
                apply_one(client, write).await?;
            }
        }
        batch.iter().for_each(|write| applied.count(write));
    }
    Ok(applied)
}

/// Commits `batch` as one transaction; `false` if an operation failed (and
/// so nothing was applied).
async fn commit(client: &Client, batch: &[Write]) -> Result<bool> {
    let transaction = batch.iter().fold(client.transaction(), |transaction, write| match write {
        Write::Create { path, data, acl } => {
            transaction.create_with_acl(path, data, CreateMode::Persistent, acl.clone())
        }
        Write::Set { path, data } => transaction.set_data(path, data, -1),
        Write::Delete { path } => transaction.delete(path, -1),
        Write::SetAcl { .. } => unreachable!("ACLs are set outside transactions"),
    });
    let results = transaction.commit().await?;
    Ok(results.iter().all(Result::is_ok))
}

async fn apply_one(client: &Client, write: &Write) -> Result<()> {
    match write {
        Write::Create { path, data, acl } => {
            client.create(path, data).acl(acl.clone()).await?;
        }
        Write::Set { path, data } => {
            client.set(path, data).await?;
        }
        Write::Delete { path } => {
            tracing::debug!(path, "deleting");
            client.delete(path).await?;
        }
        Write::SetAcl { path, acl, version } => {
            client.set_acls(path, acl.clone()).version(*version).await?;
        }
    }
    Ok(())
}
