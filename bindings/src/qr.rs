//! QR codes for the app's screens: what a scanned text is, and the picture of a text to show.
//! Apps draw the module matrix with their own canvas, or show the SVG as it is.

use outpost_wallet_core::qr;

use crate::error::WalletError;

/// What an Outpost QR text carries, so a scanner screen can route it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QrKind {
    Enrolment,
    PaymentRequest,
    Transfer,
    Receipt,
    PurseCertificate,
}

/// The modules of a QR code at error correction M: `modules[y * width + x]` is 1 for dark.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QrMatrix {
    /// QR version, 1 to 40.
    pub version: u8,
    /// Modules per side, without the quiet zone (draw 4 light modules around it).
    pub width: u32,
    pub modules: Vec<u8>,
}

/// The kind of an Outpost QR text; anything else is `BadQr` saying what is wrong with it.
#[uniffi::export]
pub fn qr_kind(text: String) -> Result<QrKind, WalletError> {
    let (kind, _) = qr::decode(text.trim())?;
    Ok(match kind {
        qr::PayloadKind::Enrolment => QrKind::Enrolment,
        qr::PayloadKind::PaymentRequest => QrKind::PaymentRequest,
        qr::PayloadKind::Transfer => QrKind::Transfer,
        qr::PayloadKind::Receipt => QrKind::Receipt,
        qr::PayloadKind::PurseCertificate => QrKind::PurseCertificate,
        other => {
            return Err(WalletError::BadQr { reason: format!("a {other} code has no screen in this app") });
        }
    })
}

/// The module matrix of `text` (any text an Outpost call returned as `qr_text`).
#[uniffi::export]
pub fn qr_matrix(text: String) -> Result<QrMatrix, WalletError> {
    let image = qr::render(&text)?;
    Ok(QrMatrix {
        version: image.version,
        width: image.width,
        modules: image.modules.iter().map(|&d| u8::from(d)).collect(),
    })
}

/// An SVG picture of `text`, `module_px` pixels per module, quiet zone included.
#[uniffi::export]
pub fn qr_svg(text: String, module_px: u32) -> Result<String, WalletError> {
    Ok(qr::render(&text)?.to_svg(module_px.clamp(1, 64)))
}
