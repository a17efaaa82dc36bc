//! What the HTTP API says when it refuses a request before, or instead of, the ledger deciding
//! anything: the body's `error` field and the status it comes with. The ledger's own refusals
//! ([`crate::LedgerError`]) keep their words; these are the API's, one variant each, so that
//! `messages.rs` can check every one of them against `docs/messages.md`.
//!
//! Each reads as the other refusals do: what happened, then what to do, one sentence. A fault that
//! is not a ledger error (a task that did not finish, the system's random generator) and any fault
//! at the public sync endpoint are not described to the caller (the request log has them): the
//! caller learns that nothing was done and that trying again later is right.

use std::fmt;

use axum::http::StatusCode;

/// One refusal of the HTTP API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HttpRefusal {
    /// A rate limit: `what` is "syncs from this address" and the like.
    TooMany {
        what: &'static str,
        secs: u64,
    },
    TooSlow {
        what: &'static str,
        secs: u64,
    },
    /// Too many large bodies are being read at once.
    Busy {
        secs: u64,
    },
    Cut {
        what: &'static str,
        detail: String,
    },
    TooLarge {
        what: &'static str,
        max: usize,
    },
    NotJson,
    NotOctetStream,
    JsonFields {
        detail: String,
    },
    JsonSyntax {
        detail: String,
    },
    JsonRefused {
        detail: String,
    },
    BadPath {
        path: String,
        detail: String,
    },
    BadQuery {
        query: String,
        path: String,
        detail: String,
    },
    UriTooLong {
        len: usize,
        max: usize,
    },
    HeadersTooLarge {
        len: usize,
        max: usize,
    },
    /// The HTTP parser's own refusals, which come without the sizes: a head longer than it reads,
    /// a URI longer than it reads, and bytes that are not HTTP/1.1.
    HeadTooLong {
        max: usize,
    },
    UriTooLongToRead,
    NotHttp,
    NoOfficerSignature {
        header: &'static str,
    },
    HeaderNotText {
        header: &'static str,
    },
    UnknownEndpoint {
        method: String,
        path: String,
    },
    WrongMethod {
        method: String,
        path: String,
    },
    BadHexId {
        what: &'static str,
        chars: usize,
    },
    TooManySessions,
    /// The server failed on its side outside the ledger's own errors (a task that did not
    /// finish, the random generator).
    LedgerFault,
    /// The same, answering a member's sync.
    SyncFault,
}

impl HttpRefusal {
    pub(crate) fn status(&self) -> StatusCode {
        use HttpRefusal as R;
        match self {
            R::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            R::TooSlow { .. } => StatusCode::REQUEST_TIMEOUT,
            R::Busy { .. } | R::TooManySessions => StatusCode::SERVICE_UNAVAILABLE,
            R::Cut { .. }
            | R::JsonSyntax { .. }
            | R::JsonRefused { .. }
            | R::BadPath { .. }
            | R::BadQuery { .. }
            | R::BadHexId { .. } => StatusCode::BAD_REQUEST,
            R::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            R::NotJson | R::NotOctetStream => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            R::JsonFields { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            R::UriTooLong { .. } | R::UriTooLongToRead => StatusCode::URI_TOO_LONG,
            R::HeadersTooLarge { .. } | R::HeadTooLong { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            R::NotHttp => StatusCode::BAD_REQUEST,
            R::NoOfficerSignature { .. } | R::HeaderNotText { .. } => StatusCode::UNAUTHORIZED,
            R::UnknownEndpoint { .. } => StatusCode::NOT_FOUND,
            R::WrongMethod { .. } => StatusCode::METHOD_NOT_ALLOWED,
            R::LedgerFault | R::SyncFault => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Seconds for `Retry-After`, when waiting is the answer.
    pub(crate) fn retry_after(&self) -> Option<u64> {
        match self {
            HttpRefusal::TooMany { secs, .. } | HttpRefusal::Busy { secs } => Some(*secs),
            _ => None,
        }
    }
}

impl fmt::Display for HttpRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HttpRefusal as R;
        match self {
            R::TooMany { what, secs } => {
                write!(
                    f,
                    "too many {what} for now: wait {secs} s (the Retry-After header says so), then try again"
                )
            }
            R::TooSlow { what, secs } => {
                write!(f, "{what} did not arrive within {secs} s: send the whole body at once")
            }
            R::Busy { secs } => write!(
                f,
                "the ledger is reading too many large requests at once: try again in {secs} s (the Retry-After \
                 header says so)"
            ),
            R::Cut { what, detail } => write!(f, "{what} was cut off ({detail}): send it again"),
            R::TooLarge { what, max } => {
                write!(
                    f,
                    "{what} is larger than the {max} bytes allowed, so it was not read: send less at once"
                )
            }
            R::NotJson => write!(
                f,
                "the body was not sent as JSON, so it was not read: send it with the Content-Type header \
                 application/json"
            ),
            R::NotOctetStream => write!(
                f,
                "the sync request was not sent as raw bytes, so it was not read: send it with the \
                 Content-Type header application/octet-stream"
            ),
            R::JsonFields { detail } => write!(
                f,
                "the JSON body does not have this endpoint's fields ({detail}): send exactly the fields it takes"
            ),
            R::JsonSyntax { detail } => {
                write!(f, "the body is not well-formed JSON ({detail}): send one JSON object")
            }
            R::JsonRefused { detail } => {
                write!(f, "the JSON body was refused ({detail}): send one JSON object")
            }
            R::BadPath { path, detail } => {
                write!(f, "the path {path} is not one this endpoint takes ({detail}): check the id in it")
            }
            R::BadQuery { query, path, detail } => write!(
                f,
                "the query string `{query}` is not what {path} takes ({detail}): see the API's list of parameters"
            ),
            R::UriTooLong { len, max } => {
                write!(f, "the request URI is {len} bytes, above the {max} allowed: shorten it")
            }
            R::HeadersTooLarge { len, max } => write!(
                f,
                "the request headers are {len} bytes, above the {max} allowed: send fewer or shorter headers"
            ),
            R::HeadTooLong { max } => write!(
                f,
                "the request head is longer than the {max} bytes the ledger reads, or has too many headers: send \
                 fewer or shorter headers"
            ),
            R::UriTooLongToRead => write!(f, "the request URI is longer than the ledger reads: shorten it"),
            R::NotHttp => write!(
                f,
                "the request is not well-formed HTTP/1.1: check its request line, and that each header is a name, a colon \
                 and a value"
            ),
            R::NoOfficerSignature { header } => write!(
                f,
                "this officer request carries no signature (the {header} header) and no console session, so \
                 it was refused: sign it with `outpost ledger call`, or sign in to the console"
            ),
            R::HeaderNotText { header } => write!(
                f,
                "the {header} header is not text, so the request was refused: send the signature as \
                 `outpost ledger call` makes it"
            ),
            R::UnknownEndpoint { method, path } => {
                write!(f, "no endpoint {method} {path} exists here: check the path against the API's list")
            }
            R::WrongMethod { method, path } => {
                write!(f, "{path} does not accept {method}: use the method the API's list gives for it")
            }
            R::BadHexId { what, chars } => write!(
                f,
                "{what} has {chars} characters, not the 64 hexadecimal digits of an id: check the id"
            ),
            R::TooManySessions => {
                write!(f, "too many console sessions are open: sign out elsewhere or wait for them to expire")
            }
            R::LedgerFault => write!(
                f,
                "the ledger failed on its side and did not do this request: try again later, and tell the \
                 ledger's operator if it keeps failing"
            ),
            R::SyncFault => write!(
                f,
                "the ledger failed on its side and could not answer this sync, so nothing was changed: \
                 sync again later"
            ),
        }
    }
}
