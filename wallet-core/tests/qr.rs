//! The QR text format and its pictures, through the public API: round trips, the size budget,
//! pictures that a real QR decoder (rqrr) reads back, and every way a scanned text is refused.

use std::time::{Duration, Instant};

use outpost_wallet_core::qr::{
    self, BUDGET_PAYLOAD_LEN, BUDGET_VERSION, MAX_PAYLOAD_LEN, MAX_TEXT_LEN, PayloadKind, QrError, QrImage,
};
use proptest::prelude::*;

const QR_ALPHANUMERIC: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const SIZES: [usize; 6] = [0, 1, 2, 3, 100, 475];

/// Deterministic pseudo-random bytes (SplitMix64), different for each seed.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

fn a_transfer_text() -> String {
    qr::encode(PayloadKind::Transfer, &bytes(40, 7))
}

// ---------------------------------------------------------------------------------------------
// Round trips and the text format

#[test]
fn every_kind_and_size_round_trips() {
    for kind in PayloadKind::ALL {
        for (seed, len) in SIZES.into_iter().enumerate() {
            let payload = bytes(len, seed as u64);
            let text = qr::encode(kind, &payload);
            assert_eq!(qr::decode(&text), Ok((kind, payload.clone())), "{kind} of {len} bytes");
            assert_eq!(qr::expect(&text, kind), Ok(payload), "{kind} of {len} bytes");
        }
    }
}

#[test]
fn text_starts_with_magic_version_kind_letter_and_separator() {
    let letters: Vec<(PayloadKind, &str)> = vec![
        (PayloadKind::Enrolment, "OP1E:"),
        (PayloadKind::PaymentRequest, "OP1R:"),
        (PayloadKind::Transfer, "OP1T:"),
        (PayloadKind::Receipt, "OP1C:"),
        (PayloadKind::PurseCertificate, "OP1P:"),
    ];
    for (kind, header) in letters {
        assert!(qr::encode(kind, b"xyz").starts_with(header), "{kind}");
        assert_eq!(qr::encode(kind, b""), header);
    }
}

#[test]
fn payload_is_base45_as_in_rfc_9285() {
    assert_eq!(qr::encode(PayloadKind::Transfer, b"AB"), "OP1T:BB8");
    assert_eq!(qr::encode(PayloadKind::Transfer, b"Hello!!"), "OP1T:%69 VD92EX0");
    assert_eq!(qr::encode(PayloadKind::Transfer, b"base-45"), "OP1T:UJCLQE7W581");
    assert_eq!(qr::expect("OP1T:QED8WEX0", PayloadKind::Transfer), Ok(b"ietf!".to_vec()));
}

#[test]
fn every_character_of_the_text_is_in_the_qr_alphanumeric_set() {
    for kind in PayloadKind::ALL {
        for (seed, len) in SIZES.into_iter().enumerate() {
            let text = qr::encode(kind, &bytes(len, seed as u64));
            let stray: Vec<char> = text.chars().filter(|c| !QR_ALPHANUMERIC.contains(*c)).collect();
            assert!(stray.is_empty(), "{kind} of {len} bytes has {stray:?}");
        }
    }
}

#[test]
fn the_largest_decodable_payload_is_max_payload_len() {
    let biggest = qr::encode(PayloadKind::Transfer, &bytes(MAX_PAYLOAD_LEN, 1));
    assert!(biggest.len() <= MAX_TEXT_LEN);
    assert_eq!(qr::expect(&biggest, PayloadKind::Transfer).map(|p| p.len()), Ok(MAX_PAYLOAD_LEN));

    let too_big = qr::encode(PayloadKind::Transfer, &bytes(MAX_PAYLOAD_LEN + 1, 1));
    assert!(matches!(qr::decode(&too_big), Err(QrError::TooLong { .. })));
}

#[test]
fn expect_refuses_another_kind_and_says_which_code_to_scan() {
    let receipt = qr::encode(PayloadKind::Receipt, b"receipt");
    let err = qr::expect(&receipt, PayloadKind::Transfer).unwrap_err();
    assert_eq!(err, QrError::WrongKind { expected: PayloadKind::Transfer, found: PayloadKind::Receipt });
    assert_eq!(err.to_string(), "this is a receipt, not a transfer: scan the transfer QR code");

    let enrolment = qr::encode(PayloadKind::Enrolment, b"enrol");
    let err = qr::expect(&enrolment, PayloadKind::PurseCertificate).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this is an enrolment, not a purse certificate: scan the purse certificate QR code"
    );
}

// ---------------------------------------------------------------------------------------------
// Pictures: what is drawn is what a QR decoder reads

/// Pixels of a picture, `true` dark, with the scale and margins already applied.
struct Bitmap {
    side: usize,
    dark: Vec<bool>,
}

impl Bitmap {
    /// Reads the picture the way a phone camera would: find the symbol, then decode it.
    fn scan(&self) -> (rqrr::MetaData, String) {
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(self.side, self.side, |x, y| {
            if self.dark[y * self.side + x] { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "expected exactly one QR symbol in the picture");
        grids[0].decode().expect("rqrr decodes the symbol")
    }
}

/// The module matrix, 4 pixels a module, inside a light 4-module quiet zone.
fn bitmap_of_modules(image: &QrImage) -> Bitmap {
    const SCALE: u32 = 4;
    let side = (image.width + 8) * SCALE;
    let dark = (0..side * side)
        .map(|i| {
            let (x, y) = ((i % side) / SCALE, (i / side) / SCALE);
            x >= 4 && y >= 4 && image.is_dark(x - 4, y - 4)
        })
        .collect();
    Bitmap { side: side as usize, dark }
}

/// Draws the SVG: its white `<rect>`, then its one `<path>` of `M x y h n v n h -n z` squares.
fn bitmap_of_svg(svg: &str) -> Bitmap {
    const SCALE: usize = 4;
    let view_box = attribute(svg, "viewBox");
    let side: usize = view_box.split(' ').nth(2).unwrap().parse().unwrap();
    let mut dark = vec![false; side * side * SCALE * SCALE];
    let d = attribute(&svg[svg.find("<path").unwrap()..], "d");
    for square in d.split('z').filter(|s| !s.is_empty()) {
        let numbers: Vec<i64> = square
            .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let [x, y, w, h, back] = numbers[..] else { panic!("unexpected subpath {square:?}") };
        assert_eq!(back, -w, "each subpath closes its rectangle");
        for py in (y as usize * SCALE)..((y + h) as usize * SCALE) {
            for px in (x as usize * SCALE)..((x + w) as usize * SCALE) {
                dark[py * side * SCALE + px] = true;
            }
        }
    }
    Bitmap { side: side * SCALE, dark }
}

fn attribute<'a>(tag: &'a str, name: &str) -> &'a str {
    let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    &tag[start..start + tag[start..].find('"').unwrap()]
}

/// Lights up the terminal text as a dark-background terminal shows it: each character a cell
/// twice as tall as it is wide (6 by 12 pixels), its block quarters lit, spaces and everything
/// around (4 cells) the dark background.
fn bitmap_of_terminal(text: &str) -> Bitmap {
    const QUARTER_WIDE: usize = 3;
    const QUARTER_TALL: usize = 6;
    const MARGIN: usize = 8;
    // Each character as its four quarters: upper left, upper right, lower left, lower right.
    let quarters = |c: char| -> [bool; 4] {
        let index = " ▗▖▄▝▐▞▟▘▚▌▙▀▜▛█"
            .chars()
            .position(|block| block == c)
            .unwrap_or_else(|| panic!("unexpected character {c:?} in terminal output"));
        [index & 8 != 0, index & 4 != 0, index & 2 != 0, index & 1 != 0]
    };
    // The picture in quarter cells, row by row.
    let rows: Vec<Vec<bool>> = text
        .lines()
        .flat_map(|line| {
            let cells: Vec<[bool; 4]> = line.chars().map(quarters).collect();
            [
                cells.iter().flat_map(|q| [q[0], q[1]]).collect(),
                cells.iter().flat_map(|q| [q[2], q[3]]).collect::<Vec<_>>(),
            ]
        })
        .collect();
    let across = rows[0].len() + 2 * MARGIN;
    let down = rows.len() + 2 * MARGIN;
    // rqrr wants a square picture: pad the shorter side with background.
    let side = (across * QUARTER_WIDE).max(down * QUARTER_TALL);
    let dark = (0..side * side)
        .map(|i| {
            let (x, y) = ((i % side) / QUARTER_WIDE, (i / side) / QUARTER_TALL);
            let lit = x >= MARGIN
                && y >= MARGIN
                && rows.get(y - MARGIN).and_then(|row| row.get(x - MARGIN)).copied().unwrap_or(false);
            !lit
        })
        .collect();
    Bitmap { side, dark }
}

#[test]
fn the_rendered_symbol_decodes_back_to_the_same_text_and_payload() {
    for (seed, kind) in PayloadKind::ALL.into_iter().enumerate() {
        let payload = bytes(300, seed as u64);
        let text = qr::encode(kind, &payload);
        let image = qr::render(&text).unwrap();
        let (meta, scanned) = bitmap_of_modules(&image).scan();
        assert_eq!(scanned, text, "{kind}");
        assert_eq!(meta.version.0, usize::from(image.version));
        assert_eq!(meta.ecc_level, 0, "error correction M (format bits 00)");
        assert_eq!(qr::decode(&scanned), Ok((kind, payload)));
    }
}

#[test]
fn the_svg_file_scans_back_to_the_same_text() {
    for (seed, kind) in PayloadKind::ALL.into_iter().enumerate() {
        let text = qr::encode(kind, &bytes(120, seed as u64));
        let svg = qr::render(&text).unwrap().to_svg(6);
        assert_eq!(bitmap_of_svg(&svg).scan().1, text, "{kind}");
    }
}

#[test]
fn the_terminal_picture_scans_back_on_a_dark_background() {
    for (seed, kind) in PayloadKind::ALL.into_iter().enumerate() {
        let text = qr::encode(kind, &bytes(120, seed as u64));
        let terminal = qr::render(&text).unwrap().to_terminal();
        assert_eq!(bitmap_of_terminal(&terminal).scan().1, text, "{kind}");
    }
}

#[test]
fn svg_is_a_standalone_file_with_one_path_and_a_white_background() {
    let image = qr::render(&a_transfer_text()).unwrap();
    let svg = image.to_svg(8);
    assert!(svg.starts_with("<svg"));
    assert_eq!(svg.matches("<path").count(), 1);
    assert!(svg.contains("fill=\"#fff\""));
    let side = image.width + 2 * QrImage::SVG_QUIET_ZONE;
    assert_eq!(attribute(&svg, "width"), (side * 8).to_string());
    assert_eq!(attribute(&svg, "viewBox"), format!("0 0 {side} {side}"));
}

#[test]
fn a_symbol_that_fits_is_drawn_with_square_modules() {
    let image = qr::render(&a_transfer_text()).unwrap();
    let side = (image.width + 2 * QrImage::TERMINAL_QUIET_ZONE) as usize;
    assert!(side <= QrImage::TERMINAL_COLUMNS);
    let terminal = image.to_terminal();
    assert_eq!(terminal.lines().count(), side.div_ceil(2));
    for line in terminal.lines() {
        assert_eq!(line.chars().count(), side, "one module per column");
    }
}

#[test]
fn the_largest_transfer_fits_80_columns_and_still_scans() {
    let text = qr::encode(PayloadKind::Transfer, &bytes(BUDGET_PAYLOAD_LEN, 11));
    let image = qr::render(&text).unwrap();
    assert_eq!(image.version, BUDGET_VERSION);
    let side = (image.width + 2 * QrImage::TERMINAL_QUIET_ZONE) as usize;
    assert!(side > QrImage::TERMINAL_COLUMNS, "square modules would not fit: {side} columns");
    let terminal = image.to_terminal();
    assert_eq!(terminal.lines().count(), side.div_ceil(2));
    for line in terminal.lines() {
        assert_eq!(line.chars().count(), side.div_ceil(2), "two modules per column");
    }
    assert_eq!(bitmap_of_terminal(&terminal).scan().1, text);
}

#[test]
fn an_indented_drawing_fits_what_is_left_of_the_line() {
    // The demo indents its pictures by 9 columns.
    for len in [40, 150, 250, BUDGET_PAYLOAD_LEN] {
        let text = qr::encode(PayloadKind::Transfer, &bytes(len, 5));
        let terminal = qr::render(&text).unwrap().to_terminal_within(80 - 9);
        let widest = terminal.lines().map(|line| line.chars().count()).max().unwrap();
        assert!(widest <= 71, "{len} bytes drawn {widest} columns wide");
        assert_eq!(bitmap_of_terminal(&terminal).scan().1, text, "{len} bytes");
    }
}

#[test]
fn version_for_agrees_with_render_and_the_width_follows_the_version() {
    for len in [0, 10, 100, 300, BUDGET_PAYLOAD_LEN, MAX_PAYLOAD_LEN] {
        let text = qr::encode(PayloadKind::Transfer, &bytes(len, 3));
        let image = qr::render(&text).unwrap();
        assert_eq!(qr::version_for(&text), Ok(image.version));
        assert_eq!(image.width, 17 + 4 * u32::from(image.version));
        assert_eq!(image.modules.len(), (image.width * image.width) as usize);
    }
}

/// Alphanumeric characters each version holds at level M (ISO/IEC 18004, table 7), versions 1-23.
const ALPHANUMERIC_AT_M: [usize; 23] = [
    20, 38, 61, 90, 122, 154, 178, 221, 262, 311, 366, 419, 483, 528, 600, 656, 734, 816, 909, 970, 1035,
    1134, 1248,
];

#[test]
fn render_picks_the_smallest_version_alphanumeric_mode_allows_at_level_m() {
    for (index, &capacity) in ALPHANUMERIC_AT_M.iter().enumerate() {
        let version = index as u8 + 1;
        let fits = "OP1T:".chars().chain("AB".chars().cycle()).take(capacity).collect::<String>();
        assert_eq!(qr::render(&fits).unwrap().version, version, "{capacity} characters");
        let over = format!("{fits}A");
        assert_eq!(qr::version_for(&over), Ok(version + 1), "{} characters", capacity + 1);
    }
}

#[test]
fn every_decodable_text_renders_at_version_23_or_smaller() {
    let text = "A".repeat(MAX_TEXT_LEN);
    assert_eq!(qr::version_for(&text), Ok(23));
}

#[test]
fn text_too_big_for_any_qr_code_is_refused() {
    let text = "A".repeat(5_000);
    assert_eq!(qr::render(&text), Err(QrError::TooBigForQr { len: 5_000 }));
    assert_eq!(qr::version_for(&text), Err(QrError::TooBigForQr { len: 5_000 }));
}

// ---------------------------------------------------------------------------------------------
// The size budget: a transfer must fit version 15 at error correction M

#[test]
fn budget_payload_fits_version_15_and_one_byte_more_does_not() {
    for seed in 0..20 {
        let text = qr::encode(PayloadKind::Transfer, &bytes(BUDGET_PAYLOAD_LEN, seed));
        assert!(qr::version_for(&text).unwrap() <= BUDGET_VERSION, "seed {seed}");
        let text = qr::encode(PayloadKind::Transfer, &bytes(BUDGET_PAYLOAD_LEN + 1, seed));
        assert!(qr::version_for(&text).unwrap() > BUDGET_VERSION, "seed {seed}");
    }
}

#[test]
fn the_largest_payload_at_version_15_m_is_the_budget() {
    let largest = (0..=MAX_PAYLOAD_LEN)
        .take_while(|&len| {
            qr::version_for(&qr::encode(PayloadKind::Transfer, &bytes(len, 11))).unwrap() <= BUDGET_VERSION
        })
        .last()
        .unwrap();
    let text_len = qr::encode(PayloadKind::Transfer, &bytes(largest, 11)).len();
    println!("largest payload at version 15-M: {largest} bytes ({text_len} characters)");
    assert_eq!(largest, BUDGET_PAYLOAD_LEN);
    assert_eq!(BUDGET_PAYLOAD_LEN, 396);
}

/// A measured fact, not a wish: 475 bytes is over the version-15 budget, so a transfer of that
/// size breaks the design's one-QR rule. Messages must stay within `BUDGET_PAYLOAD_LEN`.
#[test]
fn a_475_byte_payload_needs_version_17() {
    let text = qr::encode(PayloadKind::Transfer, &bytes(475, 5));
    let version = qr::render(&text).unwrap().version;
    println!("475-byte payload: {} characters, QR version {version} at M", text.len());
    assert_eq!(text.len(), 718);
    assert_eq!(version, 17);
    assert!(version > BUDGET_VERSION);
}

// ---------------------------------------------------------------------------------------------
// Refusals, each with its exact error

#[test]
fn empty_text_is_refused() {
    assert_eq!(qr::decode(""), Err(QrError::Empty));
    assert_eq!(qr::decode("\n"), Err(QrError::Empty));
}

#[test]
fn text_longer_than_the_maximum_is_refused_as_too_long() {
    let text = format!("OP1T:{}", "0".repeat(MAX_TEXT_LEN + 1 - 5));
    assert_eq!(qr::decode(&text), Err(QrError::TooLong { len: MAX_TEXT_LEN + 1, max: MAX_TEXT_LEN }));
    // One character fewer passes the length check and is read (and refused for its base45).
    assert!(matches!(qr::decode(&text[..MAX_TEXT_LEN]), Err(QrError::BadEncoding { .. })));
}

#[test]
fn a_huge_text_is_refused_by_its_length_before_it_is_read() {
    // Bad from its first character, so reading any of it would give another error.
    let text = "#".repeat(10 * 1024 * 1024);
    let started = Instant::now();
    assert_eq!(qr::decode(&text), Err(QrError::TooLong { len: text.len(), max: MAX_TEXT_LEN }));
    // Generous, for a loaded test machine; the error variant above is the real proof.
    assert!(started.elapsed() < Duration::from_millis(200), "took {:?}", started.elapsed());
}

#[test]
fn text_without_the_magic_is_not_outpost() {
    for text in ["XP1T:BB8", "HTTPS://EXAMPLE.COM", "hello", "O1T:BB8", " OP1T:BB8", "X"] {
        assert_eq!(qr::decode(text), Err(QrError::NotOutpost), "{text:?}");
    }
}

#[test]
fn a_later_format_version_asks_for_an_update_and_a_damaged_one_to_scan_again() {
    for later in ['2', '9'] {
        let err = qr::decode(&format!("OP{later}T:BB8")).unwrap_err();
        assert_eq!(err, QrError::UnsupportedVersion { found: later });
        assert!(err.to_string().contains("update the app"), "{err}");
    }
    for damaged in ['0', 'A', '$', ' '] {
        let err = qr::decode(&format!("OP{damaged}T:BB8")).unwrap_err();
        assert_eq!(err, QrError::DamagedVersion { found: damaged });
        assert!(err.to_string().contains("scan it again") && !err.to_string().contains("update"), "{err}");
    }
}

#[test]
fn an_unknown_kind_letter_is_damage_not_a_reason_to_update() {
    assert_eq!(qr::decode("OP1Z:BB8"), Err(QrError::UnknownKind { found: 'Z' }));
    assert_eq!(qr::decode("OP1::BB8"), Err(QrError::UnknownKind { found: ':' }));
    let words = QrError::UnknownKind { found: 'U' }.to_string();
    assert!(
        words.contains("damaged") && words.contains("scan it again") && !words.contains("update"),
        "{words}"
    );
}

#[test]
fn a_missing_separator_is_refused() {
    assert_eq!(qr::decode("OP1TBB8"), Err(QrError::MissingSeparator { found: 'B' }));
    assert_eq!(qr::decode("OP1T BB8"), Err(QrError::MissingSeparator { found: ' ' }));
}

#[test]
fn text_that_ends_inside_the_header_is_truncated() {
    for text in ["O", "OP", "OP1", "OP1T"] {
        assert_eq!(qr::decode(text), Err(QrError::Truncated { len: text.len() }), "{text:?}");
    }
}

#[test]
fn lowercase_text_is_refused_and_the_message_says_it_must_be_uppercase() {
    let text = qr::encode(PayloadKind::Transfer, b"Hello!!"); // OP1T:%69 VD92EX0
    let lowered_body = format!("OP1T:{}", text[5..].to_lowercase());
    let err = qr::decode(&lowered_body).unwrap_err();
    assert_eq!(err, QrError::BadCharacter { position: 9, found: 'v' });
    assert!(err.to_string().contains("QR text must be uppercase"), "{err}");

    assert_eq!(qr::decode(&text.to_lowercase()), Err(QrError::BadCharacter { position: 0, found: 'o' }));
    assert_eq!(qr::decode("OP1t:BB8"), Err(QrError::BadCharacter { position: 3, found: 't' }));
}

#[test]
fn a_character_outside_the_base45_alphabet_is_refused_where_it_is() {
    assert_eq!(qr::decode("OP1T:BB#"), Err(QrError::BadCharacter { position: 7, found: '#' }));
    assert_eq!(qr::decode("OP1T:Bé8"), Err(QrError::BadCharacter { position: 6, found: 'é' }));
    assert_eq!(qr::decode("OP1T:BB8\t"), Err(QrError::BadCharacter { position: 8, found: '\t' }));
    let err = qr::decode("OP1T:BB#").unwrap_err().to_string();
    assert!(!err.contains("uppercase"), "{err}");
}

#[test]
fn a_body_with_one_character_over_a_group_is_bad_encoding() {
    assert!(matches!(qr::decode("OP1T:B"), Err(QrError::BadEncoding { .. })));
    assert!(matches!(qr::decode("OP1T:BB8B"), Err(QrError::BadEncoding { .. })));
}

#[test]
fn base45_groups_above_their_byte_range_are_bad_encoding() {
    // Highest legal values: FGW = 15 + 16*45 + 32*2025 = 65535, U5 = 30 + 5*45 = 255.
    assert_eq!(qr::expect("OP1T:FGW", PayloadKind::Transfer), Ok(vec![0xFF, 0xFF]));
    assert_eq!(qr::expect("OP1T:U5", PayloadKind::Transfer), Ok(vec![0xFF]));
    for text in ["OP1T:GGW", "OP1T:::::", "OP1T:V5", "OP1T:::", "OP1T:BB8V5"] {
        assert!(matches!(qr::decode(text), Err(QrError::BadEncoding { .. })), "{text:?}");
    }
}

#[test]
fn every_truncation_of_a_valid_text_is_an_error_or_a_shorter_payload() {
    for kind in PayloadKind::ALL {
        let payload = bytes(100, 9);
        let text = qr::encode(kind, &payload);
        for cut in 0..text.len() {
            match qr::decode(&text[..cut]) {
                Err(_) => {}
                Ok((found, shorter)) => {
                    assert_eq!(found, kind);
                    assert!(shorter.len() < payload.len(), "cut at {cut}");
                    // A 3-character group cut to 2 reads as a different last byte.
                    assert!(payload.starts_with(&shorter[..shorter.len().saturating_sub(1)]));
                }
            }
        }
    }
}

#[test]
fn one_trailing_line_ending_is_accepted() {
    let text = a_transfer_text();
    let expected = qr::decode(&text);
    assert_eq!(qr::decode(&format!("{text}\n")), expected);
    assert_eq!(qr::decode(&format!("{text}\r\n")), expected);
}

#[test]
fn any_other_trailing_or_leading_whitespace_is_refused() {
    for kind in PayloadKind::ALL {
        for len in SIZES {
            let text = qr::encode(kind, &bytes(len, 2));
            assert!(
                matches!(qr::decode(&format!("{text} ")), Err(QrError::BadEncoding { .. })),
                "{kind} {len}"
            );
            assert!(matches!(qr::decode(&format!("{text}\n\n")), Err(QrError::BadCharacter { .. })));
            assert!(matches!(qr::decode(&format!("{text}\r")), Err(QrError::BadCharacter { .. })));
            assert_eq!(qr::decode(&format!("\n{text}")), Err(QrError::NotOutpost));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

fn any_kind() -> impl Strategy<Value = PayloadKind> {
    proptest::sample::select(PayloadKind::ALL.to_vec())
}

proptest! {
    #[test]
    fn any_payload_of_any_kind_round_trips(kind in any_kind(), payload in proptest::collection::vec(any::<u8>(), 0..600)) {
        prop_assert_eq!(qr::decode(&qr::encode(kind, &payload)), Ok((kind, payload)));
    }

    #[test]
    fn decoding_any_text_never_panics(text in ".{0,200}") {
        let _ = qr::decode(&text);
    }

    #[test]
    fn decoding_any_alphanumeric_text_never_panics(text in "[0-9A-Z $%*+./:-]{0,200}") {
        let _ = qr::decode(&text);
    }

    #[test]
    fn decoding_anything_after_a_valid_header_never_panics(text in "OP1[ERTCP]:.{0,200}") {
        let _ = qr::decode(&text);
    }

    /// One payload, one text: whatever decodes re-encodes to exactly the text it came from.
    #[test]
    fn a_decoded_text_is_the_only_text_for_its_payload(body in "[0-9A-Z $%*+./:-]{0,200}") {
        let text = format!("OP1R:{body}");
        if let Ok((kind, payload)) = qr::decode(&text) {
            prop_assert_eq!(qr::encode(kind, &payload), text);
        }
    }

    #[test]
    fn any_payload_within_the_budget_fits_version_15(payload in proptest::collection::vec(any::<u8>(), 0..=BUDGET_PAYLOAD_LEN)) {
        let text = qr::encode(PayloadKind::Transfer, &payload);
        prop_assert!(qr::version_for(&text).unwrap() <= BUDGET_VERSION);
    }
}
