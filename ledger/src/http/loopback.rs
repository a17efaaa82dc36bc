//! A ledger's or a witness's HTTP server on a loopback port, on a thread of its own, stopped and
//! joined when dropped: how `outpost demo` and the end-to-end tests serve a ledger they opened in
//! process.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use crate::Ledger;
use crate::witness::Witness;

/// A server on `127.0.0.1`, running until dropped.
pub struct Loopback {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<io::Result<()>>>,
}

type Stop = Pin<Box<dyn Future<Output = ()> + Send>>;

impl Loopback {
    /// The ledger's HTTP API (`server::serve`) on loopback `port`, or any free port for 0.
    pub fn ledger(ledger: Arc<Ledger>, port: u16) -> io::Result<Loopback> {
        Self::start(port, move |listener, stop| crate::http::server::serve(listener, ledger, stop))
    }

    /// A witness's HTTP API (`witness::serve`) on loopback `port`, or any free port for 0.
    pub fn witness(witness: Arc<Witness>, port: u16) -> io::Result<Loopback> {
        Self::start(port, move |listener, stop| crate::witness::serve(listener, witness, stop))
    }

    fn start<F>(
        port: u16,
        serve: impl FnOnce(tokio::net::TcpListener, Stop) -> F + Send + 'static,
    ) -> io::Result<Loopback>
    where
        F: Future<Output = io::Result<()>>,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let stopped: Stop = Box::pin(async {
                let _ = stopped.await;
            });
            runtime.block_on(serve(listener, stopped))
        });
        Ok(Loopback { url: format!("http://{address}"), address, stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
