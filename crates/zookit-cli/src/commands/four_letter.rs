//! `four-letter`: a four-letter word to every server of the connection
//! string, over connections of its own (no session needed).

use serde_json::{Map, Value, json};

use crate::cli::FourLetterArgs;
use crate::connect::Context;
use crate::error::{CliError, Result};

/// Runs `four-letter`.
pub(crate) async fn run(ctx: &Context, args: FourLetterArgs) -> Result<()> {
    let options = ctx.options()?;
    let word = args.word.to_ascii_lowercase();
    if word.len() != 4 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(CliError::usage(format!(
            "{:?} is not a four-letter word (e.g. ruok, srvr, mntr)",
            args.word
        )));
    }
    let servers: Vec<String> = options.parsed.hosts.iter().map(ToString::to_string).collect();
    let several = servers.len() > 1;
    let mut results = Vec::new();
    let mut failures = 0;
    for server in &servers {
        let answer = ask(server, &word, options.timeout).await;
        if ctx.out.json_mode() {
            let mut result = json!({"server": server, "word": word});
            match &answer {
                Ok(text) => {
                    result["answer"] = text.clone().into();
                    if let Some(fields) = fields(&word, text) {
                        result["fields"] = Value::Object(fields);
                    }
                }
                Err(error) => result["error"] = error.clone().into(),
            }
            results.push(result);
        } else {
            if several {
                ctx.out.line(format!("== {server} =="))?;
            }
            match &answer {
                Ok(text) if text.ends_with('\n') || text.is_empty() => ctx.out.text(text)?,
                Ok(text) => ctx.out.line(text)?,
                Err(error) if several => eprintln!("{error}"),
                Err(_) => {}
            }
        }
        if let Err(error) = answer {
            failures += 1;
            if !several {
                if ctx.out.json_mode() {
                    ctx.out.json(&Value::Array(results))?;
                }
                return Err(CliError::failed(error));
            }
        }
    }
    if ctx.out.json_mode() {
        ctx.out.json(&Value::Array(results))?;
    }
    match failures {
        0 => Ok(()),
        n => Err(CliError::failed(format!("{n} of {} servers did not answer", servers.len()))),
    }
}

/// Asks one server (`host:port`), within `timeout`.
async fn ask(server: &str, word: &str, timeout: std::time::Duration) -> Result<String, String> {
    let lookup = tokio::time::timeout(timeout, tokio::net::lookup_host(server)).await;
    let addr = match lookup {
        Ok(Ok(mut addrs)) => addrs.next(),
        Ok(Err(e)) => return Err(format!("{server}: can't resolve the address: {e}")),
        Err(_) => return Err(format!("{server}: can't resolve the address within {timeout:?}")),
    }
    .ok_or_else(|| format!("{server}: the name resolves to no address"))?;
    zookit::four_letter_word(addr, word, timeout).await.map_err(|e| format!("{server}: {e}"))
}

/// The answer's `key value` lines as JSON fields, for the words that
/// answer in such lines (numbers as numbers).
fn fields(word: &str, answer: &str) -> Option<Map<String, Value>> {
    let separator: fn(&str) -> Option<(&str, &str)> = match word {
        "mntr" => |line| line.split_once('\t'),
        "srvr" => |line| line.split_once(": "),
        "conf" | "envi" => |line| line.split_once('='),
        _ => return None,
    };
    let fields: Map<String, Value> = answer
        .lines()
        .filter_map(separator)
        .map(|(key, value)| (key.trim().to_owned(), typed(value.trim())))
        .collect();
    (!fields.is_empty()).then_some(fields)
}

/// A number as a JSON number, anything else as a string.
fn typed(value: &str) -> Value {
    if let Ok(n) = value.parse::<i64>() {
        return n.into();
    }
    match value.parse::<f64>() {
        Ok(f) if f.is_finite() && value.contains('.') => json!(f),
        _ => value.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mntr_and_srvr_fields() {
        let mntr = "zk_version\t3.8.0-5a02a05\nzk_avg_latency\t0.5\nzk_znode_count\t5\n";
        let fields = fields("mntr", mntr).unwrap();
        assert_eq!(fields["zk_znode_count"], json!(5));
        assert_eq!(fields["zk_avg_latency"], json!(0.5));
        assert_eq!(fields["zk_version"], json!("3.8.0-5a02a05"));
        let srvr = "Zookeeper version: 3.8.0, built on x\nMode: standalone\nNode count: 5\n";
        let fields = super::fields("srvr", srvr).unwrap();
        assert_eq!(fields["Mode"], json!("standalone"));
        assert_eq!(fields["Node count"], json!(5));
        assert_eq!(super::fields("ruok", "imok"), None);
    }
}
