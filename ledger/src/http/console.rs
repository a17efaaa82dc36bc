//! The finance officers' web console (docs/adr/0021): plain HTML, CSS and JavaScript compiled
//! into the binary, served at `/console` by the ledger itself. No build step, no outside fetch.
//!
//! Every asset goes out with a Content-Security-Policy that allows only this origin's own
//! script, style and connections (no inline script, no `eval`, no frames, no form posts
//! elsewhere), `nosniff`, no referrer and no caching of stale code. What the console may do is
//! the officer API's to decide: the page holds no secret, every state-changing request it sends
//! carries a passkey's signature, and reads ride on a session opened by one.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The console's one policy: this origin only, nothing inline.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'none'; object-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: &[(&str, &str, &str)] = &[
    ("", "text/html; charset=utf-8", include_str!("../../console/index.html")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../../console/app.js")),
    ("request.js", "text/javascript; charset=utf-8", include_str!("../../console/request.js")),
    ("format.js", "text/javascript; charset=utf-8", include_str!("../../console/format.js")),
    ("qr.js", "text/javascript; charset=utf-8", include_str!("../../console/qr.js")),
    ("style.css", "text/css; charset=utf-8", include_str!("../../console/style.css")),
];

/// The asset at `/console/<name>` (`""` is the page itself), with the console's headers.
pub fn asset(name: &str) -> Response {
    let Some((_, kind, body)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "no such console file").into_response();
    };
    let mut response = (*body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    response
}
