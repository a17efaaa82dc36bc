// The console's pages. Everything shown is put in with textContent (never as HTML): member ids,
// memos and reasons come from wallets and officers, and none of it may become markup.

import { call, createPasskey, savedPasskey } from './request.js';
import { money, parseAmount, setCurrency, time, zone, dayKey, day } from './format.js';
import { decodeQr } from './qr.js';

const main = document.getElementById('main');
const statusLine = document.getElementById('status');
const who = document.getElementById('who');
let events = null;
let signedIn = null;

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function say(text, kind = 'info') {
  statusLine.textContent = text;
  statusLine.dataset.kind = kind;
}

function page(title, ...content) {
  const heading = h('h1', { tabindex: '-1' }, title);
  main.replaceChildren(heading, ...content.flat().filter((c) => c !== null && c !== undefined));
  heading.focus();
  document.title = `${title} — Outpost console`;
}

function table(caption, headers, rows) {
  return h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length }, 'Nothing yet.'))));
}

function field(label, input) {
  const id = input.id || `f-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  return h('p', { class: 'field' }, h('label', { for: id }, label), input);
}

async function guarded(action) {
  try {
    return await action();
  } catch (e) {
    say(e.message, 'error');
    if (e.status === 401 && !savedPasskey()) location.hash = '#passkey';
    return undefined;
  }
}

// ---- Sign-in ----

async function signIn() {
  const { answer } = await call('POST', '/v1/officer/session', { sign: true });
  signedIn = answer.officer;
  who.textContent = `Signed in: ${signedIn.name} (times in ${zone})`;
  say(`Signed in as ${signedIn.name}.`);
}

function signInPage(then) {
  const passkey = savedPasskey();
  page('Sign in',
    h('p', {}, passkey
      ? `This browser holds the passkey of ${passkey.name}. Signing in asks it to sign once; reads need no further touch for 15 minutes, every act asks again.`
      : 'This browser holds no passkey yet: make one on the Passkey page.'),
    passkey ? h('button', { type: 'button', id: 'sign-in', onclick: () => guarded(async () => { await signIn(); route(then); }) }, 'Sign in with passkey')
      : h('a', { href: '#passkey' }, 'Make a passkey'));
}

// ---- Passkey ----

function passkeyPage() {
  const key = h('input', { id: 'officer-key', autocomplete: 'off', spellcheck: 'false', required: true });
  const name = h('input', { id: 'officer-name', autocomplete: 'name', required: true });
  const out = h('div', { 'aria-live': 'polite' });
  const saved = savedPasskey();
  page('Passkey',
    h('p', {}, 'A passkey signs your console requests as your officer key signs the CLI\'s. It acts for you only once you link it with your officer key, which the audit log records:'),
    saved ? h('p', {}, `This browser holds a passkey for ${saved.name} (${saved.officerKey.slice(0, 16)}…).`) : null,
    h('form', { onsubmit: (e) => { e.preventDefault(); guarded(async () => {
      const link = await createPasskey(key.value, name.value.trim());
      const code = btoa(JSON.stringify(link)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      out.replaceChildren(
        h('p', {}, 'Passkey made. Link it with your officer key file, then sign in:'),
        h('pre', { id: 'link-command', tabindex: '0' }, `outpost officer link-passkey --key <your officer key file> --ledger ${location.origin} ${code}`),
        h('a', { href: '#live' }, 'Then sign in'));
      say('Passkey made: run the command shown to link it.');
    }); } },
    field('Your officer key (64 hexadecimal digits, from `outpost officer show`)', key),
    field('Your name', name),
    h('button', { type: 'submit' }, 'Make a passkey')),
    out);
}

// ---- Live ----

const INTERESTING = new Set(['Synced', 'Settled', 'TransferHeld', 'DoubleSpend', 'LostDeviceSpend', 'Complicit', 'LateSpend', 'Credited', 'MemberEnrolled', 'Revoked', 'PurseIssued', 'OnlinePayment']);
const FLAGGING = new Set(['DoubleSpend', 'Complicit', 'LateSpend', 'LostDeviceSpend']);

function paid(entry) {
  return entry.moves.filter((m) => m.delta_minor > 0 && m.account.startsWith('member:')).reduce((n, m) => n + m.delta_minor, 0);
}

function entryRow(entry) {
  const flag = FLAGGING.has(entry.kind);
  return h('li', { class: flag ? 'entry flag' : 'entry', 'data-kind': entry.kind, 'data-seq': entry.seq },
    h('span', { class: 'kind' }, flag ? `⚑ ${entry.kind}` : entry.kind),
    h('time', { datetime: new Date(entry.at * 1000).toISOString() }, time(entry.at)),
    h('span', {}, entry.member_id ? h('a', { href: `#members/${encodeURIComponent(entry.member_id)}` }, entry.member_id) : ''),
    h('span', { class: 'amount' }, paid(entry) ? money(paid(entry)) : ''),
    h('span', { class: 'detail' }, entry.detail));
}

function livePage() {
  const list = h('ol', { id: 'live-list', class: 'entries', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  page('Live', h('p', {}, 'Syncs, settlements, double spends and flags as the ledger records them, newest first.'), list);
  if (events) events.close();
  events = new EventSource('/v1/officer/events');
  events.addEventListener('entry', (e) => {
    const entry = JSON.parse(e.data);
    if (!INTERESTING.has(entry.kind)) return;
    list.prepend(entryRow(entry));
    while (list.children.length > 200) list.lastChild.remove();
  });
  events.onerror = () => say('The live stream was cut; the browser reconnects by itself.', 'error');
}

// ---- Members ----

async function membersPage() {
  const { answer: members } = await call('GET', '/v1/officer/members');
  page('Members',
    table('Members, their online balance and what their purses hold', ['Member', 'Balance', 'In purses', 'Purse limit', 'Flagged', 'Enrolled'],
      members.map((m) => h('tr', {},
        h('th', { scope: 'row' }, h('a', { href: `#members/${encodeURIComponent(m.member_id)}` }, m.member_id)),
        h('td', { class: 'num' }, money(m.balance_minor)),
        h('td', { class: 'num' }, money(m.in_purses_minor)),
        h('td', { class: 'num' }, money(m.purse_limit_minor)),
        h('td', {}, m.flagged ? '⚑ flagged' : 'no'),
        h('td', {}, time(m.enrolled_at))))));
}

function transferView(t, members) {
  const receiver = members.find((m) => m.wallet_key === t.receiver_key);
  return h('dl', { class: 'transfer' },
    h('dt', {}, 'From'), h('dd', {}, `${t.sender}, purse ${t.purse_id.slice(0, 12)}…, transfer no. ${t.seq}`),
    h('dt', {}, 'To'), h('dd', {}, receiver ? receiver.member_id : `wallet ${t.receiver_key.slice(0, 12)}…`),
    h('dt', {}, 'Amount'), h('dd', {}, money(t.amount_minor)),
    h('dt', {}, 'Spent from the purse after it'), h('dd', {}, money(t.spent_after_minor)),
    h('dt', {}, 'Device time (the phone\'s clock)'), h('dd', {}, time(t.device_time)),
    h('dt', {}, 'Memo'), h('dd', {}, t.memo || '—'),
    h('dt', {}, 'Transfer id'), h('dd', { class: 'id' }, t.transfer_id));
}

async function memberPage(id) {
  const path = encodeURIComponent(id);
  const [{ answer: member }, { answer: purses }, { answer: flags }, { answer: history }, { answer: members }] = await Promise.all([
    call('GET', `/v1/officer/members/${path}`),
    call('GET', `/v1/officer/members/${path}/purses`),
    call('GET', '/v1/officer/flags'),
    call('GET', `/v1/officer/log?member=${path}`),
    call('GET', '/v1/officer/members'),
  ]);
  const mine = flags.filter((f) => f.member_id === id);
  const proofs = history.filter((e) => FLAGGING.has(e.kind));
  page(`Member ${member.member_id}`,
    h('dl', { class: 'facts' },
      h('dt', {}, 'Balance'), h('dd', { id: 'member-balance' }, money(member.balance_minor)),
      h('dt', {}, 'In purses'), h('dd', {}, money(member.in_purses_minor)),
      h('dt', {}, 'Purse limit'), h('dd', {}, money(member.purse_limit_minor)),
      h('dt', {}, 'Device'), h('dd', {}, `wallet ${member.wallet_fingerprint}`),
      h('dt', {}, 'Flagged'), h('dd', {}, member.flagged ? 'yes' : 'no')),
    h('h2', {}, 'Flags'),
    table('Flags, with their reason codes and scores', ['Reason', 'Score', 'When', 'What'],
      mine.map((f) => h('tr', {}, h('td', {}, f.code), h('td', { class: 'num' }, f.score), h('td', {}, time(f.at)), h('td', {}, f.detail)))),
    h('h2', {}, 'Evidence'),
    proofs.length ? proofs.map((e) => h('details', { class: 'evidence', 'data-seq': e.seq },
      h('summary', {}, `${e.kind} — entry ${e.seq}, ${time(e.at)}`),
      h('p', {}, e.detail),
      e.transfers.map((t, i) => h('section', { 'aria-label': `Transfer ${i + 1} of ${e.transfers.length}` },
        h('h3', {}, `Transfer ${i + 1} of ${e.transfers.length}`), transferView(t, members)))))
      : h('p', {}, 'No double spend or other proof against this member.'),
    h('h2', {}, 'Purses'),
    table('Offline purses', ['Purse', 'Amount', 'Outstanding', 'State', 'Expires'],
      purses.map((p) => h('tr', {}, h('td', { class: 'id' }, `${p.purse_id.slice(0, 16)}…`), h('td', { class: 'num' }, money(p.amount_minor)),
        h('td', { class: 'num' }, money(p.outstanding_minor)), h('td', {}, p.state), h('td', {}, time(p.expires_at))))),
    h('h2', {}, 'History'),
    table('Every audit-log entry about this member', ['Entry', 'When', 'Kind', 'What'],
      history.slice().reverse().map((e) => h('tr', {}, h('td', { class: 'num' }, e.seq), h('td', {}, time(e.at)), h('td', {}, e.kind), h('td', {}, e.detail)))));
}

// ---- Approvals ----

async function pendingPage() {
  const { answer: pending } = await call('GET', '/v1/officer/pending');
  const act = (id, verb) => guarded(async () => {
    const { status } = await call('POST', `/v1/officer/pending/${id}/${verb}`);
    say(verb === 'approve' ? (status === 200 ? 'Approved: the act is done.' : 'Approved: it waits for more officers.') : 'Declined.');
    await pendingPage();
  });
  page('Approvals',
    h('p', {}, 'Acts another officer made, waiting for a second, different officer. Approving signs the act with your passkey.'),
    table('Acts waiting for approval', ['Act', 'Made by', 'Approved by', 'Still needed', 'Expires', 'Decide'],
      pending.map((p) => h('tr', { 'data-id': p.pending_id },
        h('td', {}, p.request.act === 'credit' ? `Credit ${money(p.request.amount_minor)} to ${p.request.member_id} (batch ${p.request.batch}): ${p.request.memo}` : p.act),
        h('td', {}, p.maker.name),
        h('td', {}, p.approvers.map((o) => o.name).join(', ') || '—'),
        h('td', { class: 'num' }, p.approvals_needed),
        h('td', {}, time(p.expires_at)),
        h('td', {},
          h('button', { type: 'button', class: 'approve', onclick: () => act(p.pending_id, 'approve') }, 'Approve'),
          ' ',
          h('button', { type: 'button', class: 'decline', onclick: () => act(p.pending_id, 'decline') }, 'Decline'))))));
}

// ---- Payroll ----

/// One CSV line's fields: commas separate, double quotes keep a comma in a field ("12,300").
function csvFields(line) {
  const fields = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') { field += '"'; i++; }
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) { fields.push(field.trim()); field = ''; }
    else field += c;
  }
  fields.push(field.trim());
  return quoted ? null : fields;
}

function parseCsv(text, known) {
  const rows = [];
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  lines.forEach((line, i) => {
    const fields = csvFields(line);
    if (i === 0 && fields && /member/i.test(fields[0])) return;
    if (!fields || fields.length !== 3) {
      rows.push({ line: i + 1, member: fields ? fields[0] : line, minor: null, memo: '', problem: 'not member_id,amount,memo (quote a field that holds a comma)' });
      return;
    }
    const [member, amount, memo] = fields;
    const minor = parseAmount(amount);
    const problem = !known.has(member) ? 'no such member' : minor === null ? 'not an amount' : !memo ? 'no memo' : null;
    rows.push({ line: i + 1, member, minor, memo, problem });
  });
  return rows;
}

async function payrollPage() {
  const { answer: members } = await call('GET', '/v1/officer/members');
  const known = new Set(members.map((m) => m.member_id));
  const member = h('select', { id: 'pay-member' }, members.map((m) => h('option', { value: m.member_id }, m.member_id)));
  const amount = h('input', { id: 'pay-amount', inputmode: 'decimal', autocomplete: 'off', required: true });
  const memo = h('input', { id: 'pay-memo', value: 'monthly pay', required: true });
  const batch = h('input', { id: 'pay-batch', required: true, value: `PAY-${new Date().toISOString().slice(0, 7)}` });
  const preview = h('div', { id: 'pay-preview', 'aria-live': 'polite' });
  const csv = h('textarea', { id: 'pay-csv', rows: '6', placeholder: 'member_id,amount,memo' });
  const file = h('input', { type: 'file', id: 'pay-file', accept: '.csv,text/csv' });
  file.addEventListener('change', async () => { if (file.files[0]) csv.value = await file.files[0].text(); });
  const submit = (rows) => guarded(async () => {
    for (const row of rows) {
      await call('POST', `/v1/officer/members/${encodeURIComponent(row.member)}/credit`, { body: { amount_minor: row.minor, memo: row.memo, batch: batch.value.trim() } });
    }
    say(`${rows.length} credit(s) submitted: each waits for a second officer on the Approvals page.`);
    preview.replaceChildren(h('p', { id: 'pay-done' }, `${rows.length} credit(s) wait for approval.`), h('a', { href: '#pending' }, 'See approvals'));
  });
  const show = (rows) => {
    const bad = rows.filter((r) => r.problem);
    const total = rows.filter((r) => !r.problem).reduce((n, r) => n + r.minor, 0);
    preview.replaceChildren(
      table(`Preview: ${rows.length} credit(s), ${money(total)} in all, batch ${batch.value}`, ['Line', 'Member', 'Amount', 'Memo', 'Check'],
        rows.map((r) => h('tr', { class: r.problem ? 'bad' : '' }, h('td', { class: 'num' }, r.line), h('td', {}, r.member),
          h('td', { class: 'num' }, r.minor === null ? '—' : money(r.minor)), h('td', {}, r.memo), h('td', {}, r.problem || 'ok')))),
      bad.length ? h('p', { class: 'error' }, `${bad.length} line(s) need fixing before the batch can be submitted.`)
        : h('button', { type: 'button', id: 'pay-submit', onclick: () => submit(rows) }, `Submit ${rows.length} credit(s) for approval`));
  };
  page('Payroll',
    h('p', {}, 'Credits wait for a second officer. Check the preview: the amounts are in the ledger\'s currency.'),
    field('Payroll batch reference', batch),
    h('form', { onsubmit: (e) => { e.preventDefault(); show([{ line: 1, member: member.value, minor: parseAmount(amount.value), memo: memo.value, problem: parseAmount(amount.value) === null ? 'not an amount' : null }]); } },
      h('h2', {}, 'One member'),
      field('Member', member), field('Amount', amount), field('Memo', memo),
      h('button', { type: 'submit' }, 'Preview')),
    h('form', { onsubmit: (e) => { e.preventDefault(); show(parseCsv(csv.value, known)); } },
      h('h2', {}, 'A batch from a CSV file'),
      field('CSV file (member_id,amount,memo)', file), field('or paste the lines', csv),
      h('button', { type: 'submit' }, 'Check and preview')),
    preview);
}

// ---- Enrolment ----

/// The enrolment code in a picture of the wallet's screen, or a sentence saying why there is none.
async function readPicture(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return { problem: `${file.name} is not a picture this browser can open: choose a photo or a screenshot (PNG or JPEG).` };
  }
  // A phone's photo is far larger than a code needs: decode at most 1,600 pixels across.
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const found = decodeQr(context.getImageData(0, 0, canvas.width, canvas.height));
  if (!found) return { problem: 'No QR code found in this picture: take it again, closer and straight on, with the whole code in the frame.' };
  if (!found.text.startsWith('OP1E:')) {
    return { problem: `This picture holds a QR code, but not an enrolment code (it starts "${found.text.slice(0, 5)}"): ask the member to show "outpost wallet identity".` };
  }
  return { code: found.text };
}

function enrolPage() {
  const code = h('textarea', { id: 'enrol-code', rows: '4', spellcheck: 'false', required: true });
  const picture = h('input', { type: 'file', id: 'enrol-picture', accept: 'image/*', 'aria-describedby': 'enrol-picture-result' });
  const pictureResult = h('p', { id: 'enrol-picture-result', 'aria-live': 'polite' });
  picture.addEventListener('change', async () => {
    const file = picture.files[0];
    if (!file) return;
    pictureResult.className = '';
    pictureResult.textContent = `Reading ${file.name}…`;
    const { code: text, problem } = await readPicture(file);
    if (problem) {
      pictureResult.className = 'error';
      pictureResult.textContent = problem;
      return;
    }
    code.value = text;
    pictureResult.textContent = 'Read the enrolment code from the picture: check the member id it carries, then enrol.';
    code.focus();
  });
  const out = h('div', { 'aria-live': 'polite' });
  page('Enrolment',
    h('p', {}, 'Paste the enrolment code a member\'s wallet shows (the text of its QR code), or choose a picture of the QR code: a photo of the phone or a screenshot. The picture is read in this page and goes nowhere. The wallet\'s own signature is the evidence; one officer enrols.'),
    field('Picture of the QR code', picture),
    pictureResult,
    h('form', { onsubmit: (e) => { e.preventDefault(); guarded(async () => {
      const { answer } = await call('POST', '/v1/officer/members', { body: { enrolment_qr: code.value.trim() } });
      out.replaceChildren(h('p', { id: 'enrolled' }, `Enrolled ${answer.member_id} (wallet ${answer.wallet_fingerprint}).`),
        h('a', { href: `#members/${encodeURIComponent(answer.member_id)}` }, `Open ${answer.member_id}`));
      say(`Enrolled ${answer.member_id}.`);
    }); } },
    field('Enrolment code', code),
    h('button', { type: 'submit' }, 'Enrol')),
    out);
}

// ---- Audit ----

function chart(entries) {
  const days = new Map();
  for (const e of entries) {
    const k = dayKey(e.at);
    const d = days.get(k) || { at: e.at, settled: 0, flags: 0 };
    if (e.kind === 'Settled' || e.kind === 'OnlinePayment') d.settled += paid(e);
    if (FLAGGING.has(e.kind)) d.flags += 1;
    days.set(k, d);
  }
  const rows = [...days.entries()].sort().slice(-14);
  const width = 640, height = 200, pad = 30;
  const maxSettled = Math.max(1, ...rows.map(([, d]) => d.settled));
  const maxFlags = Math.max(1, ...rows.map(([, d]) => d.flags));
  const step = rows.length ? (width - pad) / rows.length : width;
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height + 20}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-labelledby', 'chart-title');
  const el = (tag, attrs, text) => {
    const n = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    svg.append(n);
    return n;
  };
  el('title', { id: 'chart-title' }, 'Settled volume (bars) and flags (dots) per day');
  rows.forEach(([, d], i) => {
    const x = pad + i * step;
    const bh = (d.settled / maxSettled) * (height - 20);
    el('rect', { x: x + step * 0.15, y: height - bh, width: step * 0.5, height: bh, class: 'bar' }).append(
      Object.assign(document.createElementNS(svgNs, 'title'), { textContent: `${day(d.at)}: ${money(d.settled)} settled, ${d.flags} flag(s)` }));
    if (d.flags) el('circle', { cx: x + step * 0.8, cy: height - (d.flags / maxFlags) * (height - 20), r: 5, class: 'dot' });
    el('text', { x: x + step * 0.4, y: height + 15, 'text-anchor': 'middle', class: 'axis' }, day(d.at));
  });
  return h('figure', {}, svg,
    table('Daily settled volume and flags', ['Day', 'Settled', 'Flags'],
      rows.map(([, d]) => h('tr', {}, h('td', {}, day(d.at)), h('td', { class: 'num' }, money(d.settled)), h('td', { class: 'num' }, d.flags)))));
}

async function auditPage() {
  const [checkpoint, note, { answer: entries }] = await Promise.all([
    fetch('/v1/checkpoint').then((r) => r.json()),
    fetch('/checkpoint').then((r) => r.text()),
    call('GET', '/v1/officer/log?from=0'),
  ]);
  const cosignatures = note.split('\n').filter((l) => l.startsWith('— ')).slice(1);
  const exportButton = h('button', { type: 'button', id: 'export', onclick: () => guarded(async () => {
    const { answer } = await call('GET', '/v1/officer/audit');
    const a = h('a', { href: URL.createObjectURL(answer), download: `outpost-audit-${checkpoint.size}.bin` });
    document.body.append(a); a.click(); a.remove();
    say('Export downloaded: check it offline with `outpost audit verify`.');
  }) }, 'Download the audit export');
  page('Audit',
    h('dl', { class: 'facts' },
      h('dt', {}, 'Latest checkpoint'), h('dd', { id: 'checkpoint-size' }, `${checkpoint.size} entries`),
      h('dt', {}, 'Root'), h('dd', { class: 'id' }, checkpoint.root),
      h('dt', {}, 'Signed at'), h('dd', {}, time(checkpoint.time)),
      h('dt', {}, 'Witness cosignatures'), h('dd', {}, cosignatures.length ? cosignatures.map((l) => h('span', { class: 'id block' }, l.split(' ')[1])) : 'none yet')),
    h('pre', { class: 'note', tabindex: '0', 'aria-label': 'The checkpoint as a signed note' }, note),
    exportButton,
    h('h2', {}, 'Settled volume and flags'),
    chart(entries));
}

// ---- Routing ----

const PAGES = {
  live: livePage, members: membersPage, pending: pendingPage, payroll: payrollPage,
  enrol: enrolPage, audit: auditPage,
};

async function route(hash = location.hash) {
  const [name, ...rest] = hash.replace(/^#/, '').split('/');
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === `#${name || 'live'}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (name !== 'live' && events) { events.close(); events = null; }
  if (name === 'passkey') return passkeyPage();
  if (!signedIn) return signInPage(hash || '#live');
  if (name === 'members' && rest.length) return guarded(() => memberPage(decodeURIComponent(rest.join('/'))));
  return guarded(() => (PAGES[name] || livePage)());
}

(async () => {
  const info = await fetch('/v1/ledger').then((r) => r.json());
  setCurrency(info.currency, info.exponent);
  // A reload keeps a session the cookie still holds.
  try {
    const { answer } = await call('GET', '/v1/officer/session');
    signedIn = answer;
    who.textContent = `Signed in: ${signedIn.name} (times in ${zone})`;
  } catch {
    signedIn = null;
  }
  window.addEventListener('hashchange', () => route());
  route();
})();
