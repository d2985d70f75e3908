//! Progress on standard error for work over large trees: shown only when
//! standard error is a terminal, not with `--quiet`, and only once the work
//! has taken a moment (small trees never flash a bar).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

use crate::output::Output;

/// How long work runs before its progress is shown.
const SHOW_AFTER: Duration = Duration::from_millis(300);

/// A progress bar or spinner; cleared when dropped.
pub(crate) struct Progress {
    bar: ProgressBar,
    show: Option<JoinHandle<()>>,
}

impl Progress {
    /// A spinner counting nodes, for work of unknown size.
    pub(crate) fn spinner(out: &Output, message: impl Into<String>) -> Self {
        let style = ProgressStyle::with_template("{spinner} {msg}: {human_pos} nodes ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        Self::start(out, ProgressBar::no_length().with_style(style), message.into())
    }

    /// A spinner for work that reports no count (the registry's imports and
    /// exports).
    pub(crate) fn working(out: &Output, message: impl Into<String>) -> Self {
        let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        Self::start(out, ProgressBar::no_length().with_style(style), message.into())
    }

    fn start(out: &Output, bar: ProgressBar, message: String) -> Self {
        bar.set_draw_target(ProgressDrawTarget::hidden());
        bar.set_message(message);
        let show = out.notes_wanted().then(|| {
            let bar = bar.clone();
            tokio::spawn(async move {
                tokio::time::sleep(SHOW_AFTER).await;
                if !bar.is_finished() {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
            })
        });
        Self { bar, show }
    }

    /// Counts `n` more nodes done.
    pub(crate) fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Switches to a bar of `total` nodes, from zero, saying `message`.
    pub(crate) fn restart(&self, total: u64, message: impl Into<String>) {
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {human_pos}/{human_len} nodes ({elapsed}, {eta} left)",
        ) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.bar.set_message(message.into());
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(show) = self.show.take() {
            show.abort();
        }
        self.bar.finish_and_clear();
    }
}
