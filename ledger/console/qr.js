// Reading a QR code from a picture, in the page (docs/adr/0021): the officer photographs or
// screenshots the enrolment code a member's wallet shows, and the console decodes it here. No
// browser on Linux has a `BarcodeDetector`, and the console fetches nothing from outside, so this
// is a decoder of our own, written from ISO/IEC 18004's description of the symbol.
//
// The picture goes through these steps, each a function below:
//   1. grey levels, shrunk when the picture is large (`grey`);
//   2. black and white by a local threshold, so that uneven light and a glare do not hide the
//      modules (`binarize`; a global threshold and the inverted picture are tried after);
//   3. the three finder patterns, found as 1:1:3:1:1 runs across rows and checked down columns
//      (`findFinders`), and which of them is the top-left corner;
//   4. the symbol's size from the finders' spacing, and the bottom-right alignment pattern
//      searched for near where the three finders put it (`findAlignment`): four points, so a
//      perspective transform places every module even when the picture was taken at a slant;
//   5. format information (level and mask) and, from version 7, version information, each read
//      from whichever of its two copies is nearest a valid BCH codeword;
//   6. the data modules unmasked and read in the standard's zigzag, the codewords de-interleaved
//      into their blocks and each block corrected by Reed–Solomon over GF(256);
//   7. the segments: numeric, alphanumeric, byte (UTF-8), kanji and ECI headers.
//
// `decodeQr` never throws on a picture: it returns `null` when no code can be read from it.

// ---- GF(256) and Reed–Solomon ----

// The field of the standard: polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), generator α = 2.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}
const mul = (a, b) => (a && b ? EXP[LOG[a] + LOG[b]] : 0);
const div = (a, b) => (a ? EXP[LOG[a] + 255 - LOG[b]] : 0);

/// Corrects `block` (data then error-correction codewords) in place; returns the number of
/// codewords corrected, or -1 when there are more errors than `ecLen / 2` can fix. The code's
/// generator has the roots α^0 … α^(ecLen-1); codeword j is the coefficient of x^(n-1-j).
function correct(block, ecLen) {
  const n = block.length;
  const syndromes = new Uint8Array(ecLen);
  let clean = true;
  for (let i = 0; i < ecLen; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s = mul(s, EXP[i]) ^ block[j];
    syndromes[i] = s;
    if (s) clean = false;
  }
  if (clean) return 0;
  // Berlekamp–Massey: the shortest error locator Λ(x) = Π (1 - X_k x), lowest degree first.
  let locator = [1];
  let previous = [1];
  let length = 0;
  let shift = 1;
  let lastDiscrepancy = 1;
  for (let r = 0; r < ecLen; r++) {
    let d = syndromes[r];
    for (let i = 1; i <= length; i++) d ^= mul(locator[i] || 0, syndromes[r - i]);
    if (d === 0) {
      shift++;
      continue;
    }
    const scale = div(d, lastDiscrepancy);
    const next = locator.slice();
    for (let i = 0; i < previous.length; i++) {
      next[i + shift] = (next[i + shift] || 0) ^ mul(scale, previous[i]);
    }
    if (2 * length <= r) {
      previous = locator;
      length = r + 1 - length;
      lastDiscrepancy = d;
      shift = 1;
    } else {
      shift++;
    }
    locator = next;
  }
  while (locator.length > length + 1) {
    if (locator[locator.length - 1]) return -1;
    locator.pop();
  }
  if (length === 0 || 2 * length > ecLen) return -1;
  // Chien search: X_k = α^p is a root's inverse; p is the power of x the wrong codeword has.
  const positions = [];
  for (let p = 0; p < n; p++) {
    const inverse = EXP[(255 - p) % 255];
    let v = 0;
    for (let i = locator.length - 1; i >= 0; i--) v = mul(v, inverse) ^ locator[i];
    if (v === 0) positions.push(p);
  }
  if (positions.length !== length) return -1;
  // Forney: Ω(x) = S(x)Λ(x) mod x^ecLen; with the first root α^0, e_k = X_k Ω(X_k⁻¹) / Λ'(X_k⁻¹).
  const omega = new Uint8Array(ecLen);
  for (let i = 0; i < ecLen; i++) {
    let v = 0;
    for (let j = 0; j <= i && j < locator.length; j++) v ^= mul(locator[j], syndromes[i - j]);
    omega[i] = v;
  }
  for (const p of positions) {
    const x = EXP[p];
    const inverse = EXP[(255 - p) % 255];
    let top = 0;
    for (let i = ecLen - 1; i >= 0; i--) top = mul(top, inverse) ^ omega[i];
    let bottom = 0; // Λ'(x): in characteristic 2 only the odd terms remain.
    for (let i = 1; i < locator.length; i += 2) bottom ^= mul(locator[i], EXP[(LOG[inverse] * (i - 1)) % 255]);
    if (bottom === 0) return -1;
    block[n - 1 - p] ^= mul(x, div(top, bottom));
  }
  for (let i = 0; i < ecLen; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s = mul(s, EXP[i]) ^ block[j];
    if (s) return -1;
  }
  return positions.length;
}

// ---- The symbol's structure (ISO/IEC 18004, tables 9 and E.1, section 7.9) ----

const LEVELS = ['M', 'L', 'H', 'Q']; // indexed by the format information's two level bits
const LEVEL_INDEX = { L: 0, M: 1, Q: 2, H: 3 };
// Error-correction codewords per block, and the number of blocks, per version (1-40) and level.
const EC_PER_BLOCK = [
  [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
  [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
];
const BLOCKS = [
  [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
  [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
  [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
  [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
];

/// Centres of the alignment patterns along each axis: from 6 to size - 7, evenly spaced by an
/// even step (version 32's is the one step the rule does not give).
function alignmentCentres(version) {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const last = version * 4 + 10;
  const step = version === 32 ? 26 : Math.ceil((last - 6) / (count - 1) / 2) * 2;
  const centres = [6];
  for (let i = count - 2; i >= 0; i--) centres.push(last - i * step);
  return centres;
}

const structures = new Map();

/// Which modules of a version's symbol are function patterns, and the order the data modules are
/// read in: column pairs from the right, upwards then downwards, skipping the timing column.
function structure(version) {
  if (structures.has(version)) return structures.get(version);
  const size = version * 4 + 17;
  const fn = new Uint8Array(size * size);
  const mark = (x0, y0, w, h) => {
    for (let y = Math.max(0, y0); y < Math.min(size, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(size, x0 + w); x++) fn[y * size + x] = 1;
    }
  };
  mark(0, 0, 9, 9); // finders with their separators and the format information
  mark(size - 8, 0, 8, 9);
  mark(0, size - 8, 9, 8);
  mark(6, 0, 1, size); // timing
  mark(0, 6, size, 1);
  const centres = alignmentCentres(version);
  for (const cy of centres) {
    for (const cx of centres) {
      if ((cx === 6 && cy === 6) || (cx === 6 && cy === size - 7) || (cx === size - 7 && cy === 6)) continue;
      mark(cx - 2, cy - 2, 5, 5);
    }
  }
  if (version >= 7) {
    mark(size - 11, 0, 3, 6);
    mark(0, size - 11, 6, 3);
  }
  const order = [];
  let upwards = true;
  for (let right = size - 1; right > 0; right -= 2) {
    if (right === 6) right = 5;
    for (let i = 0; i < size; i++) {
      const y = upwards ? size - 1 - i : i;
      for (const x of [right, right - 1]) if (!fn[y * size + x]) order.push(y * size + x);
    }
    upwards = !upwards;
  }
  const s = { version, size, fn, order, codewords: order.length >> 3 };
  structures.set(version, s);
  return s;
}

const MASKS = [
  (x, y) => (x + y) % 2 === 0,
  (x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(y / 2) + Math.floor(x / 3)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

/// The remainder of `value << shift` divided by `generator` (a BCH code's check bits).
function bchRemainder(value, shift, generator) {
  let r = value << shift;
  const top = 31 - Math.clz32(generator);
  for (let bit = 31 - Math.clz32(r); bit >= top; bit--) if (r & (1 << bit)) r ^= generator << (bit - top);
  return r;
}
// The 32 valid 15-bit format words (after the 0x5412 mask) and the 34 18-bit version words.
const FORMAT_WORDS = Array.from({ length: 32 }, (_, v) => ((v << 10) | bchRemainder(v, 10, 0x537)) ^ 0x5412);
const VERSION_WORDS = Array.from({ length: 34 }, (_, i) => ((i + 7) << 12) | bchRemainder(i + 7, 12, 0x1f25));
const popcount = (v) => { let n = 0; for (; v; v &= v - 1) n++; return n; };

/// The index of the word in `words` nearest `bits` (at most 3 bits off), or -1.
function nearest(words, ...readings) {
  let best = -1;
  let bestDistance = 4;
  for (const bits of readings) {
    words.forEach((w, i) => {
      const d = popcount(w ^ bits);
      if (d < bestDistance) { bestDistance = d; best = i; }
    });
  }
  return best;
}

// ---- From the module grid to text ----

/// Reads the modules `dark(x, y)` of a symbol of `version`; returns the decoded result or null.
function readGrid(version, dark) {
  const { size, fn, order, codewords } = structure(version);
  // Format information: bit 14 first, around the top-left finder and split between the other two.
  let first = 0;
  let second = 0;
  for (let i = 0; i <= 5; i++) first = (first << 1) | dark(i, 8);
  first = (first << 1) | dark(7, 8);
  first = (first << 1) | dark(8, 8);
  first = (first << 1) | dark(8, 7);
  for (let i = 5; i >= 0; i--) first = (first << 1) | dark(8, i);
  for (let i = 0; i < 7; i++) second = (second << 1) | dark(8, size - 1 - i);
  for (let i = 0; i < 8; i++) second = (second << 1) | dark(size - 8 + i, 8);
  const format = nearest(FORMAT_WORDS, first, second);
  if (format < 0) return null;
  const level = LEVELS[format >> 3];
  const mask = MASKS[format & 7];

  const modules = new Uint8Array(order.length);
  order.forEach((at, i) => {
    const x = at % size;
    const y = (at - x) / size;
    modules[i] = dark(x, y) ^ (mask(x, y) ? 1 : 0);
  });
  const raw = new Uint8Array(codewords);
  for (let i = 0; i < codewords * 8; i++) raw[i >> 3] |= modules[i] << (7 - (i & 7));

  // De-interleave: data codewords go round the blocks (the short ones first end one early), then
  // the error-correction codewords the same way.
  const li = LEVEL_INDEX[level];
  const blockCount = BLOCKS[li][version - 1];
  const ecLen = EC_PER_BLOCK[li][version - 1];
  const shortLen = Math.floor(codewords / blockCount);
  const longBlocks = codewords % blockCount;
  const shortBlocks = blockCount - longBlocks;
  const blocks = Array.from({ length: blockCount }, (_, b) => new Uint8Array(shortLen + (b < shortBlocks ? 0 : 1)));
  let k = 0;
  const shortData = shortLen - ecLen;
  for (let i = 0; i <= shortData; i++) {
    for (let b = 0; b < blockCount; b++) {
      if (i === shortData && b < shortBlocks) continue;
      blocks[b][i] = raw[k++];
    }
  }
  for (let i = 0; i < ecLen; i++) {
    for (let b = 0; b < blockCount; b++) blocks[b][blocks[b].length - ecLen + i] = raw[k++];
  }
  let corrected = 0;
  const data = [];
  for (const block of blocks) {
    const fixed = correct(block, ecLen);
    if (fixed < 0) return null;
    corrected += fixed;
    for (let i = 0; i < block.length - ecLen; i++) data.push(block[i]);
  }
  const text = segments(Uint8Array.from(data), version);
  if (text === null) return null;
  return { text, version, level, mask: format & 7, corrected };
}

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

/// The text of the data codewords: a sequence of segments, each a mode, a count and its data.
function segments(data, version) {
  let bit = 0;
  const total = data.length * 8;
  const read = (n) => {
    if (bit + n > total) throw new RangeError('past the end');
    let v = 0;
    for (let i = 0; i < n; i++, bit++) v = (v << 1) | ((data[bit >> 3] >> (7 - (bit & 7))) & 1);
    return v;
  };
  const band = version < 10 ? 0 : version < 27 ? 1 : 2;
  const bytes = [];
  let text = '';
  const flush = (charset) => {
    if (!bytes.length) return;
    const array = Uint8Array.from(bytes);
    try {
      text += new TextDecoder(charset, { fatal: true }).decode(array);
    } catch {
      text += Array.from(array, (b) => String.fromCharCode(b)).join(''); // ISO 8859-1, QR's default
    }
    bytes.length = 0;
  };
  try {
    while (total - bit >= 4) {
      const mode = read(4);
      if (mode === 0) break;
      if (mode === 7) { // ECI: the designator is read and the bytes still taken as UTF-8
        const first = read(8);
        if ((first & 0xc0) === 0x80) read(8);
        else if ((first & 0xe0) === 0xc0) read(16);
        continue;
      }
      if (mode === 1) {
        flush('utf-8');
        let n = read([10, 12, 14][band]);
        for (; n >= 3; n -= 3) {
          const v = read(10);
          if (v > 999) return null;
          text += String(v).padStart(3, '0');
        }
        if (n === 2) { const v = read(7); if (v > 99) return null; text += String(v).padStart(2, '0'); }
        if (n === 1) { const v = read(4); if (v > 9) return null; text += String(v); }
      } else if (mode === 2) {
        flush('utf-8');
        let n = read([9, 11, 13][band]);
        for (; n >= 2; n -= 2) {
          const v = read(11);
          if (v >= 45 * 45) return null;
          text += ALPHANUMERIC[Math.floor(v / 45)] + ALPHANUMERIC[v % 45];
        }
        if (n === 1) { const v = read(6); if (v >= 45) return null; text += ALPHANUMERIC[v]; }
      } else if (mode === 4) {
        const n = read([8, 16, 16][band]);
        for (let i = 0; i < n; i++) bytes.push(read(8));
      } else if (mode === 8) {
        flush('utf-8');
        const n = read([8, 10, 12][band]);
        for (let i = 0; i < n; i++) {
          const v = read(13);
          const word = Math.floor(v / 0xc0) * 0x100 + (v % 0xc0);
          const sjis = word + (word < 0x1f00 ? 0x8140 : 0xc140);
          bytes.push(sjis >> 8, sjis & 0xff);
        }
        flush('shift_jis');
      } else {
        return null; // structured append, FNC1 and the like: not in any code we print
      }
    }
  } catch {
    return null; // a count that runs past the data: not a code we can trust
  }
  flush('utf-8');
  return text;
}

// ---- From pixels to a black-and-white picture ----

/// Grey levels (0 black … 255 white) of an RGBA picture `{ width, height, data }`, shrunk by
/// averaging so that neither side is much over `limit` pixels.
function grey({ width, height, data }, limit = 1200) {
  const step = Math.max(1, Math.ceil(Math.max(width, height) / limit));
  const w = Math.floor(width / step);
  const h = Math.floor(height / step);
  const out = new Uint8Array(w * h);
  const channels = data.length === width * height ? 1 : 4;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = 0; dy < step; dy++) {
        let i = ((y * step + dy) * width + x * step) * channels;
        for (let dx = 0; dx < step; dx++, i += channels) {
          sum += channels === 1 ? data[i] : (data[i] * 77 + data[i + 1] * 150 + data[i + 2] * 29) >> 8;
        }
      }
      out[y * w + x] = sum / (step * step);
    }
  }
  return { width: w, height: h, grey: out };
}

/// Dark (1) or light (0) per pixel: darker than the mean of the square of side `2 * radius + 1`
/// around it, by a margin, so that flat areas stay light whatever their shade.
function binarize({ width, height, grey: g }, radius) {
  const sums = new Float64Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += g[y * width + x];
      sums[(y + 1) * (width + 1) + x + 1] = sums[y * (width + 1) + x + 1] + row;
    }
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - radius);
    const y1 = Math.min(height, y + radius + 1);
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - radius);
      const x1 = Math.min(width, x + radius + 1);
      const sum = sums[y1 * (width + 1) + x1] - sums[y0 * (width + 1) + x1] - sums[y1 * (width + 1) + x0] + sums[y0 * (width + 1) + x0];
      const mean = sum / ((x1 - x0) * (y1 - y0));
      out[y * width + x] = g[y * width + x] < mean * 0.92 - 2 ? 1 : 0;
    }
  }
  return out;
}

/// Dark or light by one threshold for the whole picture (Otsu's: the one that best splits the
/// grey levels into two classes).
function binarizeGlobal({ width, height, grey: g }) {
  const histogram = new Float64Array(256);
  for (const v of g) histogram[v]++;
  const n = width * height;
  let total = 0;
  for (let i = 0; i < 256; i++) total += i * histogram[i];
  let below = 0;
  let belowSum = 0;
  let best = 0;
  let threshold = 128;
  for (let t = 0; t < 256; t++) {
    below += histogram[t];
    if (!below || below === n) continue;
    belowSum += t * histogram[t];
    const m0 = belowSum / below;
    const m1 = (total - belowSum) / (n - below);
    const between = below * (n - below) * (m0 - m1) ** 2;
    if (between > best) { best = between; threshold = t; }
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = g[i] <= threshold ? 1 : 0;
  return out;
}

// ---- Finder patterns ----

/// Whether five run lengths look like a finder pattern's 1:1:3:1:1.
function finderRatio(runs) {
  const total = runs[0] + runs[1] + runs[2] + runs[3] + runs[4];
  if (total < 7) return false;
  const m = total / 7;
  const slack = m * 0.7;
  return Math.abs(runs[0] - m) < slack && Math.abs(runs[1] - m) < slack && Math.abs(runs[3] - m) < slack
    && Math.abs(runs[4] - m) < slack && Math.abs(runs[2] - 3 * m) < slack * 2.2;
}

/// The centre of the dark centre run through (x, y) along the step (dx, dy), and the pattern's
/// width there, if the five runs that way are a finder pattern's.
function crossCheck(image, x, y, dx, dy, expected) {
  const { width, height, bits } = image;
  const at = (i) => {
    const px = Math.round(x + dx * i);
    const py = Math.round(y + dy * i);
    return px >= 0 && py >= 0 && px < width && py < height ? bits[py * width + px] : -1;
  };
  if (at(0) !== 1) return null;
  const limit = expected * 2;
  const runs = [0, 0, 0, 0, 0];
  let i = 0;
  for (const [run, want] of [[2, 1], [1, 0], [0, 1]]) {
    while (at(i) === want && runs[run] <= limit) { runs[run]++; i--; }
    if (at(i) === -1 && run !== 0) return null;
  }
  const back = i;
  i = 1;
  for (const [run, want] of [[2, 1], [3, 0], [4, 1]]) {
    while (at(i) === want && runs[run] <= limit) { runs[run]++; i++; }
    if (at(i) === -1 && run !== 4) return null;
  }
  if (!finderRatio(runs)) return null;
  const start = back + runs[0] + runs[1] + 1;
  const centre = start + (runs[2] - 1) / 2;
  return { x: x + dx * centre, y: y + dy * centre, total: runs.reduce((a, b) => a + b, 0) };
}

/// Finder pattern candidates: { x, y, size (module size), hits }.
function findFinders(image) {
  const { width, height, bits } = image;
  const found = [];
  const rowStep = Math.max(1, Math.floor(height / 600));
  const starts = new Int32Array(width + 1);
  const lengths = new Int32Array(width + 1);
  const five = [0, 0, 0, 0, 0];
  for (let y = 0; y < height; y += rowStep) {
    // Runs along the row; the first is dark or light, and they alternate.
    let count = 0;
    const row = y * width;
    for (let x = 0; x < width;) {
      const v = bits[row + x];
      let end = x + 1;
      while (end < width && bits[row + end] === v) end++;
      starts[count] = x;
      lengths[count++] = end - x;
      x = end;
    }
    for (let r = bits[row] === 1 ? 0 : 1; r + 4 < count; r += 2) {
      for (let i = 0; i < 5; i++) five[i] = lengths[r + i];
      if (!finderRatio(five)) continue;
      const total = five[0] + five[1] + five[2] + five[3] + five[4];
      const cx = starts[r + 2] + (lengths[r + 2] - 1) / 2;
      const vertical = crossCheck(image, Math.round(cx), y, 0, 1, total);
      if (!vertical) continue;
      const horizontal = crossCheck(image, cx, Math.round(vertical.y), 1, 0, total);
      if (!horizontal) continue;
      const diagonal = crossCheck(image, horizontal.x, vertical.y, 1, 1, total * 1.5);
      if (!diagonal) continue;
      const size = (horizontal.total + vertical.total) / 14;
      const near = found.find((f) => Math.abs(f.x - horizontal.x) < f.size * 2.5 && Math.abs(f.y - vertical.y) < f.size * 2.5
        && Math.abs(f.size - size) < Math.max(f.size, size) * 0.5);
      if (near) {
        const n = near.hits;
        near.x = (near.x * n + horizontal.x) / (n + 1);
        near.y = (near.y * n + vertical.y) / (n + 1);
        near.size = (near.size * n + size) / (n + 1);
        near.hits++;
      } else {
        found.push({ x: horizontal.x, y: vertical.y, size, hits: 1 });
      }
    }
  }
  return found;
}

/// How far from a finder's centre its outer edge lies along the unit direction (dx, dy), in
/// pixels: the third change from dark to light going out (centre, light ring, dark ring).
function edgeDistance(image, f, dx, dy) {
  const { width, height, bits } = image;
  let state = 0; // 0 centre, 1 light ring, 2 dark ring
  const limit = f.size * 8;
  for (let t = 0; t < limit; t += 0.5) {
    const px = Math.round(f.x + dx * t);
    const py = Math.round(f.y + dy * t);
    if (px < 0 || py < 0 || px >= width || py >= height) return null;
    const v = bits[py * width + px];
    if (state === 0 && v === 0) state = 1;
    else if (state === 1 && v === 1) state = 2;
    else if (state === 2 && v === 0) return t;
  }
  return null;
}

/// The module size along the line between two finders, from the width each shows that way.
function moduleAlong(image, a, b) {
  const d = Math.hypot(b.x - a.x, b.y - a.y);
  const ux = (b.x - a.x) / d;
  const uy = (b.y - a.y) / d;
  const widths = [];
  for (const [f, sx, sy] of [[a, ux, uy], [a, -ux, -uy], [b, ux, uy], [b, -ux, -uy]]) {
    const e = edgeDistance(image, f, sx, sy);
    if (e !== null) widths.push(e);
  }
  if (!widths.length) return a.size;
  return widths.reduce((s, w) => s + w, 0) / widths.length / 3.5;
}

// ---- Geometry ----

/// The perspective transform taking the points `from[i]` to `to[i]` (four each): the eight
/// coefficients h of x = (h0 u + h1 v + h2) / w, y = (h3 u + h4 v + h5) / w, w = h6 u + h7 v + 1.
function perspective(from, to) {
  const a = [];
  const b = [];
  for (let i = 0; i < 4; i++) {
    const [u, v] = from[i];
    const [x, y] = to[i];
    a.push([u, v, 1, 0, 0, 0, -u * x, -v * x]); b.push(x);
    a.push([0, 0, 0, u, v, 1, -u * y, -v * y]); b.push(y);
  }
  // Gaussian elimination with partial pivoting on the 8x8 system.
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (Math.abs(a[p][c]) < 1e-12) return null;
    [a[c], a[p]] = [a[p], a[c]];
    [b[c], b[p]] = [b[p], b[c]];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      if (!f) continue;
      for (let k = c; k < 8; k++) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  return Float64Array.from(b, (v, i) => v / a[i][i]);
}

// The alignment pattern as 5 x 5 modules, each looked at in five places: offsets from its centre
// in modules, and whether that place is dark.
const ALIGNMENT_PROBES = [];
for (let j = -2; j <= 2; j++) {
  for (let i = -2; i <= 2; i++) {
    const want = Math.max(Math.abs(i), Math.abs(j)) === 1 ? 0 : 1;
    for (const [si, sj] of [[0, 0], [-0.3, -0.3], [0.3, -0.3], [-0.3, 0.3], [0.3, 0.3]]) ALIGNMENT_PROBES.push(i + si, j + sj, want);
  }
}

/// The centre of the alignment pattern at module (c, c) (c = size - 6.5), searched for around
/// where the three finders put it; null when nothing there looks like one.
function findAlignment(image, tl, tr, bl, size) {
  const { width, height, bits } = image;
  const span = size - 7;
  const ex0 = (tr.x - tl.x) / span;
  const ex1 = (tr.y - tl.y) / span;
  const ey0 = (bl.x - tl.x) / span;
  const ey1 = (bl.y - tl.y) / span;
  const reach = size - 10; // from the top-left finder's centre (3.5) to the alignment centre
  const px = tl.x + (ex0 + ey0) * reach;
  const py = tl.y + (ex1 + ey1) * reach;
  const module = Math.hypot(ex0, ex1);
  const radius = Math.max(4, module * Math.min(10, 2 + size / 8));
  // Each probe's offset in pixels.
  const probes = ALIGNMENT_PROBES.length / 3;
  const offsets = new Float64Array(probes * 2);
  for (let k = 0; k < probes; k++) {
    const u = ALIGNMENT_PROBES[3 * k];
    const v = ALIGNMENT_PROBES[3 * k + 1];
    offsets[2 * k] = ex0 * u + ey0 * v;
    offsets[2 * k + 1] = ex1 * u + ey1 * v;
  }
  const dark = (x, y) => {
    const ix = Math.round(x);
    const iy = Math.round(y);
    return ix >= 0 && iy >= 0 && ix < width && iy < height ? bits[iy * width + ix] : 0;
  };
  const score = (cx, cy, stride, enough) => {
    let hits = 0;
    let misses = 0;
    for (let k = 0; k < probes && misses <= enough; k += stride) {
      if (dark(cx + offsets[2 * k], cy + offsets[2 * k + 1]) === ALIGNMENT_PROBES[3 * k + 2]) hits++;
      else misses++;
    }
    return hits;
  };
  // Coarsely, by the 25 module centres every half module; then finely around the best few.
  const coarse = [];
  const coarseStep = Math.max(1, module / 2);
  for (let oy = -radius; oy <= radius; oy += coarseStep) {
    for (let ox = -radius; ox <= radius; ox += coarseStep) {
      if (!dark(px + ox, py + oy)) continue;
      const hits = score(px + ox, py + oy, 5, 5);
      if (hits >= 20) coarse.push({ x: px + ox, y: py + oy, hits, distance: Math.hypot(ox, oy) });
    }
  }
  coarse.sort((a, b) => b.hits - a.hits || a.distance - b.distance);
  let best = null;
  const fineStep = Math.max(0.5, module / 6);
  for (const c of coarse.slice(0, 4)) {
    for (let oy = -coarseStep; oy <= coarseStep; oy += fineStep) {
      for (let ox = -coarseStep; ox <= coarseStep; ox += fineStep) {
        const cx = c.x + ox;
        const cy = c.y + oy;
        const hits = score(cx, cy, 1, 25);
        const distance = Math.hypot(cx - px, cy - py);
        if (!best || hits > best.score || (hits === best.score && distance < best.distance)) best = { x: cx, y: cy, score: hits, distance };
      }
    }
  }
  return best && best.score >= probes * 0.8 ? best : null;
}

// Offsets of the fourth corner to try, in modules, nearest first.
const NUDGES = [];
for (let j = -3; j <= 3; j += 0.5) for (let i = -3; i <= 3; i += 0.5) NUDGES.push([i, j]);
NUDGES.sort((a, b) => Math.hypot(...a) - Math.hypot(...b));

/// Tries to read the symbol whose finders are tl, tr and bl (tr to the right of tl as the code
/// is read, bl below it).
function readAt(image, tl, tr, bl) {
  const sizeX = Math.hypot(tr.x - tl.x, tr.y - tl.y) / moduleAlong(image, tl, tr);
  const sizeY = Math.hypot(bl.x - tl.x, bl.y - tl.y) / moduleAlong(image, tl, bl);
  const estimate = (sizeX + sizeY) / 2 + 7;
  const version0 = Math.round((estimate - 17) / 4);
  const tried = new Set();
  for (const version of [version0, version0 + 1, version0 - 1, version0 + 2, version0 - 2]) {
    if (version < 1 || version > 40 || tried.has(version)) continue;
    tried.add(version);
    const size = version * 4 + 17;
    const corner = size - 3.5;
    const mappings = [];
    if (version >= 2) {
      const alignment = findAlignment(image, tl, tr, bl, size);
      if (alignment) mappings.push([[3.5, 3.5], [corner, 3.5], [3.5, corner], [size - 6.5, size - 6.5], alignment]);
    }
    // Without an alignment pattern (version 1, or none found), the fourth corner is where the
    // parallelogram of the finders puts it. Version 1 has no alignment pattern to correct a
    // slant, so there the corner is also tried a little way off, nearest first, every half module
    // up to three modules away (169 places, each a small grid): Reed-Solomon tells the right one.
    const ex = [(tr.x - tl.x) / (size - 7), (tr.y - tl.y) / (size - 7)];
    const ey = [(bl.x - tl.x) / (size - 7), (bl.y - tl.y) / (size - 7)];
    for (const [i, j] of version === 1 ? NUDGES : NUDGES.slice(0, 1)) {
      mappings.push([[3.5, 3.5], [corner, 3.5], [3.5, corner], [corner, corner],
        { x: tr.x + bl.x - tl.x + ex[0] * i + ey[0] * j, y: tr.y + bl.y - tl.y + ex[1] * i + ey[1] * j }]);
    }
    for (const [a, b, c, d, fourth] of mappings) {
      const map = perspective([a, b, c, d], [[tl.x, tl.y], [tr.x, tr.y], [bl.x, bl.y], [fourth.x, fourth.y]]);
      if (!map) continue;
      const grid = sample(image, map, size);
      if (!grid) continue;
      if (version >= 7) {
        // The version information, when it can be read, must agree with the size we measured.
        let a1 = 0;
        let a2 = 0;
        for (let i = 17; i >= 0; i--) {
          a1 = (a1 << 1) | grid[Math.floor(i / 3) * size + size - 11 + (i % 3)];
          a2 = (a2 << 1) | grid[(size - 11 + (i % 3)) * size + Math.floor(i / 3)];
        }
        const read = nearest(VERSION_WORDS, a1, a2);
        if (read >= 0 && read + 7 !== version) continue;
      }
      const result = readGrid(version, (x, y) => grid[y * size + x])
        ?? readGrid(version, (x, y) => grid[x * size + y]); // a mirrored picture
      if (result) return result;
    }
  }
  return null;
}

// Where a module is looked at: its centre and four points 0.15 of a module off it diagonally,
// close enough to stay inside a module drawn a pixel narrower by scaling.
const MODULE_PROBES = [0.5, 0.5, 0.35, 0.35, 0.65, 0.35, 0.35, 0.65, 0.65, 0.65];

/// The symbol's modules through the perspective transform `h`: each one dark when most of its
/// five points are; null when the symbol runs off the picture.

function sample(image, h, size) {
  const { width, height, bits } = image;
  const grid = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let votes = 0;
      for (let k = 0; k < 10; k += 2) {
        const u = x + MODULE_PROBES[k];
        const v = y + MODULE_PROBES[k + 1];
        const w = h[6] * u + h[7] * v + 1;
        const ix = Math.round((h[0] * u + h[1] * v + h[2]) / w);
        const iy = Math.round((h[3] * u + h[4] * v + h[5]) / w);
        if (ix < 0 || iy < 0 || ix >= width || iy >= height) return null;
        votes += bits[iy * width + ix];
      }
      grid[y * size + x] = votes >= 3 ? 1 : 0;
    }
  }
  return grid;
}

/// The three finders of each plausible symbol among the candidates, most likely first, as
/// [top-left, top-right, bottom-left].
function* corners(candidates) {
  const best = candidates.slice().sort((a, b) => b.hits - a.hits).slice(0, 10);
  const triples = [];
  for (let i = 0; i < best.length; i++) {
    for (let j = i + 1; j < best.length; j++) {
      for (let k = j + 1; k < best.length; k++) {
        const three = [best[i], best[j], best[k]];
        const sizes = three.map((f) => f.size);
        if (Math.max(...sizes) > Math.min(...sizes) * 1.8) continue;
        // The top-left finder is the one opposite the longest side.
        const d = (p, q) => Math.hypot(p.x - q.x, p.y - q.y);
        const sides = [d(three[1], three[2]), d(three[0], three[2]), d(three[0], three[1])];
        const corner = sides.indexOf(Math.max(...sides));
        const tl = three[corner];
        let [tr, bl] = three.filter((_, n) => n !== corner);
        const legs = [d(tl, tr), d(tl, bl)];
        if (Math.max(...legs) > Math.min(...legs) * 2.2) continue;
        // Finder centres are 14 modules apart at least; a run across a turned finder is up to 1.4
        // times its width.
        if (Math.min(...legs) < tl.size * 7) continue;
        // y grows downwards: turning from tl->tr to tl->bl is clockwise on the screen.
        const cross = (tr.x - tl.x) * (bl.y - tl.y) - (tr.y - tl.y) * (bl.x - tl.x);
        if (cross < 0) [tr, bl] = [bl, tr];
        const cosine = ((tr.x - tl.x) * (bl.x - tl.x) + (tr.y - tl.y) * (bl.y - tl.y)) / (legs[0] * legs[1]);
        if (Math.abs(cosine) > 0.6) continue;
        // A square seen nearly straight first: legs alike and at right angles.
        const skew = Math.abs(cosine) + Math.abs(legs[0] / legs[1] - 1);
        triples.push({ three: [tl, tr, bl], score: skew - three.reduce((s, f) => s + Math.min(f.hits, 5), 0) / 30 });
      }
    }
  }
  triples.sort((a, b) => a.score - b.score);
  for (const t of triples) yield t.three;
}

/// The text of the QR code in a picture, with what was learnt reading it:
/// `{ text, version, level, mask, corrected }`, or `null` when no code could be read.
///
/// `picture` is `{ width, height, data }` as a canvas's `getImageData` gives it (RGBA), or with
/// one grey byte per pixel.
export function decodeQr(picture) {
  try {
    const g = grey(picture);
    if (g.width < 21 || g.height < 21) return null;
    const short = Math.min(g.width, g.height);
    const attempts = [
      () => binarize(g, Math.max(8, Math.round(short / 12))),
      () => binarize(g, Math.max(8, Math.round(short / 5))),
      () => binarizeGlobal(g),
    ];
    for (const inverted of [false, true]) {
      for (const attempt of attempts) {
        const bits = attempt();
        if (inverted) for (let i = 0; i < bits.length; i++) bits[i] ^= 1;
        const image = { width: g.width, height: g.height, bits };
        let tries = 0;
        for (const [tl, tr, bl] of corners(findFinders(image))) {
          const result = readAt(image, tl, tr, bl);
          if (result) return result;
          if (++tries >= 12) break;
        }
      }
    }
    return null;
  } catch {
    return null; // a picture is data from outside: nothing in it may break the page
  }
}
