//! Getting the PIN from the person at the keyboard, or from the environment for scripts.
//!
//! `OUTPOST_PIN` exists for scripts and tests; a person is asked on the terminal, with nothing
//! echoed. The PIN never appears on the command line, where other users could read it from the
//! process list, and is held only as a [`Pin`], which zeroizes itself.

use outpost_wallet_core::Pin;
use zeroize::Zeroizing;

use crate::error::Error;

/// The environment variable a script puts the PIN in.
pub const PIN_ENV: &str = "OUTPOST_PIN";

/// The PIN for an existing wallet.
pub fn ask(prompt: &str) -> Result<Pin, Error> {
    if let Some(pin) = from_env()? {
        return Ok(pin);
    }
    Ok(Pin::new(prompt_no_echo(prompt)?.as_str())?)
}

/// A new PIN: asked twice on a terminal, so a slip of the finger does not lock the owner out.
pub fn ask_new() -> Result<Pin, Error> {
    if let Some(pin) = from_env()? {
        return Ok(pin);
    }
    let first = prompt_no_echo("Choose a PIN (at least 6 characters): ")?;
    let pin = Pin::new(first.as_str())?;
    let second = prompt_no_echo("Enter the same PIN again: ")?;
    if first != second {
        return Err(Error::Refused("the two PINs differ: nothing was created, try again".into()));
    }
    Ok(pin)
}

fn from_env() -> Result<Option<Pin>, Error> {
    match std::env::var_os(PIN_ENV) {
        None => Ok(None),
        Some(value) => {
            let value = Zeroizing::new(
                value.into_string().map_err(|_| Error::Usage(format!("{PIN_ENV} is not valid text")))?,
            );
            Ok(Some(Pin::new(value.as_str())?))
        }
    }
}

fn prompt_no_echo(prompt: &str) -> Result<Zeroizing<String>, Error> {
    rpassword::prompt_password(prompt).map(Zeroizing::new).map_err(|e| {
        Error::Usage(format!("cannot ask for the PIN on a terminal ({e}): set {PIN_ENV} when scripting"))
    })
}
