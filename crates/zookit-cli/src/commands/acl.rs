//! `get-acl` and `set-acl`: a node's ACL as `scheme:id:perms` entries.

use serde_json::{Value, json};
use zookit::{Acl, Id, Perms};

use crate::cli::{PathArg, SetAclArgs};
use crate::connect::Context;
use crate::error::{CliError, Result};
use crate::format::{acl_json, acl_text, stat_json};

/// Runs `get-acl`.
pub(crate) async fn get(ctx: &Context, args: PathArg) -> Result<()> {
    let client = ctx.client().await?;
    let (acl, stat) = client.get_acls(&args.path).await?;
    if ctx.out.json_mode() {
        let entries: Vec<Value> = acl.iter().map(acl_json).collect();
        ctx.out.json(&json!({"path": args.path, "acl": entries, "aversion": stat.aversion}))
    } else {
        ctx.out.lines(acl.iter().map(acl_text))
    }
}

/// Runs `set-acl`.
pub(crate) async fn set(ctx: &Context, args: SetAclArgs) -> Result<()> {
    let acl = args.acl.iter().map(|entry| parse_acl(entry)).collect::<Result<Vec<_>>>()?;
    let client = ctx.client().await?;
    let stat = client.set_acls(&args.path, acl).version(args.version.unwrap_or(-1)).await?;
    if ctx.out.json_mode() {
        ctx.out.json(&json!({"path": args.path, "stat": stat_json(&stat)}))
    } else {
        Ok(())
    }
}

/// Parses `scheme:id:perms` (the id may hold colons, as digest ids and
/// IPv6 addresses do; `auth::cdrwa` has an empty id).
pub(crate) fn parse_acl(entry: &str) -> Result<Acl> {
    let bad = |why: &str| {
        CliError::usage(format!(
            "bad ACL entry {entry:?}: {why} (expected scheme:id:perms, e.g. world:anyone:cdrwa)"
        ))
    };
    let (scheme, rest) = entry.split_once(':').ok_or_else(|| bad("no id"))?;
    let (id, letters) = rest.rsplit_once(':').ok_or_else(|| bad("no permissions"))?;
    if scheme.is_empty() {
        return Err(bad("no scheme"));
    }
    let mut perms = Perms::empty();
    for letter in letters.chars() {
        perms |= match letter {
            'c' => Perms::CREATE,
            'd' => Perms::DELETE,
            'r' => Perms::READ,
            'w' => Perms::WRITE,
            'a' => Perms::ADMIN,
            other => return Err(bad(&format!("{other:?} is not one of the permissions cdrwa"))),
        };
    }
    if perms.is_empty() {
        return Err(bad("no permissions"));
    }
    Ok(Acl::new(perms, Id::new(scheme, id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_entries() {
        assert_eq!(parse_acl("world:anyone:cdrwa").unwrap(), Acl::new(Perms::ALL, Id::anyone()));
        let digest = parse_acl("digest:bob:x1nq8J5GOJVPY6zgBp2W5l4Jk4E=:rw").unwrap();
        assert_eq!(digest.id, Id::new("digest", "bob:x1nq8J5GOJVPY6zgBp2W5l4Jk4E="));
        assert_eq!(digest.perms, Perms::READ | Perms::WRITE);
        assert_eq!(parse_acl("auth::a").unwrap().id, Id::new("auth", ""));
        assert_eq!(parse_acl("ip:::1:r").unwrap().id, Id::new("ip", "::1"));
        for bad in ["", "world", "world:anyone", "world:anyone:", "world:anyone:x", ":a:r"] {
            assert!(parse_acl(bad).is_err(), "{bad}");
        }
    }
}
