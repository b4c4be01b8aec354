/**
 * The admin page (`GET /api/manage/ui`): one HTML document with a small script, no build step and
 * no framework. Everything it shows comes from the app's own APIs (manage/status, health, the
 * reports API), called with the key the page was opened with; values are written with
 * textContent, never as HTML. Actions per user live in one cell (`td.actions`) so that more
 * buttons (a resync preview) slot in beside "Resync".
 */

export interface PageOptions {
  /** per-response nonce for the inline script and style (Content-Security-Policy) */
  nonce: string;
  /** a link to the Application Insights resource, when configured */
  telemetryUrl?: string;
}

const escapeAttr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function contentSecurityPolicy(nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

export function renderPage(opts: PageOptions): string {
  const telemetry = opts.telemetryUrl ? `<a href="${escapeAttr(opts.telemetryUrl)}" rel="noopener" target="_blank">Application Insights</a>` : 'Application Insights: set <code>TELEMETRY_PORTAL_URL</code> to link it here';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Outlook → Zoho sync: admin</title>
<style nonce="${opts.nonce}">${STYLE}</style>
</head>
<body>
<header><h1>Outlook → Zoho sync</h1><p id="health" role="status" aria-live="polite">Checking health…</p></header>
<main>
<p id="message" role="status" aria-live="polite"></p>
<section aria-labelledby="users-h">
<h2 id="users-h">Users and subscriptions</h2>
<table id="users"><caption>Provisioned mailboxes, their subscriptions and last notification</caption>
<thead><tr><th scope="col">User</th><th scope="col">State</th><th scope="col">Subscriptions</th><th scope="col">Soonest expiry</th><th scope="col">Last notification</th><th scope="col">Last error</th><th scope="col">Telemetry id</th><th scope="col">Actions</th></tr></thead>
<tbody><tr><td colspan="8">Loading…</td></tr></tbody></table>
</section>
<section aria-labelledby="today-h">
<h2 id="today-h">Today's report</h2>
<dl id="counts" class="counts"></dl>
<table id="today"><caption>What the automatic sync did today (UTC)</caption>
<thead><tr><th scope="col">Time</th><th scope="col">User</th><th scope="col">Module</th><th scope="col">Item</th><th scope="col">Result</th><th scope="col">Reason</th><th scope="col">Zoho id</th></tr></thead>
<tbody><tr><td colspan="7">Loading…</td></tr></tbody></table>
<p><button type="button" id="today-more" hidden>More lines</button></p>
</section>
<section aria-labelledby="skipped-h">
<h2 id="skipped-h">Skipped items</h2>
<table id="skipped"><caption>Items the sync could not apply; Retry queues a resync of that item alone</caption>
<thead><tr><th scope="col">User</th><th scope="col">Module</th><th scope="col">Item id</th><th scope="col">Reason</th><th scope="col">Since</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
<tbody><tr><td colspan="7">Loading…</td></tr></tbody></table>
<p><button type="button" id="skipped-more" hidden>More skipped items</button></p>
</section>
<section aria-labelledby="telemetry-h">
<h2 id="telemetry-h">Telemetry</h2>
<ul>
<li>${telemetry}</li>
<li><a id="health-link" href="../health">Health (JSON, for an availability test)</a></li>
<li>A user's lines: <code>traces | where customDimensions.userHash == "TELEMETRY-ID"</code> (the id is in the users table)</li>
<li>An item's trail: in Application Insights → Logs, run
<pre id="kql">let ops = traces
  | where timestamp > ago(7d) and customDimensions.itemId == "ITEM-ID"
  | distinct operation_Id;
union requests, dependencies, traces
| where timestamp > ago(7d) and operation_Id in (ops)
| project timestamp, itemType, name, message, resultCode, duration, customDimensions
| order by timestamp asc</pre></li>
</ul>
</section>
</main>
<script nonce="${opts.nonce}">${SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; background: #fff; }
body { margin: 0 auto; max-width: 78rem; padding: 1rem 1.5rem 3rem; line-height: 1.4; }
h1 { font-size: 1.5rem; margin: .5rem 0; } h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
caption { text-align: left; color: #555; padding: .25rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; overflow-wrap: break-word; }
th { background: #f3f3f3; white-space: nowrap; } td code { word-break: break-all; }
button { font: inherit; padding: .25rem .75rem; border: 1px solid #0b5cad; background: #0b5cad; color: #fff; border-radius: 4px; cursor: pointer; white-space: nowrap; }
button:disabled { background: #8aa9c9; border-color: #8aa9c9; cursor: default; }
button:focus-visible, a:focus-visible { outline: 3px solid #f0a30a; outline-offset: 2px; }
.ok { color: #0a6b2d; font-weight: 600; } .bad { color: #a4262c; font-weight: 600; } .warn { color: #8a5300; font-weight: 600; }
td.actions output { display: block; margin-top: .25rem; font-size: .85rem; } td.actions output:empty { display: none; }
.counts { display: flex; gap: 1.5rem; flex-wrap: wrap; margin: .5rem 0; }
.counts div { border: 1px solid #ddd; border-radius: 4px; padding: .25rem .75rem; } .counts dt { font-size: .8rem; color: #555; } .counts dd { margin: 0; font-size: 1.2rem; font-weight: 600; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; font-size: .85rem; }
#message:empty { display: none; } #message { background: #eef5fc; border-left: 4px solid #0b5cad; padding: .5rem .75rem; }
`;

/** Plain ES2020 for any current browser; no modules, no globals leaked. */
const SCRIPT = `
(() => {
  'use strict';
  const key = new URLSearchParams(location.search).get('code') || '';
  // The API root is the page's path without manage/ui (a trailing slash or a custom routePrefix included).
  const at = location.pathname.toLowerCase().lastIndexOf('manage/ui');
  const apiBase = new URL(at >= 0 ? location.pathname.slice(0, at) : '/api/', location.origin);
  const users = new Map();
  const $ = (id) => document.getElementById(id);

  async function api(path, init) {
    const headers = Object.assign({ accept: 'application/json' }, init && init.body ? { 'content-type': 'application/json' } : {}, key ? { 'x-functions-key': key } : {});
    const res = await fetch(new URL(path, apiBase), Object.assign({}, init, { headers }));
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    return { status: res.status, body };
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v; else if (k.startsWith('on')) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  const say = (text) => { $('message').textContent = text; };
  const when = (iso) => iso ? new Date(iso).toLocaleString() : '—';
  const ago = (iso) => { if (!iso) return 'never'; const m = Math.round((Date.now() - Date.parse(iso)) / 60000); return m < 60 ? m + ' min ago' : m < 2880 ? Math.round(m / 60) + ' h ago' : Math.round(m / 1440) + ' days ago'; };
  const who = (id) => users.get(id) || id;
  const today = () => 'auto-' + new Date().toISOString().slice(0, 10);

  function fill(tbody, rows, empty) {
    const columns = tbody.parentElement.tHead.rows[0].cells.length;
    tbody.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: columns }, empty))]));
  }

  async function loadHealth() {
    const { status, body } = await api('health');
    const node = $('health');
    if (!body) { node.textContent = 'Health: no answer (' + status + ')'; node.className = 'bad'; return; }
    node.className = body.status === 'healthy' ? 'ok' : 'bad';
    node.textContent = body.status === 'healthy' ? 'Healthy: every check passes' : 'Unhealthy: ' + body.failing.map((f) => f + (body.checks[f].problem ? ' (' + body.checks[f].problem + ')' : '')).join('; ');
  }

  async function loadUsers() {
    const { status, body } = await api('manage/status');
    const tbody = $('users').tBodies[0];
    if (status !== 200) { fill(tbody, [], 'Could not read the status (' + status + ').'); return; }
    users.clear();
    for (const u of body.users) users.set(u.user, u.upn || u.user);
    fill(tbody, body.users.map((u) => {
      const soonest = u.subscriptions.map((s) => s.expiresInMinutes).sort((a, b) => a - b)[0];
      const errors = u.lastError || (u.subscriptions.find((s) => s.lastError) || {}).lastError;
      const lastNote = Object.values(u.lastNotificationAt || {}).sort().pop();
      const resync = el('button', { type: 'button', 'aria-label': 'Resync ' + (u.upn || u.user), onclick: (ev) => startResync(u, ev.currentTarget) }, 'Resync');
      const outcome = el('output', { class: 'preview', 'aria-live': 'polite' });
      const preview = el('button', { type: 'button', 'aria-label': 'Preview a full resync of ' + (u.upn || u.user), onclick: (ev) => startPreview(u, ev.currentTarget, outcome) }, 'Preview');
      return el('tr', { 'data-user': u.user },
        el('th', { scope: 'row' }, u.upn || u.user),
        el('td', { class: u.state === 'active' ? 'ok' : 'bad' }, u.state + (u.reason ? ': ' + u.reason : '')),
        el('td', {}, String(u.subscriptions.length) + (u.refusedModules.length ? ' (refused: ' + u.refusedModules.join(', ') + ')' : '')),
        el('td', { class: soonest === undefined ? '' : soonest < 1440 ? 'bad' : 'ok' }, soonest === undefined ? '—' : Math.round(soonest / 60) + ' h'),
        el('td', {}, ago(lastNote)),
        el('td', { class: errors ? 'warn' : '' }, errors || '—'),
        el('td', {}, el('code', {}, u.userHash)),
        el('td', { class: 'actions' }, resync, ' ', preview, outcome));
    }), 'Nobody is provisioned yet (POST /api/manage/provision).');
  }

  async function startResync(u, button) {
    button.disabled = true;
    const { status, body } = await api('resync', { method: 'POST', body: JSON.stringify({ users: [u.user], mode: 'delta' }) });
    button.disabled = false;
    say(status === 202 ? 'Resync queued for ' + (u.upn || u.user) + ' (job ' + body.jobId + ').' : 'Resync refused (' + status + '): ' + ((body && body.error) || ''));
  }

  // A preview reads both sides and writes nothing; its counts say what a full resync would do. The
  // status holds counts only: the would-be links are counted from its updated lines, page by page.
  async function previewSummary(jobId, report) {
    const c = report.counts;
    let links = 0;
    let token;
    do {
      const q = new URLSearchParams({ result: 'updated', top: '1000' });
      if (token) q.set('continuationToken', token);
      const page = await api('resync/' + encodeURIComponent(jobId) + '/items?' + q);
      if (page.status !== 200) break;
      links += page.body.items.filter((e) => /^would link/.test(e.reason || '')).length;
      token = page.body.continuationToken;
    } while (token);
    const parts = ['add ' + c.added, 'update ' + (c.updated - links), 'link ' + links, 'delete ' + c.deleted, 'skip ' + c.skipped];
    return 'would ' + parts.join(', ') + '; ' + c.unchanged + ' unchanged' + (report.message ? ' (' + report.message + ')' : '');
  }

  async function startPreview(u, button, outcome) {
    button.disabled = true;
    outcome.dataset.state = 'queued'; outcome.textContent = 'preview queued';
    const { status, body } = await api('resync', { method: 'POST', body: JSON.stringify({ users: [u.user], mode: 'preview' }) });
    if (status !== 202) { button.disabled = false; outcome.textContent = ''; say('Preview refused (' + status + '): ' + ((body && body.error) || '')); return; }
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const job = await api('resync/' + encodeURIComponent(body.jobId));
      if (job.status !== 200) continue;
      if (job.body.state === 'queued' || job.body.state === 'running') { outcome.textContent = 'preview ' + job.body.state; continue; }
      outcome.dataset.state = job.body.state;
      for (const k of ['added', 'updated', 'deleted', 'skipped', 'unchanged']) outcome.dataset[k] = String(job.body.counts[k]);
      outcome.textContent = job.body.state === 'failed' ? 'preview failed: ' + (job.body.message || '') : 'Preview: ' + (await previewSummary(body.jobId, job.body));
      say('Preview of ' + (u.upn || u.user) + ' finished (job ' + body.jobId + '); nothing was written.');
      button.disabled = false;
      return;
    }
    button.disabled = false;
  }

  let todayToken;
  async function loadToday(more) {
    const tbody = $('today').tBodies[0];
    if (!more) {
      const { status, body } = await api('resync/' + today());
      const counts = $('counts');
      if (status === 200) counts.replaceChildren(...['added', 'updated', 'deleted', 'skipped', 'unchanged'].map((k) => el('div', {}, el('dt', {}, k), el('dd', { 'data-count': k }, body.counts[k]))));
      todayToken = undefined;
    }
    const q = new URLSearchParams({ top: '50' });
    if (more && todayToken) q.set('continuationToken', todayToken);
    const { status, body } = await api('resync/' + today() + '/items?' + q);
    if (status !== 200) { fill(tbody, [], 'Could not read today\\'s report (' + status + ').'); return; }
    const rows = body.items.map((i) => el('tr', {},
      el('td', {}, when(i.at)), el('td', {}, who(i.userId)), el('td', {}, i.module), el('td', {}, i.label || i.itemId),
      el('td', { class: i.result === 'skipped' ? 'bad' : 'ok' }, i.result), el('td', {}, i.reason || ''), el('td', {}, i.zohoId || '')));
    if (more) tbody.append(...rows); else fill(tbody, rows, 'Nothing synced today yet.');
    todayToken = body.continuationToken;
    $('today-more').hidden = !todayToken;
  }

  let skippedToken;
  async function loadSkipped(more) {
    const tbody = $('skipped').tBodies[0];
    const q = new URLSearchParams({ top: '50' });
    if (more && skippedToken) q.set('continuationToken', skippedToken);
    const { status, body } = await api('skipped?' + q);
    if (status !== 200) { fill(tbody, [], 'Could not read the skipped items (' + status + ').'); return; }
    const rows = body.items.map((s) => {
      const state = el('td', { class: 'bad', 'data-state': 'skipped' }, 'skipped');
      const retry = el('button', { type: 'button', 'aria-label': 'Retry ' + s.module + ' item ' + s.itemId, onclick: (ev) => retryItem(s, ev.currentTarget, state) }, 'Retry');
      return el('tr', { 'data-item': s.itemId },
        el('td', {}, who(s.userId)), el('td', {}, s.module), el('td', {}, el('code', {}, s.itemId)),
        el('td', {}, s.reason + (s.code ? ' (' + s.code + ')' : '')), el('td', {}, when(s.at)), state, el('td', { class: 'actions' }, retry));
    });
    if (more) tbody.append(...rows); else fill(tbody, rows, 'No skipped items.');
    skippedToken = body.continuationToken;
    $('skipped-more').hidden = !skippedToken;
  }

  const RESULTS = ['added', 'updated', 'deleted', 'skipped'];
  function outcomeOf(report, s) {
    const hit = (report.items || []).find((e) => e.itemId === s.itemId && e.module === s.module && RESULTS.includes(e.result));
    return hit ? { result: hit.result, entry: hit } : undefined;
  }

  async function retryItem(s, button, state) {
    button.disabled = true;
    const { status, body } = await api('skipped/retry', { method: 'POST', body: JSON.stringify({ items: [{ user: s.userId, module: s.module, itemId: s.itemId }] }) });
    if (status !== 202) { button.disabled = false; say('Retry refused (' + status + '): ' + ((body && body.error) || '')); return; }
    state.textContent = 'retry queued'; state.className = 'warn'; state.dataset.state = 'queued';
    say('Retry queued (job ' + body.jobId + ').');
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      // The job retries this one item: its line is on the first page of the job's lines.
      const job = await api('resync/' + encodeURIComponent(body.jobId) + '?' + new URLSearchParams({ user: s.userId, module: s.module, items: 'all', top: '1000' }));
      if (job.status !== 200) continue;
      const seen = outcomeOf(job.body, s);
      if (!seen) { state.textContent = 'retry ' + job.body.state; continue; }
      if (seen.result === 'skipped') {
        state.textContent = 'still skipped: ' + (seen.entry.reason || ''); state.className = 'bad'; state.dataset.state = 'skipped'; button.disabled = false;
      } else {
        state.textContent = 'synced (' + seen.result + (seen.entry.zohoId ? ', Zoho ' + seen.entry.zohoId : '') + ')'; state.className = 'ok'; state.dataset.state = 'synced';
      }
      say('Retry finished: ' + state.textContent + '.');
      loadToday(false);
      return;
    }
  }

  $('health-link').href = new URL('health', apiBase).href;
  $('today-more').addEventListener('click', () => loadToday(true));
  $('skipped-more').addEventListener('click', () => loadSkipped(true));
  document.body.dataset.ready = 'loading';
  Promise.allSettled([loadHealth(), loadUsers().then(() => Promise.all([loadToday(false), loadSkipped(false)]))]).then(() => { document.body.dataset.ready = 'yes'; });
})();
`;
