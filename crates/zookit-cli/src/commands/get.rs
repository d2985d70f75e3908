//! `get`: a node's data, as text, pretty JSON, a hex dump or raw bytes.

use base64::Engine;
use serde_json::{Value, json};

use crate::cli::GetArgs;
use crate::connect::Context;
use crate::error::Result;
use crate::format::{hex_dump, stat_json};

/// Runs `get`.
pub(crate) async fn run(ctx: &Context, args: GetArgs) -> Result<()> {
    let client = ctx.client().await?;
    let (data, stat) = client.get(&args.path).await?;
    let text = std::str::from_utf8(&data).ok();
    if ctx.out.json_mode() {
        let mut result = json!({
            "path": args.path,
            "data": text,
            "dataBase64": base64::engine::general_purpose::STANDARD.encode(&data),
        });
        if let Some(parsed) = text.and_then(parse_json) {
            result["json"] = parsed;
        }
        result["stat"] = stat_json(&stat);
        return ctx.out.json(&result);
    }
    if args.raw {
        return ctx.out.raw(&data);
    }
    match text {
        _ if args.hex => ctx.out.text(&hex_dump(&data)),
        None => ctx.out.text(&hex_dump(&data)),
        Some("") => Ok(()),
        Some(text) => match parse_json(text) {
            Some(parsed) => ctx.out.line(serde_json::to_string_pretty(&parsed).unwrap_or_default()),
            None if text.ends_with('\n') => ctx.out.text(text),
            None => ctx.out.line(text),
        },
    }
}

/// JSON data (an object or an array), parsed.
fn parse_json(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    let looks_like_json = (trimmed.starts_with('{') && trimmed.ends_with('}'))
        || (trimmed.starts_with('[') && trimmed.ends_with(']'));
    looks_like_json.then(|| serde_json::from_str(trimmed).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_objects_and_arrays_are_pretty_printed() {
        assert_eq!(parse_json(r#" {"a": [1, 2]} "#), Some(json!({"a": [1, 2]})));
        assert_eq!(parse_json("[1]"), Some(json!([1])));
        assert_eq!(parse_json("42"), None);
        assert_eq!(parse_json("{not json}"), None);
        assert_eq!(parse_json("hello"), None);
    }
}
