//! Records about znodes and identities: `Stat`, `Id`, `ACL`, `ClientInfo`.

use bytes::{BufMut, Bytes};

use crate::jute::jute_record;
use crate::{Decode, DecodeError, Encode};

jute_record! {
    /// The metadata of a znode, as the server reports it.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    #[doc(alias("ZnodeStat"))]
    pub struct Stat {
        /// The zxid of the change that created the znode.
        pub czxid: i64,
        /// The zxid of the change that last modified the znode's data.
        pub mzxid: i64,
        /// When the znode was created, in milliseconds since the epoch.
        pub ctime: i64,
        /// When the znode's data last changed, in milliseconds since the epoch.
        pub mtime: i64,
        /// The number of changes to the znode's data.
        pub version: i32,
        /// The number of changes to the znode's children.
        pub cversion: i32,
        /// The number of changes to the znode's ACL.
        pub aversion: i32,
        /// The session id of the owner if the znode is ephemeral, else 0.
        pub ephemeral_owner: i64,
        /// The length of the znode's data.
        pub data_length: i32,
        /// The number of children of the znode.
        pub num_children: i32,
        /// The zxid of the change that last modified the znode's children.
        pub pzxid: i64,
    }
}

jute_record! {
    /// An identity: an authentication scheme and an id in that scheme, such
    /// as `world:anyone`, `digest:user:hash` or `ip:10.0.0.0/8`.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
    pub struct Id {
        /// The scheme: `world`, `auth`, `digest`, `ip`, `sasl`, `x509`, ...
        pub scheme: String,
        /// The id within the scheme.
        pub id: String,
    }
}

impl Id {
    /// Creates an id from its scheme and id.
    pub fn new(scheme: impl Into<String>, id: impl Into<String>) -> Self {
        Self { scheme: scheme.into(), id: id.into() }
    }

    /// `world:anyone`: everyone.
    pub fn anyone() -> Self {
        Self::new("world", "anyone")
    }

    /// `auth:`: in an ACL being set, stands for every identity the session
    /// has authenticated as.
    pub fn authenticated() -> Self {
        Self::new("auth", "")
    }
}

bitflags::bitflags! {
    /// The permissions an ACL entry grants.
    ///
    /// Bits the server sends that this crate does not know are kept.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct Perms: i32 {
        /// Read the data and list the children.
        const READ = 1;
        /// Set the data.
        const WRITE = 1 << 1;
        /// Create children.
        const CREATE = 1 << 2;
        /// Delete children.
        const DELETE = 1 << 3;
        /// Set the ACL.
        const ADMIN = 1 << 4;
        /// Every permission.
        const ALL = Self::READ.bits() | Self::WRITE.bits() | Self::CREATE.bits()
            | Self::DELETE.bits() | Self::ADMIN.bits();
    }
}

impl Encode for Perms {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.bits().encode(buf);
    }
    fn encoded_len(&self) -> usize {
        4
    }
}

impl Decode for Perms {
    const MIN_LEN: usize = 4;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        Ok(Self::from_bits_retain(i32::decode(buf)?))
    }
}

jute_record! {
    /// One entry of an access control list: what an identity may do.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
    pub struct Acl {
        /// The permissions granted.
        pub perms: Perms,
        /// To whom.
        pub id: Id,
    }
}

impl Acl {
    /// Creates an ACL entry.
    pub fn new(perms: Perms, id: Id) -> Self {
        Self { perms, id }
    }
}

jute_record! {
    /// One identity a session is authenticated as, reported by `whoAmI`.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ClientInfo {
        /// The authentication scheme, for example `ip` or `digest`.
        pub auth_scheme: String,
        /// The user within that scheme.
        pub user: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_is_68_bytes_in_field_order() {
        let stat = Stat { czxid: 1, num_children: 2, pzxid: 3, ..Stat::default() };
        let mut out = Vec::new();
        stat.encode(&mut out);
        assert_eq!(out.len(), 68);
        assert_eq!(stat.encoded_len(), 68);
        assert_eq!(Stat::MIN_LEN, 68);
        assert_eq!(&out[..8], &1_i64.to_be_bytes());
        assert_eq!(&out[56..60], &2_i32.to_be_bytes());
        assert_eq!(&out[60..], &3_i64.to_be_bytes());
    }

    #[test]
    fn perms_keep_unknown_bits() {
        let mut buf = Bytes::from_static(&[0, 0, 0, 0x61]);
        let perms = Perms::decode(&mut buf).unwrap();
        assert!(perms.contains(Perms::READ));
        assert_eq!(perms.bits(), 0x61);
        assert_eq!(Perms::ALL.bits(), 31);
    }
}
