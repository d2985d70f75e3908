//! `set-property`: updates a node's properties from `NAME=VALUE` arguments
//! with Python literal values (zc.zk's `zookeeper_set_property`).

use serde_json::json;
use zookit_registry::value::{Map, parse_python_literal, python_repr};

use crate::cli::SetPropertyArgs;
use crate::connect::Context;
use crate::error::{CliError, Result};

/// Runs `set-property`: prints `data updated` and the properties, sorted,
/// with Python reprs.
pub(crate) async fn run(ctx: &Context, args: SetPropertyArgs) -> Result<()> {
    let updates = parse_assignments(&args.properties)?;
    let zk = ctx.zk().await?;
    let properties = zk.properties(&args.path, false).await?;
    properties.update(updates).await?;
    let mut data: Vec<(String, serde_json::Value)> = properties.to_map().into_iter().collect();
    data.sort_by(|a, b| a.0.cmp(&b.0));
    if ctx.out.json_mode() {
        let data: Map = data.into_iter().collect();
        return ctx.out.json(&json!({
            "path": args.path,
            "realPath": properties.real_path(),
            "properties": data,
        }));
    }
    let mut lines = vec!["data updated".to_owned()];
    lines.extend(data.iter().map(|(name, value)| format!("{name}: {}", python_repr(value))));
    ctx.out.lines(lines)
}

/// Parses `NAME=VALUE` arguments, the values Python literals.
pub(crate) fn parse_assignments(arguments: &[String]) -> Result<Map> {
    let mut properties = Map::new();
    for argument in arguments {
        let Some((name, expression)) = argument.split_once('=').filter(|(n, _)| !n.is_empty())
        else {
            return Err(CliError::usage(format!("expected NAME=VALUE, not {argument:?}")));
        };
        let value = parse_python_literal(expression).map_err(|e| {
            let hint = if is_bare_word(expression) {
                format!(" (strings need quotes: \"{name}='{expression}'\")")
            } else {
                String::new()
            };
            CliError::usage(format!("bad value for {name}: {expression:?}: {e}{hint}"))
        })?;
        properties.insert(name.to_owned(), value);
    }
    Ok(properties)
}

/// Whether `text` looks like an unquoted word a shell stripped quotes from.
fn is_bare_word(text: &str) -> bool {
    !text.is_empty() && !text.starts_with(['\'', '"', '[', '{', '('])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn assignments_are_python_literals() {
        let args = ["threads=4", "debug=True", "comment='ok'", "eq='a=b'", "xs=[1, -2.5]"];
        let parsed = parse_assignments(&args.map(String::from)).unwrap();
        assert_eq!(
            serde_json::Value::Object(parsed),
            json!({"threads": 4, "debug": true, "comment": "ok", "eq": "a=b", "xs": [1, -2.5]})
        );
        let error = parse_assignments(&["comment=ok".to_owned()]).unwrap_err();
        assert!(error.message.contains("\"comment='ok'\""), "{}", error.message);
        assert_eq!(error.failure.exit_code(), 2);
        assert!(parse_assignments(&["threads".to_owned()]).is_err());
        assert!(parse_assignments(&["=4".to_owned()]).is_err());
        assert!(parse_assignments(&[]).unwrap().is_empty());
    }
}
