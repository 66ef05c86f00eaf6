// Etch's built-in UI. Everything goes through the member's JSON gateway (/v3/...) and /metrics on
// the same origin; no outside scripts, so it works without internet.
'use strict';

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};

// --- bytes: the gateway carries keys and values as base64 ---
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
function toB64(bytes) { let s = ''; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); }
function fromB64(b64) { const s = atob(b64 || ''); const out = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; }
const b64 = (text) => toB64(utf8.encode(text));
function asText(bytes) {
  try {
    const t = strictUtf8.decode(bytes);
    return /[\u0000-\u0008\u000e-\u001f]/.test(t) ? null : t;
  } catch (e) { return null; }
}
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
const keyLabel = (bytes) => { const t = asText(bytes); return t === null ? '0x' + hex(bytes).replace(/ /g, '') : t; };
/** The end of the range of every key starting with prefix (etcd's prefix rule). */
function prefixEnd(bytes) {
  const end = Uint8Array.from(bytes);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) { end[i]++; return end.slice(0, i + 1); }
  }
  return new Uint8Array([0]);
}
const idHex = (id) => BigInt(id || 0).toString(16);

// --- the gateway ---
const api = {
  token: sessionStorage.getItem('etch-token'),
  async call(path, body = {}) {
    const headers = { 'Content-Type': 'application/json' };
    if (api.token) headers.Authorization = api.token;
    const r = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await r.text();
    let json;
    try { json = text ? JSON.parse(text) : {}; } catch (e) { throw new Error(text || r.statusText); }
    if (!r.ok || json.error) {
      const msg = json.message || json.error || r.statusText;
      if (/user name is empty|invalid auth token|authentication failed|Unauthenticated/i.test(msg)) login();
      throw new Error(msg);
    }
    return json;
  },
};

function showError(e) {
  const box = $('#error');
  box.textContent = e instanceof Error ? e.message : String(e);
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { box.hidden = true; }, 8000);
}
const guarded = (fn) => async (...args) => { try { await fn(...args); } catch (e) { showError(e); } };

function login() {
  const dialog = $('#login');
  if (!dialog.open) dialog.showModal();
}
$('#login-form').addEventListener('submit', guarded(async () => {
  const r = await api.call('/v3/auth/authenticate', { name: $('#login-name').value, password: $('#login-password').value });
  api.token = r.token;
  sessionStorage.setItem('etch-token', r.token);
  refreshKeys();
}));

// --- tabs ---
const tabs = { keys: () => refreshKeys(), watch: () => {}, leases: () => refreshLeases(), cluster: () => refreshCluster(), charts: () => {} };
for (const b of document.querySelectorAll('#tabs button')) {
  b.addEventListener('click', () => {
    for (const o of document.querySelectorAll('#tabs button')) o.classList.toggle('active', o === b);
    for (const s of document.querySelectorAll('.tab')) s.hidden = s.id !== 'tab-' + b.dataset.tab;
    guarded(tabs[b.dataset.tab])();
  });
}

// --- status bar ---
async function refreshStatus() {
  try {
    const s = await api.call('/v3/maintenance/status');
    const leader = s.leader && s.leader !== '0' ? idHex(s.leader) : 'none';
    $('#status').textContent = `member ${idHex(s.header.member_id)} · leader ${leader} · revision ${s.header.revision || 0}`
      + ` · raft term ${s.raftTerm || 0}, index ${s.raftIndex || 0} · db ${fmtBytes(s.dbSize)} (in use ${fmtBytes(s.dbSizeInUse)})`;
    return s;
  } catch (e) {
    $('#status').textContent = 'unreachable: ' + e.message;
    return null;
  }
}
function fmtBytes(n) { n = Number(n || 0); const u = ['B', 'KiB', 'MiB', 'GiB']; let i = 0; while (n >= 1024 && i < 3) { n /= 1024; i++; } return n.toFixed(i ? 1 : 0) + ' ' + u[i]; }

// --- keys: a tree by "/" ---
const keys = { prefix: '', selected: null, selectedBytes: null, history: [] };
const TREE_LIMIT = 10000;

async function refreshKeys() {
  const prefixBytes = utf8.encode(keys.prefix);
  const req = prefixBytes.length
    ? { key: toB64(prefixBytes), range_end: toB64(prefixEnd(prefixBytes)), keys_only: true, limit: TREE_LIMIT }
    : { key: b64('\0'), range_end: b64('\0'), keys_only: true, limit: TREE_LIMIT };
  const r = await api.call('/v3/kv/range', req);
  const folders = new Map();
  const leaves = [];
  for (const kv of r.kvs || []) {
    const bytes = fromB64(kv.key);
    const name = keyLabel(bytes);
    const rest = name.slice(keys.prefix.length);
    const slash = rest.indexOf('/', rest.startsWith('/') && keys.prefix === '' ? 1 : 0);
    if (asText(bytes) !== null && slash >= 0 && slash < rest.length - 1) {
      const folder = rest.slice(0, slash + 1);
      folders.set(folder, (folders.get(folder) || 0) + 1);
    } else {
      leaves.push({ name, rest, bytes });
    }
  }
  const tree = $('#tree');
  tree.replaceChildren();
  for (const [folder, count] of folders) {
    tree.append(el('li', { class: 'folder', title: `${count} keys`, onclick: () => { keys.prefix += folder; guarded(refreshKeys)(); } },
      `${folder} (${count})`));
  }
  for (const leaf of leaves) {
    tree.append(el('li', { class: 'leaf' + (leaf.name === keys.selected ? ' selected' : ''), 'data-key': leaf.name,
      onclick: () => guarded(openKey)(leaf.bytes) }, leaf.rest || leaf.name));
  }
  $('#tree-note').textContent = r.more ? `showing the first ${TREE_LIMIT} of ${r.count} keys` : `${r.count || 0} keys`;
  renderBreadcrumbs();
}

function renderBreadcrumbs() {
  const bc = $('#breadcrumbs');
  bc.replaceChildren(el('a', { onclick: () => { keys.prefix = ''; guarded(refreshKeys)(); } }, '(all keys)'));
  let acc = '';
  for (const part of keys.prefix.split(/(?<=\/)/).filter(Boolean)) {
    acc += part;
    const target = acc;
    bc.append(' ', el('a', { onclick: () => { keys.prefix = target; guarded(refreshKeys)(); } }, part));
  }
}

async function openKey(bytes) {
  const r = await api.call('/v3/kv/range', { key: toB64(bytes) });
  const kv = (r.kvs || [])[0];
  keys.selectedBytes = bytes;
  keys.selected = keyLabel(bytes);
  for (const li of document.querySelectorAll('#tree li.leaf')) li.classList.toggle('selected', li.dataset.key === keys.selected);
  $('#key-empty').hidden = !!kv;
  $('#key-detail').hidden = !kv;
  if (!kv) { $('#key-empty').textContent = `${keys.selected} does not exist (any more).`; return; }
  $('#key-name').textContent = keys.selected;
  $('#key-meta').textContent = `create revision ${kv.create_revision} · mod revision ${kv.mod_revision} · version ${kv.version}`
    + (kv.lease ? ` · lease ${idHex(kv.lease)}` : '');
  keys.value = fromB64(kv.value);
  renderValue();
  $('#value-editor').value = asText(keys.value) ?? '';
  await loadHistory(kv);
}

function renderValue() {
  const mode = document.querySelector('input[name=mode]:checked').value;
  const text = asText(keys.value);
  let shown;
  if (mode === 'hex' || text === null) shown = hex(keys.value);
  else if (mode === 'json') { try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { shown = 'not JSON: ' + e.message + '\n\n' + text; } }
  else shown = text;
  $('#value-view').textContent = shown;
}
for (const r of document.querySelectorAll('input[name=mode]')) r.addEventListener('change', renderValue);

$('#save').addEventListener('click', guarded(async () => {
  await api.call('/v3/kv/put', { key: toB64(keys.selectedBytes), value: b64($('#value-editor').value) });
  await openKey(keys.selectedBytes);
}));
// A second click confirms (no modal dialog: it would block the page).
$('#delete').addEventListener('click', guarded(async () => {
  const button = $('#delete');
  if (button.dataset.armed !== 'yes') {
    button.dataset.armed = 'yes';
    button.textContent = 'Click again to delete';
    setTimeout(() => { button.dataset.armed = ''; button.textContent = 'Delete'; }, 4000);
    return;
  }
  button.dataset.armed = '';
  button.textContent = 'Delete';
  await api.call('/v3/kv/deleterange', { key: toB64(keys.selectedBytes) });
  $('#key-detail').hidden = true;
  $('#key-empty').hidden = false;
  $('#key-empty').textContent = `${keys.selected} deleted.`;
  await refreshKeys();
}));
$('#new-key-form').addEventListener('submit', guarded(async (ev) => {
  ev.preventDefault();
  const name = $('#new-key').value;
  if (!name) throw new Error('a key is needed');
  await api.call('/v3/kv/put', { key: b64(name), value: b64($('#new-value').value) });
  $('#new-key').value = '';
  $('#new-value').value = '';
  await refreshKeys();
  await openKey(utf8.encode(name));
}));

/** The key's earlier values, newest first, read at each earlier revision until compaction or creation. */
async function loadHistory(kv) {
  const rows = [kv];
  let note = '';
  let cur = kv;
  while (rows.length < 50 && Number(cur.version) > 1) {
    try {
      const r = await api.call('/v3/kv/range', { key: toB64(keys.selectedBytes), revision: String(Number(cur.mod_revision) - 1) });
      const prev = (r.kvs || [])[0];
      if (!prev) break;
      rows.push(prev);
      cur = prev;
    } catch (e) {
      note = /compacted/.test(e.message) ? 'older revisions are compacted' : e.message;
      break;
    }
  }
  keys.history = rows;
  const body = $('#history tbody');
  body.replaceChildren();
  rows.forEach((h, i) => {
    const v = fromB64(h.value);
    const t = asText(v);
    body.append(el('tr', {},
      el('td', {}, el('input', { type: 'checkbox', 'data-i': i, onchange: updateDiffButton })),
      el('td', {}, h.mod_revision), el('td', {}, h.version),
      el('td', { class: 'mono' }, t === null ? hex(v) : (t.length > 200 ? t.slice(0, 200) + '…' : t))));
  });
  $('#history-note').textContent = note;
  $('#diff-view').hidden = true;
  updateDiffButton();
}
function selectedHistory() { return Array.from(document.querySelectorAll('#history input:checked'), (c) => keys.history[Number(c.dataset.i)]); }
function updateDiffButton() { $('#diff').disabled = selectedHistory().length !== 2; }
$('#diff').addEventListener('click', () => {
  const [newer, older] = selectedHistory().sort((a, b) => Number(b.mod_revision) - Number(a.mod_revision));
  const view = $('#diff-view');
  view.replaceChildren(el('div', {}, `--- revision ${older.mod_revision}\n+++ revision ${newer.mod_revision}`));
  for (const [op, line] of lineDiff(textOf(older), textOf(newer))) {
    view.append(el('span', { class: op === '+' ? 'add' : op === '-' ? 'del' : '' }, `${op} ${line}\n`));
  }
  view.hidden = false;
});
const textOf = (kv) => { const v = fromB64(kv.value); return asText(v) ?? hex(v); };

/** A line diff from the longest common subsequence. */
function lineDiff(a, b) {
  const x = a.split('\n').slice(0, 2000), y = b.split('\n').slice(0, 2000);
  const n = x.length, m = y.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push([' ', x[i]]); i++; j++; } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(['-', x[i++]]); else out.push(['+', y[j++]]);
  }
  while (i < n) out.push(['-', x[i++]]);
  while (j < m) out.push(['+', y[j++]]);
  return out;
}

// --- watch a prefix, live, through the gateway's streaming /v3/watch ---
let watching = null;
$('#watch-form').addEventListener('submit', guarded(async (ev) => {
  ev.preventDefault();
  stopWatch();
  const prefix = utf8.encode($('#watch-prefix').value);
  const create = prefix.length ? { key: toB64(prefix), range_end: toB64(prefixEnd(prefix)) } : { key: b64('\0'), range_end: b64('\0') };
  const controller = new AbortController();
  watching = controller;
  const headers = { 'Content-Type': 'application/json' };
  if (api.token) headers.Authorization = api.token;
  const r = await fetch('/v3/watch', { method: 'POST', headers, body: JSON.stringify({ create_request: create }), signal: controller.signal });
  $('#watch-stop').disabled = false;
  $('#watch-state').textContent = 'watching…';
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) onWatchMessage(JSON.parse(line));
      }
    }
    $('#watch-state').textContent = 'the stream ended';
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  }
}));
function onWatchMessage(msg) {
  if (msg.error) { showError(msg.error.message || JSON.stringify(msg.error)); return; }
  const res = msg.result || {};
  if (res.created) $('#watch-state').textContent = `watching from revision ${Number(res.header.revision) + 1}`;
  if (res.canceled) $('#watch-state').textContent = 'cancelled: ' + (res.cancel_reason || 'by the server');
  const body = $('#watch-events tbody');
  for (const ev of res.events || []) {
    const kv = ev.kv || {};
    const v = fromB64(kv.value);
    body.prepend(el('tr', { class: 'event' }, el('td', {}, kv.mod_revision), el('td', {}, ev.type || 'PUT'),
      el('td', { class: 'mono' }, keyLabel(fromB64(kv.key))), el('td', { class: 'mono' }, asText(v) ?? hex(v))));
  }
}
function stopWatch() {
  if (watching) { watching.abort(); watching = null; }
  $('#watch-stop').disabled = true;
  $('#watch-state').textContent = '';
}
$('#watch-stop').addEventListener('click', stopWatch);

// --- leases ---
async function refreshLeases() {
  const r = await api.call('/v3/lease/leases');
  const body = $('#leases tbody');
  body.replaceChildren();
  for (const l of r.leases || []) {
    const t = await api.call('/v3/lease/timetolive', { ID: l.ID, keys: true });
    body.append(el('tr', {}, el('td', { class: 'mono' }, idHex(l.ID)), el('td', {}, t.TTL ?? '0'), el('td', {}, t.grantedTTL ?? '0'),
      el('td', { class: 'mono' }, (t.keys || []).map((k) => keyLabel(fromB64(k))).join(', ')),
      el('td', {}, el('button', { class: 'danger', onclick: guarded(async () => { await api.call('/v3/lease/revoke', { ID: l.ID }); await refreshLeases(); }) }, 'Revoke'))));
  }
}
$('#grant-form').addEventListener('submit', guarded(async (ev) => {
  ev.preventDefault();
  await api.call('/v3/lease/grant', { TTL: $('#grant-ttl').value });
  await refreshLeases();
}));
$('#leases-refresh').addEventListener('click', guarded(refreshLeases));

// --- cluster ---
async function refreshCluster() {
  const [members, status] = await Promise.all([api.call('/v3/cluster/member/list'), refreshStatus()]);
  const body = $('#members tbody');
  body.replaceChildren();
  for (const m of members.members || []) {
    const role = status && m.ID === status.leader ? 'leader' : m.isLearner ? 'learner' : 'follower';
    body.append(el('tr', {}, el('td', { class: 'mono' }, idHex(m.ID)), el('td', {}, m.name || '(not started)'), el('td', {}, role),
      el('td', {}, (m.peerURLs || []).join(', ')), el('td', {}, (m.clientURLs || []).join(', '))));
  }
  if (status) {
    const rows = [['member', idHex(status.header.member_id)], ['version', status.version], ['revision', status.header.revision],
      ['raft term', status.raftTerm], ['raft index', status.raftIndex], ['raft applied index', status.raftAppliedIndex],
      ['db size', fmtBytes(status.dbSize)], ['db size in use', fmtBytes(status.dbSizeInUse)]];
    $('#member-status tbody').replaceChildren(...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v ?? '0'))));
  }
}

// --- charts from /metrics ---
const series = { rate: [], mean: [], p99: [], watchers: [] };
let lastScrape = null;
function parseMetrics(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    if (!out.has(m[1])) out.set(m[1], []);
    out.get(m[1]).push({ labels: m[2] || '', value: Number(m[3]) });
  }
  return out;
}
const sum = (m, name, filter = () => true) => (m.get(name) || []).filter((s) => filter(s.labels)).reduce((a, s) => a + s.value, 0);
async function scrapeForCharts() {
  let text;
  try { text = await (await fetch('/metrics')).text(); } catch (e) { return; }
  const now = Date.now();
  const m = parseMetrics(text);
  const cur = {
    handled: sum(m, 'grpc_server_handled_total'),
    count: sum(m, 'etch_grpc_unary_duration_seconds_count'),
    total: sum(m, 'etch_grpc_unary_duration_seconds_sum'),
    buckets: (m.get('etch_grpc_unary_duration_seconds_bucket') || []).map((s) => ({ le: Number((/le="([^"]+)"/.exec(s.labels) || [])[1]), value: s.value })),
  };
  if (lastScrape) {
    const dt = (now - lastScrape.at) / 1000;
    const calls = cur.count - lastScrape.count;
    push(series.rate, (cur.handled - lastScrape.handled) / dt);
    push(series.mean, calls > 0 ? 1000 * (cur.total - lastScrape.total) / calls : 0);
    push(series.p99, calls > 0 ? 1000 * quantile(0.99, cur.buckets, lastScrape.buckets, calls) : 0);
  }
  push(series.watchers, sum(m, 'etcd_debugging_mvcc_watcher_total'));
  lastScrape = { ...cur, at: now };
  if (!$('#tab-charts').hidden) {
    draw($('#chart-rate'), [series.rate], ['#1f6feb']);
    draw($('#chart-latency'), [series.mean, series.p99], ['#1f6feb', '#c62828']);
    draw($('#chart-watchers'), [series.watchers], ['#2e7d32']);
  }
}
function quantile(q, now, before, calls) {
  const prev = new Map(before.map((b) => [b.le, b.value]));
  const want = q * calls;
  for (const b of now.sort((a, c) => a.le - c.le)) if (b.value - (prev.get(b.le) || 0) >= want) return Number.isFinite(b.le) ? b.le : 10;
  return 0;
}
function push(arr, v) { arr.push(Number.isFinite(v) ? v : 0); if (arr.length > 90) arr.shift(); }
function draw(canvas, lines, colors) {
  const g = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, pad = 28;
  g.clearRect(0, 0, w, h);
  const peak = Math.max(0, ...lines.flat());
  const max = peak > 0 ? peak : 1;
  g.strokeStyle = '#d8dee4';
  g.strokeRect(pad, 4, w - pad - 4, h - pad);
  g.fillStyle = '#68737d';
  g.font = '11px system-ui';
  g.fillText(max >= 100 ? max.toFixed(0) : max.toPrecision(3), 2, 12);
  g.fillText('0', 2, h - pad + 4);
  lines.forEach((pts, i) => {
    g.strokeStyle = colors[i];
    g.beginPath();
    pts.forEach((v, j) => {
      const x = pad + (w - pad - 4) * (pts.length > 1 ? j / 89 : 0);
      const y = 4 + (h - pad) * (1 - v / max);
      if (j) g.lineTo(x, y); else g.moveTo(x, y);
    });
    g.stroke();
  });
}

// --- start ---
guarded(refreshKeys)();
refreshStatus();
setInterval(refreshStatus, 3000);
scrapeForCharts();
setInterval(scrapeForCharts, 2000);
