//! Serving on the network from the command line, for `outpost ledger serve` and `outpost
//! witness` alike: the certificate and key for HTTPS, the runtime, the listening socket, the
//! signals that stop it, and the `listening on URL` line scripts wait for.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;

use clap::Args;
use outpost_ledger::http::server::Network;

use crate::error::Error;

/// `--tls-cert` and `--tls-key`: serve HTTPS instead of plain HTTP.
#[derive(Debug, Clone, Default, Args)]
pub struct TlsArgs {
    /// PEM certificate chain to serve HTTPS with (the server's certificate first); needs --tls-key
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert; refused unless only its owner can read it (chmod 600)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl TlsArgs {
    fn network(&self) -> Result<Network, Error> {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(outpost_ledger::http::tls::acceptor(cert, key)?),
            _ => None,
        };
        Ok(Network { tls, ..Network::default() })
    }
}

/// What stops a server: Ctrl-C or SIGTERM.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs `server` on `listen` until Ctrl-C or SIGTERM. `announce` prints what the operator needs
/// before the last line, `listening on http(s)://ADDRESS`, which is printed once connections are
/// accepted. `what` names the server in errors ("the ledger", "the witness").
pub fn serve<Fut>(
    what: &'static str,
    listen: SocketAddr,
    tls: &TlsArgs,
    announce: impl FnOnce(),
    server: impl FnOnce(tokio::net::TcpListener, Network, Shutdown) -> Fut,
) -> Result<(), Error>
where
    Fut: Future<Output = std::io::Result<()>>,
{
    // Checked before anything listens: a key file open to others stops the start.
    let network = tls.network()?;
    let scheme = if network.tls.is_some() { "https" } else { "http" };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime { what, detail: e.to_string() })?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| Error::CannotListen { address: listen.to_string(), detail: e.to_string() })?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::CannotListen { address: listen.to_string(), detail: e.to_string() })?;
        // Installed before the address is printed: a signal sent as soon as it appears is caught.
        let shutdown: Shutdown = Box::pin(
            outpost_ledger::http::process::shutdown_signal()
                .map_err(|detail| Error::NoSignals { what, detail })?,
        );
        announce();
        println!("listening on {scheme}://{address}");
        let _ = std::io::stdout().flush();
        server(listener, network, shutdown).await.map_err(|e| Error::Stopped { what, detail: e.to_string() })
    })
}
