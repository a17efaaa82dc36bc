//! Receipts: the receiver's signed acknowledgement that it stored a transfer. The sender marks
//! the transfer delivered on scanning one; without it the sender can show the transfer again.

use super::{MessageId, ProtocolError, malformed, message_id, sign, split_signed, verify};
use crate::encoding::{Reader, Writer};
use crate::identity::Identity;

const DOMAIN: &str = "outpost/receipt/v1";
const VERSION: u8 = 1;
const NAME: &str = "receipt";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub transfer_id: MessageId,
    pub receiver_key: [u8; 32],
    pub time: u64,
    signature: [u8; 64],
    body: Vec<u8>,
}

impl Receipt {
    pub fn sign(transfer_id: MessageId, time: u64, receiver: &Identity) -> Self {
        let receiver_key = receiver.public().signing_key;
        let body = Writer::new().u8(VERSION).fixed(&transfer_id).fixed(&receiver_key).u64(time).finish();
        let signature = sign(DOMAIN, &body, receiver.signing_key());
        Self { transfer_id, receiver_key, time, signature, body }
    }

    pub fn id(&self) -> MessageId {
        message_id(DOMAIN, &self.body)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        [self.body.as_slice(), &self.signature].concat()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let (body, signature) = split_signed(bytes, NAME)?;
        let m = malformed(NAME);
        let mut r = Reader::new(body);
        r.version(NAME, VERSION).map_err(&m)?;
        let transfer_id = r.array("transfer id").map_err(&m)?;
        let receiver_key = r.array("receiver key").map_err(&m)?;
        let time = r.u64("time").map_err(&m)?;
        r.finish().map_err(&m)?;
        Ok(Self { transfer_id, receiver_key, time, signature, body: body.to_vec() })
    }

    /// Checks that the receiver named in the receipt signed it.
    pub fn verify(&self) -> Result<(), ProtocolError> {
        verify(DOMAIN, &self.body, &self.signature, &self.receiver_key, NAME)
    }
}
