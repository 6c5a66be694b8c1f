// The district board: one area's figures from gc-board's live feed (GET /api/feed?area=CODE,
// Server-Sent Events: "view" whenever a figure changed, "heartbeat" every round of gc-stats,
// "error" for an unknown area). Everything is rendered from the last view; the window switch
// and the children's sort order are the page's own state. Text goes in with textContent only:
// area, leader and department names come from the reference data, not from this page.
'use strict';

const LEVEL_NAMES = { district: '区', street: '街道', community: '社区', grid: '网格' };
const CHILD_NAMES = { district: '街道', street: '社区', community: '网格' };
const WINDOWS = ['today', 'month', 'year', 'all'];
const STALE_MS = 3000; // no heartbeat for this long: gc-stats is not publishing

const BRIEF = [
  ['closed_at_grid_of_closed_rate', '小事不出网格', '网格办结 / 办结'],
  ['closed_in_community_of_closed_rate', '小事不出社区', '社区内办结 / 办结'],
  ['closed_in_street_of_closed_rate', '大事不出街道', '街道内办结 / 办结'],
  ['stayed_below_district_of_reported_rate', '矛盾不上交', '未上交到区 / 上报'],
];
const RATES = [
  ['closed_of_due_rate', '结案率', '办结 / 应结案'],
  ['closed_of_reported_rate', '化解率', '办结 / 上报'],
  ['closed_on_time_of_due_rate', '按期结案率', '按期结案 / 应结案'],
  ['reopened_of_closed_rate', '返工率', '返工 / 办结'],
  ['extended_of_reported_rate', '延期率', '延期 / 上报'],
];
// [data-count, label, value of (window figures, backlog), note]
const COUNTS = [
  ['reported', '上报', (f) => f && f.reported, ''],
  ['closed', '办结', (f) => f && f.closed, ''],
  ['open', '未结', (f, b) => b && b.open, '当前'],
  ['overdue', '超期', (f, b) => b && b.overdue_now, '当前'],
  ['supervised', '督办', (f) => f && f.supervised, ''],
];

const figuresOf = (snap, win) => {
  const w = (snap.windows || []).find((x) => x.window === win);
  return w ? w : null;
};

// The children's table: the leaders' assessment rows. kind: text, count or rate.
const CHILD_COLUMNS = [
  { key: 'name', label: '名称', kind: 'text', get: (s) => s.area_name },
  { key: 'leader', label: '负责人', kind: 'text', get: (s, w) => (w && w.leader ? w.leader.name : '') },
  { key: 'reported', label: '上报', kind: 'count', get: (s, w) => w && w.figures && w.figures.reported },
  { key: 'closed', label: '办结', kind: 'count', get: (s, w) => w && w.figures && w.figures.closed },
  { key: 'closed_of_due_rate', label: '结案率', kind: 'rate', get: (s, w) => w && w.figures && w.figures.closed_of_due_rate },
  { key: 'closed_of_reported_rate', label: '化解率', kind: 'rate', get: (s, w) => w && w.figures && w.figures.closed_of_reported_rate },
  { key: 'closed_on_time_of_due_rate', label: '按期结案率', kind: 'rate', get: (s, w) => w && w.figures && w.figures.closed_on_time_of_due_rate },
  { key: 'reached', label: '到达本级', kind: 'count', get: (s, w) => w && w.leader && w.leader.reached },
  { key: 'closed_here', label: '本级办结', kind: 'count', get: (s, w) => w && w.leader && w.leader.closed_here },
  { key: 'passed_up', label: '上交', kind: 'count', get: (s, w) => w && w.leader && w.leader.passed_up },
  { key: 'overdue', label: '超期', kind: 'count', get: (s) => s.backlog && s.backlog.overdue_now },
];
const DEPT_COLUMNS = [
  { key: 'name', label: '部门', kind: 'text', get: (d) => d.department_name },
  { key: 'handled', label: '受理', kind: 'count', get: (d, f) => f && f.handled },
  { key: 'resolved_on_time', label: '按期办结', kind: 'count', get: (d, f) => f && f.resolved_on_time,
    rate: (d, f) => f && f.resolved_on_time_of_resolved_rate },
  { key: 'misrouted', label: '错派', kind: 'count', get: (d, f) => f && f.misrouted },
  { key: 'unacknowledged', label: '未确认', kind: 'count', get: (d) => d.backlog && d.backlog.unacknowledged },
  { key: 'held', label: '在办', kind: 'count', get: (d) => d.backlog && d.backlog.held },
];

const state = {
  area: '',
  window: 'all',
  view: null,
  sort: { key: null, dir: 1 },
  source: null,
  opened: false, // the current EventSource has been open at least once
  lastBeat: 0, // Date.now() when the last sign of a live gc-stats arrived; 0: none
  beatAtMs: null, // at_ms of the last heartbeat, shown as the time of the last update
  retry: null,
};

// --- small helpers ---------------------------------------------------------------------------

const $ = (sel) => document.querySelector(sel);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const fmtCount = (v) => (isNum(v) ? String(v) : '—');
const fmtPercent = (r) => (r ? `${Math.round(r.percent * 100) / 100}%` : '—');
const fmtFraction = (r) => (r ? `${r.numerator}/${r.denominator}` : '');

function urlFor(area, win) {
  const q = new URLSearchParams();
  if (area) q.set('area', area);
  if (win && win !== 'all') q.set('window', win);
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

function readUrl() {
  const q = new URLSearchParams(location.search);
  state.area = (q.get('area') || '').trim();
  const w = q.get('window');
  state.window = WINDOWS.includes(w) ? w : 'all';
}

// --- the feed --------------------------------------------------------------------------------

function connect() {
  if (state.source) state.source.close();
  clearTimeout(state.retry);
  state.view = null;
  state.opened = false;
  state.lastBeat = 0;
  const es = new EventSource(`/api/feed?area=${encodeURIComponent(state.area)}`);
  state.source = es;
  es.addEventListener('open', () => {
    state.opened = true;
    if (!state.view) showMessage('loading', '正在读取统计数据…');
  });
  es.addEventListener('view', (e) => {
    const v = JSON.parse(e.data);
    state.view = v;
    if (v.heartbeat) state.beatAtMs = v.heartbeat.at_ms;
    state.lastBeat = v.stale ? 0 : Math.max(state.lastBeat, Date.now());
    hideMessage();
    render();
  });
  es.addEventListener('heartbeat', (e) => {
    const hb = JSON.parse(e.data);
    state.beatAtMs = hb.at_ms;
    state.lastBeat = Date.now();
    renderState();
  });
  es.addEventListener('error', (e) => {
    if (typeof e.data === 'string' && e.data) {
      // gc-board's own error event: it ends the stream, so stop the automatic reconnection
      es.close();
      let err = {};
      try { err = JSON.parse(e.data).error || {}; } catch (_) { /* shown as unknown below */ }
      feedError(err);
      return;
    }
    // the connection failed or broke: EventSource retries by itself unless it gave up (CLOSED)
    // (the figures already shown stay, marked stale)
    state.lastBeat = 0;
    if (es.readyState === EventSource.CLOSED) {
      showMessage('unreachable', '无法连接看板服务（gc-board），5 秒后重试…');
      state.retry = setTimeout(connect, 5000);
    } else {
      showMessage('unreachable', state.opened
        ? '与看板服务（gc-board）的连接已中断，正在重连…以下为中断前的数据。'
        : '无法连接看板服务（gc-board），正在重试…');
    }
    renderState();
  });
}

function feedError(err) {
  state.view = null;
  if (err.code === 'unknown_area') {
    // gc-board's message and hint are English, for operators: kept in the tooltip
    const box = showMessage('unknown_area', `未找到区域 ${state.area}`);
    box.title = [err.message, err.hint].filter(Boolean).join(' — ');
    box.append(h('p', { class: 'hint' }, '区域代码有误，或该区域已不在本区的区域树中。请从全区页面逐级点击进入。'));
    box.append(h('p', {}, h('a', { href: urlFor('', state.window), 'data-area': '' }, '返回全区')));
    renderState();
    return;
  }
  if (err.code === 'no_figures_yet') {
    showMessage('no_figures_yet', '统计数据尚未就绪（gc-stats 还没有发布完整的一轮），稍后自动重试…');
  } else {
    showMessage('error', `看板服务出错：${err.message || err.code || '未知错误'}，稍后重试…`);
  }
  state.retry = setTimeout(connect, 3000);
  renderState();
}

// --- messages and the live indicator -------------------------------------------------------

function showMessage(kind, text) {
  const box = $('#message');
  box.removeAttribute('title');
  box.replaceChildren(h('p', { class: 'text' }, text));
  box.dataset.message = kind;
  box.hidden = false;
  if (kind !== 'loading' && kind !== 'unreachable') $('#board').hidden = true;
  if (kind === 'unknown_area' || kind === 'no_figures_yet' || kind === 'error') {
    $('[data-field="area_name"]').textContent = kind === 'unknown_area' ? '未找到区域' : '统计看板';
    $('[data-field="level"]').textContent = '';
    $('[data-field="leader"]').textContent = '—';
    $('.leader').hidden = true;
    $('#crumbs').replaceChildren(h('a', { href: urlFor('', state.window), 'data-crumb': '', 'data-area': '' }, '全区'));
  }
  return box;
}

function hideMessage() {
  const box = $('#message');
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.message;
}

function renderState() {
  const el = $('#state');
  // no figures and no feed (an unknown area): nothing is live or stale
  el.hidden = !state.view && state.source && state.source.readyState === EventSource.CLOSED;
  const live = state.lastBeat > 0 && Date.now() - state.lastBeat < STALE_MS;
  let word;
  if (live) word = '实时';
  else if (state.source && state.source.readyState !== EventSource.OPEN) word = state.opened ? '连接中断' : '连接中';
  else word = '数据已过期';
  el.dataset.state = live ? 'live' : 'stale';
  $('#board').toggleAttribute('data-stale', !live);
  el.querySelector('[data-field="state"]').textContent = word;
  const at = state.beatAtMs ? new Date(state.beatAtMs) : null;
  el.querySelector('[data-field="updated"]').textContent = at
    ? `更新于 ${at.toLocaleTimeString('zh-CN', { hour12: false })}` : '';
}

// --- rendering the view --------------------------------------------------------------------

function rateTile(name, label, note, rate) {
  // the bar's width through the CSSOM: gc-board's Content-Security-Policy refuses style attributes
  const bar = h('span');
  bar.style.width = `${rate ? Math.max(0, Math.min(100, rate.percent)) : 0}%`;
  return h('div', { class: 'tile', 'data-figure': name, title: note },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value', 'data-role': 'percent' }, fmtPercent(rate)),
    h('div', { class: 'fraction', 'data-role': 'fraction' }, rate ? fmtFraction(rate) : '无数据'),
    h('div', { class: 'bar' }, bar));
}

function render() {
  const v = state.view;
  if (!v) return;
  const a = v.area;
  const w = figuresOf(a, state.window);
  const f = w && w.figures;
  document.title = `${a.area_name} · 统计看板`;
  $('[data-field="area_name"]').textContent = a.area_name;
  $('[data-field="level"]').textContent = LEVEL_NAMES[a.level] || a.level;
  $('[data-field="leader"]').textContent = (w && w.leader && w.leader.name) || '—';
  $('.leader').hidden = false;
  $('#board').hidden = false;
  $('#board').dataset.area = a.area;
  $('#board').dataset.window = state.window;

  markWindow();

  $('#crumbs').replaceChildren(...(v.path || []).map((p, i, all) => {
    const label = `${p.area_name}`;
    if (i === all.length - 1) return h('span', { 'data-crumb': p.area, 'aria-current': 'page' }, label);
    return h('a', { href: urlFor(p.area, state.window), 'data-crumb': p.area, 'data-area': p.area }, label);
  }));

  $('#brief').replaceChildren(...BRIEF.map(([n, l, note]) => rateTile(n, l, note, f && f[n])));
  $('#rates').replaceChildren(...RATES.map(([n, l, note]) => rateTile(n, l, note, f && f[n])));
  $('#counts').replaceChildren(...COUNTS.map(([key, label, get, note]) =>
    h('div', { class: 'tile', 'data-count': key },
      h('div', { class: 'label' }, label, note ? h('small', {}, note) : null),
      h('div', { class: 'value' }, fmtCount(get(f, a.backlog))))));

  renderChildren(v);
  renderDepartments(v);
  renderState();
}

// a column's value for sorting: numbers numerically, text by its Chinese collation, "—" last
function sortValue(col, value) {
  if (col.kind === 'rate') return value ? value.percent : null;
  if (col.kind === 'count') return isNum(value) ? value : null;
  return value || null;
}

function renderChildren(v) {
  const box = $('#children');
  const level = v.area.level;
  $('#h-children').textContent = CHILD_NAMES[level] ? `下级${CHILD_NAMES[level]}` : '下级';
  if (!v.children || v.children.length === 0) {
    box.replaceChildren(h('p', { class: 'empty', 'data-empty': 'children' },
      level === 'grid' ? '无下级网格' : '无下级区域'));
    return;
  }
  let rows = v.children.map((s) => ({ s, w: figuresOf(s, state.window) }));
  const col = CHILD_COLUMNS.find((c) => c.key === state.sort.key);
  if (col) {
    const dir = state.sort.dir;
    rows = rows.map((r, i) => ({ ...r, i, k: sortValue(col, col.get(r.s, r.w)) }));
    rows.sort((x, y) => {
      if (x.k === null || y.k === null) return (x.k === null) - (y.k === null) || x.i - y.i;
      const c = col.kind === 'text' ? x.k.localeCompare(y.k, 'zh-CN') : x.k - y.k;
      return c * dir || x.i - y.i;
    });
  }
  const head = h('tr', {}, CHILD_COLUMNS.map((c) => {
    const sorted = state.sort.key === c.key;
    return h('th', {
      scope: 'col', 'data-sort': c.key, class: c.kind,
      'aria-sort': sorted ? (state.sort.dir > 0 ? 'ascending' : 'descending') : null,
      onclick: () => sortBy(c.key),
    }, c.label, h('span', { class: 'arrow' }, sorted ? (state.sort.dir > 0 ? '▲' : '▼') : ''));
  }));
  const body = rows.map(({ s, w }) => h('tr', {
    'data-child': s.area, tabindex: 0, title: `查看${s.area_name}`,
    onclick: () => navigate(s.area),
    onkeydown: (e) => { if (e.key === 'Enter') navigate(s.area); },
  }, CHILD_COLUMNS.map((c) => cell(c, c.get(s, w)))));
  box.replaceChildren(h('table', { class: 'rows children' },
    h('thead', {}, head), h('tbody', {}, body)));
}

function cell(col, value, rate) {
  if (col.kind === 'text') return h('td', { 'data-col': col.key, class: 'text' }, value || '—');
  if (col.kind === 'rate') {
    return h('td', { 'data-col': col.key, class: 'rate' },
      h('span', { 'data-role': 'percent' }, fmtPercent(value)),
      h('small', { 'data-role': 'fraction' }, fmtFraction(value)));
  }
  return h('td', { 'data-col': col.key, class: 'count' },
    h('span', { 'data-role': 'value' }, fmtCount(value)),
    rate === undefined ? null : h('small', {},
      h('span', { 'data-role': 'percent' }, fmtPercent(rate)), rate ? ' · ' : '',
      h('span', { 'data-role': 'fraction' }, fmtFraction(rate))));
}

function renderDepartments(v) {
  const depts = v.departments || [];
  if (depts.length === 0) {
    $('#departments').replaceChildren(h('p', { class: 'empty' }, '暂无部门数据'));
    return;
  }
  const head = h('tr', {}, DEPT_COLUMNS.map((c) => h('th', { scope: 'col', class: c.kind }, c.label)));
  const body = depts.map((d) => {
    const dw = (d.windows || []).find((x) => x.window === state.window);
    const f = dw && dw.figures;
    return h('tr', { 'data-dept': d.department },
      DEPT_COLUMNS.map((c) => cell(c, c.get(d, f), c.rate ? c.rate(d, f) : undefined)));
  });
  $('#departments').replaceChildren(h('table', { class: 'rows departments' },
    h('thead', {}, head), h('tbody', {}, body)));
}

// --- navigation ----------------------------------------------------------------------------

function sortBy(key) {
  if (state.sort.key === key) state.sort.dir = -state.sort.dir;
  else state.sort = { key, dir: CHILD_COLUMNS.find((c) => c.key === key).kind === 'text' ? 1 : -1 };
  if (state.view) renderChildren(state.view);
}

function navigate(area) {
  if (area === state.area && state.view) return;
  state.area = area;
  state.sort = { key: null, dir: 1 };
  history.pushState(null, '', urlFor(area, state.window));
  connect();
}

function setWindow(win) {
  if (win === state.window) return;
  state.window = win;
  history.replaceState(null, '', urlFor(state.area, win));
  markWindow();
  render();
}

function markWindow() {
  for (const b of document.querySelectorAll('[data-window]')) {
    b.setAttribute('aria-pressed', String(b.dataset.window === state.window));
  }
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-area]');
  if (a && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.button === 0) {
    e.preventDefault();
    navigate(a.dataset.area);
    return;
  }
  const b = e.target.closest('button[data-window]');
  if (b) setWindow(b.dataset.window);
});

// back and forward: the area of that history entry, in the window chosen now
window.addEventListener('popstate', () => {
  const win = state.window;
  readUrl();
  if (state.window !== win) {
    state.window = win;
    history.replaceState(null, '', urlFor(state.area, win));
  }
  state.sort = { key: null, dir: 1 };
  connect();
});

readUrl();
markWindow();
connect();
setInterval(renderState, 500);
