//! The PIN, Argon2id parameters, and the PIN wrap of the data key.
//!
//! PIN wrap (inside the key protector's layer):
//! `version (1) || m_cost u32 || t_cost u32 || p_cost u32 || salt (16) || sealed data key`,
//! where the data key is sealed under Argon2id(PIN, salt, params) with associated data naming the
//! wallet and the parameters. The parameters travel with the wrap so they can be raised later: a
//! wallet whose wrap is weaker than the app's target is re-wrapped after the next good unlock.

use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::Zeroizing;

use super::data_key::{open_with, seal_with};
use super::{DataKey, VaultError, random_bytes};
use crate::encoding::{Reader, Writer};

const WRAP_VERSION: u8 = 1;
const SALT_LEN: usize = 16;

/// A PIN or passphrase. Zeroized on drop; `Debug` never shows it.
pub struct Pin(Zeroizing<String>);

impl Pin {
    pub const MIN_LEN: usize = 6;
    pub const MAX_LEN: usize = 128;

    /// Accepts 6 to 128 characters. Apps decide whether to ask for digits only.
    pub fn new(pin: impl Into<String>) -> Result<Pin, VaultError> {
        let pin = Zeroizing::new(pin.into());
        if pin.chars().count() < Self::MIN_LEN {
            return Err(VaultError::InvalidPin { reason: "use at least 6 characters" });
        }
        if pin.len() > Self::MAX_LEN {
            return Err(VaultError::InvalidPin { reason: "use at most 128 bytes" });
        }
        Ok(Pin(pin))
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

/// Argon2id cost parameters: memory in KiB, passes, lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
}

impl KdfParams {
    /// The default for new wallets: 64 MiB, 3 passes, 1 lane (RFC 9106's second recommended
    /// option with one lane). Above OWASP's minimum of 19 MiB and 2 passes on every axis.
    pub const DEFAULT: KdfParams = KdfParams { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1 };

    /// OWASP's current minimum for Argon2id (19 MiB, 2 passes, 1 lane).
    pub const OWASP_MINIMUM: KdfParams = KdfParams { m_cost_kib: 19 * 1024, t_cost: 2, p_cost: 1 };

    /// **Tests only.** Argon2id at its smallest legal cost, so test suites can unlock hundreds of
    /// wallets. It gives a PIN no protection at all; never use it for a real wallet.
    pub const INSECURE_FAST_FOR_TESTS: KdfParams = KdfParams { m_cost_kib: 8, t_cost: 1, p_cost: 1 };

    /// Parameters for production use: refused if weaker than [`KdfParams::OWASP_MINIMUM`]
    /// (memory x passes below 19 MiB x 2, or under 7 MiB of memory).
    pub fn new(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self, VaultError> {
        let params = Self::bounded(m_cost_kib, t_cost, p_cost)?;
        if m_cost_kib < 7 * 1024 || params.cost() < Self::OWASP_MINIMUM.cost() {
            return Err(VaultError::KdfParams {
                reason: "weaker than OWASP's minimum (19 MiB of memory with 2 passes, or equivalent)",
            });
        }
        Ok(params)
    }

    /// Sanity bounds for parameters read from a file: a forged record must not make unlocking
    /// allocate gigabytes or run for hours.
    fn bounded(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self, VaultError> {
        if !(1..=8).contains(&p_cost) {
            return Err(VaultError::KdfParams { reason: "lanes must be 1 to 8" });
        }
        if !(8 * p_cost..=1024 * 1024).contains(&m_cost_kib) {
            return Err(VaultError::KdfParams { reason: "memory must be 8 KiB per lane to 1 GiB" });
        }
        if !(1..=16).contains(&t_cost) {
            return Err(VaultError::KdfParams { reason: "passes must be 1 to 16" });
        }
        Ok(Self { m_cost_kib, t_cost, p_cost })
    }

    pub fn m_cost_kib(&self) -> u32 {
        self.m_cost_kib
    }

    pub fn t_cost(&self) -> u32 {
        self.t_cost
    }

    pub fn p_cost(&self) -> u32 {
        self.p_cost
    }

    /// Work per guess, in KiB-passes: what an upgrade must increase.
    pub fn cost(&self) -> u64 {
        u64::from(self.m_cost_kib) * u64::from(self.t_cost)
    }

    fn encode(&self, w: &mut Writer) {
        w.u32(self.m_cost_kib).u32(self.t_cost).u32(self.p_cost);
    }

    fn derive(&self, pin: &Pin, salt: &[u8; SALT_LEN]) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|_| VaultError::KdfParams { reason: "rejected by Argon2" })?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(pin.as_bytes(), salt, out.as_mut())
            .map_err(|_| VaultError::KdfParams { reason: "rejected by Argon2" })?;
        Ok(out)
    }
}

/// The data key wrapped under a PIN-derived key, as stored inside the protector's layer.
#[derive(Debug, Clone)]
pub struct PinWrap {
    params: KdfParams,
    salt: [u8; SALT_LEN],
    sealed_key: Vec<u8>,
}

impl PinWrap {
    /// Wraps `key` under `pin` with fresh salt. Runs Argon2id: slow by design.
    pub fn wrap(
        key: &DataKey,
        pin: &Pin,
        params: KdfParams,
        wallet_id: &[u8; 16],
    ) -> Result<Self, VaultError> {
        let mut salt = [0u8; SALT_LEN];
        random_bytes(&mut salt)?;
        let kek = params.derive(pin, &salt)?;
        let sealed_key = seal_with(&kek, &Self::associated_data(&params, wallet_id), key.expose())?;
        Ok(Self { params, salt, sealed_key })
    }

    /// Recovers the data key, or `None` if the PIN is wrong. Runs Argon2id: slow by design.
    pub fn unwrap(&self, pin: &Pin, wallet_id: &[u8; 16]) -> Result<Option<DataKey>, VaultError> {
        let kek = self.params.derive(pin, &self.salt)?;
        let ad = Self::associated_data(&self.params, wallet_id);
        let Some(plain) = open_with(&kek, &ad, &self.sealed_key) else {
            return Ok(None);
        };
        let bytes: &[u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::KeyRecordDamaged { reason: "data key has the wrong length".into() })?;
        Ok(Some(DataKey::from_bytes(bytes)))
    }

    pub fn params(&self) -> KdfParams {
        self.params
    }

    fn associated_data(params: &KdfParams, wallet_id: &[u8; 16]) -> Vec<u8> {
        let mut w = Writer::new();
        w.text("outpost/pin-wrap/v1").fixed(wallet_id);
        params.encode(&mut w);
        w.finish()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(WRAP_VERSION);
        self.params.encode(&mut w);
        w.fixed(&self.salt).bytes(&self.sealed_key).finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, VaultError> {
        let damaged =
            |e: crate::encoding::DecodeError| VaultError::KeyRecordDamaged { reason: e.to_string() };
        let mut r = Reader::new(bytes);
        r.version("PIN wrap", WRAP_VERSION).map_err(damaged)?;
        let m = r.u32("memory cost").map_err(damaged)?;
        let t = r.u32("passes").map_err(damaged)?;
        let p = r.u32("lanes").map_err(damaged)?;
        let salt = r.array("salt").map_err(damaged)?;
        let sealed_key = r.bytes("sealed key", 128).map_err(damaged)?.to_vec();
        r.finish().map_err(damaged)?;
        Ok(Self { params: KdfParams::bounded(m, t, p)?, salt, sealed_key })
    }
}
