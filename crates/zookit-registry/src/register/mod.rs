//! Registering servers: ephemeral `host:port` nodes under a service's
//! providers, kept across session expiry.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard};

use zookit::acl::read_acl_unsafe;
use zookit::{Acl, Client, join_path};

pub(crate) mod keeper;

use crate::value::{Map, Value, encode_node_data};
use crate::{Error, Result, ZooKeeper};

/// The event a registration hook sees before a server's node is created
/// (zc.zk's `RegisteringServer`): it may add or change properties.
#[derive(Debug)]
pub struct RegisteringServer<'a> {
    /// The (resolved) path of the service's providers node.
    pub path: &'a str,
    /// The node's name, `host:port`.
    pub name: &'a str,
    /// The properties the node will hold.
    pub properties: &'a mut Map,
}

type Hook = Arc<dyn Fn(&mut RegisteringServer<'_>) + Send + Sync>;

/// One registered server.
#[derive(Clone, Debug)]
struct Registration {
    /// The node's full path.
    path: String,
    /// Its data (the encoded properties).
    data: String,
    /// Its ACL.
    acl: Vec<Acl>,
}

/// The servers registered by a helper, and its registration hooks.
#[derive(Default)]
pub(crate) struct Registrations {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: Vec<Registration>,
    hooks: Vec<Hook>,
}

impl Registrations {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets every registration (the session is being closed).
    pub(crate) fn clear(&self) {
        self.lock().entries.clear();
    }

    /// Creates every registered node again in the client's current session
    /// (after a session expired), with its latest properties.
    pub(crate) async fn recreate(&self, client: &Client) -> Result<()> {
        let entries = self.lock().entries.clone();
        let session = client.client_id().map(|(id, _)| id);
        for entry in entries {
            match create_registration(client, &entry, session).await {
                Ok(()) => tracing::info!(path = entry.path, "registration re-created"),
                Err(err) if err.code() == Some(zookit::ErrorCode::NodeExists) => {
                    tracing::warn!(
                        path = entry.path,
                        "another session registered the same address; not replaced"
                    );
                }
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }
}

/// Creates a registration node. One this session made before is replaced
/// (registering again updates the properties); one of another session is
/// left, and the error is `NodeExists`.
async fn create_registration(
    client: &Client,
    registration: &Registration,
    session: Option<i64>,
) -> Result<()> {
    let Registration { path, data, acl } = registration;
    loop {
        match client.create(path, data).ephemeral().acl(acl.clone()).await {
            Ok(_) => return Ok(()),
            Err(e) if e.is_node_exists() => match client.exists(path).await? {
                Some(stat) if Some(stat.ephemeral_owner) == session => {
                    match client.delete(path).version(stat.version).await {
                        Err(e) if !e.is_no_node() && !e.is_bad_version() => return Err(e.into()),
                        _ => {}
                    }
                }
                Some(_) => return Err(e.into()),
                None => {}
            },
            Err(e) => return Err(e.into()),
        }
    }
}

/// The names to register for `address`: itself, or for a blank host
/// (`":8080"`), every non-loopback IPv4 address of the machine (the
/// loopback one if there is none).
fn address_names(address: &str) -> Result<Vec<String>> {
    let (host, port) =
        address.rsplit_once(':').ok_or_else(|| Error::InvalidAddress(address.to_owned()))?;
    let port: u16 = port.parse().map_err(|_| Error::InvalidAddress(address.to_owned()))?;
    if !host.is_empty() {
        return Ok(vec![address.to_owned()]);
    }
    let mut names: Vec<String> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|iface| !iface.is_loopback())
        .filter_map(|iface| match iface.ip() {
            std::net::IpAddr::V4(ip) => Some(format!("{ip}:{port}")),
            std::net::IpAddr::V6(_) => None,
        })
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        names.push(format!("127.0.0.1:{port}"));
    }
    Ok(names)
}

impl ZooKeeper {
    /// Adds a hook called before each server's node is created, which may
    /// add properties (zc.zk's `RegisteringServer` event). It runs while
    /// [`register`](Self::register) runs, on its task: it must be quick,
    /// and must not wait for the helper.
    pub fn on_registering(
        &self,
        hook: impl Fn(&mut RegisteringServer<'_>) + Send + Sync + 'static,
    ) {
        self.registrations().lock().hooks.push(Arc::new(hook));
    }

    /// Registers a server at `address` (`host:port`; a blank host, as in
    /// `":8080"`, registers every non-loopback IPv4 address) as a provider
    /// of the service at `path` (resolved through links): an ephemeral
    /// child named `host:port` whose data is `properties` plus `pid`, with
    /// `acl` (zc.zk's `acl` argument; `None`:
    /// [`read_acl_unsafe`](zookit::acl::read_acl_unsafe), zc.zk's default:
    /// the world may read it, only its session may change it).
    /// Registrations are created again, with their ACL, after a session
    /// expiry. Returns the paths of the nodes made (several for a blank
    /// host).
    ///
    /// The [hooks](Self::on_registering) run first, for each node, in
    /// place; one that panics fails the registration with
    /// [`Error::HookPanicked`].
    pub async fn register(
        &self,
        path: &str,
        address: &str,
        acl: Option<Vec<Acl>>,
        properties: Map,
    ) -> Result<Vec<String>> {
        let parent = self.resolve(path).await?;
        let acl = acl.unwrap_or_else(read_acl_unsafe);
        let session = self.client().client_id().map(|(id, _)| id);
        let mut registered = Vec::new();
        for name in address_names(address)? {
            let mut properties = properties.clone();
            properties.entry("pid").or_insert_with(|| Value::from(std::process::id()));
            let properties = self.run_hooks(&parent, &name, properties)?;
            let path = join_path(&parent, &name);
            let registration =
                Registration { path, data: encode_node_data(&properties), acl: acl.clone() };
            create_registration(self.client(), &registration, session).await?;
            let mut state = self.registrations().lock();
            state.entries.retain(|e| e.path != registration.path);
            registered.push(registration.path.clone());
            state.entries.push(registration);
        }
        Ok(registered)
    }

    /// Runs the registration hooks on the properties of the node `name`
    /// under `parent`.
    fn run_hooks(&self, parent: &str, name: &str, mut properties: Map) -> Result<Map> {
        let hooks = self.registrations().lock().hooks.clone();
        let run = || {
            for hook in hooks {
                hook(&mut RegisteringServer { path: parent, name, properties: &mut properties });
            }
        };
        catch_unwind(AssertUnwindSafe(run)).map_err(|_| Error::HookPanicked)?;
        Ok(properties)
    }

    /// Removes a registration made by [`register`](Self::register).
    pub async fn unregister(&self, path: &str, address: &str) -> Result<()> {
        let parent = self.resolve(path).await?;
        for name in address_names(address)? {
            let path = join_path(&parent, &name);
            self.registrations().lock().entries.retain(|e| e.path != path);
            match self.client().delete(&path).await {
                Err(e) if !e.is_no_node() => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(address_names("10.0.0.1:80").unwrap(), ["10.0.0.1:80"]);
        assert!(matches!(address_names("nope"), Err(Error::InvalidAddress(_))));
        assert!(matches!(address_names("h:port"), Err(Error::InvalidAddress(_))));
        let blank = address_names(":8080").unwrap();
        assert!(!blank.is_empty());
        assert!(blank.iter().all(|name| name.ends_with(":8080") && !name.starts_with(':')));
    }
}
