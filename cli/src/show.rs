//! Showing a QR code the way a phone shows one: its text on a line of its own (always), drawn in
//! the terminal (`--qr`), as an SVG picture (`--svg FILE`), or as text in a file another wallet
//! reads with `--qr-file` (`--out FILE`).
//!
//! Output files are created *before* the wallet does anything, and never over an existing file:
//! a payment is committed before its QR code is shown, so a file that could not be written
//! afterwards would leave a transfer made and nowhere to find it, and `--out` given a wallet's
//! own name by mistake must not destroy the wallet.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use outpost_wallet_core::qr;

use crate::error::Error;

#[derive(Debug, Clone, Default, Args)]
pub struct ShowArgs {
    /// Also draw the QR code in the terminal, for a phone to scan
    #[arg(long)]
    pub qr: bool,
    /// Also write the QR code as an SVG picture to FILE (must not exist yet)
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Also write the QR text to FILE (must not exist yet), for the other wallet's --qr-file
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The output files, created empty and waiting for the QR code. Dropped unwritten (the
/// operation failed), they are removed again.
pub struct Showing {
    draw: bool,
    svg: Option<Output>,
    out: Option<Output>,
}

struct Output {
    path: PathBuf,
    file: Option<File>,
}

impl ShowArgs {
    /// Creates the output files; call before the operation whose QR code they will hold.
    pub fn prepare(&self) -> Result<Showing, Error> {
        let svg = self.svg.as_deref().map(Output::create).transpose()?;
        let out = self.out.as_deref().map(Output::create).transpose()?;
        Ok(Showing { draw: self.qr, svg, out })
    }
}

impl Output {
    fn create(path: &Path) -> Result<Output, Error> {
        Ok(Output { path: path.to_path_buf(), file: Some(new_file(path)?) })
    }

    fn write(&mut self, contents: &[u8]) -> Result<(), Error> {
        if let Some(mut file) = self.file.take() {
            file.write_all(contents)
                .and_then(|()| file.sync_all())
                .map_err(Error::file("write", self.path.clone()))?;
        }
        Ok(())
    }
}

/// Creates `path` for writing, refusing an existing file: the one way this command makes an
/// output file, so that no output ever lands on a wallet, a key or an earlier export.
pub fn new_file(path: &Path) -> Result<File, Error> {
    if path.is_dir() {
        return Err(Error::IsDirectory { path: path.to_owned() });
    }
    File::options().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            Error::WouldOverwrite { path: path.to_owned() }
        } else {
            Error::File { doing: "create", path: path.to_path_buf(), source: e }
        }
    })
}

impl Drop for Output {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Showing {
    /// Shows `text`: printed first, so that it reaches the user even if drawing or a file fails.
    pub fn show(mut self, text: &str) -> Result<(), Error> {
        println!("{text}");
        if self.draw {
            println!("{}", qr::render(text)?.to_terminal());
        }
        if let Some(svg) = &mut self.svg {
            svg.write(qr::render(text)?.to_svg(8).as_bytes())?;
            println!("QR code picture written to {}", svg.path.display());
        }
        if let Some(out) = &mut self.out {
            out.write(format!("{text}\n").as_bytes())?;
            println!("QR text written to {}", out.path.display());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let wallet = dir.path().join("aiko.wallet");
        std::fs::write(&wallet, "precious").unwrap();
        let args = ShowArgs { out: Some(wallet.clone()), ..Default::default() };
        let err = args.prepare().err().expect("refused");
        assert!(err.to_string().contains("was not overwritten"), "{err}");
        assert_eq!(std::fs::read_to_string(&wallet).unwrap(), "precious");
    }

    #[test]
    fn files_of_an_operation_that_failed_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("transfer.txt");
        let svg = dir.path().join("transfer.svg");
        let args = ShowArgs { out: Some(out.clone()), svg: Some(svg.clone()), qr: false };
        let showing = args.prepare().unwrap();
        assert!(out.exists() && svg.exists());
        drop(showing);
        assert!(!out.exists() && !svg.exists());
    }

    #[test]
    fn shown_codes_land_in_their_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("request.txt");
        let svg = dir.path().join("request.svg");
        let args = ShowArgs { out: Some(out.clone()), svg: Some(svg.clone()), qr: false };
        args.prepare().unwrap().show("OP1R:BB8").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "OP1R:BB8\n");
        assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    }
}
