// Amounts in the ledger's currency and times in the officer's own zone, as the browser knows
// them. The ledger counts in minor units; `exponent` says how many of them make one unit.

let currency = { code: 'XXX', exponent: 2 };

export function setCurrency(code, exponent) {
  currency = { code, exponent };
}

export function money(minor) {
  const value = Number(minor) / 10 ** currency.exponent;
  try {
    return new Intl.NumberFormat(undefined, {
      style: 'currency', currency: currency.code,
      minimumFractionDigits: currency.exponent, maximumFractionDigits: currency.exponent,
    }).format(value);
  } catch {
    return `${value.toFixed(currency.exponent)} ${currency.code}`;
  }
}

/// Reads an amount typed in units ("12,300" or "12.50") into minor units; null when it is not one.
export function parseAmount(text) {
  const clean = String(text).trim().replace(/[\s,_¥$€£]/g, '');
  if (!/^\d+(\.\d+)?$/.test(clean)) return null;
  const [whole, frac = ''] = clean.split('.');
  if (frac.length > currency.exponent) return null;
  const minor = BigInt(whole) * 10n ** BigInt(currency.exponent) + BigInt((frac + '0'.repeat(currency.exponent)).slice(0, currency.exponent) || '0');
  if (minor <= 0n || minor > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(minor);
}

export const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function time(unixSeconds) {
  if (!unixSeconds) return '—';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(unixSeconds * 1000));
}

export function day(unixSeconds) {
  return new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' }).format(new Date(unixSeconds * 1000));
}

/// The day of a time in the officer's zone, as a sortable key.
export function dayKey(unixSeconds) {
  const d = new Date(unixSeconds * 1000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
