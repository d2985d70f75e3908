//! The four-letter words' answers, in ZooKeeper's formats. Counters that an
//! in-memory server does not have (latencies, directory sizes) read 0.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::{Config, FOUR_LETTER_WORDS};
use crate::state::State;

/// What `Zookeeper version:` and `zk_version` report.
pub(crate) const VERSION: &str =
    concat!("3.8.0-zookit-server-", env!("CARGO_PKG_VERSION"), ", built on zookit");

/// Whether the four bytes a connection starts with are a four-letter word.
pub(crate) fn word(first: [u8; 4]) -> Option<&'static str> {
    FOUR_LETTER_WORDS.iter().copied().find(|w| w.as_bytes() == first)
}

/// Facts about the running server the state does not hold.
pub(crate) struct Context<'a> {
    pub(crate) config: &'a Config,
    /// The connection asking, which ZooKeeper lists among the others.
    pub(crate) asking: SocketAddr,
    /// Every open connection, handshake or not (the asking one included).
    pub(crate) open_connections: usize,
    pub(crate) port: u16,
    pub(crate) uptime: Duration,
    /// The monotonic clock's reading now, in milliseconds, and the wall
    /// clock's then (to date session expiry).
    pub(crate) mono_ms: u64,
    pub(crate) wall_ms: i64,
}

/// The answer to `word`.
pub(crate) fn answer(word: &str, state: &mut State, ctx: &Context<'_>) -> String {
    if !ctx.config.four_letter_enabled(word) {
        return format!("{word} is not executed because it is not in the whitelist.\n");
    }
    let mut out = String::new();
    match word {
        "ruok" => out.push_str("imok"),
        "isro" => out.push_str("rw"),
        "srvr" => stat(&mut out, state, ctx, false),
        "stat" => stat(&mut out, state, ctx, true),
        "cons" => {
            cons(&mut out, state, ctx, false);
            out.push('\n');
        }
        "conf" => conf(&mut out, ctx),
        "dirs" => out.push_str("datadir_size: 0\nlogdir_size: 0\n"),
        "envi" => envi(&mut out),
        "mntr" => mntr(&mut out, state, ctx),
        "wchs" => {
            let s = state.data_watch_summary();
            let _ = writeln!(
                out,
                "{} connections watching {} paths\nTotal watches:{}",
                s.connections, s.paths, s.watches
            );
        }
        "wchc" => {
            for (session, paths) in state.data_watches_by_session() {
                let _ = writeln!(out, "0x{session:x}");
                for path in paths {
                    let _ = writeln!(out, "\t{path}");
                }
            }
            out.push('\n');
        }
        "wchp" => {
            for (path, sessions) in state.data_watches_by_path() {
                let _ = writeln!(out, "{path}");
                for session in sessions {
                    let _ = writeln!(out, "\t0x{session:x}");
                }
            }
            out.push('\n');
        }
        "dump" => dump(&mut out, state, ctx),
        "crst" => {
            state.reset_connection_stats();
            out.push_str("Connection stats reset.\n");
        }
        "srst" => {
            state.reset_server_stats();
            out.push_str("Server stats reset.\n");
        }
        _ => {}
    }
    out
}

fn cons(out: &mut String, state: &State, ctx: &Context<'_>, brief: bool) {
    for c in state.connections() {
        let _ = write!(
            out,
            " /{}[1](queued=0,recved={},sent={}",
            c.peer, c.stats.received, c.stats.sent
        );
        if let (false, Some(session)) = (brief, c.session) {
            let _ = write!(
                out,
                ",sid=0x{session:x},lop={},est=0,to={},lcxid=0x{:x},lzxid=0x{:x},lresp=0,llat=0,minlat=0,avglat=0.0,maxlat=0",
                if c.stats.last_op.is_empty() { "NA" } else { c.stats.last_op },
                c.timeout,
                c.stats.last_xid.max(0),
                c.stats.last_zxid,
            );
        }
        out.push_str(")\n");
    }
    let _ = writeln!(out, " /{}[0](queued=0,recved=1,sent=0)", ctx.asking);
}

fn stat(out: &mut String, state: &State, ctx: &Context<'_>, clients: bool) {
    let _ = writeln!(out, "Zookeeper version: {VERSION}");
    if clients {
        out.push_str("Clients:\n");
        cons(out, state, ctx, true);
        out.push('\n');
    }
    let stats = state.server_stats();
    let _ = write!(
        out,
        "Latency min/avg/max: 0/0.0/0\nReceived: {}\nSent: {}\nConnections: {}\nOutstanding: 0\nZxid: 0x{:x}\nMode: standalone\nNode count: {}\n",
        stats.received,
        stats.sent,
        ctx.open_connections,
        state.last_zxid(),
        state.node_count(),
    );
}

fn conf(out: &mut String, ctx: &Context<'_>) {
    let c = ctx.config;
    let data_dir = c.persist.data_dir.as_deref();
    let _ = write!(
        out,
        "clientPort={}\nsecureClientPort=-1\ndataDir={}\ndataDirSize=0\ndataLogDir={}\ndataLogSize=0\ntickTime={}\nmaxClientCnxns={}\nminSessionTimeout={}\nmaxSessionTimeout={}\nclientPortListenBacklog=-1\nserverId=0\n",
        ctx.port,
        data_dir.map_or_else(String::new, |d| d.display().to_string()),
        c.persist
            .data_log_dir
            .as_deref()
            .or(data_dir)
            .map_or_else(String::new, |d| d.display().to_string()),
        c.tick_ms(),
        c.max_connections,
        c.min_session_timeout_ms(),
        c.max_session_timeout_ms(),
    );
}

fn envi(out: &mut String) {
    out.push_str("Environment:\n");
    let _ = writeln!(out, "zookeeper.version={VERSION}");
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_owned());
    let _ = writeln!(out, "host.name={host}");
    let _ = writeln!(out, "os.name={}", std::env::consts::OS);
    let _ = writeln!(out, "os.arch={}", std::env::consts::ARCH);
    let user = std::env::var("USER").unwrap_or_default();
    let _ = writeln!(out, "user.name={user}");
    let _ = writeln!(out, "user.home={}", std::env::var("HOME").unwrap_or_default());
    let dir = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
    let _ = writeln!(out, "user.dir={dir}");
}

fn mntr(out: &mut String, state: &State, ctx: &Context<'_>) {
    let stats = state.server_stats();
    let rows: [(&str, String); 17] = [
        ("version", VERSION.to_owned()),
        ("server_state", "standalone".to_owned()),
        ("ephemerals_count", state.ephemeral_count().to_string()),
        ("num_alive_connections", ctx.open_connections.to_string()),
        ("avg_latency", "0.0".to_owned()),
        ("outstanding_requests", "0".to_owned()),
        ("znode_count", state.node_count().to_string()),
        ("global_sessions", state.session_count().to_string()),
        ("packets_sent", stats.sent.to_string()),
        ("packets_received", stats.received.to_string()),
        ("watch_count", state.watch_count().to_string()),
        ("min_latency", "0".to_owned()),
        ("max_latency", "0".to_owned()),
        ("approximate_data_size", state.approximate_data_size().to_string()),
        ("uptime", ctx.uptime.as_millis().to_string()),
        ("local_sessions", "0".to_owned()),
        ("last_proposal_size", "-1".to_owned()),
    ];
    for (key, value) in rows {
        let _ = writeln!(out, "zk_{key}\t{value}");
    }
}

fn dump(out: &mut String, state: &State, ctx: &Context<'_>) {
    out.push_str("SessionTracker dump:\n");
    let expiry = state.session_expiry();
    let _ = writeln!(out, "Session Sets ({})/({}):", expiry.len(), state.session_count());
    for (at, sessions) in expiry {
        let wall =
            ctx.wall_ms + i64::try_from(at).unwrap_or(0) - i64::try_from(ctx.mono_ms).unwrap_or(0);
        let _ = writeln!(out, "{} expire at {}:", sessions.len(), date(wall));
        for session in sessions {
            let _ = writeln!(out, "\t0x{session:x}");
        }
    }
    out.push_str("ephemeral nodes dump:\n");
    let ephemerals = state.ephemerals();
    let _ = writeln!(out, "Sessions with Ephemerals ({}):", ephemerals.len());
    for (session, paths) in ephemerals {
        let _ = writeln!(out, "0x{session:x}:");
        for path in paths {
            let _ = writeln!(out, "\t{path}");
        }
    }
    out.push_str("Connections dump:\n");
    let conns = state.connections();
    let _ = writeln!(out, "Connections Sets (1)/({}):", conns.len() + 1);
    let _ = writeln!(out, "{} connections:", conns.len() + 1);
    for c in conns {
        let _ = writeln!(out, "\tip: /{} sessionId: 0x{:x}", c.peer, c.session.unwrap_or(0));
    }
    let _ = writeln!(out, "\tip: /{} sessionId: 0x0", ctx.asking);
}

/// A UTC time, in milliseconds since the epoch, as `Date.toString` shows it.
fn date(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let weekday = WEEKDAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    format!("{weekday} {month} {day:02} {h:02}:{m:02}:{s:02} UTC {year}")
}

/// The time `SystemTime` reads, in milliseconds since the epoch.
pub(crate) fn wall_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_recognised_by_their_bytes() {
        assert_eq!(word(*b"ruok"), Some("ruok"));
        assert_eq!(word(*b"mntr"), Some("mntr"));
        assert_eq!(word([0, 0, 0, 40]), None);
    }

    #[test]
    fn dates_look_like_javas() {
        assert_eq!(date(0), "Thu Jan 01 00:00:00 UTC 1970");
        // Apache's own dump showed this instant.
        assert_eq!(date(1_796_403_977_000), "Fri Dec 04 17:06:17 UTC 2026");
    }
}
