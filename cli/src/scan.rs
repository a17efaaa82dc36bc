//! Reading QR text the way a phone scans a code: from the command line, a file another wallet
//! wrote with `--out`, or standard input.
//!
//! This only fetches the text and trims the whitespace around it; what the text means, and what
//! is wrong with it, is the library's to say, since it is the one boundary where QR text becomes
//! typed values.

use std::io::{self, IsTerminal, Read};
use std::path::Path;

use outpost_wallet_core::qr::{self, PayloadKind};

use crate::error::Error;

/// Far more than any Outpost QR text (at most 1,200 characters): a larger input is the wrong
/// file, not a code, and is refused before it is read into memory.
const MAX_INPUT: u64 = 64 * 1024;

/// The QR text of `what` (e.g. "the payment request"): `text` when given (`-` means standard
/// input), else the contents of `file`, else standard input when it is not a terminal.
pub fn read(what: &'static str, text: Option<&str>, file: Option<&Path>) -> Result<String, Error> {
    let raw = match (text, file) {
        (Some(_), Some(_)) => {
            return Err(Error::TextAndFile { what });
        }
        (Some(text), None) if text != "-" => text.to_owned(),
        (None, Some(path)) => read_file(path)?,
        (Some(_), None) => read_stdin(what, true)?,
        (None, None) => read_stdin(what, false)?,
    };
    Ok(raw.trim().to_owned())
}

/// [`read`], then checked to be a well-formed code of `kind`: an empty, damaged or wrong code
/// is refused here, before the PIN is asked for, since refusing it needs no key.
pub fn read_code(
    what: &'static str,
    kind: PayloadKind,
    text: Option<&str>,
    file: Option<&Path>,
) -> Result<String, Error> {
    let text = read(what, text, file)?;
    qr::expect(&text, kind)?;
    Ok(text)
}

fn read_file(path: &Path) -> Result<String, Error> {
    let file = std::fs::File::open(path).map_err(Error::file("read", path))?;
    let text = bounded(file).map_err(Error::file("read", path))?;
    text.ok_or_else(|| Error::FileTooLarge { path: path.to_owned() })
}

/// Piped input is read to its end. On a terminal, only when asked for with `-`: one pasted line.
fn read_stdin(what: &'static str, asked: bool) -> Result<String, Error> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        if !asked {
            return Err(Error::NoInput { what });
        }
        eprintln!("Paste {what} and press Enter:");
        let mut line = String::new();
        stdin.read_line(&mut line).map_err(Error::file("read", "standard input"))?;
        return Ok(line);
    }
    let text = bounded(stdin.lock()).map_err(Error::file("read", "standard input"))?;
    text.ok_or_else(|| Error::StdinTooLarge)
}

/// Up to [`MAX_INPUT`] bytes as text; `None` if there is more. Bytes that are not UTF-8 are
/// kept visible (as U+FFFD) so the library names the bad character instead of an I/O error.
fn bounded(reader: impl Read) -> io::Result<Option<String>> {
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_on_the_command_line_is_trimmed() {
        assert_eq!(read("the receipt", Some("  OP1C:ABC \n"), None).unwrap(), "OP1C:ABC");
    }

    #[test]
    fn a_file_written_by_out_is_read_back_without_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("request.txt");
        std::fs::write(&path, "OP1R:XYZ\n").unwrap();
        assert_eq!(read("the request", None, Some(&path)).unwrap(), "OP1R:XYZ");
    }

    #[test]
    fn a_huge_file_is_refused_as_the_wrong_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        std::fs::write(&path, vec![b'A'; MAX_INPUT as usize + 1]).unwrap();
        let err = read("the transfer", None, Some(&path)).unwrap_err();
        assert!(err.to_string().contains("right file"), "{err}");
    }

    #[test]
    fn a_missing_file_names_the_path() {
        let err = read("the transfer", None, Some(Path::new("/nonexistent/t.txt"))).unwrap_err();
        assert_eq!(err.to_string(), "cannot read /nonexistent/t.txt (it does not exist): check the path");
    }
}
