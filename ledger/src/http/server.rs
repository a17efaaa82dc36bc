//! The ledger on the network: the HTTP API that wallets sync through and finance officers work
//! the ledger with (DESIGN section 6). The `outpost-ledger` binary runs it.
//!
//! ```text
//! POST /v1/sync                          signed request bytes in, signed response bytes out
//! GET  /v1/ledger                        the ledger's public key and currency
//! GET  /checkpoint                       the current checkpoint as a C2SP signed note (text);
//!                                        with witnesses, the latest one they cosigned, with
//!                                        their cosignature lines (docs/adr/0013)
//! GET  /v1/checkpoint                    a signed checkpoint over the whole audit log
//! GET  /v1/checkpoint/consistency?from=N that checkpoint and the proof it extends size N
//! ...  /v1/officer/...                   members, credits, limits, purses, revocation, flags,
//!                                        the audit export, the invariant check, officers and
//!                                        the acts pending approval, passkeys, the log as
//!                                        JSON, the live event stream, console sessions
//! GET  /console                          the officers' web console (docs/adr/0021)
//! ```
//!
//! Who may do what:
//! - Sync needs no officer: the wallet signs every request and the ledger checks the signature, so
//!   the transport adds nothing. Its body is raw bytes, refused above
//!   [`MAX_SYNC_BYTES`] before more than that is read (and before anything is read when the
//!   declared length is already too long).
//! - Officer endpoints need the officer's signed request in the `Outpost-Officer-Request` header
//!   (`outpost_wallet_core::officer`): the ledger checks the signature, that the signer is an
//!   officer, that the signed method, path and body hash are this request's, the signed time is
//!   within the skew window and the nonce is new ([`Ledger::authenticate`]). Reads need that one
//!   signature; acts (credit, purse limit, revocations, device replacement, officer enrolment and
//!   removal) are stored pending (202) until another officer approves them
//!   (`POST /v1/officer/pending/{id}/approve`), then run with the signatures as their evidence
//!   (docs/adr/0016).
//! - Officer bodies are JSON of at most [`MAX_JSON_BYTES`], with no unknown fields.
//! - The console (docs/adr/0021): a passkey-signed `POST /v1/officer/session` opens a session
//!   (an `HttpOnly`, `SameSite=Strict` cookie, [`SESSION_TTL`]) that lets that officer's *reads*
//!   (`GET`) go unsigned, so that the live stream (`EventSource` sends no custom header) and
//!   page loads do not ask for a touch each. Everything else needs a signature every time.
//!
//! Every refusal is JSON `{"error": "..."}` with a status that says whose fault it was: 4xx for
//! the caller's (the message says what to change), 5xx for the ledger's own. `refusal` is the
//! one place a [`LedgerError`] becomes a status. A refused request that carried a body is
//! answered with `Connection: close`, since its body may be left unread. Each request is logged
//! once, with its method, path, status and, when refused, the reason; bodies and headers are not
//! logged.
//!
//! On the network (docs/adr/0018): [`serve_on`] runs the router on [`crate::http::listener`]'s accept
//! loop (connection cap, header, idle and body timeouts, a byte budget for large bodies, HTTPS
//! when given a certificate). Syncs are rate-limited per client address before the body is read
//! and per wallet key once the request's signature verifies; officer requests per address; each
//! refusal is 429 with `Retry-After`. URIs and heads too long for the router's limits (414, 431),
//! malformed JSON, query strings and path parameters are refused in the API's own words (and
//! heads too long or broken for hyper's parser by the accept loop, `listener::PlainRefusals`).
//!
//! Every [`Ledger`] call blocks on SQLite, so handlers run them on tokio's blocking pool.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{
    DefaultBodyLimit, Extension, FromRequest, FromRequestParts, Json, Path, Query, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use outpost_wallet_core::audit::encode_export;
use outpost_wallet_core::hex;
use outpost_wallet_core::protocol::MessageId;
use outpost_wallet_core::protocol::sync::{MAX_SYNC_BYTES, SyncRequest};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::http::console;
use crate::http::listener::{self, BodyBudget, BodyError, ClientAddr, Limits};
use crate::http::officer_api::{
    ActResultJson, CheckpointJson, CreditBody, EnrolmentBody, FlagJson, LedgerInfoJson, MemberJson,
    OfficerEnrolmentBody, OfficerJson, PasskeyJson, PendingJson, PurseJson, PurseLimitBody, RevocationBody,
};
use crate::http::rate_limit::{RateLimiter, retry_after_secs};
use crate::http::refusal::HttpRefusal;
use crate::rules::officers::{Act, Approved, Authenticated, Officer, Outcome, Pending};
use crate::rules::risk;
use crate::rules::witnessing::{self, Witnessing};
use crate::{Ledger, LedgerError, Member, PurseInfo};
use outpost_wallet_core::officer;

/// Largest JSON body an officer endpoint reads.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// How often the server returns what expired purses hold, besides at every write.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

const OCTET_STREAM: &str = "application/octet-stream";

/// The ledger's HTTP API. Officer endpoints answer only to officers' signed requests.
pub fn router(ledger: Arc<Ledger>) -> Router {
    router_witnessed(ledger, None)
}

/// [`router`], with the witnessing task a sync pokes and whose cosigned note `/checkpoint` serves.
pub fn router_witnessed(ledger: Arc<Ledger>, witnessing: Option<Arc<Witnessing>>) -> Router {
    router_limited(ledger, witnessing, &Limits::default())
}

/// [`router_witnessed`] under `limits`: its body budget and per-client rate limits.
pub fn router_limited(ledger: Arc<Ledger>, witnessing: Option<Arc<Witnessing>>, limits: &Limits) -> Router {
    let (never, stopping) = watch::channel(false);
    router_stopping(ledger, witnessing, limits, false, stopping, Some(never))
}

/// [`router_limited`], whose live streams end when `stopping` turns true (or its sender is
/// dropped), so that a graceful shutdown does not wait for them. `keep` holds a sender that never
/// sends, for a router with no shutdown of its own. `https` says the server speaks TLS, so that the
/// session cookie is marked `Secure`.
fn router_stopping(
    ledger: Arc<Ledger>,
    witnessing: Option<Arc<Witnessing>>,
    limits: &Limits,
    https: bool,
    stopping: watch::Receiver<bool>,
    keep: Option<watch::Sender<bool>>,
) -> Router {
    let guard = Arc::new(Guard {
        stopping,
        _keep: keep,
        bodies: BodyBudget::new(limits),
        sync_by_address: RateLimiter::new(limits.sync_per_address),
        sync_by_wallet: RateLimiter::new(limits.sync_per_wallet),
        officer_by_address: RateLimiter::new(limits.officer_per_address),
        sessions: Mutex::new(HashMap::new()),
        https,
    });
    let state = AppState { ledger, witnessing, guard };

    let officer = Router::new()
        .route("/members", post(enrol).get(members))
        .route("/members/{member_id}", get(member))
        .route("/members/{member_id}/credit", post(credit))
        .route("/members/{member_id}/purse-limit", put(set_purse_limit))
        .route("/members/{member_id}/purses", get(purses))
        .route("/members/{member_id}/revoke-device", post(revoke_device))
        .route("/members/{member_id}/replace-device", post(replace_device))
        .route("/purses/{purse_id}/revoke", post(revoke_purse))
        .route("/flags", get(flags))
        .route("/audit", get(audit))
        .route("/invariants", get(invariants))
        .route("/officers", get(officers).post(enrol_officer))
        .route("/officers/{public_key}", delete(remove_officer))
        .route("/pending", get(pending))
        .route("/pending/{id}/approve", post(approve))
        .route("/pending/{id}/decline", post(decline))
        .route("/passkeys", post(link_passkey).get(my_passkeys))
        .route("/session", post(open_session).get(session_officer).delete(close_session))
        .route("/log", get(log))
        .route("/events", get(events))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_officer))
        .route_layer(middleware::from_fn_with_state(state.clone(), limit_officer_address));

    Router::new()
        .route(
            "/v1/sync",
            post(sync)
                .layer(DefaultBodyLimit::max(MAX_SYNC_BYTES))
                .layer(middleware::from_fn_with_state(state.clone(), limit_sync_address)),
        )
        .route("/v1/ledger", get(ledger_info))
        .route("/checkpoint", get(checkpoint_note))
        .route("/v1/checkpoint", get(checkpoint))
        .route("/v1/checkpoint/consistency", get(consistency))
        .nest("/v1/officer", officer)
        .route("/console", get(|| async { console::asset("") }))
        .route("/console/", get(|| async { console::asset("") }))
        .route("/console/{file}", get(|Path(file): Path<String>| async move { console::asset(&file) }))
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .layer(middleware::from_fn(refuse_long_head))
        .layer(middleware::from_fn(close_after_refused_body))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then finishes the requests under
/// way and returns. Meanwhile a background task runs [`Ledger::sweep`] every [`SWEEP_EVERY`]; it
/// stops with the server.
pub async fn serve(
    listener: tokio::net::TcpListener,
    ledger: Arc<Ledger>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_witnessed(listener, ledger, None, shutdown).await
}

/// How a server meets the network: its [`Limits`] and, for HTTPS, a TLS acceptor
/// ([`crate::http::tls::acceptor`]).
#[derive(Clone, Default)]
pub struct Network {
    pub limits: Limits,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

/// [`serve`], and with `witnessing` its background task ([`witnessing::run`] every
/// [`witnessing::WITNESS_EVERY`] and after each sync), stopped with the server.
pub async fn serve_witnessed(
    listener: tokio::net::TcpListener,
    ledger: Arc<Ledger>,
    witnessing: Option<Arc<Witnessing>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_on(listener, ledger, witnessing, Network::default(), shutdown).await
}

/// [`serve_witnessed`] under `network`'s limits, over HTTPS when it has a TLS acceptor.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    ledger: Arc<Ledger>,
    witnessing: Option<Arc<Witnessing>>,
    network: Network,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Dropped or set when the server stops, whichever way it stops: either ends the sweeper.
    let (stopping, stop) = watch::channel(false);
    let witnesser =
        witnessing.clone().map(|w| tokio::spawn(witnessing::run(w, witnessing::WITNESS_EVERY, stop.clone())));
    let sweeper = tokio::spawn(sweep_periodically(Arc::clone(&ledger), stop.clone()));
    let app = router_stopping(ledger, witnessing, &network.limits, network.tls.is_some(), stop, None);
    let served = listener::serve(listener, app, &network.limits, network.tls, async move {
        shutdown.await;
        tracing::info!("shutting down: finishing the requests under way");
        let _ = stopping.send(true);
    })
    .await;
    if let Err(e) = sweeper.await {
        tracing::error!(error = %e, "the sweep task failed");
    }
    if let Some(Err(e)) = match witnesser {
        Some(task) => Some(task.await),
        None => None,
    } {
        tracing::error!(error = %e, "the witnessing task failed");
    }
    served
}

async fn sweep_periodically(ledger: Arc<Ledger>, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(SWEEP_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => return,
            _ = ticks.tick() => {}
        }
        let ledger = Arc::clone(&ledger);
        match tokio::task::spawn_blocking(move || ledger.sweep()).await {
            Ok(Ok(0)) => {}
            Ok(Ok(finished)) => tracing::info!(purses = finished, "returned what expired purses held"),
            Ok(Err(e)) => tracing::error!(error = %e, "sweep failed"),
            Err(e) => tracing::error!(error = %e, "sweep task failed"),
        }
    }
}

#[derive(Clone)]
struct AppState {
    ledger: Arc<Ledger>,
    witnessing: Option<Arc<Witnessing>>,
    guard: Arc<Guard>,
}

/// What one client may take of the server: its rate limits and the shared body budget.
struct Guard {
    bodies: BodyBudget,
    sync_by_address: RateLimiter<IpAddr>,
    sync_by_wallet: RateLimiter<[u8; 32]>,
    officer_by_address: RateLimiter<IpAddr>,
    /// Console sessions by token: who opened it and until when. In memory: a restart signs
    /// every officer out.
    sessions: Mutex<HashMap<[u8; 32], (Authenticated, Instant)>>,
    /// Whether the server speaks TLS: the session cookie is then `Secure` ([`session_cookie`]).
    https: bool,
    /// Turns true when the server stops: the live streams end.
    stopping: watch::Receiver<bool>,
    _keep: Option<watch::Sender<bool>>,
}

/// A request URI longer than this is refused with 414 (hyper's own limit, far above, would answer
/// without the API's error shape).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Request headers together longer than this are refused with 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// A refused or failed request: the status and the words for the body's `error` field.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
    /// Seconds for `Retry-After` (429 and 503).
    retry_after: Option<u64>,
    /// What the request log says beyond `message`: the ledger's own fault, not told to callers.
    fault: Option<String>,
}

/// The reason a response was refused, for the request log.
#[derive(Clone)]
struct Refusal(String);

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), retry_after: None, fault: None }
    }

    fn too_many(what: &'static str, wait: Duration) -> Self {
        HttpRefusal::TooMany { what, secs: retry_after_secs(wait) }.into()
    }

    fn body(err: BodyError, what: &'static str, max: usize) -> Self {
        match err {
            BodyError::TooLarge => Self::too_large(what, max),
            BodyError::TooSlow(limit) => HttpRefusal::TooSlow { what, secs: limit.as_secs() }.into(),
            BodyError::Busy => HttpRefusal::Busy { secs: 5 }.into(),
            BodyError::Cut(detail) => HttpRefusal::Cut { what, detail }.into(),
        }
    }

    /// The ledger's own fault: the caller is told nothing was done, the request log what failed.
    fn internal(detail: impl std::fmt::Display) -> Self {
        Self { fault: Some(detail.to_string()), ..HttpRefusal::LedgerFault.into() }
    }

    fn too_large(what: &'static str, max: usize) -> Self {
        HttpRefusal::TooLarge { what, max }.into()
    }
}

impl From<HttpRefusal> for ApiError {
    fn from(refusal: HttpRefusal) -> Self {
        Self { retry_after: refusal.retry_after(), ..Self::new(refusal.status(), refusal.to_string()) }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, Json(serde_json::json!({ "error": self.message.as_str() }))).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        let logged = match self.fault {
            Some(fault) => format!("{} ({fault})", self.message),
            None => self.message,
        };
        response.extensions_mut().insert(Refusal(logged));
        response
    }
}

/// The one mapping from a ledger error to an HTTP status and message, in the error's own words
/// (`docs/messages.md`, "At the ledger"). The ledger's own faults are 500s: officers read what
/// failed and what to do about it; the public sync endpoint does not say ([`sync`]).
fn refusal(err: &LedgerError) -> (StatusCode, String) {
    use LedgerError::*;
    let status = match err {
        UnknownMember { .. } | UnknownPurse { .. } | UnknownWallet => StatusCode::NOT_FOUND,
        AlreadyEnrolled { .. } | WalletAlreadyEnrolled { .. } | RequestIdReused | SyncBehind { .. } => {
            StatusCode::CONFLICT
        }
        WalletBlocked { .. } => StatusCode::FORBIDDEN,
        // The ledger will not sign until an officer acts; the caller can only wait (docs/adr/0011).
        Equivocation { .. } => StatusCode::SERVICE_UNAVAILABLE,
        NothingToRecover { .. } => StatusCode::CONFLICT,
        BadRequestSignature => StatusCode::UNAUTHORIZED,
        OfficerRefused(refusal) => StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST),
        AlreadyFounded => StatusCode::CONFLICT,
        Qr(_)
        | Protocol(_)
        | Money(_)
        | ZeroCredit
        | MemoTooLong { .. }
        | BadText { .. }
        | BeyondLog { .. }
        | WrongCurrency { .. }
        | EnrolmentForAnotherMember { .. } => StatusCode::BAD_REQUEST,
        Database(_)
        | Inconsistent { .. }
        | KeyFile { .. }
        | KeyMismatch { .. }
        | NewerSchema { .. }
        | CheckpointFile { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, err.to_string())
}

impl From<LedgerError> for ApiError {
    fn from(err: LedgerError) -> Self {
        let (status, message) = refusal(&err);
        Self::new(status, message)
    }
}

/// Runs a ledger call on the blocking pool.
async fn on_ledger<T, E>(
    state: &AppState,
    call: impl FnOnce(&Ledger) -> Result<T, E> + Send + 'static,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
{
    let ledger = Arc::clone(&state.ledger);
    match tokio::task::spawn_blocking(move || call(&ledger)).await {
        Ok(result) => result.map_err(Into::into),
        Err(e) => Err(ApiError::internal(format!("the ledger call did not finish: {e}"))),
    }
}

/// Refuses a body whose declared length is already over `max`, before reading any of it.
fn refuse_declared_length(headers: &HeaderMap, what: &'static str, max: usize) -> Result<(), ApiError> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    match declared {
        Some(len) if len > max as u64 => Err(ApiError::too_large(what, max)),
        _ => Ok(()),
    }
}

/// The Content-Length a request declares, if it declares one that parses.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
}

/// An officer's JSON body, refused in the API's error shape: 413 above [`MAX_JSON_BYTES`], 415
/// without a JSON content type, 408 when it does not arrive in time, 400 for malformed JSON, 422
/// for missing, unknown or mistyped fields.
struct JsonBody<T>(T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        const WHAT: &str = "the JSON body";
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
            .is_some_and(|essence| essence == "application/json" || essence.ends_with("+json"));
        if !is_json {
            return Err(HttpRefusal::NotJson.into());
        }
        refuse_declared_length(req.headers(), WHAT, MAX_JSON_BYTES)?;
        let declared = declared_length(req.headers());
        let bytes = state
            .guard
            .bodies
            .read(req.into_body(), declared, MAX_JSON_BYTES)
            .await
            .map_err(|e| ApiError::body(e, WHAT, MAX_JSON_BYTES))?;
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(value)) => Ok(Self(value)),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(HttpRefusal::JsonFields { detail: inner_text(&e) }.into())
            }
            Err(JsonRejection::JsonSyntaxError(e)) => {
                Err(HttpRefusal::JsonSyntax { detail: inner_text(&e) }.into())
            }
            Err(e) => Err(HttpRefusal::JsonRefused { detail: inner_text(&e) }.into()),
        }
    }
}

/// The innermost cause of an extractor's rejection, without axum's own framing words.
fn inner_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The raw bytes of a sync request: `application/octet-stream`, at most [`MAX_SYNC_BYTES`].
struct SyncBody(Bytes);

impl FromRequest<AppState> for SyncBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        const WHAT: &str = "a sync request";
        let essence = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
        if essence.as_deref() != Some(OCTET_STREAM) {
            return Err(HttpRefusal::NotOctetStream.into());
        }
        refuse_declared_length(req.headers(), WHAT, MAX_SYNC_BYTES)?;
        let declared = declared_length(req.headers());
        let bytes = state
            .guard
            .bodies
            .read(req.into_body(), declared, MAX_SYNC_BYTES)
            .await
            .map_err(|e| ApiError::body(e, WHAT, MAX_SYNC_BYTES))?;
        Ok(Self(bytes))
    }
}

/// A path parameter, refused in the API's error shape.
struct PathParam<T>(T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(e) => {
                Err(HttpRefusal::BadPath { path: parts.uri.path().to_owned(), detail: inner_text(&e) }.into())
            }
        }
    }
}

/// A query string, refused in the API's error shape.
struct QueryParams<T>(T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(e) => Err(HttpRefusal::BadQuery {
                query: parts.uri.query().unwrap_or_default().to_owned(),
                path: parts.uri.path().to_owned(),
                detail: inner_text(&e),
            }
            .into()),
        }
    }
}

/// Too long a URI or too many header bytes, answered in the API's error shape (hyper's own
/// limits sit above these and answer without a body).
async fn refuse_long_head(request: Request, next: Next) -> Response {
    let uri_len = request.uri().to_string().len();
    if uri_len > MAX_URI_BYTES {
        return ApiError::from(HttpRefusal::UriTooLong { len: uri_len, max: MAX_URI_BYTES }).into_response();
    }
    let header_bytes: usize =
        request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return ApiError::from(HttpRefusal::HeadersTooLarge { len: header_bytes, max: MAX_HEADER_BYTES })
            .into_response();
    }
    next.run(request).await
}

fn client_ip(request: &Request) -> Option<IpAddr> {
    request.extensions().get::<ClientAddr>().map(|ClientAddr(ip)| *ip)
}

/// Syncs from one address, counted before the body is read.
async fn limit_sync_address(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(ip) = client_ip(&request)
        && let Err(wait) = state.guard.sync_by_address.check(&ip)
    {
        return ApiError::too_many("syncs from this address", wait).into_response();
    }
    next.run(request).await
}

/// Officer requests from one address, counted before the signature is checked.
async fn limit_officer_address(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(ip) = client_ip(&request)
        && let Err(wait) = state.guard.officer_by_address.check(&ip)
    {
        return ApiError::too_many("officer requests from this address", wait).into_response();
    }
    next.run(request).await
}

/// Authenticates an officer request before its handler runs ([`Ledger::authenticate`]) and
/// hands the handler who signed it. The body is read here (it is hashed into the signature) and
/// put back for the handler.
async fn require_officer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let refuse = |refusal: HttpRefusal| ApiError::from(refusal).into_response();
    if let Err(refused) = refuse_declared_length(&parts.headers, "the JSON body", MAX_JSON_BYTES) {
        return refused.into_response();
    }
    let Some(header) = parts.headers.get(officer::HEADER).map(|v| v.to_str().map(str::to_owned)) else {
        if parts.method == Method::GET
            && let Some(officer) = session_of(&state, &parts.headers).await
        {
            parts.extensions.insert(officer);
            return next.run(Request::from_parts(parts, body)).await;
        }
        return refuse(HttpRefusal::NoOfficerSignature { header: officer::HEADER });
    };
    let Ok(header) = header else {
        return refuse(HttpRefusal::HeaderNotText { header: officer::HEADER });
    };
    let body = match axum::body::to_bytes(body, MAX_JSON_BYTES).await {
        Ok(body) => body,
        Err(_) => return ApiError::too_large("the JSON body", MAX_JSON_BYTES).into_response(),
    };
    // Nested under /v1/officer, the router sees the path without it; the officer signed it all.
    let path = match parts.uri.query() {
        Some(query) => format!("/v1/officer{}?{query}", parts.uri.path()),
        None => format!("/v1/officer{}", parts.uri.path()),
    };
    let method = parts.method.to_string();
    let signed_body = body.clone();
    match on_ledger(&state, move |ledger| ledger.authenticate(&header, &method, &path, &signed_body)).await {
        Ok(officer) => {
            parts.extensions.insert(officer);
            next.run(Request::from_parts(parts, axum::body::Body::from(body))).await
        }
        Err(refused) => refused.into_response(),
    }
}

async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_millis() as u64;
    match response.extensions().get::<Refusal>() {
        Some(Refusal(reason)) if response.status().is_server_error() => {
            tracing::error!(%method, %path, status, ms, %reason, "request failed")
        }
        Some(Refusal(reason)) => tracing::warn!(%method, %path, status, ms, %reason, "request refused"),
        None => tracing::info!(%method, %path, status, ms, "request handled"),
    }
    response
}

/// A refusal may leave the request body unread (a refused officer signature, a body too long or of the wrong
/// type), and then the connection cannot carry another request: hyper closes it. Saying so in the
/// response stops the client from sending its next request down a connection about to close.
async fn close_after_refused_body(request: Request, next: Next) -> Response {
    let has_body = request.headers().contains_key(header::TRANSFER_ENCODING)
        || request
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|len| len.to_str().map_or(true, |len| len.trim() != "0"));
    let mut response = next.run(request).await;
    if has_body && (response.status().is_client_error() || response.status().is_server_error()) {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    HttpRefusal::UnknownEndpoint { method: method.to_string(), path: uri.path().to_owned() }.into()
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    HttpRefusal::WrongMethod { method: method.to_string(), path: uri.path().to_owned() }.into()
}

fn bytes_response(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, OCTET_STREAM)], bytes).into_response()
}

// ---- Public endpoints ----

async fn sync(State(state): State<AppState>, SyncBody(request): SyncBody) -> Result<Response, ApiError> {
    let guard = Arc::clone(&state.guard);
    let response = on_ledger(&state, move |ledger| {
        // Counted per wallet once the wallet's signature shows the request is its own: a
        // stranger cannot spend a member's allowance by sending requests in its name.
        if let Ok(parsed) = SyncRequest::from_bytes(&request)
            && parsed.verify().is_ok()
            && let Err(wait) = guard.sync_by_wallet.check(&parsed.body().wallet_key)
        {
            return Err(ApiError::too_many("syncs from this wallet", wait));
        }
        ledger.sync(&request).map_err(ApiError::from)
    })
    .await
    .map_err(|e| {
        // The sync endpoint is public: the ledger's own faults are logged, not described.
        if e.status == StatusCode::INTERNAL_SERVER_ERROR {
            ApiError { fault: e.fault.or(Some(e.message)), ..HttpRefusal::SyncFault.into() }
        } else {
            e
        }
    })?;
    if let Some(witnessing) = &state.witnessing {
        witnessing.poke();
    }
    Ok(bytes_response(response))
}

async fn ledger_info(State(state): State<AppState>) -> Json<LedgerInfoJson> {
    let currency = state.ledger.currency();
    Json(LedgerInfoJson {
        public_key: hex::encode(&state.ledger.public_key()),
        currency: currency.code().to_owned(),
        exponent: currency.exponent(),
    })
}

async fn checkpoint(State(state): State<AppState>) -> Result<Json<CheckpointJson>, ApiError> {
    let checkpoint = on_ledger(&state, |ledger| ledger.checkpoint()).await?;
    Ok(Json(CheckpointJson::from(&checkpoint)))
}

/// The checkpoint where C2SP `tlog-tiles` logs serve theirs, in the signed-note text that
/// standard tools check (docs/adr/0012).
async fn checkpoint_note(State(state): State<AppState>) -> Result<Response, ApiError> {
    let ledger_key = state.ledger.public_key();
    let note = match state.witnessing.as_ref().and_then(|w| w.latest()) {
        Some(witnessed) => witnessed.to_note(&ledger_key),
        None => on_ledger(&state, |ledger| ledger.checkpoint()).await?.to_note(&ledger_key),
    };
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    from: u64,
}

#[derive(Serialize)]
struct ConsistencyJson {
    from: u64,
    to: u64,
    proof: Vec<String>,
    checkpoint: String,
}

async fn consistency(
    State(state): State<AppState>,
    QueryParams(ConsistencyQuery { from }): QueryParams<ConsistencyQuery>,
) -> Result<Json<ConsistencyJson>, ApiError> {
    let (checkpoint, proof) = on_ledger(&state, move |ledger| ledger.consistency(from)).await?;
    Ok(Json(ConsistencyJson {
        from,
        to: checkpoint.size,
        proof: proof.iter().map(|hash| hex::encode(hash)).collect(),
        checkpoint: hex::encode(&checkpoint.to_bytes()),
    }))
}

// ---- Officer endpoints ----

impl From<Member> for MemberJson {
    fn from(member: Member) -> Self {
        Self {
            wallet_fingerprint: member.wallet.fingerprint(),
            wallet_key: hex::encode(&member.wallet.signing_key),
            member_id: member.member_id,
            balance_minor: member.balance_minor,
            in_purses_minor: member.in_purses_minor,
            purse_limit_minor: member.purse_limit_minor,
            flagged: member.flagged,
            enrolled_at: member.enrolled_at,
        }
    }
}

async fn enrol(
    State(state): State<AppState>,
    JsonBody(EnrolmentBody { enrolment_qr }): JsonBody<EnrolmentBody>,
) -> Result<(StatusCode, Json<MemberJson>), ApiError> {
    let member = on_ledger(&state, move |ledger| ledger.enrol(&enrolment_qr)).await?;
    Ok((StatusCode::CREATED, Json(member.into())))
}

async fn members(State(state): State<AppState>) -> Result<Json<Vec<MemberJson>>, ApiError> {
    let members = on_ledger(&state, |ledger| ledger.members()).await?;
    Ok(Json(members.into_iter().map(MemberJson::from).collect()))
}

async fn member(
    State(state): State<AppState>,
    PathParam(member_id): PathParam<String>,
) -> Result<Json<MemberJson>, ApiError> {
    let member = on_ledger(&state, move |ledger| ledger.member(&member_id)).await?;
    Ok(Json(member.into()))
}

/// An act made: stored until another officer approves it (202, with the pending request).
async fn submit(
    state: &AppState,
    maker: Authenticated,
    act: Act,
) -> Result<(StatusCode, Json<PendingJson>), ApiError> {
    let pending = on_ledger(state, move |ledger| ledger.submit(&maker, act)).await?;
    Ok((StatusCode::ACCEPTED, Json(pending.into())))
}

async fn credit(
    State(state): State<AppState>,
    Extension(maker): Extension<Authenticated>,
    PathParam(member_id): PathParam<String>,
    JsonBody(CreditBody { amount_minor, memo, batch }): JsonBody<CreditBody>,
) -> Result<(StatusCode, Json<PendingJson>), ApiError> {
    submit(&state, maker, Act::Credit { member_id, amount_minor, memo, batch }).await
}

async fn set_purse_limit(
    State(state): State<AppState>,
    Extension(maker): Extension<Authenticated>,
    PathParam(member_id): PathParam<String>,
    JsonBody(PurseLimitBody { limit_minor }): JsonBody<PurseLimitBody>,
) -> Result<(StatusCode, Json<PendingJson>), ApiError> {
    submit(&state, maker, Act::SetPurseLimit { member_id, limit_minor }).await
}

impl From<PurseInfo> for PurseJson {
    fn from(purse: PurseInfo) -> Self {
        Self {
            purse_id: hex::encode(&purse.purse_id),
            member_id: purse.member_id,
            serial: purse.serial,
            amount_minor: purse.amount_minor,
            outstanding_minor: purse.outstanding_minor,
            state: purse.state,
            expires_at: purse.expires_at,
        }
    }
}

async fn purses(
    State(state): State<AppState>,
    PathParam(member_id): PathParam<String>,
) -> Result<Json<Vec<PurseJson>>, ApiError> {
    let purses = on_ledger(&state, move |ledger| ledger.purses(&member_id)).await?;
    Ok(Json(purses.into_iter().map(PurseJson::from).collect()))
}

async fn revoke_device(
    State(state): State<AppState>,
    Extension(maker): Extension<Authenticated>,
    PathParam(member_id): PathParam<String>,
    JsonBody(RevocationBody { reason }): JsonBody<RevocationBody>,
) -> Result<(StatusCode, Json<PendingJson>), ApiError> {
    submit(&state, maker, Act::RevokeDevice { member_id, reason }).await
}

async fn replace_device(
    State(state): State<AppState>,
    Extension(maker): Extension<Authenticated>,
    PathParam(member_id): PathParam<String>,
    JsonBody(EnrolmentBody { enrolment_qr }): JsonBody<EnrolmentBody>,
) -> Result<(StatusCode, Json<PendingJson>), ApiError> {
    submit(&state, maker, Act::ReplaceDevice { member_id, enrolment_qr }).await
}

async fn revoke_purse(
    State(state): State<AppState>,
    Extension(maker): Extension<Authenticated>,
    PathParam(purse_id): PathParam<String>,
    JsonBody(RevocationBody { reason }): JsonBody<RevocationBody>,
) -> Result<(StatusCode, Json<PendingJson>), ApiError> {
    let purse_id = hex::encode(&parse_purse_id(&purse_id)?);
    submit(&state, maker, Act::RevokePurse { purse_id, reason }).await
}

fn parse_purse_id(text: &str) -> Result<MessageId, ApiError> {
    parse_hex_id(text, "a purse id")
}

fn parse_hex_id(text: &str, what: &'static str) -> Result<[u8; 32], ApiError> {
    hex::decode_array(text)
        .ok()
        .ok_or_else(|| HttpRefusal::BadHexId { what, chars: text.chars().count() }.into())
}

// ---- Officers and the acts waiting for their approval ----

impl From<Officer> for OfficerJson {
    fn from(officer: Officer) -> Self {
        Self {
            public_key: hex::encode(&officer.public_key),
            name: officer.name,
            enrolled_at: officer.enrolled_at,
        }
    }
}

impl From<Pending> for PendingJson {
    fn from(pending: Pending) -> Self {
        Self {
            pending_id: hex::encode(&pending.id),
            act: pending.act.describe(),
            request: pending.act,
            maker: pending.maker.into(),
            approvers: pending.approvers.into_iter().map(OfficerJson::from).collect(),
            approvals_needed: pending.approvals_needed,
            created_at: pending.created_at,
            expires_at: pending.expires_at,
        }
    }
}

async fn officers(State(state): State<AppState>) -> Result<Json<Vec<OfficerJson>>, ApiError> {
    let officers = on_ledger(&state, |ledger| ledger.officers()).await?;
    Ok(Json(officers.into_iter().map(OfficerJson::from).collect()))
}

async fn enrol_officer(
    State(state): State<AppState>,
    Extension(maker): Extension<Authenticated>,
    JsonBody(OfficerEnrolmentBody { enrolment }): JsonBody<OfficerEnrolmentBody>,
) -> Result<(StatusCode, Json<PendingJson>), ApiError> {
    submit(&state, maker, Act::EnrolOfficer { enrolment }).await
}

async fn remove_officer(
    State(state): State<AppState>,
    Extension(maker): Extension<Authenticated>,
    PathParam(public_key): PathParam<String>,
) -> Result<(StatusCode, Json<PendingJson>), ApiError> {
    let public_key = hex::encode(&parse_hex_id(&public_key, "an officer key")?);
    submit(&state, maker, Act::RemoveOfficer { public_key }).await
}

async fn pending(State(state): State<AppState>) -> Result<Json<Vec<PendingJson>>, ApiError> {
    let pending = on_ledger(&state, |ledger| ledger.pending()).await?;
    Ok(Json(pending.into_iter().map(PendingJson::from).collect()))
}

/// 200 with the act's result once it executed; 202 with the pending request while it still
/// waits for approvals.
async fn approve(
    State(state): State<AppState>,
    Extension(approver): Extension<Authenticated>,
    PathParam(id): PathParam<String>,
) -> Result<Response, ApiError> {
    let id = parse_hex_id(&id, "a pending request id")?;
    let approved = on_ledger(&state, move |ledger| ledger.approve(&approver, &id)).await?;
    Ok(match approved {
        Approved::Waiting(pending) => {
            (StatusCode::ACCEPTED, Json(PendingJson::from(pending))).into_response()
        }
        Approved::Executed(outcome) => Json(ActResultJson::from(outcome)).into_response(),
    })
}

impl From<Outcome> for ActResultJson {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Credited { balance_minor } => Self::Credited { balance_minor },
            Outcome::Member(member) => Self::Member(member.into()),
            Outcome::RevokedPurses(ids) => {
                Self::RevokedPurses { revoked_purses: ids.iter().map(|id| hex::encode(id)).collect() }
            }
            Outcome::RevokedPurse(id) => Self::RevokedPurse { revoked_purse: hex::encode(&id) },
            Outcome::OfficerEnrolled(officer) => Self::OfficerEnrolled(officer.into()),
            Outcome::OfficerRemoved(key) => Self::OfficerRemoved { removed_officer: hex::encode(&key) },
        }
    }
}

async fn decline(
    State(state): State<AppState>,
    Extension(officer): Extension<Authenticated>,
    PathParam(id): PathParam<String>,
) -> Result<Json<PendingJson>, ApiError> {
    let id = parse_hex_id(&id, "a pending request id")?;
    let pending = on_ledger(&state, move |ledger| ledger.decline(&officer, &id)).await?;
    Ok(Json(pending.into()))
}

impl From<risk::Flag> for FlagJson {
    fn from(flag: risk::Flag) -> Self {
        Self {
            code: flag.reason.code().to_owned(),
            evidence: flag.evidence.iter().map(|id| hex::encode(id)).collect(),
            member_id: flag.member_id,
            score: flag.score,
            at: flag.at,
            seq: flag.seq,
            detail: flag.detail,
        }
    }
}

async fn flags(State(state): State<AppState>) -> Result<Json<Vec<FlagJson>>, ApiError> {
    let flags = on_ledger(&state, |ledger| ledger.flags()).await?;
    Ok(Json(flags.into_iter().map(FlagJson::from).collect()))
}

/// The whole log and a checkpoint over exactly it, in the export format auditors read
/// (`outpost_wallet_core::audit::decode_export`).
async fn audit(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (size, file) = on_ledger(&state, |ledger| {
        let export = ledger.export_audit()?;
        Ok::<_, LedgerError>((export.checkpoint.size, encode_export(&export.checkpoint, &export.entries)))
    })
    .await?;
    let disposition = format!("attachment; filename=\"outpost-audit-{size}.bin\"");
    let mut response = bytes_response(file);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[derive(Serialize)]
struct InvariantsJson {
    balanced: bool,
    entries: u64,
    credited_minor: i64,
    accounts_minor: i64,
    purses_minor: i64,
    flagged: Vec<String>,
}

/// 200 when the books balance and the log audits; otherwise 500 with what is wrong, because an
/// unbalanced ledger is the ledger's own fault.
async fn invariants(State(state): State<AppState>) -> Result<Json<InvariantsJson>, ApiError> {
    let report = on_ledger(&state, |ledger| ledger.check_invariants()).await?;
    Ok(Json(InvariantsJson {
        balanced: true,
        entries: report.entries,
        credited_minor: report.credited,
        accounts_minor: report.accounts,
        purses_minor: report.purses,
        flagged: report.flagged,
    }))
}

// ---- The console: passkeys, sessions, the log as JSON and its live stream (docs/adr/0021) ----

/// How long a console session lets its officer read without signing.
pub const SESSION_TTL: Duration = Duration::from_secs(15 * 60);
const SESSION_COOKIE: &str = "outpost_officer";
/// Most sessions held: an officer's console opens one at each sign-in.
const MAX_SESSIONS: usize = 1024;

impl From<crate::rules::passkeys::Passkey> for PasskeyJson {
    fn from(passkey: crate::rules::passkeys::Passkey) -> Self {
        Self {
            credential_id: data_encoding::BASE64URL_NOPAD.encode(&passkey.link.credential_id),
            public_key: hex::encode(&passkey.link.public_key),
            rp_id: passkey.link.rp_id,
            origin: passkey.link.origin,
            counter: passkey.counter,
            linked_at: passkey.linked_at,
        }
    }
}

async fn link_passkey(
    State(state): State<AppState>,
    Extension(officer): Extension<Authenticated>,
) -> Result<(StatusCode, Json<PasskeyJson>), ApiError> {
    let passkey = on_ledger(&state, move |ledger| ledger.link_passkey(&officer)).await?;
    Ok((StatusCode::CREATED, Json(passkey.into())))
}

async fn my_passkeys(
    State(state): State<AppState>,
    Extension(officer): Extension<Authenticated>,
) -> Result<Json<Vec<PasskeyJson>>, ApiError> {
    let key = officer.officer.public_key;
    let passkeys = on_ledger(&state, move |ledger| ledger.passkeys(&key)).await?;
    Ok(Json(passkeys.into_iter().map(PasskeyJson::from).collect()))
}

/// The officer whose session cookie this request carries, if it is open and they are still an
/// officer.
async fn session_of(state: &AppState, headers: &HeaderMap) -> Option<Authenticated> {
    let token =
        headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|cookies| {
            cookies.split(';').find_map(|c| c.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
        })?;
    let token: [u8; 32] = hex::decode_array(token).ok()?;
    let officer = {
        let mut sessions = state.guard.sessions.lock().unwrap_or_else(|e| e.into_inner());
        match sessions.get(&token) {
            Some((officer, until)) if *until > Instant::now() => officer.clone(),
            Some(_) => {
                sessions.remove(&token);
                return None;
            }
            None => return None,
        }
    };
    let key = officer.officer.public_key;
    let active = on_ledger(state, move |ledger| ledger.officers()).await.ok()?;
    active.iter().any(|o| o.public_key == key).then_some(officer)
}

/// The `Set-Cookie` value of a session token (`""` and no age to end it). Under TLS it is
/// `Secure`: the browser then never sends it over plain HTTP, where anyone on the path could take
/// it. A ledger on plain HTTP (the loopback demo, a test) leaves it off: browsers refuse a
/// `Secure` cookie set over plain HTTP by any host but `localhost`, so the console reached that
/// way could hold no session, and the traffic it would protect is the machine's own, or already
/// open to whoever watches the path.
fn session_cookie(token: &str, max_age: u64, https: bool) -> String {
    let secure = if https { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/v1/officer; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    )
}

#[derive(Serialize)]
struct SessionJson {
    officer: OfficerJson,
    expires_in: u64,
}

/// Opens a console session for the officer who signed this request (a passkey, in the console).
async fn open_session(
    State(state): State<AppState>,
    Extension(officer): Extension<Authenticated>,
) -> Result<Response, ApiError> {
    let mut token = [0u8; 32];
    getrandom::fill(&mut token).map_err(ApiError::internal)?;
    {
        let mut sessions = state.guard.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        sessions.retain(|_, (_, until)| *until > now);
        if sessions.len() >= MAX_SESSIONS {
            return Err(HttpRefusal::TooManySessions.into());
        }
        sessions.insert(token, (officer.clone(), now + SESSION_TTL));
    }
    let cookie = session_cookie(&hex::encode(&token), SESSION_TTL.as_secs(), state.guard.https);
    let mut response =
        Json(SessionJson { officer: officer.officer.into(), expires_in: SESSION_TTL.as_secs() })
            .into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(ApiError::internal)?);
    Ok(response)
}

/// Who this session (or signed read) is: the console asks when the page is reloaded.
async fn session_officer(Extension(officer): Extension<Authenticated>) -> Json<OfficerJson> {
    Json(officer.officer.into())
}

async fn close_session(
    State(state): State<AppState>,
    Extension(officer): Extension<Authenticated>,
) -> Response {
    let key = officer.officer.public_key;
    state
        .guard
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|_, (o, _)| o.officer.public_key != key);
    let cookie = session_cookie("", 0, state.guard.https);
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// An audit entry as the console reads it: the words, the money moved and, for entries about
/// transfers (a settlement, both transfers of a double spend), the transfers decoded.
#[derive(Serialize)]
struct EntryJson {
    seq: u64,
    at: u64,
    device_time: u64,
    kind: String,
    member_id: String,
    subject: String,
    detail: String,
    moves: Vec<MoveJson>,
    transfers: Vec<TransferJson>,
}

#[derive(Serialize)]
struct MoveJson {
    account: String,
    delta_minor: i64,
}

#[derive(Serialize)]
struct TransferJson {
    transfer_id: String,
    purse_id: String,
    sender: String,
    seq: u32,
    amount_minor: u64,
    spent_after_minor: u64,
    receiver_key: String,
    device_time: u64,
    memo: String,
}

impl From<&outpost_wallet_core::audit::AuditEntry> for EntryJson {
    fn from(entry: &outpost_wallet_core::audit::AuditEntry) -> Self {
        use outpost_wallet_core::audit::{Account, EntryKind};
        use outpost_wallet_core::protocol::Transfer;
        let about_transfers = matches!(
            entry.kind,
            EntryKind::TransferHeld
                | EntryKind::Settled
                | EntryKind::DoubleSpend
                | EntryKind::LostDeviceSpend
                | EntryKind::Complicit
                | EntryKind::LateSpend
        );
        let transfers = if about_transfers {
            entry
                .evidence
                .iter()
                .filter_map(|bytes| Transfer::from_bytes(bytes).ok())
                .map(|t| TransferJson {
                    transfer_id: hex::encode(&t.id()),
                    purse_id: hex::encode(&t.certificate().purse_id()),
                    sender: t.certificate().terms().member_id.clone(),
                    seq: t.terms().seq,
                    amount_minor: t.terms().amount,
                    spent_after_minor: t.terms().spent_after,
                    receiver_key: hex::encode(&t.terms().receiver_key),
                    device_time: t.terms().time,
                    memo: t.terms().memo.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        Self {
            seq: entry.seq,
            at: entry.at,
            device_time: entry.device_time,
            kind: format!("{:?}", entry.kind),
            member_id: entry.member_id.clone(),
            subject: hex::encode(&entry.subject),
            detail: entry.detail.clone(),
            moves: entry
                .moves
                .iter()
                .map(|m| MoveJson {
                    account: match &m.account {
                        Account::Outside => "outside".into(),
                        Account::Member(id) => format!("member:{id}"),
                        Account::Purse(id) => format!("purse:{}", hex::encode(id)),
                        Account::Loss => "loss".into(),
                    },
                    delta_minor: m.delta,
                })
                .collect(),
            transfers,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    #[serde(default)]
    from: u64,
    #[serde(default)]
    limit: Option<u32>,
    /// Only the entries about this member.
    #[serde(default)]
    member: Option<String>,
}

/// Most entries one `/log` answer carries.
const MAX_LOG_PAGE: u32 = 1000;

/// The audit log from entry `from`, as JSON: `GET /v1/officer/log?from=0&limit=100&member=AIKO-0001`.
async fn log(
    State(state): State<AppState>,
    QueryParams(LogQuery { from, limit, member }): QueryParams<LogQuery>,
) -> Result<Json<Vec<EntryJson>>, ApiError> {
    let limit = limit.unwrap_or(MAX_LOG_PAGE).min(MAX_LOG_PAGE);
    let entries = on_ledger(&state, move |ledger| ledger.audit_entries(from, limit)).await?;
    Ok(Json(
        entries
            .iter()
            .filter(|e| member.as_deref().is_none_or(|m| e.member_id == m))
            .map(EntryJson::from)
            .collect(),
    ))
}

/// How often the live stream looks for new entries.
const EVENTS_EVERY: Duration = Duration::from_millis(200);

/// The audit log as it grows, as server-sent events (one `entry` event per entry, its id the
/// entry's seq): from `Last-Event-ID` + 1 when the browser reconnects, else from the end.
///
/// The stream ends when its officer is no longer one: checked before each batch is sent, and an
/// officer's removal is itself an entry, so a removed officer sees nothing after it.
async fn events(
    State(state): State<AppState>,
    Extension(officer): Extension<Authenticated>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|seq| seq + 1);
    let next = match resume {
        Some(next) => next,
        None => on_ledger(&state, |ledger| ledger.audit_root().map(|(size, _)| size)).await?,
    };
    let stop = state.guard.stopping.clone();
    let ledger = Arc::clone(&state.ledger);
    let key = officer.officer.public_key;
    let stream =
        futures_util::stream::unfold((ledger, next, stop), move |(ledger, next, mut stop)| async move {
            loop {
                if *stop.borrow() {
                    return None;
                }
                let reader = Arc::clone(&ledger);
                let entries = tokio::task::spawn_blocking(move || {
                    let entries = reader.audit_entries(next, 100)?;
                    if !entries.is_empty() && !reader.officers()?.iter().any(|o| o.public_key == key) {
                        return Ok(None);
                    }
                    Ok::<_, LedgerError>(Some(entries))
                })
                .await;
                match entries {
                    Ok(Ok(Some(entries))) if !entries.is_empty() => {
                        let after = entries.last().map_or(next, |e| e.seq + 1);
                        let events: Vec<Result<Event, std::convert::Infallible>> = entries
                            .iter()
                            .filter_map(|e| {
                                Event::default()
                                    .event("entry")
                                    .id(e.seq.to_string())
                                    .json_data(EntryJson::from(e))
                                    .ok()
                            })
                            .map(Ok)
                            .collect();
                        return Some((futures_util::stream::iter(events), (ledger, after, stop)));
                    }
                    Ok(Ok(Some(_))) => {}
                    _ => return None,
                }
                tokio::select! {
                    _ = tokio::time::sleep(EVENTS_EVERY) => {}
                    _ = stop.changed() => return None,
                }
            }
        });
    let stream = futures_util::StreamExt::flatten(stream);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}
