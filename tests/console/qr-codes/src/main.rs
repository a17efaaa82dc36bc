//! Prints QR symbols made by the `qrcode` crate, one JSON object a line, for the console's QR
//! decoder tests (tests/console/qr.test.mjs): the decoder is checked against the encoder the
//! wallets draw their codes with, never against itself.
//!
//! Each line: `{"text_hex", "version", "level", "mask", "mode", "size", "modules"}`, where
//! `text_hex` is the text's UTF-8 in hex, `mask` is 0–7 or -1 when the encoder chose it, and
//! `modules` holds `size * size` characters, `1` for dark, row by row from the top.
//!
//! The symbols: every version 1–40 at every level filled to capacity (the encoder picks the
//! mask); versions 1–20 at every level with each of the eight masks forced, in numeric,
//! alphanumeric, byte and mixed modes; and `OP1E:` texts of an enrolment code's length at M,
//! drawn exactly as `outpost_wallet_core::qr::render` draws them.

use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{EcLevel, QrCode, Version, ec};

const LEVELS: [(EcLevel, char); 4] =
    [(EcLevel::L, 'L'), (EcLevel::M, 'M'), (EcLevel::Q, 'Q'), (EcLevel::H, 'H')];
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];
const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const WORDS: &[&str] = &["Outpost ", "給料 ", "¥12,300 ", "wallet-7 ", "Ωmega ", "http://x/ ", "0042 "];

#[derive(Clone, Copy)]
enum Mode {
    Numeric,
    Alphanumeric,
    Byte,
    Mixed,
}

/// A small deterministic generator, so that every run prints the same symbols.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % below
    }
}

fn text(mode: Mode, len: usize, seed: u64) -> String {
    let mut rng = Lcg(seed);
    match mode {
        Mode::Numeric => (0..len).map(|_| char::from(b'0' + rng.next(10) as u8)).collect(),
        Mode::Alphanumeric => (0..len).map(|_| char::from(ALPHANUMERIC[rng.next(45)])).collect(),
        Mode::Byte => {
            let mut s = String::new();
            while s.len() < len {
                s.push_str(WORDS[rng.next(WORDS.len())]);
            }
            let mut end = len;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s
        }
        Mode::Mixed => {
            let mut s = String::new();
            while s.len() < len {
                match rng.next(3) {
                    0 => s.extend((0..12).map(|_| char::from(b'0' + rng.next(10) as u8))),
                    1 => s.extend((0..10).map(|_| char::from(ALPHANUMERIC[rng.next(45)]))),
                    _ => s.push_str("lower case, ok? "),
                }
            }
            s.truncate(len);
            s
        }
    }
}

fn bits_for(version: i16, level: EcLevel, mode: Mode, text: &str) -> Option<Bits> {
    let mut bits = Bits::new(Version::Normal(version));
    let pushed = match mode {
        Mode::Numeric => bits.push_numeric_data(text.as_bytes()),
        Mode::Alphanumeric => bits.push_alphanumeric_data(text.as_bytes()),
        Mode::Byte => bits.push_byte_data(text.as_bytes()),
        Mode::Mixed => bits.push_optimal_data(text.as_bytes()),
    };
    pushed.ok()?;
    bits.push_terminator(level).ok()?;
    Some(bits)
}

/// The longest text of `mode` that fills `version` at `level`, and its bits.
fn filled(version: i16, level: EcLevel, mode: Mode, seed: u64) -> (String, Bits) {
    let (mut low, mut high) = (1_usize, 8_000_usize);
    while low < high {
        let mid = (low + high).div_ceil(2);
        if bits_for(version, level, mode, &text(mode, mid, seed)).is_some() {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    let text = text(mode, low, seed);
    let bits = bits_for(version, level, mode, &text).expect("the length just found fits");
    (text, bits)
}

fn draw(bits: Bits, level: EcLevel, mask: Option<usize>) -> Vec<bool> {
    let dark = |colors: Vec<qrcode::Color>| colors.into_iter().map(|c| c == qrcode::Color::Dark).collect();
    let version = bits.version();
    let (data, ec) =
        ec::construct_codewords(&bits.into_bytes(), version, level).expect("bits made for this version");
    let mut canvas = Canvas::new(version, level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    match mask {
        Some(m) => {
            canvas.apply_mask(MASKS[m]);
            dark(canvas.into_colors())
        }
        None => dark(canvas.apply_best_mask().into_colors()),
    }
}

fn print(text: &str, version: i16, level: char, mask: Option<usize>, mode: &str, modules: &[bool]) {
    let size = version * 4 + 17;
    let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
    let modules: String = modules.iter().map(|&dark| if dark { '1' } else { '0' }).collect();
    let mask = mask.map_or(-1, |m| m as i32);
    println!(
        "{{\"text_hex\":\"{hex}\",\"version\":{version},\"level\":\"{level}\",\"mask\":{mask},\"mode\":\"{mode}\",\"size\":{size},\"modules\":\"{modules}\"}}"
    );
}

fn main() {
    let mut seed = 1;
    for version in 1..=40 {
        for (level, name) in LEVELS {
            seed += 1;
            let (text, bits) = filled(version, level, Mode::Alphanumeric, seed);
            print(&text, version, name, None, "alphanumeric", &draw(bits, level, None));
        }
    }
    let modes = [
        (Mode::Numeric, "numeric"),
        (Mode::Alphanumeric, "alphanumeric"),
        (Mode::Byte, "byte"),
        (Mode::Mixed, "mixed"),
    ];
    for version in 1..=20 {
        for (level, name) in LEVELS {
            for mask in 0..MASKS.len() {
                seed += 1;
                let (mode, mode_name) = modes[(version as usize + mask) % modes.len()];
                let (text, bits) = filled(version, level, mode, seed);
                print(&text, version, name, Some(mask), mode_name, &draw(bits, level, Some(mask)));
            }
        }
    }
    // Enrolment codes are `OP1E:` and base45 (alphanumeric), drawn at M in the smallest version.
    for len in [120, 180, 230, 300] {
        seed += 1;
        let body = text(Mode::Alphanumeric, len, seed);
        let text = format!("OP1E:{body}");
        let code = QrCode::with_error_correction_level(&text, EcLevel::M).expect("fits at M");
        let Version::Normal(version) = code.version() else {
            unreachable!("automatic encoding picks normal versions")
        };
        let modules: Vec<bool> = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
        print(&text, version, 'M', None, "enrolment", &modules);
    }
}
