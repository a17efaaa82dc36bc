//! The ledger's (and the witness's) accept loop on a hostile network: who gets a connection, how
//! long each may take to say what it wants, and, with a certificate, TLS.
//!
//! `axum::serve` sets no header timeout and no connection cap, so eighty clients that open a
//! connection and never finish their headers starve it. Here each connection is served by
//! hyper's HTTP/1 connection with a timer:
//!
//! - **Connection cap.** At most [`Limits::max_connections`] connections are open at once; the
//!   next one waits in the kernel's backlog until one closes (it is not accepted and refused).
//! - **Header-read and idle timeout.** A connection has [`Limits::header_read`] to deliver a
//!   request's head (the TLS handshake included), counted from the moment the server waits for it:
//!   hyper starts that timer as soon as a keep-alive connection is idle, so the same bound closes
//!   idle connections.
//! - **Head size.** hyper buffers at most [`Limits::max_head_bytes`] of a request head; the router
//!   refuses smaller but still too long URIs and headers itself, in the API's JSON error shape.
//!   A head hyper cannot parse at all (too long for its buffer, a broken request line or header)
//!   is answered by hyper itself, before any handler runs, with a bare status; [`PlainRefusals`]
//!   writes the API's JSON error in place of that answer, so no refusal is left without words.
//! - **Body-read timeout and body memory.** Bodies are read by the handlers, through
//!   [`BodyBudget::read`]: [`Limits::body_read`] to deliver the whole body, and large bodies draw
//!   on one shared budget of bytes, so a crowd holding bodies one byte short of the limit holds at
//!   most [`Limits::large_bodies_bytes`] between them.
//!
//! Memory held for requests is then bounded by
//! `max_connections × (max_head_bytes + SMALL_BODY_BYTES) + large_bodies_bytes`, whatever the
//! clients do (with the defaults: 512 × (64 KiB + 16 KiB) + 32 MiB = 72 MiB).
//!
//! On shutdown the loop stops accepting, lets the requests under way finish (at most
//! [`GRACE`]), and returns.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::Request;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

use crate::http::rate_limit::Rate;
use crate::http::refusal::HttpRefusal;

/// How long requests under way may take to finish once the server is told to stop.
pub const GRACE: Duration = Duration::from_secs(30);

/// A body up to this size needs nothing from the shared budget: the connection cap bounds them.
pub const SMALL_BODY_BYTES: usize = 16 * 1024;

/// What the server allows each client, and all of them together.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Time to deliver a request head (and the TLS handshake), and the longest a keep-alive
    /// connection may sit idle.
    pub header_read: Duration,
    /// Time to deliver a request body, from when the handler starts reading it.
    pub body_read: Duration,
    /// What hyper buffers of one request head.
    pub max_head_bytes: usize,
    /// Bytes of bodies larger than [`SMALL_BODY_BYTES`] being read at once, all clients together.
    pub large_bodies_bytes: usize,
    /// Syncs from one client address, before its request is even read.
    pub sync_per_address: Rate,
    /// Syncs signed by one wallet key.
    pub sync_per_wallet: Rate,
    /// Officer requests from one client address.
    pub officer_per_address: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 512,
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(20),
            max_head_bytes: 64 * 1024,
            large_bodies_bytes: 32 * 1024 * 1024,
            // A whole unit's phones may sync at once at roll call, behind one gateway.
            sync_per_address: Rate::new(1000, Duration::from_millis(10)),
            // A wallet syncs every few minutes; a retry after a cut connection comes at once.
            sync_per_wallet: Rate::new(20, Duration::from_secs(3)),
            // A payroll script credits a unit in one go.
            officer_per_address: Rate::new(1000, Duration::from_millis(20)),
        }
    }
}

/// The client's address, put in each request's extensions by [`serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Serves `app` on `listener` under `limits`, over TLS when `tls` is given, until `shutdown`
/// completes; then finishes the requests under way (at most [`GRACE`]) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let max_head = limits.max_head_bytes.max(8192);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_buf_size(max_head)
        .keep_alive(true);
    let handshake = limits.header_read;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // pause rather than spin, and keep serving.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = service_for(app.clone(), peer);
        let http = http.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tls {
                None => {
                    let stream = PlainRefusals::new(stream, max_head);
                    let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                }
                Some(acceptor) => match tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => {
                        let stream = PlainRefusals::new(stream, max_head);
                        let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                    }
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                },
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACE) => tracing::warn!("requests still under way after the grace period were cut"),
    }
    Ok(())
}

fn service_for(
    app: Router,
    peer: SocketAddr,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = axum::response::Response,
    Error = Infallible,
    Future = impl Future<Output = Result<axum::response::Response, Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ClientAddr(peer.ip()));
        app.clone().oneshot(request.map(Body::new))
    })
}

/// A connection whose automatic parse-error answers from hyper are replaced, as they are written,
/// by the API's JSON error.
///
/// hyper answers a head it cannot parse with a status line, `content-length: 0` and nothing else,
/// then closes the connection; no service sees the request, so no middleware can word it. Those
/// answers are recognised by their status (400, 414 or 431), hyper's reason phrase and the empty
/// body: every answer of the API's own carries a JSON body, so none of them matches.
pub struct PlainRefusals<S> {
    inner: S,
    max_head: usize,
    /// The JSON answer being written in place of hyper's, how much of it is written, and how many
    /// of hyper's bytes to report as written once it is all out.
    replacing: Option<(Vec<u8>, usize, usize)>,
}

impl<S> PlainRefusals<S> {
    pub fn new(inner: S, max_head: usize) -> Self {
        Self { inner, max_head, replacing: None }
    }
}

/// The JSON answer for hyper's automatic answer at the start of `head`, if it is one.
fn replacement_for(head: &[u8], max_head: usize) -> Option<Vec<u8>> {
    let (status, refusal) = if head.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n") {
        ("431 Request Header Fields Too Large", HttpRefusal::HeadTooLong { max: max_head })
    } else if head.starts_with(b"HTTP/1.1 414 URI Too Long\r\n") {
        ("414 URI Too Long", HttpRefusal::UriTooLongToRead)
    } else if head.starts_with(b"HTTP/1.1 400 Bad Request\r\n") {
        ("400 Bad Request", HttpRefusal::NotHttp)
    } else {
        return None;
    };
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let fields = String::from_utf8_lossy(&head[..end + 2]).to_ascii_lowercase();
    if !fields.contains("\r\ncontent-length: 0\r\n") {
        return None;
    }
    let body = serde_json::json!({ "error": refusal.to_string() }).to_string();
    Some(
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

impl<S: AsyncWrite + Unpin> PlainRefusals<S> {
    /// Writes what is left of the replacement; Ready with the count of hyper's bytes it stands for.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, written, stands_for)) = &mut self.replacing {
            if *written == bytes.len() {
                let claimed = *stands_for;
                self.replacing = None;
                return Poll::Ready(Ok(claimed));
            }
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *written += n,
                other => return other,
            }
        }
        Poll::Ready(Ok(0))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for PlainRefusals<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PlainRefusals<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replacing.is_none()
            && let Some(bytes) = replacement_for(buf, this.max_head)
        {
            this.replacing = Some((bytes, 0, buf.len()));
        }
        if this.replacing.is_some() {
            return this.poll_replacement(cx);
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replacing.is_none()
            && let Some(first) = bufs.iter().find(|b| !b.is_empty())
            && let Some(bytes) = replacement_for(first, this.max_head)
        {
            // hyper's automatic answer has no body: the head is all it queued.
            this.replacing = Some((bytes, 0, bufs.iter().map(|b| b.len()).sum()));
        }
        if this.replacing.is_some() {
            return this.poll_replacement(cx);
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The shared allowance of bytes for large bodies being read, and the body-read deadline.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    permits: Arc<Semaphore>,
    timeout: Duration,
}

/// Why a body was not read.
#[derive(Debug)]
pub enum BodyError {
    /// Longer than the endpoint's limit.
    TooLarge,
    /// Not delivered within the body-read timeout.
    TooSlow(Duration),
    /// Too many large bodies are being read at once: try again shortly.
    Busy,
    /// The connection failed mid-body.
    Cut(String),
}

/// Budget permits count KiB, so the semaphore's count stays small.
const PERMIT_BYTES: usize = 1024;

impl BodyBudget {
    pub fn new(limits: &Limits) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limits.large_bodies_bytes.div_ceil(PERMIT_BYTES))),
            timeout: limits.body_read,
        }
    }

    /// Reads a whole body of at most `max` bytes. `declared` is its Content-Length, if any: a
    /// body that may be larger than [`SMALL_BODY_BYTES`] first takes that much from the budget
    /// (without waiting: [`BodyError::Busy`] when it is spent), and gives it back when read.
    pub async fn read(&self, body: Body, declared: Option<u64>, max: usize) -> Result<Bytes, BodyError> {
        let expected = declared.map_or(max, |len| (len as usize).min(max));
        let _held = if expected > SMALL_BODY_BYTES {
            let permits = u32::try_from(expected.div_ceil(PERMIT_BYTES)).unwrap_or(u32::MAX);
            Some(Arc::clone(&self.permits).try_acquire_many_owned(permits).map_err(|_| BodyError::Busy)?)
        } else {
            None
        };
        let limited = http_body_util::Limited::new(body, max);
        match tokio::time::timeout(self.timeout, limited.collect()).await {
            Err(_) => Err(BodyError::TooSlow(self.timeout)),
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
            Ok(Err(e)) => Err(BodyError::Cut(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replacement_for;

    #[test]
    fn only_hypers_empty_automatic_answers_are_replaced() {
        let hyper_431 =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let words = String::from_utf8(replacement_for(hyper_431, 65536).unwrap()).unwrap();
        assert!(words.starts_with("HTTP/1.1 431 ") && words.contains("connection: close"), "{words}");
        let (_, body) = words.split_once("\r\n\r\n").unwrap();
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(value["error"].as_str().unwrap().contains("65536 bytes"));

        // The API's own refusals carry a body, and other statuses are never touched.
        let ours =
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 42\r\n\r\n";
        assert!(replacement_for(ours, 65536).is_none());
        let ours = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0123\r\n\r\n";
        assert!(replacement_for(ours, 65536).is_none());
        assert!(replacement_for(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", 65536).is_none());
        // A head cut before its end is not guessed at.
        assert!(replacement_for(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n", 65536).is_none());
    }
}
