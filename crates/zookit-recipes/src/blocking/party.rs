//! Blocking parties: [`Party`] and [`ShallowParty`].

use zookit::blocking::Client;

use super::run::OnClient;
use crate::Result;

/// The blocking form of each kind of party, delegating to the async one.
macro_rules! blocking_party {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name(OnClient<crate::$name>);

        impl $name {
            /// The async party this one runs.
            pub fn as_async(&self) -> &crate::$name {
                self.0.recipe()
            }

            /// The party's node.
            pub fn path(&self) -> &str {
                self.0.recipe().path()
            }

            /// This member's identifier.
            pub fn identifier(&self) -> &str {
                self.0.recipe().identifier()
            }

            /// Whether this member has joined (and not left).
            pub fn participating(&self) -> bool {
                self.0.recipe().participating()
            }

            /// Joins the party; joining again is fine.
            pub fn join(&self) -> Result<()> {
                self.0.run(|party| async move { party.join().await })
            }

            /// Leaves the party; `false` if this member was not in it.
            pub fn leave(&self) -> Result<bool> {
                self.0.run(|party| async move { party.leave().await })
            }

            /// The number of members.
            pub fn len(&self) -> Result<usize> {
                self.0.run(|party| async move { party.len().await })
            }

            /// Whether the party has no members.
            pub fn is_empty(&self) -> Result<bool> {
                Ok(self.len()? == 0)
            }

            /// The identifiers of the members.
            pub fn members(&self) -> Result<Vec<String>> {
                self.0.run(|party| async move { party.members().await })
            }
        }
    };
}

blocking_party! {
    /// A blocking [`crate::Party`].
    ///
    /// ```no_run
    /// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
    /// use zookit_recipes::blocking::Party;
    ///
    /// let party = Party::new(&zk, "/app/party", "worker-1");
    /// party.join()?;
    /// println!("{} members: {:?}", party.len()?, party.members()?);
    /// party.leave()?;
    /// # Ok(())
    /// # }
    /// ```
    Party
}

impl Party {
    /// A member of the party at `path` with `identifier` (not joined yet).
    pub fn new(client: &Client, path: impl Into<String>, identifier: impl Into<String>) -> Self {
        Self(OnClient::new(client, crate::Party::new(client.async_client(), path, identifier)))
    }
}

blocking_party! {
    /// A blocking [`crate::ShallowParty`].
    ///
    /// ```no_run
    /// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
    /// use zookit_recipes::blocking::ShallowParty;
    ///
    /// let party = ShallowParty::new(&zk, "/app/shallow", "worker-1")?;
    /// party.join()?;
    /// assert!(party.members()?.contains(&"worker-1".to_owned()));
    /// # Ok(())
    /// # }
    /// ```
    ShallowParty
}

impl ShallowParty {
    /// A member of the shallow party at `path` with `identifier`; fails if
    /// the identifier cannot be part of a node name.
    pub fn new(
        client: &Client,
        path: impl Into<String>,
        identifier: impl Into<String>,
    ) -> Result<Self> {
        let party = crate::ShallowParty::new(client.async_client(), path, identifier)?;
        Ok(Self(OnClient::new(client, party)))
    }
}
