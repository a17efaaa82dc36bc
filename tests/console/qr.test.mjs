// The console's QR decoder (ledger/console/qr.js) against symbols drawn by another encoder: the
// `qrcode` crate the wallets use, through tests/console/qr-codes (`outpost-qr-codes`, built by
// scripts/test-console.sh). Each symbol is made into a picture here the way a phone would see it:
// scaled, turned, at a slant, blurred, noisy, unevenly lit, scratched.
//
// Run by scripts/test-console.sh, or: cd tests/console && node --test qr.test.mjs
// OUTPOST_BIN_DIR names the directory holding `outpost-qr-codes` (default: target/debug).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeQr } from '../../ledger/console/qr.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const generator = path.join(process.env.OUTPOST_BIN_DIR || path.join(root, 'target/debug'), 'outpost-qr-codes');
const symbols = execFileSync(generator, { maxBuffer: 1 << 28 }).toString().trim().split('\n').map((line) => {
  const s = JSON.parse(line);
  return { ...s, text: Buffer.from(s.text_hex, 'hex').toString('utf8') };
});

/// A seeded generator (mulberry32), so that a failure can be reproduced.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/// The homography taking the four points `from` to `to`, as (x, y) -> [u, v].
function homography(from, to) {
  const a = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i];
    const [u, v] = to[i];
    a.push([x, y, 1, 0, 0, 0, -x * u, -y * u, u], [0, 0, 0, x, y, 1, -x * v, -y * v, v]);
  }
  for (let c = 0; c < 8; c++) {
    const p = a.slice(c).reduce((best, row, i) => (Math.abs(row[c]) > Math.abs(a[best][c]) ? c + i : best), c);
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k < 9; k++) a[r][k] -= f * a[c][k];
    }
  }
  const h = a.map((row, i) => row[8] / row[i]);
  return (x, y) => {
    const w = h[6] * x + h[7] * y + 1;
    return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
  };
}

/// A grey picture of `symbol` as a camera or a screenshot shows it. `scale` pixels a module,
/// turned by `angle` degrees, each corner pushed by up to `slant` of the side (perspective),
/// box-blurred `blur` times, lit from dark (`shade`) to full across, with noise of `noise` grey
/// levels; `quiet` light modules round the symbol, on a dark bezel.
function picture(symbol, { scale = 4, angle = 0, slant = 0, blur = 0, shade = 1, noise = 0, quiet = 4, seed = 1, flip = [], invert = false, mirror = false } = {}) {
  const rand = random(seed);
  const { size } = symbol;
  const side = size + 2 * quiet;
  const px = side * scale;
  const canvas = Math.ceil(px * (angle % 90 === 0 ? 1.1 : 1.45) + 8);
  const c = canvas / 2;
  const theta = (angle * Math.PI) / 180;
  const corners = [[0, 0], [side, 0], [side, side], [0, side]].map(([u, v]) => {
    const x = (u - side / 2) * scale;
    const y = (v - side / 2) * scale;
    return [c + x * Math.cos(theta) - y * Math.sin(theta) + (rand() * 2 - 1) * slant * px,
      c + x * Math.sin(theta) + y * Math.cos(theta) + (rand() * 2 - 1) * slant * px];
  });
  const toModule = homography(corners, [[0, 0], [side, 0], [side, side], [0, side]]);
  const flipped = new Set(flip.map(([x, y]) => y * size + x));
  const dark = (u, v) => {
    if (u < 0 || v < 0 || u >= side || v >= side) return null; // the bezel
    let x = Math.floor(u) - quiet;
    const y = Math.floor(v) - quiet;
    if (mirror) x = size - 1 - x;
    if (x < 0 || y < 0 || x >= size || y >= size) return false;
    const i = y * size + x;
    return (symbol.modules[i] === '1') !== flipped.has(i);
  };
  const straight = angle % 90 === 0 && !slant;
  let grey = new Float32Array(canvas * canvas);
  for (let y = 0; y < canvas; y++) {
    for (let x = 0; x < canvas; x++) {
      let sum = 0;
      // Four samples a pixel smooth the edges of a turned code; a straight one needs one.
      for (const [sx, sy] of straight ? [[0.5, 0.5]] : [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]) {
        const d = dark(...toModule(x + sx, y + sy));
        sum += d === null ? 70 : (d !== invert) ? 25 : 235;
      }
      grey[y * canvas + x] = straight ? sum : sum / 4;
    }
  }
  for (let pass = 0; pass < blur; pass++) {
    const out = new Float32Array(grey.length);
    for (let y = 1; y < canvas - 1; y++) {
      for (let x = 1; x < canvas - 1; x++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += grey[(y + dy) * canvas + x + dx];
        out[y * canvas + x] = s / 9;
      }
    }
    grey = out;
  }
  const data = new Uint8ClampedArray(canvas * canvas * 4);
  for (let y = 0; y < canvas; y++) {
    for (let x = 0; x < canvas; x++) {
      const light = shade + (1 - shade) * ((x + y) / (2 * canvas));
      const gauss = (rand() + rand() + rand() - 1.5) * 2; // about normal, deviation 1
      const v = grey[y * canvas + x] * light + gauss * noise;
      const i = (y * canvas + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = v;
      data[i + 3] = 255;
    }
  }
  return { width: canvas, height: canvas, data };
}

/// Decodes and times it.
function read(p, times) {
  const start = performance.now();
  const result = decodeQr(p);
  times?.push(performance.now() - start);
  return result;
}

const stats = (times) => `${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(1)} ms a picture on average, ${Math.max(...times).toFixed(0)} ms at most`;

test('the generator drew what the tests need', () => {
  assert.equal(symbols.filter((s) => s.mask === -1 && s.mode === 'alphanumeric').length, 160);
  assert.equal(symbols.filter((s) => s.mask >= 0).length, 640);
  assert.ok(symbols.some((s) => s.mode === 'enrolment'));
});

test('reads every version 1–40 at every level, drawn straight', (t) => {
  const times = [];
  for (const s of symbols.filter((x) => x.mask === -1 && x.mode === 'alphanumeric')) {
    const result = read(picture(s, { scale: 3 }), times);
    assert.ok(result, `version ${s.version}-${s.level} not found`);
    assert.equal(result.text, s.text, `version ${s.version}-${s.level}`);
    assert.equal(result.version, s.version);
    assert.equal(result.level, s.level);
  }
  t.diagnostic(`160 of 160 read; ${stats(times)}`);
});

test('reads each of the eight masks at each level in versions 1–20, photographed turned, slanted, blurred, noisy and unevenly lit', (t) => {
  const times = [];
  const failures = [];
  const cases = symbols.filter((s) => s.mask >= 0);
  cases.forEach((s, n) => {
    const rand = random(1000 + n);
    const options = {
      seed: n, angle: rand() * 360, scale: 3 + rand() * 2, slant: rand() * 0.06,
      blur: Math.floor(rand() * 2), noise: rand() * 14, shade: 0.55 + rand() * 0.45,
    };
    const result = read(picture(s, options), times);
    if (!result || result.text !== s.text || result.mask !== s.mask) failures.push(`${s.version}-${s.level} mask ${s.mask} ${s.mode} ${JSON.stringify(options)}`);
  });
  t.diagnostic(`${cases.length - failures.length} of ${cases.length} read; ${stats(times)}`);
  assert.deepEqual(failures, []);
});

test('reads numeric, alphanumeric, byte (UTF-8) and mixed segments', () => {
  for (const mode of ['numeric', 'alphanumeric', 'byte', 'mixed']) {
    const some = symbols.filter((s) => s.mode === mode && s.mask >= 0 && s.version <= 6).slice(0, 12);
    assert.ok(some.length > 0);
    for (const s of some) assert.equal(read(picture(s, { scale: 4, angle: 3 }))?.text, s.text, `${mode} ${s.version}-${s.level}`);
  }
});

test('reads a code turned a quarter, a half and three quarters, and one seen in a mirror', () => {
  const s = symbols.find((x) => x.mode === 'byte' && x.version === 5 && x.level === 'Q');
  for (const angle of [90, 180, 270]) assert.equal(read(picture(s, { angle }))?.text, s.text, `${angle} degrees`);
  assert.equal(read(picture(s, { mirror: true, angle: 20 }))?.text, s.text, 'mirrored');
});

test('reads a light code on a dark screen (a terminal drawing seen inverted)', () => {
  const s = symbols.find((x) => x.mode === 'enrolment');
  assert.equal(read(picture(s, { invert: true, angle: 4, quiet: 2 }))?.text, s.text);
});

/// `count` distinct modules away from the finders, the format information and the timing
/// patterns, where the data lives.
function scratches(s, count, rand) {
  const free = [];
  for (let y = 0; y < s.size; y++) {
    for (let x = 0; x < s.size; x++) {
      const corner = (x < 9 && y < 9) || (x >= s.size - 8 && y < 9) || (x < 9 && y >= s.size - 8);
      if (!corner && x !== 6 && y !== 6) free.push([x, y]);
    }
  }
  for (let i = free.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [free[i], free[j]] = [free[j], free[i]];
  }
  return free.slice(0, count);
}

test('corrects damaged modules with Reed–Solomon, within what each level can fix', (t) => {
  let corrected = 0;
  let flips = 0;
  // Three codewords per block is within every version's and level's correction (1-L fixes 3).
  for (const s of symbols.filter((x) => x.mask === -1 && x.mode === 'alphanumeric' && x.version <= 25)) {
    const flip = scratches(s, 3, random(s.version * 7 + s.text.length));
    flips += flip.length;
    const result = read(picture(s, { scale: 3, angle: 11, flip }));
    assert.equal(result?.text, s.text, `${s.version}-${s.level} with 3 modules flipped`);
    corrected += result.corrected;
  }
  t.diagnostic(`${corrected} codewords corrected for ${flips} modules flipped`);
  // A flipped module outside any codeword (an alignment pattern, the remainder bits) costs none.
  assert.ok(corrected >= flips * 0.8, `${corrected} corrected of ${flips}`);
});

test('reads an H code through a scratch across a sixth of its width', () => {
  for (const s of symbols.filter((x) => x.level === 'H' && x.mask === -1 && x.version >= 5 && x.version <= 15)) {
    const w = Math.floor(s.size / 6);
    const flip = [];
    for (let dx = 0; dx < w; dx++) for (let dy = 0; dy < 2; dy++) flip.push([10 + dx, Math.floor(s.size / 2) + 3 + dy]);
    const result = read(picture(s, { scale: 3, angle: 30, flip }));
    assert.equal(result?.text, s.text, `${s.version}-H`);
    assert.ok(result.corrected > 0);
  }
});

test('refuses a code damaged past what its level corrects, instead of misreading it', () => {
  for (const s of symbols.filter((x) => x.level === 'L' && x.mask === -1 && x.version >= 2 && x.version <= 12)) {
    const flip = scratches(s, Math.floor(s.size * s.size * 0.3), random(s.version));
    assert.equal(read(picture(s, { scale: 3, flip })), null, `${s.version}-L`);
  }
});

test("reads a wallet's enrolment codes from a screenshot and from a photo of the phone", (t) => {
  const times = [];
  for (const s of symbols.filter((x) => x.mode === 'enrolment')) {
    assert.match(s.text, /^OP1E:/);
    assert.equal(read(picture(s, { scale: 8 }), times)?.text, s.text, `screenshot, version ${s.version}`);
    for (let n = 0; n < 10; n++) {
      const rand = random(n + s.version * 100);
      const photo = { seed: n, scale: 4 + rand() * 4, angle: rand() * 24 - 12, slant: 0.03 + rand() * 0.05, blur: 1 + Math.floor(rand() * 2), noise: 6 + rand() * 10, shade: 0.5 + rand() * 0.3 };
      assert.equal(read(picture(s, photo), times)?.text, s.text, `photo of version ${s.version}: ${JSON.stringify(photo)}`);
    }
  }
  t.diagnostic(stats(times));
});

test('says there is no code in a picture without one, and never throws', () => {
  const blank = (w, h, f) => {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const i = (y * w + x) * 4; data[i] = data[i + 1] = data[i + 2] = f(x, y); data[i + 3] = 255; }
    return { width: w, height: h, data };
  };
  const rand = random(7);
  const pictures = {
    white: blank(400, 300, () => 240),
    black: blank(300, 400, () => 10),
    noise: blank(500, 500, () => rand() * 255),
    gradient: blank(640, 480, (x, y) => (x + y) % 256),
    checkerboard: blank(400, 400, (x, y) => ((Math.floor(x / 8) + Math.floor(y / 8)) % 2 ? 20 : 230)),
    stripes: blank(400, 400, (x) => (Math.floor(x / 5) % 5 === 2 ? 20 : 230)),
    tiny: blank(5, 5, () => 0),
    empty: { width: 0, height: 0, data: new Uint8ClampedArray(0) },
  };
  for (const [name, p] of Object.entries(pictures)) {
    assert.doesNotThrow(() => decodeQr(p), name);
    assert.equal(decodeQr(p), null, name);
  }
  // A real code with one finder pattern covered: two finders are not a symbol.
  const s = symbols.find((x) => x.mode === 'enrolment');
  const covered = [];
  for (let x = 0; x < 8; x++) for (let y = s.size - 8; y < s.size; y++) if (s.modules[y * s.size + x] === '1') covered.push([x, y]);
  assert.equal(decodeQr(picture(s, { flip: covered })), null);
});
