//! Getting the PIN from the person at the keyboard, or from the environment for scripts.
//!
//! `OUTPOST_PIN` exists for scripts and tests; a person is asked on the terminal, with nothing
//! echoed. [`take_from_env`] reads `OUTPOST_PIN` once, at startup, overwrites it where the
//! process was started with it and removes it from the environment, so no child process, crash
//! report or `/proc/<pid>/environ` reader finds it there later. The PIN never appears on the command line, where other users could read it from the
//! process list, and is held only as a [`Pin`], which zeroizes itself.

use std::ffi::OsString;
use std::sync::Mutex;

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
        return Err(Error::PinsDiffer);
    }
    Ok(pin)
}

/// The PIN `OUTPOST_PIN` held at startup, if it held one; wiped when the process exits.
static FROM_ENV: Mutex<Option<Zeroizing<Vec<u8>>>> = Mutex::new(None);

/// Moves `OUTPOST_PIN` out of the process environment into memory that is wiped. Call it first in
/// `main`, before any thread starts: changing the environment is only sound while no other
/// thread can be reading it.
pub fn take_from_env() {
    let Some(value) = std::env::var_os(PIN_ENV) else {
        return;
    };
    let bytes = Zeroizing::new(OsString::into_encoded_bytes(value));
    wipe_where_the_process_started_with_it();
    // SAFETY: called at the top of `main`, before the program starts any thread.
    unsafe { std::env::remove_var(PIN_ENV) };
    *FROM_ENV.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes);
}

/// Overwrites the PIN's characters where the environment holds them. Removing the variable only
/// takes it out of the list the C library keeps; the strings the process was started with stay in
/// its memory, and the kernel shows that memory as `/proc/<pid>/environ` to the same user and
/// root for as long as the process runs.
#[cfg(unix)]
fn wipe_where_the_process_started_with_it() {
    use zeroize::Zeroize as _;
    unsafe extern "C" {
        fn getenv(name: *const std::ffi::c_char) -> *mut std::ffi::c_char;
    }
    // SAFETY: called from `take_from_env` before any thread starts, so nothing changes the
    // environment meanwhile. `getenv` returns null or the variable's NUL-terminated value inside
    // the environment's strings, which are the process's own writable memory; the wipe writes
    // only the value's bytes, not its terminator.
    unsafe {
        let value = getenv(c"OUTPOST_PIN".as_ptr());
        if !value.is_null() {
            let len = std::ffi::CStr::from_ptr(value).to_bytes().len();
            std::slice::from_raw_parts_mut(value.cast::<u8>(), len).zeroize();
        }
    }
}

#[cfg(not(unix))]
fn wipe_where_the_process_started_with_it() {}

fn from_env() -> Result<Option<Pin>, Error> {
    let held = FROM_ENV.lock().unwrap_or_else(|e| e.into_inner());
    let Some(bytes) = held.as_ref() else {
        return Ok(None);
    };
    let text = std::str::from_utf8(bytes).map_err(|_| Error::PinNotText)?;
    Ok(Some(Pin::new(text)?))
}

fn prompt_no_echo(prompt: &str) -> Result<Zeroizing<String>, Error> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| Error::NoTerminalForPin { detail: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_leaves_the_environment_when_it_is_read() {
        // SAFETY: no other test of this binary reads or writes OUTPOST_PIN.
        unsafe { std::env::set_var(PIN_ENV, "482916") };
        take_from_env();
        assert!(std::env::var_os(PIN_ENV).is_none(), "OUTPOST_PIN is still in the environment");
        assert!(from_env().unwrap().is_some(), "the PIN is still there for the command");
    }
}
