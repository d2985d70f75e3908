//! zc.zk's shortcuts to plain node operations (kazoo's, on the helper's
//! client), with the helper's errors.

use zookit::{Acl, Stat};

use crate::{Result, ZooKeeper};

impl ZooKeeper {
    /// The node's stat, if it exists.
    pub async fn exists(&self, path: &str) -> Result<Option<Stat>> {
        Ok(self.client().exists(path).await?)
    }

    /// Creates a node with `acl` (zc.zk's `create(path, data, acl)`;
    /// `None`: the client's default ACL, open to the world unless the client
    /// was given another); returns its path.
    pub async fn create(
        &self,
        path: &str,
        data: impl AsRef<[u8]>,
        acl: Option<Vec<Acl>>,
    ) -> Result<String> {
        let create = self.client().create(path, data);
        Ok(match acl {
            Some(acl) => create.acl(acl).await?,
            None => create.await?,
        })
    }

    /// Deletes a node.
    pub async fn delete(&self, path: &str) -> Result<()> {
        Ok(self.client().delete(path).await?)
    }

    /// The node's children.
    pub async fn get_children(&self, path: &str) -> Result<Vec<String>> {
        Ok(self.client().get_children(path).await?)
    }

    /// The node's data and stat.
    pub async fn get(&self, path: &str) -> Result<(bytes::Bytes, Stat)> {
        Ok(self.client().get(path).await?)
    }

    /// Sets the node's data.
    pub async fn set(&self, path: &str, data: impl AsRef<[u8]>) -> Result<Stat> {
        Ok(self.client().set(path, data).await?)
    }

    /// Whether the node at `path` is ephemeral; a missing node is a `NoNode`
    /// error.
    pub async fn is_ephemeral(&self, path: &str) -> Result<bool> {
        let (_, stat) = self.client().get(path).await?;
        Ok(stat.ephemeral_owner != 0)
    }
}
