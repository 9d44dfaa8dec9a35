// The operator dashboard: polls /metrics and /readyz of the admin
// listener it is served from, and calls the registry API there with the
// operator's token (sessionStorage).  No library, no network but the node.
'use strict';

const POLL_MS = 2000;
const KEEP = 300; // samples: 10 minutes at 2 s
const AUDIT_COUNT = 20;
const TOP_PREFIXES = 10;
const TOKEN_KEY = 'idnode.ops.token';
const COLOURS = { udp: '#1f77b4', tcp: '#ff7f0e', http: '#2ca02c',
  p50: '#6a3d9a', p99: '#d62728', hit: '#17becf' };

// What the page holds; the browser test reads it.
const dash = { points: [], prev: null, timer: null, errors: 0, totals: {} };
window.dash = dash;

const $ = (s) => document.querySelector(s);

function status(text, state) {
  const s = $('#status');
  s.textContent = text;
  s.dataset.state = state;
}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

class HttpError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

// A registry call: the SNMS envelope's data, or an HttpError.  401 means
// the token is gone: back to the login form.
async function api(method, path, body) {
  const h = { Authorization: 'Bearer ' + token() };
  if (body) h['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, { method, headers: h,
      body: body ? JSON.stringify(body) : undefined });
  } catch (e) {
    throw new HttpError(0, 'the node did not answer (' + e.message + ')');
  }
  let env = null;
  try { env = await r.json(); } catch (e) { /* reported below */ }
  if (r.status === 401) {
    logout('Logged out: ' + (env && env.message ? env.message : 'token refused'));
    throw new HttpError(401, 'not logged in');
  }
  if (!r.ok || !env || env.status !== 1)
    throw new HttpError(r.status, method + ' ' + path.split('?')[0] + ': ' +
      r.status + ' ' + (env && env.message ? env.message : r.statusText));
  return env.data;
}

// ------------------------------------------------------------ Prometheus

// {name: [{labels: {...}, value}]} from the text exposition format.
function parseProm(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let l;
      while ((l = re.exec(m[3]))) labels[l[1]] = l[2];
    }
    (out[m[1]] = out[m[1]] || []).push({ labels, value: Number(m[4]) });
  }
  return out;
}

function sum(p, name, want) {
  let s = 0;
  for (const x of p[name] || [])
    if (!want || Object.keys(want).every((k) => x.labels[k] === want[k]))
      s += x.value;
  return s;
}

// Cumulative bucket counts of every latency histogram, by bound.
function buckets(p) {
  const b = new Map();
  for (const name of ['idnode_handle_request_duration_seconds_bucket',
    'idnode_http_request_duration_seconds_bucket'])
    for (const x of p[name] || []) {
      const le = x.labels.le === '+Inf' ? Infinity : Number(x.labels.le);
      b.set(le, (b.get(le) || 0) + x.value);
    }
  return b;
}

// The q quantile (seconds) of the requests between two scrapes: the
// upper bound of the bucket it falls in, as Prometheus would interpolate.
function quantile(now, before, q) {
  const les = [...now.keys()].sort((a, b) => a - b);
  const d = les.map((le) => now.get(le) - (before.get(le) || 0));
  const total = d[d.length - 1];
  if (!total) return null;
  const rank = q * total;
  for (let i = 0; i < les.length; i++) {
    if (d[i] >= rank) {
      if (les[i] === Infinity) return les[i - 1] || 0;
      const lo = i ? les[i - 1] : 0, below = i ? d[i - 1] : 0;
      const span = d[i] - below;
      return lo + (les[i] - lo) * (span ? (rank - below) / span : 1);
    }
  }
  return null;
}

function sample(p, t) {
  return {
    t,
    udp: sum(p, 'idnode_handle_requests_total', { transport: 'udp' }),
    tcp: sum(p, 'idnode_handle_requests_total', { transport: 'tcp' }),
    http: sum(p, 'idnode_http_requests_total'),
    hits: sum(p, 'idnode_cache_lookups_total', { result: 'hit' }),
    misses: sum(p, 'idnode_cache_lookups_total', { result: 'miss' }),
    buckets: buckets(p),
  };
}

// One chart point from two consecutive scrapes (counter deltas).
function point(a, b) {
  const dt = (b.t - a.t) / 1000;
  const lookups = (b.hits - a.hits) + (b.misses - a.misses);
  const ms = (q) => {
    const v = quantile(b.buckets, a.buckets, q);
    return v === null ? null : v * 1000;
  };
  return {
    t: b.t,
    udp: Math.max(0, (b.udp - a.udp) / dt),
    tcp: Math.max(0, (b.tcp - a.tcp) / dt),
    http: Math.max(0, (b.http - a.http) / dt),
    p50: ms(0.5),
    p99: ms(0.99),
    hit: lookups > 0 ? (b.hits - a.hits) / lookups : null,
  };
}

// --------------------------------------------------------------- charts

function drawChart(id, keys, fixedMax, fmt) {
  const c = document.getElementById(id);
  const g = c.getContext('2d');
  const W = c.width, H = c.height, L = 44, B = 16, T = 6;
  const pts = dash.points;
  let max = fixedMax || 0;
  if (!fixedMax)
    for (const p of pts) for (const k of keys) if (p[k] > max) max = p[k];
  if (!max) max = 1;
  g.clearRect(0, 0, W, H);
  g.font = '10px sans-serif';
  g.fillStyle = '#5b6875';
  g.strokeStyle = '#e1e6eb';
  for (let i = 0; i <= 4; i++) {
    const y = T + (H - T - B) * (1 - i / 4);
    g.beginPath(); g.moveTo(L, y); g.lineTo(W, y); g.stroke();
    g.fillText(fmt(max * i / 4), 2, y + 3);
  }
  // A minute at least, then the whole history.
  const span = Math.max(pts.length, 30);
  g.fillText('-' + Math.round(span * POLL_MS / 1000) + ' s', L, H - 3);
  g.fillText('now', W - 22, H - 3);
  const x = (i) => L + (W - L) * (i + span - pts.length) / (span - 1);
  for (const k of keys) {
    g.strokeStyle = COLOURS[k];
    g.lineWidth = 2;
    g.beginPath();
    let pen = false;
    pts.forEach((p, i) => {
      if (p[k] === null) { pen = false; return; }
      const y = T + (H - T - B) * (1 - Math.min(p[k], max) / max);
      if (pen) g.lineTo(x(i), y); else g.moveTo(x(i), y);
      pen = true;
    });
    g.stroke();
  }
  const legend = document.querySelector('.legend[data-for="' + id + '"]');
  const last = pts[pts.length - 1] || {};
  legend.replaceChildren(...keys.map((k) => {
    const s = document.createElement('span');
    const i = document.createElement('i');
    i.style.background = COLOURS[k];
    s.append(i, k + ' ' + (last[k] == null ? '–' : fmt(last[k])));
    return s;
  }));
}

function drawCharts() {
  const n = (v) => v >= 100 ? v.toFixed(0) : v.toFixed(1);
  drawChart('chart-rate', ['udp', 'tcp', 'http'], 0, n);
  drawChart('chart-latency', ['p50', 'p99'], 0, (v) => v.toFixed(2));
  drawChart('chart-cache', ['hit'], 1, (v) => (v * 100).toFixed(0) + '%');
}

// ------------------------------------------------------------ polling

function setText(id, text, good) {
  const e = document.getElementById(id);
  e.textContent = text;
  e.className = good === undefined ? '' : good ? 'good' : 'bad';
}

function uptime(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
  const m = Math.floor(s % 3600 / 60);
  return (d ? d + 'd ' : '') + h + 'h ' + m + 'm ' + Math.floor(s % 60) + 's';
}

function showTotals(p) {
  const rows = (p.idnode_registry_writes_total || [])
    .filter((x) => x.value > 0)
    .sort((a, b) => b.value - a.value);
  dash.totals = {};
  const body = $('#totals tbody');
  body.replaceChildren(...rows.map((x) => {
    dash.totals[x.labels.action] = x.value;
    return row([x.labels.action, String(x.value)]);
  }));
  if (!rows.length) body.append(row(['no registry write yet', '']));
}

async function poll() {
  try {
    const [m, r, h] = await Promise.all([
      fetch('/metrics').then((x) => {
        if (!x.ok) throw new Error('/metrics: ' + x.status);
        return x.text();
      }),
      fetch('/readyz').then((x) => x.json()),
      fetch('/healthz').then((x) => x.json()),
    ]);
    const p = parseProm(m);
    const s = sample(p, Date.now());
    if (dash.prev) {
      dash.points.push(point(dash.prev, s));
      if (dash.points.length > KEEP) dash.points.shift();
    }
    dash.prev = s;
    setText('h-ready', r.ready ? 'yes' : 'NO', !!r.ready);
    setText('h-workers', String(r.redis.workers));
    setText('h-redis', r.redis.connected_workers + ' of ' + r.redis.workers,
      r.redis.connected_workers === r.redis.workers);
    setText('h-version', h.version);
    setText('h-uptime', uptime(h.uptime_s));
    setText('h-samples', String(dash.points.length));
    showTotals(p);
    drawCharts();
    if ($('#status').dataset.state === 'error' && dash.errors) {
      dash.errors = 0;
      status('Metrics are back.', 'ok');
    }
  } catch (e) {
    dash.errors++;
    status('Cannot read the node\'s metrics: ' + e.message, 'error');
  }
}

// ------------------------------------------------------------- tables

function row(cells, cls) {
  const tr = document.createElement('tr');
  if (cls) tr.className = cls;
  for (const c of cells) {
    const td = document.createElement('td');
    td.append(c);
    tr.append(td);
  }
  return tr;
}

function button(text, fn) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.addEventListener('click', fn);
  return b;
}

async function decide(e, action, reason) {
  const kind = e.request || 'apply';
  const call = (a) => api('POST', '/snms/api/ent/review',
    reason ? { uscc: e.uscc, kind, action: a, reason } :
      { uscc: e.uscc, kind, action: a });
  try {
    if (e.state === 'submitted') await call('start');
    await call(action);
    status(action + 'd ' + kind + ' of ' + e.uscc + ' (' + e.entNameCn + ')',
      'ok');
  } catch (err) {
    if (err.code !== 401) status(err.message, 'error');
  }
  refreshQueue();
  refreshAudit();
}

function queueRow(e) {
  const reason = document.createElement('input');
  reason.className = 'reason';
  reason.placeholder = 'reason to reject';
  reason.maxLength = 200;
  const cell = document.createElement('span');
  cell.append(
    button('Approve', () => decide(e, 'approve')), ' ', reason, ' ',
    button('Reject', () => {
      if (!reason.value.trim()) {
        status('Say why ' + e.uscc + ' is rejected.', 'error');
        return;
      }
      decide(e, 'reject', reason.value.trim());
    }));
  const tr = row([e.uscc, e.entNameCn, e.request || 'apply', e.state,
    e.updateDate || e.createDate || '', cell]);
  tr.dataset.uscc = e.uscc;
  return tr;
}

async function entPage(state) {
  return api('GET', '/snms/api/ent/page?size=100&state=' + state);
}

async function refreshQueue() {
  try {
    const pages = await Promise.all([entPage('submitted'),
      entPage('reviewing')]);
    const list = pages.flatMap((p) => p.content);
    $('#queue tbody').replaceChildren(...list.map(queueRow));
    $('#queue .empty').hidden = list.length > 0;
  } catch (e) {
    if (e.code !== 401) status('Review queue: ' + e.message, 'error');
  }
}

async function refreshAudit() {
  try {
    const d = await api('GET', '/snms/api/audit?count=' + AUDIT_COUNT);
    $('#audit tbody').replaceChildren(...d.entries.map((a) => {
      const tr = row([a.time, a.who, a.action, a.target, a.result],
        a.result === 'ok' ? '' : 'fail');
      tr.dataset.action = a.action;
      tr.dataset.target = a.target;
      return tr;
    }));
  } catch (e) {
    if (e.code !== 401) status('Audit: ' + e.message, 'error');
  }
}

// Today's (UTC) busiest prefixes, from the statistics API.
async function refreshPrefixes() {
  try {
    const d = await api('GET', '/api/stats?granularity=day');
    const list = d.prefixes.filter((p) => p.total.resolutions > 0 ||
      p.total.registrations > 0)
      .sort((a, b) => b.total.resolutions - a.total.resolutions)
      .slice(0, TOP_PREFIXES);
    $('#prefixes tbody').replaceChildren(...list.map((p) => {
      const tr = row([p.prefix, String(p.total.resolutions),
        String(p.total.notFound), String(p.total.registrations),
        String(p.total.uniqueClients)]);
      tr.title = p.enterprise || '';
      return tr;
    }));
  } catch (e) {
    if (e.code !== 401) status('Prefixes: ' + e.message, 'error');
  }
}

function refreshRegistry() {
  refreshQueue();
  refreshAudit();
  refreshPrefixes();
}

// -------------------------------------------------------------- login

function show(loggedIn) {
  $('#login').hidden = loggedIn;
  $('#dash').hidden = !loggedIn;
  $('#logout').hidden = !loggedIn;
  clearInterval(dash.timer);
  dash.timer = null;
  if (!loggedIn) return;
  $('#whoami').textContent = sessionStorage.getItem(TOKEN_KEY + '.user') || '';
  poll();
  refreshRegistry();
  let n = 0;
  dash.timer = setInterval(() => {
    poll();
    if (++n % 5 === 0) refreshRegistry(); // every 10 s
  }, POLL_MS);
}

function logout(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(TOKEN_KEY + '.user');
  show(false);
  status(why || 'Logged out.', why ? 'error' : 'idle');
}

async function login(ev) {
  ev.preventDefault();
  const user = $('#user').value;
  status('Logging in…', 'idle');
  try {
    const r = await fetch('/identity/token', { method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: user,
        password: $('#password').value }) });
    const env = await r.json().catch(() => null);
    if (!r.ok || !env || env.status !== 1) {
      status('Login refused: ' + (env && env.message ? env.message :
        r.status + ' ' + r.statusText), 'error');
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, env.data.token);
    sessionStorage.setItem(TOKEN_KEY + '.user', user);
    $('#password').value = '';
    status('Logged in as ' + user + '.', 'ok');
    show(true);
  } catch (e) {
    status('The node did not answer: ' + e.message, 'error');
  }
}

$('#login-form').addEventListener('submit', login);
$('#logout').addEventListener('click', async () => {
  try { await api('DELETE', '/identity/token'); } catch (e) { /* gone */ }
  logout();
});
$('#queue-refresh').addEventListener('click', refreshQueue);
show(!!token());
