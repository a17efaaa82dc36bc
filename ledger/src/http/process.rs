//! What a server process needs around the server, the same for `outpost-ledger`, `outpost ledger
//! serve` and `outpost witness`: its logs on stderr, filtered by `OUTPOST_LOG`, and the signals
//! that stop it.

use std::future::Future;
use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Why logging could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// `OUTPOST_LOG` is not a filter: the user's to fix.
    #[error("OUTPOST_LOG=“{spec}” is not a log filter ({reason}): give a level such as info or debug")]
    BadFilter { spec: String, reason: String },
    #[error("cannot start logging ({reason}): run the command again")]
    CannotStart { reason: String },
}

/// Logs to stderr, at `info` unless `OUTPOST_LOG` says otherwise (an `EnvFilter` spec), in
/// colour only on a terminal.
pub fn log_to_stderr() -> Result<(), LogError> {
    let filter = match std::env::var("OUTPOST_LOG") {
        Ok(spec) => EnvFilter::try_new(&spec)
            .map_err(|e| LogError::BadFilter { reason: e.to_string(), spec: spec.clone() })?,
        Err(_) => EnvFilter::new("info"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init()
        .map_err(|e| LogError::CannotStart { reason: e.to_string() })
}

/// Completes at SIGINT or SIGTERM (Ctrl-C elsewhere). Installed when called, so a signal sent
/// as soon as the caller announces itself is caught.
pub fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static, String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind| signal(kind).map_err(|e| e.to_string());
        let mut interrupt = listen(SignalKind::interrupt())?;
        let mut terminate = listen(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => tracing::info!("SIGINT received"),
                _ = terminate.recv() => tracing::info!("SIGTERM received"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                tracing::info!("Ctrl-C received");
            }
        })
    }
}
