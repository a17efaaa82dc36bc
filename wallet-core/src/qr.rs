//! The text a QR code carries between two phones, and the picture of it.
//!
//! Every protocol message crosses the air gap as one static QR code whose text is
//!
//! ```text
//! OP1T:%69 VD92EX0
//! ││││ └─ the message bytes in base45 (RFC 9285)
//! │││└─── ':' separator
//! ││└──── kind letter (E enrolment, R payment request, T transfer, C receipt, P purse certificate)
//! │└───── format version
//! └────── "OP", the magic that says this is an Outpost code
//! ```
//!
//! Why this shape:
//!
//! - **Uppercase base45.** Base45's alphabet is exactly QR's alphanumeric set
//!   (`0-9 A-Z space $ % * + - . / :`), so the encoder uses alphanumeric mode at 5.5 bits a
//!   character: 8.25 bits per message byte, against 8 for raw bytes in byte mode and 10.7 for
//!   base64 (which needs byte mode). Raw binary would save 3% but does not survive scanner apps, clipboards and terminals,
//!   which all treat a QR code as text. A lowercase letter is refused, not folded: nothing in the
//!   path should have changed the case, so if something did, the text is not trusted.
//! - **Versioned.** An app that meets `OP2…` (to `OP9…`) says "update the app" instead of
//!   misreading it. Any new kind of code, or anything new inside one, comes with a new format
//!   version: so in an `OP1` code, a kind letter this app does not know, or a version character
//!   that is not a later digit, is damage ("scan it again"), never a reason to update.
//! - **Type-tagged.** Scanning the receipt when the transfer was expected fails here, with a
//!   message that says which code to scan, before any cryptography runs.
//! - **Size checked before parsing.** A scanner hands over whatever text a code holds; anything
//!   longer than [`MAX_TEXT_LEN`] is refused before it is read or copied.
//! - **Every failure typed** ([`QrError`]), in a fixed order (length, empty, magic, version,
//!   kind, separator, alphabet, base45 structure), and decoding never panics. Decoding is strict
//!   and one-to-one: each payload has exactly one text, and the only slack is one trailing line
//!   ending (`\n` or `\r\n`), for text pasted from a terminal or a file.
//!
//! The design's budget is that a transfer fits **QR version 15 at error correction M**. That
//! symbol holds 600 alphanumeric characters (ISO/IEC 18004, table 7): a 5-character header and
//! 595 of base45, which is [`BUDGET_PAYLOAD_LEN`] = 396 bytes of message. Codes are always drawn
//! at level M (15% of the symbol can be lost, enough for a scuffed screen) in the smallest
//! version that fits.
//!
//! ```
//! use outpost_wallet_core::qr::{self, PayloadKind};
//!
//! # fn main() -> Result<(), outpost_wallet_core::qr::QrError> {
//! let text = qr::encode(PayloadKind::Transfer, b"sealed transfer bytes");
//! let picture = qr::render(&text)?; // show picture.to_svg(8) or picture.to_terminal()
//! assert!(picture.version <= qr::BUDGET_VERSION);
//!
//! // On the other phone, from the scanner's text:
//! let bytes = qr::expect(&text, PayloadKind::Transfer)?;
//! assert_eq!(bytes, b"sealed transfer bytes");
//! # Ok(())
//! # }
//! ```

use std::fmt::{self, Write as _};

use qrcode::bits;
use qrcode::{Color, EcLevel, QrCode, Version};
use thiserror::Error;

/// The longest text [`decode`] reads, in bytes (every character of a valid text is one byte).
///
/// Generous on purpose: the transfer budget (version 15-M) is 600 characters, and 1,200 still fits
/// version 23-M (1,248). Anything longer cannot be an Outpost code, so it is refused unread.
pub const MAX_TEXT_LEN: usize = 1_200;

/// The longest payload whose text [`decode`] accepts: 796 bytes.
pub const MAX_PAYLOAD_LEN: usize = payload_capacity(MAX_TEXT_LEN);

/// The QR version a transfer must fit (at error correction M), from the design.
pub const BUDGET_VERSION: u8 = 15;

/// The longest payload guaranteed to render at [`BUDGET_VERSION`] or smaller: 396 bytes.
///
/// Protocol messages meant for one QR code must stay at or under this length.
pub const BUDGET_PAYLOAD_LEN: usize = payload_capacity(BUDGET_TEXT_LEN);

/// Alphanumeric characters a version-15 symbol holds at level M (ISO/IEC 18004, table 7).
const BUDGET_TEXT_LEN: usize = 600;

const MAGIC: &str = "OP";
const FORMAT_VERSION: char = '1';
const SEPARATOR: char = ':';
/// `OP`, version, kind, separator.
const HEADER_LEN: usize = 5;

const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const NOT_IN_ALPHABET: u8 = u8::MAX;
/// Each byte's value in base45, or [`NOT_IN_ALPHABET`].
const ALPHABET_VALUES: [u8; 256] = {
    let mut values = [NOT_IN_ALPHABET; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        values[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    values
};

/// Bytes of payload that a text of `text_len` characters can carry.
const fn payload_capacity(text_len: usize) -> usize {
    let body = text_len - HEADER_LEN;
    body / 3 * 2 + if body % 3 == 2 { 1 } else { 0 }
}

/// What a QR code carries. The letter is part of the text format and never changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadKind {
    /// A wallet's enrolment request, scanned by the ledger's officer (`E`).
    Enrolment,
    /// A receiver's signed payment request (`R`).
    PaymentRequest,
    /// A transfer sealed to the receiver (`T`).
    Transfer,
    /// A receiver's signed receipt for a transfer (`C`).
    Receipt,
    /// A purse certificate signed by the ledger (`P`).
    PurseCertificate,
}

impl PayloadKind {
    /// Every kind, in letter order of the handshake.
    pub const ALL: [PayloadKind; 5] =
        [Self::Enrolment, Self::PaymentRequest, Self::Transfer, Self::Receipt, Self::PurseCertificate];

    /// The kind's letter in the text.
    ///
    /// ```
    /// use outpost_wallet_core::qr::PayloadKind;
    /// assert_eq!(PayloadKind::Receipt.letter(), 'C');
    /// ```
    pub fn letter(self) -> char {
        match self {
            Self::Enrolment => 'E',
            Self::PaymentRequest => 'R',
            Self::Transfer => 'T',
            Self::Receipt => 'C',
            Self::PurseCertificate => 'P',
        }
    }

    fn from_letter(letter: char) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.letter() == letter)
    }

    /// "a" or "an", for messages that name the kind.
    fn article(self) -> &'static str {
        match self {
            Self::Enrolment => "an",
            _ => "a",
        }
    }
}

impl fmt::Display for PayloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Enrolment => "enrolment",
            Self::PaymentRequest => "payment request",
            Self::Transfer => "transfer",
            Self::Receipt => "receipt",
            Self::PurseCertificate => "purse certificate",
        })
    }
}

/// Why a scanned text was refused, or a code could not be drawn. Positions count characters
/// from 0 at the start of the text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QrError {
    #[error(
        "the scanned text is {len} bytes, more than the {max} an Outpost code holds: this is not an Outpost code"
    )]
    TooLong { len: usize, max: usize },
    #[error("the scanned text is empty: scan the code again")]
    Empty,
    #[error("this is not an Outpost code (those start with \"OP1\"): scan the code shown by the Outpost app")]
    NotOutpost,
    #[error(
        "the scanned text stops after {len} characters, inside the Outpost header: scan the whole code again"
    )]
    Truncated { len: usize },
    #[error(
        "this Outpost code was made by a newer Outpost app (format version {found}): update the app to read it"
    )]
    UnsupportedVersion { found: char },
    #[error("the Outpost code's header is damaged (its format version reads '{found}'): scan it again")]
    DamagedVersion { found: char },
    #[error(
        "the Outpost code's header is damaged (no kind '{found}' exists in format version 1): scan it again"
    )]
    UnknownKind { found: char },
    #[error("the Outpost code's header is damaged (':' expected after it, '{found}' found): scan it again")]
    MissingSeparator { found: char },
    #[error("{}", bad_character_message(*.position, *.found))]
    BadCharacter { position: usize, found: char },
    #[error("the Outpost code is damaged ({reason}): scan it again")]
    BadEncoding { reason: &'static str },
    #[error(
        "this is {} {found}, not {} {expected}: scan the {expected} QR code",
        .found.article(),
        .expected.article()
    )]
    WrongKind { expected: PayloadKind, found: PayloadKind },
    #[error("{len} characters do not fit in any QR code at error correction M: the message is too large")]
    TooBigForQr { len: usize },
}

fn bad_character_message(position: usize, found: char) -> String {
    if found.is_lowercase() {
        format!(
            "QR text must be uppercase, but character {position} is '{found}': \
             something changed the scanned text, scan it with the Outpost app"
        )
    } else {
        format!(
            "character {position} is {found:?}, which an Outpost code never contains: \
             the code is damaged or is not an Outpost code, scan it again"
        )
    }
}

/// The text for a QR code carrying `payload`.
///
/// Any payload encodes; one longer than [`MAX_PAYLOAD_LEN`] gives a text [`decode`] refuses, and
/// one longer than [`BUDGET_PAYLOAD_LEN`] does not fit the transfer budget.
///
/// ```
/// use outpost_wallet_core::qr::{self, PayloadKind};
/// assert_eq!(qr::encode(PayloadKind::Transfer, b"AB"), "OP1T:BB8");
/// ```
pub fn encode(kind: PayloadKind, payload: &[u8]) -> String {
    let mut text = String::with_capacity(HEADER_LEN + payload.len().div_ceil(2) * 3);
    text.push_str(MAGIC);
    text.push(FORMAT_VERSION);
    text.push(kind.letter());
    text.push(SEPARATOR);
    let mut pairs = payload.chunks_exact(2);
    for pair in &mut pairs {
        push_base45_digits(&mut text, u32::from(pair[0]) << 8 | u32::from(pair[1]), 3);
    }
    if let [last] = pairs.remainder() {
        push_base45_digits(&mut text, u32::from(*last), 2);
    }
    text
}

/// Writes `value` as `count` base45 digits, least significant first (RFC 9285 order).
fn push_base45_digits(text: &mut String, mut value: u32, count: usize) {
    for _ in 0..count {
        text.push(char::from(ALPHABET[(value % 45) as usize]));
        value /= 45;
    }
}

/// Reads a scanned text: its kind and payload, or why it is refused.
///
/// ```
/// use outpost_wallet_core::qr::{self, PayloadKind, QrError};
///
/// assert_eq!(qr::decode("OP1T:BB8\n"), Ok((PayloadKind::Transfer, b"AB".to_vec())));
/// assert_eq!(qr::decode("OP2T:BB8"), Err(QrError::UnsupportedVersion { found: '2' }));
/// ```
pub fn decode(text: &str) -> Result<(PayloadKind, Vec<u8>), QrError> {
    let text = text.strip_suffix("\r\n").or_else(|| text.strip_suffix('\n')).unwrap_or(text);
    if text.len() > MAX_TEXT_LEN {
        return Err(QrError::TooLong { len: text.len(), max: MAX_TEXT_LEN });
    }
    if text.is_empty() {
        return Err(QrError::Empty);
    }
    let (kind, body) = parse_header(text)?;
    if let Some((index, found)) = body.char_indices().find(|&(_, c)| base45_value(c).is_none()) {
        // Everything before `index` is ASCII, so its byte index is its character index.
        return Err(QrError::BadCharacter { position: HEADER_LEN + index, found });
    }
    Ok((kind, base45_decode(body.as_bytes())?))
}

/// Decodes a text that must be of `kind`.
///
/// ```
/// use outpost_wallet_core::qr::{self, PayloadKind, QrError};
///
/// let receipt = qr::encode(PayloadKind::Receipt, b"signed receipt");
/// assert_eq!(
///     qr::expect(&receipt, PayloadKind::Transfer),
///     Err(QrError::WrongKind { expected: PayloadKind::Transfer, found: PayloadKind::Receipt })
/// );
/// ```
pub fn expect(text: &str, kind: PayloadKind) -> Result<Vec<u8>, QrError> {
    match decode(text)? {
        (found, payload) if found == kind => Ok(payload),
        (found, _) => Err(QrError::WrongKind { expected: kind, found }),
    }
}

/// Checks `OP1<kind>:` and returns the kind and the base45 body after it.
fn parse_header(text: &str) -> Result<(PayloadKind, &str), QrError> {
    let bytes = text.as_bytes();
    // A whole text lowercased on the way ("op1t:…") is named as such, not as a stranger's code.
    if bytes.len() >= 3 && bytes[..3].eq_ignore_ascii_case(b"OP1") && &bytes[..3] != b"OP1" {
        let position = bytes.iter().position(u8::is_ascii_lowercase).unwrap_or(0);
        return Err(QrError::BadCharacter { position, found: char::from(bytes[position]) });
    }
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC.as_bytes()[..magic_len] {
        return Err(QrError::NotOutpost);
    }
    // The magic is ASCII, so `magic_len` is a character boundary.
    let mut rest = text[magic_len..].chars();
    let mut next_header_char = |position: usize| match rest.next() {
        None => Err(QrError::Truncated { len: text.len() }),
        Some(found) if base45_value(found).is_none() => Err(QrError::BadCharacter { position, found }),
        Some(found) => Ok(found),
    };

    let version = next_header_char(2)?;
    if version != FORMAT_VERSION {
        return Err(if version.is_ascii_digit() && version > FORMAT_VERSION {
            QrError::UnsupportedVersion { found: version }
        } else {
            QrError::DamagedVersion { found: version }
        });
    }
    let letter = next_header_char(3)?;
    let kind = PayloadKind::from_letter(letter).ok_or(QrError::UnknownKind { found: letter })?;
    let separator = next_header_char(4)?;
    if separator != SEPARATOR {
        return Err(QrError::MissingSeparator { found: separator });
    }
    Ok((kind, rest.as_str()))
}

fn base45_value(c: char) -> Option<u8> {
    let value = ALPHABET_VALUES[usize::from(u8::try_from(c).ok()?)];
    (value != NOT_IN_ALPHABET).then_some(value)
}

/// Decodes a body already checked to hold only alphabet characters.
///
/// RFC 9285 §6 requires refusing a group whose value is out of range; accepting it (as some
/// libraries do, by truncating) would give one payload several texts.
fn base45_decode(body: &[u8]) -> Result<Vec<u8>, QrError> {
    if body.len() % 3 == 1 {
        return Err(QrError::BadEncoding {
            reason: "it ends with a single base45 character, which encodes nothing",
        });
    }
    let mut payload = Vec::with_capacity(body.len() / 3 * 2 + 1);
    for group in body.chunks(3) {
        let value = group
            .iter()
            .rev()
            .fold(0u32, |value, &c| value * 45 + u32::from(ALPHABET_VALUES[usize::from(c)]));
        if group.len() == 3 {
            let pair = u16::try_from(value)
                .map_err(|_| QrError::BadEncoding { reason: "a 3-character group is above 65535" })?;
            payload.extend_from_slice(&pair.to_be_bytes());
        } else {
            let last = u8::try_from(value)
                .map_err(|_| QrError::BadEncoding { reason: "the final 2-character group is above 255" })?;
            payload.push(last);
        }
    }
    Ok(payload)
}

/// A QR symbol ready to draw: always error correction M, in the smallest version that fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrImage {
    /// QR version, 1 to 40; the symbol is `17 + 4 * version` modules wide.
    pub version: u8,
    /// Modules per side, without quiet zone.
    pub width: u32,
    /// `width * width` modules, row by row from the top left; `true` is dark.
    pub modules: Vec<bool>,
}

/// Draws the QR symbol for `text` (normally from [`encode`]).
///
/// ```
/// use outpost_wallet_core::qr::{self, PayloadKind};
///
/// # fn main() -> Result<(), outpost_wallet_core::qr::QrError> {
/// let picture = qr::render(&qr::encode(PayloadKind::Receipt, &[7; 100]))?;
/// assert_eq!(picture.width, 17 + 4 * u32::from(picture.version));
/// # Ok(())
/// # }
/// ```
pub fn render(text: &str) -> Result<QrImage, QrError> {
    // For automatic encoding, running out of room is the only way the qrcode crate fails.
    let code = QrCode::with_error_correction_level(text, EcLevel::M)
        .map_err(|_| QrError::TooBigForQr { len: text.len() })?;
    Ok(QrImage {
        version: version_number(code.version()),
        width: code.width() as u32,
        modules: code.into_colors().into_iter().map(|color| color == Color::Dark).collect(),
    })
}

/// The QR version [`render`] would use for `text`, without drawing it.
///
/// ```
/// use outpost_wallet_core::qr::{self, PayloadKind};
///
/// # fn main() -> Result<(), outpost_wallet_core::qr::QrError> {
/// let text = qr::encode(PayloadKind::Transfer, &[0xA5; qr::BUDGET_PAYLOAD_LEN]);
/// assert_eq!(qr::version_for(&text)?, qr::BUDGET_VERSION);
/// # Ok(())
/// # }
/// ```
pub fn version_for(text: &str) -> Result<u8, QrError> {
    bits::encode_auto(text.as_bytes(), EcLevel::M)
        .map(|bits| version_number(bits.version()))
        .map_err(|_| QrError::TooBigForQr { len: text.len() })
}

/// Automatic encoding only picks normal QR versions (1 to 40), never Micro QR.
fn version_number(version: Version) -> u8 {
    match version {
        Version::Normal(n) | Version::Micro(n) => n as u8,
    }
}

impl QrImage {
    /// Light modules drawn around the symbol in [`QrImage::to_svg`], as the QR standard asks.
    pub const SVG_QUIET_ZONE: u32 = 4;
    /// Light modules drawn around the symbol in [`QrImage::to_terminal`]. Phones read two
    /// reliably.
    pub const TERMINAL_QUIET_ZONE: u32 = 2;
    /// The width of the terminal [`QrImage::to_terminal`] draws for.
    pub const TERMINAL_COLUMNS: usize = 80;

    /// Whether the module at column `x`, row `y` is dark. Everything outside the symbol is
    /// light, as the quiet zone is.
    ///
    /// ```
    /// use outpost_wallet_core::qr::{self, PayloadKind};
    ///
    /// # fn main() -> Result<(), outpost_wallet_core::qr::QrError> {
    /// let picture = qr::render(&qr::encode(PayloadKind::Enrolment, b"key"))?;
    /// assert!(picture.is_dark(0, 0)); // the corner of a finder pattern
    /// assert!(!picture.is_dark(picture.width, 0));
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_dark(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.width {
            return false;
        }
        self.modules.get(y as usize * self.width as usize + x as usize).copied().unwrap_or(false)
    }

    /// A standalone SVG file: a white square with a 4-module quiet zone and one black `<path>`,
    /// each module `module_px` pixels (at least 1) on a side.
    ///
    /// ```
    /// use outpost_wallet_core::qr::{self, PayloadKind};
    ///
    /// # fn main() -> Result<(), outpost_wallet_core::qr::QrError> {
    /// let svg = qr::render(&qr::encode(PayloadKind::PaymentRequest, b"pay me"))?.to_svg(8);
    /// assert!(svg.starts_with("<svg")); // save as a .svg file, or put inline in HTML
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_svg(&self, module_px: u32) -> String {
        let quiet = Self::SVG_QUIET_ZONE;
        let side = self.width + 2 * quiet;
        let px = side.saturating_mul(module_px.max(1));
        // One subpath per horizontal run of dark modules, in module units (the viewBox scales).
        let mut path = String::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && self.is_dark(x, y) {
                    x += 1;
                }
                let run = x - start;
                let _ = write!(path, "M{} {}h{run}v1h-{run}z", start + quiet, y + quiet);
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{px}\" height=\"{px}\" \
             viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
             <path fill=\"#000\" d=\"{path}\"/></svg>\n"
        )
    }

    /// The symbol as lines of text for a terminal at most [`TERMINAL_COLUMNS`](Self::TERMINAL_COLUMNS)
    /// wide, with a [`TERMINAL_QUIET_ZONE`](Self::TERMINAL_QUIET_ZONE): the finest drawing that
    /// fits, as [`to_terminal_within`](Self::to_terminal_within) chooses it.
    ///
    /// ```
    /// use outpost_wallet_core::qr::{self, PayloadKind};
    ///
    /// # fn main() -> Result<(), outpost_wallet_core::qr::QrError> {
    /// print!("{}", qr::render(&qr::encode(PayloadKind::Receipt, b"thanks"))?.to_terminal());
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_terminal(&self) -> String {
        self.to_terminal_within(Self::TERMINAL_COLUMNS)
    }

    /// The symbol as lines of text no wider than `columns` when that can be done (a caller that
    /// indents the lines passes what is left of the line).
    ///
    /// A character cell of a terminal is about twice as tall as it is wide. So when the symbol
    /// and its quiet zone fit, each cell holds one module across and two down (`█ ▀ ▄`), and the
    /// modules come out square. A larger symbol (a full transfer is version 15, 81 modules with
    /// its quiet zone) would not fit 80 columns that way, so each cell then holds two modules
    /// across and two down with the quadrant blocks (`▘ ▝ ▖ ▗ ▚ ▞ ▌ ▐ ▛ ▜ ▙ ▟`): the picture is
    /// half as wide and its modules twice as tall as wide, which scanners read like any code
    /// seen at a slant. Below the narrowest drawing nothing is cut: lines are then wider than
    /// `columns`.
    ///
    /// Light modules are printed lit and dark ones as background, so on the usual
    /// dark-background terminal the code shows dark on light, as scanners expect. On a light
    /// background it shows inverted, which many scanners, but not all, also read.
    ///
    /// ```
    /// use outpost_wallet_core::qr::{self, PayloadKind};
    ///
    /// # fn main() -> Result<(), outpost_wallet_core::qr::QrError> {
    /// let picture = qr::render(&qr::encode(PayloadKind::Transfer, &[7; 391]))?;
    /// let text = picture.to_terminal_within(71);
    /// assert!(text.lines().all(|line| line.chars().count() <= 71));
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_terminal_within(&self, columns: usize) -> String {
        let quiet = Self::TERMINAL_QUIET_ZONE;
        let side = self.width + 2 * quiet;
        let across = if side as usize <= columns { 1 } else { 2 };
        let light = |x: u32, y: u32| match (x.checked_sub(quiet), y.checked_sub(quiet)) {
            (Some(x), Some(y)) => !self.is_dark(x, y),
            _ => true,
        };
        // Past the last row or column is the terminal's own (dark) background.
        let lit = |x: u32, y: u32| x < side && y < side && light(x, y);
        let cells = side.div_ceil(across) as usize;
        let mut out = String::with_capacity((cells * 3 + 1) * side.div_ceil(2) as usize);
        for y in (0..side).step_by(2) {
            for x in (0..side).step_by(across as usize) {
                let (upper_left, lower_left) = (lit(x, y), lit(x, y + 1));
                let (upper_right, lower_right) =
                    if across == 1 { (upper_left, lower_left) } else { (lit(x + 1, y), lit(x + 1, y + 1)) };
                out.push(cell(upper_left, upper_right, lower_left, lower_right));
            }
            out.push('\n');
        }
        out
    }
}

/// The block character lit in the given quarters of a character cell.
fn cell(upper_left: bool, upper_right: bool, lower_left: bool, lower_right: bool) -> char {
    const BLOCKS: [char; 16] =
        [' ', '▗', '▖', '▄', '▝', '▐', '▞', '▟', '▘', '▚', '▌', '▙', '▀', '▜', '▛', '█'];
    let index = usize::from(upper_left) << 3
        | usize::from(upper_right) << 2
        | usize::from(lower_left) << 1
        | usize::from(lower_right);
    BLOCKS[index]
}
