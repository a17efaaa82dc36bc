// The officers' web console in a real browser (docs/adr/0021): Debian's Chromium, headless,
// driven by playwright-core over the DevTools protocol, against the real `outpost ledger serve`
// and real wallets made and synced by the `outpost` command. Two officers each make a passkey in
// their own browser context, on Chromium's virtual authenticator (the DevTools WebAuthn domain),
// and link it with their officer key file through `outpost officer link-passkey`.
//
// Run by scripts/test-all.sh (after `cargo build`), or: cd tests/console && npm test.
// OUTPOST_BIN_DIR names the directory holding `outpost` (default: target/debug).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const outpost = path.join(process.env.OUTPOST_BIN_DIR || path.join(root, 'target/debug'), 'outpost');
const shots = path.join(here, 'output');
const axeSource = readFileSync(path.join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
const run = promisify(execFile);

const work = mkdtempSync(path.join(tmpdir(), 'outpost-console-'));
const PIN = '482916';
let ledger;
let browser;
let base;
let ledgerKey;
const officers = {};
const pages = {};
const cspViolations = [];

async function cli(...args) {
  const { stdout } = await run(outpost, args, { cwd: work, env: { ...process.env, OUTPOST_PIN: PIN } });
  return stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function newOfficer(file, name) {
  const out = await cli('officer', 'new', '--key', file, '--name', name, '--passphrase-file', 'passphrase');
  return {
    file, name,
    publicKey: out.match(/public key: ([0-9a-f]{64})/)[1],
    code: out.match(/enrolment code: ([0-9a-f]+)/)[1],
  };
}

async function wallet(name, memberId) {
  await cli('wallet', 'create', '--wallet', `${name}.wallet`, '--currency', 'JPY');
  const out = await cli('wallet', 'identity', '--wallet', `${name}.wallet`, '--member-id', memberId);
  return out.split('\n').find((l) => l.startsWith('OP1E:'));
}

/// A browser context for one officer, with its own virtual authenticator and a passkey made in
/// the console and linked with the officer's key file.
async function officerPage(officer) {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  await open(page, 'passkey');
  await page.getByLabel(/Your officer key/).fill(officer.publicKey);
  await page.getByLabel('Your name').fill(officer.name);
  await page.getByRole('button', { name: 'Make a passkey' }).click();
  const command = await page.locator('#link-command').textContent();
  const code = command.trim().split(' ').pop();
  const linked = await cli('officer', 'link-passkey', code, '--ledger', base, '--officer-key', officer.file, '--passphrase-file', 'passphrase');
  assert.match(linked, /Linked passkey/);
  await open(page, 'live');
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await page.getByRole('heading', { name: 'Live', level: 1 }).waitFor();
  return page;
}

/// Opens a console page afresh (a reload, so that the same address renders again).
async function open(page, hash) {
  await page.goto(`${base}/console#${hash}`);
  await page.reload();
}

async function shoot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function axe(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`), [], `axe on ${name}`);
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  writeFileSync(path.join(work, 'passphrase'), 'console-test-passphrase');
  chmodSync(path.join(work, 'passphrase'), 0o600);
  officers.alice = await newOfficer('alice.officer', 'Alice Sato');
  officers.ben = await newOfficer('ben.officer', 'Ben Okafor');
  const port = await freePort();
  // A passkey is made for a domain: Chromium refuses an IP address as the relying party.
  base = `http://localhost:${port}`;
  ledger = spawn(outpost, ['ledger', 'serve', '--dir', path.join(work, 'ledger'), '--currency', 'JPY',
    '--listen', `127.0.0.1:${port}`, '--founding-officer', officers.alice.code, '--founding-officer', officers.ben.code],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  ledger.stderr.on('data', (d) => { logs += d; });
  for (let i = 0; ; i++) {
    try {
      ledgerKey = (await (await fetch(`${base}/v1/ledger`)).json()).public_key;
      break;
    } catch (e) {
      if (i > 100) throw new Error(`the ledger did not start: ${logs}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    // launch() gives Chromium a fresh --user-data-dir of its own, removed when it closes.
  });
  pages.alice = await officerPage(officers.alice);
  pages.ben = await officerPage(officers.ben);
});

after(async () => {
  if (browser) await browser.close();
  if (ledger) ledger.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

test('an officer enrols members from the codes their wallets show', async () => {
  const page = pages.alice;
  for (const [name, id] of [['aiko', 'AIKO-0001'], ['ben', 'BEN-0002'], ['chidi', 'CHIDI-0003']]) {
    const code = await wallet(name, id);
    await open(page, 'enrol');
    await page.getByLabel('Enrolment code').fill(code);
    await page.getByRole('button', { name: 'Enrol' }).click();
    await assert.doesNotReject(page.locator('#enrolled').filter({ hasText: `Enrolled ${id}` }).waitFor());
  }
  await shoot(page, 'enrolment');
  await axe(page, 'enrolment');
});

/// A picture of `svg` as a phone's camera would give it: drawn in the browser, turned a little,
/// on a grey table, and photographed (a PNG of the viewport).
async function photograph(svg) {
  const camera = await browser.newPage({ viewport: { width: 720, height: 720 } });
  await camera.setContent(`<body style="margin:0;background:#9aa0a6;display:grid;place-items:center;height:100vh">
    <div style="transform:rotate(-6deg) scale(0.9);filter:blur(0.6px) brightness(0.92)">${svg}</div></body>`);
  const png = await camera.screenshot({ type: 'png' });
  await camera.close();
  return png;
}

test('an officer enrols a member from a picture of the QR code their wallet shows', async () => {
  const page = pages.alice;
  await cli('wallet', 'create', '--wallet', 'daisuke.wallet', '--currency', 'JPY');
  const out = await cli('wallet', 'identity', '--wallet', 'daisuke.wallet', '--member-id', 'DAISUKE-0004', '--svg', 'daisuke.svg');
  const text = out.split('\n').find((l) => l.startsWith('OP1E:'));
  const picture = await photograph(readFileSync(path.join(work, 'daisuke.svg'), 'utf8'));
  writeFileSync(path.join(shots, 'enrolment-qr-photo.png'), picture);
  await open(page, 'enrol');
  // A picture with no code in it says so, and fills nothing in.
  await page.getByLabel('Picture of the QR code').setInputFiles({ name: 'table.png', mimeType: 'image/png', buffer: await photograph('<p>no code here</p>') });
  await assert.doesNotReject(page.locator('#enrol-picture-result').filter({ hasText: 'No QR code found in this picture' }).waitFor());
  assert.equal(await page.getByLabel('Enrolment code').inputValue(), '');
  await page.getByLabel('Picture of the QR code').setInputFiles({ name: 'daisuke.png', mimeType: 'image/png', buffer: picture });
  await assert.doesNotReject(page.locator('#enrol-picture-result').filter({ hasText: 'Read the enrolment code' }).waitFor());
  assert.equal(await page.getByLabel('Enrolment code').inputValue(), text);
  await page.getByRole('button', { name: 'Enrol' }).click();
  await assert.doesNotReject(page.locator('#enrolled').filter({ hasText: 'Enrolled DAISUKE-0004' }).waitFor());
  const { answer } = await page.evaluate(async () => (await fetch('/v1/officer/members/DAISUKE-0004')).json().then((a) => ({ answer: a })));
  assert.equal(answer.member_id, 'DAISUKE-0004');
  await shoot(page, 'enrolment-from-picture');
  await axe(page, 'enrolment from a picture');
});

test('a payroll credit made in the console waits until a second officer approves it', async () => {
  const alice = pages.alice;
  await open(alice, 'payroll');
  await alice.getByLabel('Member', { exact: true }).selectOption('AIKO-0001');
  await alice.getByLabel('Amount', { exact: true }).fill('12,300');
  await alice.getByRole('button', { name: 'Preview', exact: true }).click();
  await alice.locator('#pay-preview caption').filter({ hasText: '¥12,300' }).waitFor();
  await shoot(alice, 'payroll');
  await axe(alice, 'payroll');
  await alice.getByRole('button', { name: /Submit 1 credit/ }).click();
  await alice.locator('#pay-done').waitFor();

  // One officer alone cannot move money: Alice's own approval is refused, the balance stays.
  await open(alice, 'pending');
  await alice.getByRole('button', { name: 'Approve', exact: true }).click();
  await alice.locator('#status[data-kind="error"]').filter({ hasText: 'cannot approve' }).waitFor();
  await open(alice, 'members/AIKO-0001');
  assert.equal(await alice.locator('#member-balance').textContent(), '¥0');
  // Nor can a request the page did not sign, riding on her session (what a forged page would send).
  const unsigned = await alice.evaluate(async () => (await fetch('/v1/officer/members/AIKO-0001/credit', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ amount_minor: 1, memo: 'x', batch: 'x' }),
  })).status);
  assert.equal(unsigned, 401);

  const ben = pages.ben;
  await open(ben, 'pending');
  await ben.locator('tbody tr').filter({ hasText: '¥12,300' }).waitFor();
  await shoot(ben, 'approvals');
  await axe(ben, 'approvals');
  await ben.getByRole('button', { name: 'Approve', exact: true }).click();
  await ben.locator('#status').filter({ hasText: 'the act is done' }).waitFor();
  await open(alice, 'members/AIKO-0001');
  await alice.locator('#member-balance').filter({ hasText: '¥12,300' }).waitFor();
});

test('a member\'s sync settles live on the console within a second, and a double spend shows both transfers', async () => {
  const page = pages.alice;
  const ledgerKeyArgs = ['--ledger', base, '--ledger-key', ledgerKey];
  for (const name of ['aiko', 'ben', 'chidi']) await cli('wallet', 'sync', '--wallet', `${name}.wallet`, ...ledgerKeyArgs);
  await cli('wallet', 'sync', '--wallet', 'aiko.wallet', '--purse', '5000', ...ledgerKeyArgs);
  // A copy of Aiko's phone, made before she pays: it will spend the same money again.
  cpSync(path.join(work, 'aiko.wallet'), path.join(work, 'aiko-copy.wallet'));
  cpSync(path.join(work, 'aiko.wallet.key'), path.join(work, 'aiko-copy.wallet.key'));
  await cli('wallet', 'request', '--wallet', 'ben.wallet', '--amount', '3000', '--out', 'request-ben.txt');
  await cli('wallet', 'pay', '--wallet', 'aiko.wallet', '--qr-file', 'request-ben.txt', '--out', 'transfer-ben.txt');
  await cli('wallet', 'accept', '--wallet', 'ben.wallet', '--qr-file', 'transfer-ben.txt', '--out', 'receipt-ben.txt');

  await open(page, 'live');
  await page.locator('#live-list').waitFor({ state: 'attached' });
  await page.waitForTimeout(500); // the stream is open
  await cli('wallet', 'sync', '--wallet', 'ben.wallet', ...ledgerKeyArgs);
  const synced = Date.now();
  await page.locator('#live-list li[data-kind="Settled"]').first().waitFor({ timeout: 1000 });
  const shownAfter = Date.now() - synced;
  assert.ok(shownAfter < 1000, `the settlement showed ${shownAfter} ms after the sync`);
  assert.match(await page.locator('#live-list li[data-kind="Settled"]').first().textContent(), /¥3,000/);

  await cli('wallet', 'request', '--wallet', 'chidi.wallet', '--amount', '3000', '--out', 'request-chidi.txt');
  await cli('wallet', 'pay', '--wallet', 'aiko-copy.wallet', '--qr-file', 'request-chidi.txt', '--out', 'transfer-chidi.txt');
  await cli('wallet', 'accept', '--wallet', 'chidi.wallet', '--qr-file', 'transfer-chidi.txt', '--out', 'receipt-chidi.txt');
  await cli('wallet', 'sync', '--wallet', 'chidi.wallet', ...ledgerKeyArgs);
  await page.locator('#live-list li[data-kind="DoubleSpend"]').first().waitFor({ timeout: 2000 });
  await shoot(page, 'live');
  await axe(page, 'live');

  await open(page, 'members/AIKO-0001');
  await page.locator('#member-balance').waitFor();
  const evidence = page.locator('details.evidence').first();
  await evidence.locator('summary').click();
  await evidence.getByRole('heading', { name: 'Transfer 2 of 2' }).waitFor();
  const text = await evidence.textContent();
  assert.match(text, /BEN-0002/);
  assert.match(text, /CHIDI-0003/);
  assert.match(text, /¥3,000/);
  await shoot(page, 'member');
  await axe(page, 'member');
});

test('a payroll batch from a CSV file is checked and previewed, and a wrong line stops it', async () => {
  const page = pages.alice;
  await open(page, 'payroll');
  await page.getByLabel('or paste the lines').fill('member_id,amount,memo\nBEN-0002,1,500,overtime\nNOBODY-0404,900,pay\nCHIDI-0003,2.5,pay\n');
  await page.getByRole('button', { name: 'Check and preview' }).click();
  const preview = page.locator('#pay-preview');
  await preview.locator('tr.bad').first().waitFor();
  const rows = await preview.locator('tbody tr').allTextContents();
  assert.equal(rows.length, 3);
  assert.match(rows[0], /BEN-0002.*quote a field/, 'an unquoted 1,500 read as ¥1');
  assert.match(rows[1], /NOBODY-0404.*no such member/);
  assert.match(rows[2], /not an amount/, 'yen have no minor unit');
  assert.match(await preview.textContent(), /3 line\(s\) need fixing/);
  assert.equal(await page.getByRole('button', { name: /Submit/ }).count(), 0, 'a batch with wrong lines can be submitted');
  // A memo is the maker's words: markup in it stays text on every officer's screen.
  await page.getByLabel('or paste the lines').fill('BEN-0002,"1,500",overtime\nCHIDI-0003,2500,<img id=xss src=x>pay\n');
  await page.getByRole('button', { name: 'Check and preview' }).click();
  await preview.locator('caption').filter({ hasText: '2 credit(s), ¥4,000 in all' }).waitFor();
  await page.getByRole('button', { name: 'Submit 2 credit(s) for approval' }).click();
  await page.locator('#pay-done').waitFor();
  await open(pages.ben, 'pending');
  await pages.ben.locator('tbody tr').filter({ hasText: '¥2,500' }).waitFor();
  assert.equal(await pages.ben.locator('tbody tr').filter({ hasText: /¥1,500|¥2,500/ }).count(), 2);
  assert.equal(await pages.ben.locator('#xss').count(), 0, 'a memo became markup');
  assert.match(await pages.ben.locator('tbody').textContent(), /<img id=xss src=x>pay/);
});

test('the members and audit pages read the books, and every page is navigable by keyboard', async () => {
  const page = pages.alice;
  await open(page, 'members');
  await page.locator('tbody tr').filter({ hasText: 'AIKO-0001' }).waitFor();
  await shoot(page, 'members');
  await axe(page, 'members');
  await open(page, 'audit');
  await page.locator('#checkpoint-size').waitFor();
  await page.locator('figure svg rect').first().waitFor();
  await shoot(page, 'audit');
  await axe(page, 'audit');
  // From the top of the page, Tab reaches the skip link, then the page links, in order.
  await open(page, 'live');
  await page.getByRole('heading', { name: 'Live', level: 1 }).waitFor();
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement.textContent);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const second = await page.evaluate(() => document.activeElement.textContent);
  assert.ok(['Skip to the page', 'Live', 'Members'].includes(first), first);
  assert.ok(['Live', 'Members', 'Approvals'].includes(second), second);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash !== '#live');
  assert.deepEqual(cspViolations, [], 'the console broke its own Content-Security-Policy');
});
