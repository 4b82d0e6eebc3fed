//! The progress bar of the long scenario: on the terminal only.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `len` requests labelled `label`, drawn on stderr when it is a
/// terminal and `visible`; hidden otherwise.
pub(crate) fn bar(len: u64, label: &str, visible: bool) -> ProgressBar {
    if !visible || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{prefix:>20} [{bar:24}] {pos:>9}/{len:9} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
        .with_style(style)
        .with_prefix(label.to_owned())
}
