// The officer request the CLI signs, made in the page and signed by the officer's passkey
// (docs/adr/0016, docs/adr/0021). The statement is Outpost's canonical encoding
// (outpost_wallet_core::officer::OfficerRequest), byte for byte:
//   u8 version=1, officer key (32), u8 len + method, u32 len + path, SHA-256(body) (32),
//   u64 time, nonce (16)
// and the challenge the passkey signs is SHA-256(u32 len + "outpost/officer-request/v1" || statement).
// The signature is kind 2: public key (65), then authenticatorData, clientDataJSON and the DER
// signature, each with a u32 length. The header is statement || signature, base64url.

const DOMAIN = 'outpost/officer-request/v1';
const HEADER = 'Outpost-Officer-Request';
const enc = new TextEncoder();

function u32(n) {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function u64(n) {
  return [...u32(Math.floor(n / 2 ** 32)), ...u32(n >>> 0)];
}

function concat(...parts) {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) { out.set(a, at); at += a.length; }
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text) {
  const clean = String(text).trim().toLowerCase();
  if (!/^([0-9a-f]{2})+$/.test(clean)) return null;
  return Uint8Array.from(clean.match(/../g), (b) => parseInt(b, 16));
}

export function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/// The officer's passkey as this browser keeps it: which officer, which credential, its key.
export function savedPasskey() {
  try {
    const saved = JSON.parse(localStorage.getItem('outpost.passkey') || 'null');
    return saved && saved.officerKey && saved.credentialId && saved.publicKey ? saved : null;
  } catch {
    return null;
  }
}

export function savePasskey(passkey) {
  localStorage.setItem('outpost.passkey', JSON.stringify(passkey));
}

/// Makes a passkey for the officer whose Ed25519 key is `officerKey` (hex) at this ledger, and
/// returns the link the officer signs with `outpost officer link-passkey`.
export async function createPasskey(officerKey, name) {
  const key = fromHex(officerKey);
  if (!key || key.length !== 32) throw new Error('An officer key is 64 hexadecimal digits, as `outpost officer show` prints it.');
  const credential = await navigator.credentials.create({
    publicKey: {
      rp: { id: location.hostname, name: 'Outpost ledger' },
      user: { id: key, name, displayName: name },
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      attestation: 'none',
      timeout: 120000,
    },
  });
  if (credential.response.getPublicKeyAlgorithm() !== -7) throw new Error('The authenticator made a key that is not ES256 (P-256).');
  const spki = new Uint8Array(credential.response.getPublicKey());
  // A P-256 SubjectPublicKeyInfo is 26 bytes of algorithm header, then the 65-byte point.
  if (spki.length !== 91 || spki[26] !== 4) throw new Error('The authenticator returned a public key this console cannot read.');
  const publicKey = hex(spki.slice(26));
  const link = {
    credential_id: base64url(new Uint8Array(credential.rawId)),
    public_key: publicKey,
    rp_id: location.hostname,
    origin: location.origin,
  };
  savePasskey({ officerKey: hex(key), name, credentialId: link.credential_id, publicKey });
  return link;
}

/// The header that signs `method path` with `body` by the saved passkey.
export async function signRequest(method, path, body) {
  const passkey = savedPasskey();
  if (!passkey) throw new Error('No passkey in this browser: make one on the Passkey page first.');
  const bodyBytes = enc.encode(body);
  const m = enc.encode(method);
  const p = enc.encode(path);
  const statement = concat(
    [1], fromHex(passkey.officerKey), [m.length], m, u32(p.length), p,
    await sha256(bodyBytes), u64(Math.floor(Date.now() / 1000)), crypto.getRandomValues(new Uint8Array(16)),
  );
  const domain = enc.encode(DOMAIN);
  const challenge = await sha256(concat(u32(domain.length), domain, statement));
  const assertion = await navigator.credentials.get({
    publicKey: {
      challenge,
      rpId: location.hostname,
      allowCredentials: [{ type: 'public-key', id: fromBase64url(passkey.credentialId) }],
      userVerification: 'preferred',
      timeout: 120000,
    },
  });
  const r = assertion.response;
  const authenticatorData = new Uint8Array(r.authenticatorData);
  const clientData = new Uint8Array(r.clientDataJSON);
  const signature = new Uint8Array(r.signature);
  const signed = concat(
    statement, [2], fromHex(passkey.publicKey),
    u32(authenticatorData.length), authenticatorData,
    u32(clientData.length), clientData,
    u32(signature.length), signature,
  );
  return base64url(signed);
}

/// A request to the ledger. `sign` asks the passkey (every state-changing request); otherwise
/// the session cookie lets a read through. Returns the parsed JSON, or throws the ledger's words.
export async function call(method, path, { body, sign = method !== 'GET' } = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = {};
  if (text) headers['Content-Type'] = 'application/json';
  if (sign) headers[HEADER] = await signRequest(method, path, text);
  const response = await fetch(path, { method, headers, body: text || undefined, credentials: 'same-origin' });
  const type = response.headers.get('content-type') || '';
  const answer = type.includes('json') ? await response.json() : await response.blob();
  if (!response.ok) {
    const error = new Error(answer && answer.error ? answer.error : `The ledger answered ${response.status}.`);
    error.status = response.status;
    throw error;
  }
  return { status: response.status, answer };
}
