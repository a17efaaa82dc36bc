//! A spinner on stderr while the command waits on slow work (Argon2id, a sync), so a person
//! sees it is busy rather than stuck. Drawn only when stderr is a terminal: scripts and logs get
//! no control characters.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::ProgressBar;

/// Runs `work` with a spinner saying `message`, cleared when it ends.
pub fn while_working<T>(message: &str, work: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return work();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(message.to_owned());
    spinner.enable_steady_tick(Duration::from_millis(100));
    let result = work();
    spinner.finish_and_clear();
    result
}
