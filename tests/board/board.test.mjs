// The district board's page in a real browser (Debian's chromium, driven by playwright-core)
// against a real stack: cases made with gridctl, every figure the page shows compared with the
// statistics stream read independently (`gridctl stats --json`), drill-down and breadcrumbs, a
// live change, gc-stats stopped and started again, an unknown area, a phone and a wall screen.
// Run by tests/board/run.sh, which starts the stack and sets the environment (GC_VAR's env
// file: GC_BOARD_URL, the sockets, the keys; PATH with gridctl; BOARD_BIN_DIR). Prints TAP.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const BOARD = process.env.GC_BOARD_URL;
const BIN = process.env.BOARD_BIN_DIR;
const VAR = process.env.GC_VAR;
const SHOTS = 'var/board';
const execFileP = promisify(execFile);
const started = Date.now();

// --- TAP -------------------------------------------------------------------------------------
let checks = 0;
let failures = 0;
function ok(pass, name, detail) {
  checks += 1;
  if (pass) {
    console.log(`ok ${checks} - ${name}`);
  } else {
    failures += 1;
    console.log(`not ok ${checks} - ${name}`);
    if (detail) for (const line of String(detail).split('\n')) console.log(`#   ${line}`);
  }
  return pass;
}
const note = (text) => console.log(`# ${text}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- gridctl -----------------------------------------------------------------------------------
function gridctl(...args) {
  return execFileSync('gridctl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}
const firstJson = (text) => JSON.parse(text.split('\n')[0]);
const streamArea = (code) => firstJson(gridctl('stats', '--area', code, '--json', '--timeout', '5'));
const streamDept = (code) => firstJson(gridctl('stats', '--dept', code, '--json', '--timeout', '5'));
const caseOf = (ref) => JSON.parse(gridctl('show', ref, '--json'));

async function until(what, seconds, fn) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(100);
  }
}
const caseIs = (ref, field, value) => until(`${ref}'s ${field} to be ${value}`, 15, () => caseOf(ref)[field] === value);

// --- what the page must show for a snapshot: written here from proto/stats.proto and the brief,
// not taken from the page's code ---------------------------------------------------------------
const RATE_NAMES = ['closed_at_grid_of_closed_rate', 'closed_in_community_of_closed_rate',
  'closed_in_street_of_closed_rate', 'stayed_below_district_of_reported_rate', 'closed_of_due_rate',
  'closed_of_reported_rate', 'closed_on_time_of_due_rate', 'reopened_of_closed_rate',
  'extended_of_reported_rate'];
const LEVEL_WORDS = { district: '区', street: '街道', community: '社区', grid: '网格' };
const WINDOW_WORDS = { today: '今日', month: '本月', year: '本年', all: '全部' };
const num = (v) => (v === null || v === undefined ? '—' : String(v));
const pct = (r) => (r ? `${Number(r.percent.toFixed(2))}%` : '—');
const frac = (r) => (r ? `${r.numerator}/${r.denominator}` : '');
const windowOf = (snap, win) => snap.windows.find((w) => w.window === win) || null;

function expectedArea(snap, win) {
  const w = windowOf(snap, win);
  const f = w && w.figures;
  const figures = {};
  for (const n of RATE_NAMES) {
    const r = f ? f[n] : null;
    figures[n] = { percent: pct(r), fraction: r ? frac(r) : '无数据' };
  }
  return {
    name: snap.area_name,
    level: LEVEL_WORDS[snap.level],
    leader: (w && w.leader && w.leader.name) || '—',
    figures,
    counts: {
      reported: num(f && f.reported), closed: num(f && f.closed),
      open: num(snap.backlog && snap.backlog.open), overdue: num(snap.backlog && snap.backlog.overdue_now),
      supervised: num(f && f.supervised),
    },
  };
}
function expectedChild(snap, win) {
  const w = windowOf(snap, win);
  const f = w && w.figures;
  const l = w && w.leader;
  const rate = (r) => ({ percent: pct(r), fraction: frac(r) });
  return {
    name: snap.area_name, leader: (l && l.name) || '—',
    reported: num(f && f.reported), closed: num(f && f.closed),
    closed_of_due_rate: rate(f && f.closed_of_due_rate),
    closed_of_reported_rate: rate(f && f.closed_of_reported_rate),
    closed_on_time_of_due_rate: rate(f && f.closed_on_time_of_due_rate),
    reached: num(l && l.reached), closed_here: num(l && l.closed_here), passed_up: num(l && l.passed_up),
    overdue: num(snap.backlog && snap.backlog.overdue_now),
  };
}
function expectedDept(snap, win) {
  const w = snap.windows.find((x) => x.window === win);
  const f = w && w.figures;
  const b = snap.backlog;
  const r = f && f.resolved_on_time_of_resolved_rate;
  return {
    name: snap.department_name, handled: num(f && f.handled),
    resolved_on_time: { value: num(f && f.resolved_on_time), percent: pct(r), fraction: frac(r) },
    misrouted: num(f && f.misrouted),
    unacknowledged: num(b && b.unacknowledged), held: num(b && b.held),
  };
}

// --- what the page shows, read from its DOM ------------------------------------------------
function readPage(page) {
  return page.evaluate(() => {
    const text = (el) => (el ? el.textContent.trim() : null);
    const board = document.querySelector('#board');
    const cellValue = (td) => {
      const p = td.querySelector('[data-role="percent"]');
      const v = td.querySelector('[data-role="value"]');
      if (v && p) return { value: text(v), percent: text(p), fraction: text(td.querySelector('[data-role="fraction"]')) };
      if (v) return text(v);
      if (p) return { percent: text(p), fraction: text(td.querySelector('[data-role="fraction"]')) };
      return text(td);
    };
    const rows = (sel, attr) => [...document.querySelectorAll(sel)].map((tr) => {
      const cols = {};
      for (const td of tr.querySelectorAll('td[data-col]')) cols[td.dataset.col] = cellValue(td);
      return { code: tr.getAttribute(attr), cols };
    });
    const figures = {};
    for (const el of document.querySelectorAll('#board [data-figure]')) {
      figures[el.dataset.figure] = { percent: text(el.querySelector('[data-role="percent"]')), fraction: text(el.querySelector('[data-role="fraction"]')) };
    }
    const counts = {};
    for (const el of document.querySelectorAll('#board [data-count]')) counts[el.dataset.count] = text(el.querySelector('.value'));
    return {
      shown: board.checkVisibility(), area: board.dataset.area, window: board.dataset.window,
      name: text(document.querySelector('[data-field="area_name"]')),
      level: text(document.querySelector('[data-field="level"]')),
      leader: text(document.querySelector('[data-field="leader"]')),
      pressed: text(document.querySelector('button[data-window][aria-pressed="true"]')),
      figures, counts,
      children: rows('#children tr[data-child]', 'data-child'),
      depts: rows('#departments tr[data-dept]', 'data-dept'),
      crumbs: [...document.querySelectorAll('#crumbs [data-crumb]')].map((c) => ({ code: c.dataset.crumb, text: text(c), link: c.tagName === 'A' })),
      empty: text(document.querySelector('[data-empty="children"]')),
      state: document.querySelector('#state').dataset.state,
      stateShown: document.querySelector('#state').checkVisibility() ? text(document.querySelector('#state')).replace(/\s+/g, ' ') : null,
      message: document.querySelector('#message').hidden ? null : document.querySelector('#message').dataset.message,
      messageText: text(document.querySelector('#message')),
    };
  });
}

// differences between two plain values, as "path: got X, want Y" lines
function diff(got, want, path = '') {
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object') return [`${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`];
    return Object.keys(want).flatMap((k) => diff(got[k], want[k], path ? `${path}.${k}` : k));
  }
  return got === want ? [] : [`${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`];
}

const areas = JSON.parse(gridctl('areas', '--json'));
const areaByCode = new Map(areas.map((a) => [a.code, a]));
const childrenOf = (code) => areas.filter((a) => a.parent === code).map((a) => a.code).sort();
const district = areas.find((a) => !a.parent).code;
const departments = JSON.parse(gridctl('departments', '--json'));

// The page shows area `code` in window `win` with every figure equal to the stream's. Retried
// for a few seconds: the page and gridctl each take the stream's latest round, which may differ
// by one round while a change is still travelling.
async function comparePage(page, code, win, seconds = 10) {
  const deadline = Date.now() + seconds * 1000;
  let problems;
  for (;;) {
    const snap = streamArea(code);
    const kids = childrenOf(code).map((c) => streamArea(c));
    const got = await readPage(page);
    const want = expectedArea(snap, win);
    problems = [];
    if (!got.shown || got.area !== code) problems.push(`the page shows ${got.area} (shown: ${got.shown}, message: ${got.message}), want ${code}`);
    if (got.window !== win || got.pressed !== WINDOW_WORDS[win]) problems.push(`window ${got.window}/${got.pressed}, want ${win}`);
    problems.push(...diff(got, want));
    const rowCodes = got.children.map((r) => r.code).sort();
    const wantCodes = kids.map((k) => k.area).sort();
    if (JSON.stringify(rowCodes) !== JSON.stringify(wantCodes)) problems.push(`children rows ${rowCodes}, want ${wantCodes}`);
    for (const k of kids) {
      const row = got.children.find((r) => r.code === k.area);
      if (row) problems.push(...diff(row.cols, expectedChild(k, win), `child ${k.area}`));
    }
    if (problems.length === 0 || Date.now() > deadline) return problems;
    await sleep(300);
  }
}

async function compareDepartments(page, win, seconds = 10) {
  const deadline = Date.now() + seconds * 1000;
  let problems;
  for (;;) {
    const got = await readPage(page);
    problems = [];
    const rowCodes = got.depts.map((r) => r.code).sort();
    const wantCodes = departments.map((d) => d.code).sort();
    if (JSON.stringify(rowCodes) !== JSON.stringify(wantCodes)) problems.push(`department rows ${rowCodes}, want ${wantCodes}`);
    for (const d of departments) {
      const row = got.depts.find((r) => r.code === d.code);
      const snap = streamDept(d.code);
      if (snap.department_name !== d.name) problems.push(`${d.code}: the stream names it ${snap.department_name}, the reference data ${d.name}`);
      if (row) problems.push(...diff(row.cols, expectedDept(snap, win), `dept ${d.code}`));
    }
    if (problems.length === 0 || Date.now() > deadline) return problems;
    await sleep(300);
  }
}

// --- the browser: every page's console, errors and requests watched -------------------------
const troubles = [];
// while gc-board is down on purpose, the feed's reconnection attempts fail: those (and only
// those, matched by this pattern) are expected, and listed apart
let expecting = null;
const expected = [];
// while gc-board stops: its feeds must end cleanly, not be cut in the middle of a chunk
let stopping = false;
const cut = [];
function trouble(text) {
  if (expecting && expecting.test(text)) expected.push(text);
  else if (stopping && /ERR_INCOMPLETE_CHUNKED_ENCODING/.test(text)) cut.push(text);
  else troubles.push(text);
}
function watch(page, label) {
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') trouble(`${label}: console ${m.type()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => trouble(`${label}: page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // the page closing its own feed (drilling down, leaving) aborts that request: not a failure
    const aborted = r.failure() && r.failure().errorText.includes('ERR_ABORTED');
    if (!(aborted && r.resourceType() === 'eventsource')) trouble(`${label}: request failed: ${r.url()} ${r.failure() && r.failure().errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) trouble(`${label}: HTTP ${r.status()} for ${r.url()}`);
  });
  // the page works offline: nothing but gc-board is ever asked for anything
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== new URL(BOARD).origin) trouble(`${label}: a request outside gc-board: ${r.url()}`);
  });
  return page;
}
async function stopDaemon(name) {
  const pid = Number(readFileSync(`${VAR}/run/${name}.pid`, 'utf8'));
  process.kill(pid, 'SIGTERM');
  await until(`gc-${name} to end`, 10, () => {
    try { process.kill(pid, 0); } catch (_) { return true; }
    return execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith('Z');
  });
}
const stateOf = (page) => page.evaluate(() => document.querySelector('#state').dataset.state);
const shownArea = (page, code) => page.waitForFunction(
  (c) => { const b = document.querySelector('#board'); return b.checkVisibility() && b.dataset.area === c; }, code, { timeout: 10000 });

// ============================================================================================
async function makeCases() {
  // yesterday's cases: closed in the grid, left open to climb, settled on the spot
  const submit = (category, grid, desc) => gridctl('submit', '--category', category, '--grid', grid, '--desc', desc);
  const a1 = submit('drain_cover', '4101010101', '石化路井盖破损');
  const a2 = submit('street_light', '4101010203', '映月路路灯不亮');
  const a3 = submit('drain_cover', '4101020101', '阿卡迪亚井盖缺失');
  const a4 = submit('dirty_surroundings', '4101020202', '民祥社区垃圾暴露');
  const a5 = submit('neighbour_dispute', '4101010203', '楼上漏水邻里纠纷');
  await caseIs(a1, 'status', 'routed');
  gridctl('dept', 'accept', a1, '--dept', 'municipal');
  gridctl('dept', 'resolve', a1, '--dept', 'municipal', '--note', '已更换井盖');
  gridctl('verify', a1, '--ok', '--as', '4101010101-L');
  await caseIs(a4, 'status', 'routed');
  gridctl('dept', 'accept', a4, '--dept', 'sanitation');
  gridctl('dept', 'resolve', a4, '--dept', 'sanitation', '--note', '已清运');
  gridctl('verify', a4, '--ok', '--as', '4101020202-L');
  await caseIs(a5, 'status', 'triage');
  gridctl('spot', a5, '--note', '当面调解', '--as', '4101010203-L');
  await caseIs(a2, 'status', 'routed');
  await caseIs(a3, 'status', 'routed');
  // a day and two hours later: a2 missed the grid's 24 h (now at the community), a3 the grid's
  // 4 h and the community's 8 h (now at the street); today's window starts afresh
  gridctl('clock', 'advance', String(26 * 3600));
  await caseIs(a2, 'level', 'community');
  await caseIs(a3, 'level', 'street');
  // today's cases
  const b1 = submit('street_vending', '4101010101', '石化路占道经营');
  const b2 = submit('dirty_surroundings', '4101010203', '映月路垃圾暴露');
  const b3 = submit('street_light', '4101020202', '民祥社区路灯不亮');
  const b4 = submit('drain_cover', '4101020303', '八里庙井盖破损');
  const b5 = submit('neighbour_dispute', '4101020101', '噪音纠纷');
  await caseIs(b1, 'status', 'routed');
  gridctl('dept', 'accept', b1, '--dept', 'cityman');
  gridctl('dept', 'resolve', b1, '--dept', 'cityman');
  gridctl('verify', b1, '--ok', '--as', '4101010101-L');
  await caseIs(b2, 'status', 'routed');
  gridctl('dept', 'accept', b2, '--dept', 'sanitation');
  gridctl('dept', 'resolve', b2, '--dept', 'sanitation', '--note', '已清理'); // verified live below
  await caseIs(b3, 'status', 'routed');
  gridctl('dept', 'return', b3, '--dept', 'municipal', '--note', '属园林');
  await caseIs(b4, 'status', 'routed');
  gridctl('dept', 'accept', b4, '--dept', 'municipal');
  await caseIs(b5, 'status', 'triage');
  gridctl('escalate', b5, '--reason', '网格调解未成', '--as', '4101020101-L');
  await caseIs(b5, 'level', 'community');
  gridctl('spot', b5, '--level', 'community', '--note', '社区调委会调解成功', '--as', '41010201-L');
  const refs = [a1, a2, a3, a4, a5, b1, b2, b3, b4, b5];
  await until('the stream to count every case', 15, () => {
    const all = windowOf(streamArea(district), 'all').figures;
    return all.reported === refs.length && all.closed === 5;
  });
  const grids = new Set(refs.map((r) => caseOf(r).area)).size;
  return { refs, grids, live: b2 };
}

async function main() {
  if (!BOARD || !BIN || !VAR) throw new Error('GC_BOARD_URL, BOARD_BIN_DIR and GC_VAR must be set (run tests/board/run.sh)');
  mkdirSync(SHOTS, { recursive: true });

  // 1. cases, through gridctl
  const t1 = Date.now();
  let made;
  try {
    made = await makeCases();
    ok(true, `cases made with gridctl in ${made.grids} grids, yesterday's and today's: ${made.refs.join(' ')} (${Date.now() - t1} ms)`);
  } catch (e) {
    ok(false, 'cases made with gridctl', e.stack);
    return;
  }
  await until('gc-board to have figures', 20, async () => (await fetch(`${BOARD}/api/area`)).status === 200);

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const wall = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
    const page = watch(await wall.newPage(), 'wall');

    // 2. the district, every figure against the stream, in two windows
    await page.goto(`${BOARD}/`);
    await shownArea(page, district);
    await page.evaluate(() => { window.boardTestMark = 'loaded once'; });
    let p = await comparePage(page, district, 'all');
    ok(p.length === 0, `/ shows the district ${district}: the 9 rates with fractions, the counts and each street's row equal the stream's (全部)`, p.join('\n'));
    await page.click('button[data-window="today"]');
    p = await comparePage(page, district, 'today');
    const today = windowOf(streamArea(district), 'today').figures.reported;
    ok(p.length === 0 && today < made.refs.length,
      `今日: the district's figures equal the stream's today window (${today} of ${made.refs.length} cases reported today)`, p.join('\n'));

    // 3. drill down to a grid and back, the window kept
    const path = ['410101', '41010102', '4101010203'];
    for (const code of path) {
      await page.click(`#children tr[data-child="${code}"]`);
      await shownArea(page, code);
    }
    const grid = path[path.length - 1];
    const got = await readPage(page);
    const wantCrumbs = [district, ...path].map((c, i, all) => ({ code: c, text: areaByCode.get(c).name, link: i < all.length - 1 }));
    const crumbProblems = diff(got.crumbs, wantCrumbs);
    ok(crumbProblems.length === 0 && new URL(page.url()).searchParams.get('area') === grid,
      `clicking child rows drills down to grid ${grid} (?area=${grid}); the breadcrumbs show ${wantCrumbs.map((c) => c.text).join(' › ')}`, crumbProblems.join('\n'));
    p = await comparePage(page, grid, 'today');
    ok(p.length === 0 && got.empty === '无下级网格', 'the grid\'s figures equal the stream\'s (today\'s window kept while drilling down); it says 无下级网格', [...p, `empty: ${got.empty}`].join('\n'));
    await page.click('button[data-window="all"]');
    p = await comparePage(page, grid, 'all');
    ok(p.length === 0, 'and in the all-time window', p.join('\n'));
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.screenshot({ path: `${SHOTS}/grid.png` });
    await page.goBack();
    await shownArea(page, path[1]);
    ok(true, 'the browser\'s back button returns to the community (popstate)');
    await page.click(`#crumbs a[data-crumb="${district}"]`);
    await shownArea(page, district);
    p = await comparePage(page, district, 'all');
    ok(p.length === 0, 'the breadcrumb back to the district shows the district again', p.join('\n'));

    // sorting the children by a column header: numbers numerically both ways, "—" last
    const numbers = (xs) => xs.filter((x) => x !== '—').map((x) => parseFloat(x));
    const dashesLast = (xs) => !xs.includes('—') || xs.slice(xs.indexOf('—')).every((x) => x === '—');
    const ordered = (xs, dir) => xs.every((x, i) => i === 0 || (x - xs[i - 1]) * dir >= 0);
    const sortTwice = async (code, col) => {
      await page.goto(`${BOARD}/?area=${code}`);
      await shownArea(page, code);
      const column = async () => (await readPage(page)).children.map((r) => r.cols[col].percent ?? r.cols[col]);
      await page.click(`#children th[data-sort="${col}"]`);
      const first = await column();
      await page.click(`#children th[data-sort="${col}"]`);
      return [first, await column()];
    };
    const [r1, r2] = await sortTwice('410102', 'closed_of_reported_rate');
    const [d1, d2] = await sortTwice('41010102', 'closed_of_reported_rate');
    const [c1, c2] = await sortTwice('41010102', 'reported');
    const dir = numbers(r1)[0] > numbers(r1).at(-1) ? -1 : 1;
    ok(new Set(numbers(r1)).size > 1 && ordered(numbers(r1), dir) && ordered(numbers(r2), -dir)
       && d1.includes('—') && numbers(d1).length > 0 && dashesLast(d1) && dashesLast(d2)
       && ordered(c1.map(Number), dir) && ordered(c2.map(Number), -dir),
      'clicking a column header sorts the children by it, numerically, both ways, "—" last',
      `410102 化解率: ${r1.join(' ')} | ${r2.join(' ')}; 41010102 化解率: ${d1.join(' ')} | ${d2.join(' ')}; 上报: ${c1.join(' ')} | ${c2.join(' ')}`);
    await page.goto(`${BOARD}/`);
    await shownArea(page, district);
    await page.evaluate(() => { window.boardTestMark = 'loaded once'; });

    // 4. a case closed while the page is open
    const countText = () => page.evaluate(() => document.querySelector('[data-count="closed"] .value').textContent);
    const before = Number(await countText());
    const closedRate = async () => (await readPage(page)).figures.closed_of_reported_rate.fraction;
    const rateBefore = await closedRate();
    const tClose = Date.now();
    gridctl('verify', made.live, '--ok', '--as', '4101010203-L'); // the grid's leader
    const tVerified = Date.now();
    let delay = null;
    try {
      await page.waitForFunction((want) => document.querySelector('[data-count="closed"] .value').textContent === want,
        String(before + 1), { timeout: 5000, polling: 20 });
      delay = Date.now() - tClose;
    } catch (_) { /* reported below */ }
    const rateAfter = await closedRate();
    const mark = await page.evaluate(() => window.boardTestMark);
    note(`live change: 办结 ${before} -> ${before + 1} on the page ${delay} ms after gridctl verify started (the verify itself took ${tVerified - tClose} ms); 化解率 ${rateBefore} -> ${rateAfter}`);
    ok(delay !== null && delay <= 2000 && mark === 'loaded once' && rateAfter !== rateBefore,
      `a case closed while the page is open shows within 2 s without reload (${delay} ms)`);
    p = await comparePage(page, district, 'all');
    ok(p.length === 0, 'after the change every figure still equals the stream\'s', p.join('\n'));

    // 5. gc-stats stopped: stale; started again: live, by itself
    ok((await stateOf(page)) === 'live', 'the page says 实时 (data-state="live") while gc-stats publishes');
    await stopDaemon('stats');
    const tKill = Date.now(); // from the moment it is gone: its last heartbeat was before
    let staleAfter = null;
    try {
      await page.waitForFunction(() => document.querySelector('#state').dataset.state === 'stale', null, { timeout: 8000, polling: 50 });
      staleAfter = Date.now() - tKill;
    } catch (_) { /* reported below */ }
    const staleWords = await page.evaluate(() => document.querySelector('#state').textContent.replace(/\s+/g, ' '));
    note(`stale: data-state="stale" ${staleAfter} ms after gc-stats was gone ("${staleWords.trim()}")`);
    ok(staleAfter !== null && staleAfter <= 5000 && staleWords.includes('数据已过期'),
      `gc-stats stopped: the page says 数据已过期 within 5 s (${staleAfter} ms)`);
    await page.screenshot({ path: `${SHOTS}/stale.png` });
    const tUp = Date.now();
    execFileSync('deploy/stack.sh', ['up', BIN], { stdio: ['ignore', 'ignore', 'pipe'] });
    let liveAfter = null;
    try {
      await page.waitForFunction(() => document.querySelector('#state').dataset.state === 'live', null, { timeout: 30000, polling: 50 });
      liveAfter = Date.now() - tUp;
    } catch (_) { /* reported below */ }
    note(`live again ${liveAfter} ms after deploy/stack.sh up started gc-stats again`);
    ok(liveAfter !== null && (await page.evaluate(() => window.boardTestMark)) === 'loaded once',
      `gc-stats started again: the page says 实时 again by itself, without reload (${liveAfter} ms)`);
    p = await comparePage(page, district, 'all', 15);
    ok(p.length === 0, 'and its figures equal the new gc-stats\' stream', p.join('\n'));

    // gc-board itself stopped: the page says so and keeps what it showed; started again: the
    // feed reconnects by itself
    expecting = /api\/feed.*ERR_CONNECTION_REFUSED|ERR_CONNECTION_REFUSED.*api\/feed/;
    const tBoard = Date.now();
    stopping = true;
    await stopDaemon('board');
    let lostAfter = null;
    try {
      await page.waitForFunction(() => document.querySelector('#message').dataset.message === 'unreachable'
        && document.querySelector('#state').dataset.state === 'stale' && document.querySelector('#board').checkVisibility(), null, { timeout: 8000, polling: 50 });
      lostAfter = Date.now() - tBoard;
    } catch (_) { /* reported below */ }
    stopping = false;
    ok(cut.length === 0, 'gc-board stopped (SIGTERM) ends the open feed cleanly: the browser saw no stream cut mid-chunk', cut.join('\n'));
    const lostWords = (await readPage(page)).messageText;
    ok(lostAfter !== null && lostWords.includes('连接已中断'),
      `gc-board stopped: the page says the connection broke (${lostAfter} ms) and keeps the figures, marked stale`, lostWords);
    await sleep(1500);
    const tBoardUp = Date.now();
    execFileSync('deploy/stack.sh', ['up', BIN], { stdio: ['ignore', 'ignore', 'pipe'] });
    let backAfter = null;
    try {
      await page.waitForFunction(() => document.querySelector('#state').dataset.state === 'live'
        && document.querySelector('#message').hidden, null, { timeout: 30000, polling: 50 });
      backAfter = Date.now() - tBoardUp;
    } catch (_) { /* reported below */ }
    expecting = null;
    note(`gc-board restarted: the page live again ${backAfter} ms after deploy/stack.sh up (the browser's own retry); ${expected.length} failed reconnection(s) meanwhile, as expected`);
    ok(backAfter !== null && (await page.evaluate(() => window.boardTestMark)) === 'loaded once',
      `gc-board started again: the feed reconnects by itself and the page is live again, without reload (${backAfter} ms)`);
    p = await comparePage(page, district, 'all', 15);
    ok(p.length === 0, 'with the stream\'s figures', p.join('\n'));

    // 6. an unknown area; every department
    await page.goto(`${BOARD}/?area=9999`);
    await page.waitForFunction(() => document.querySelector('#message').dataset.message === 'unknown_area', null, { timeout: 10000 });
    const unknown = await readPage(page);
    await page.screenshot({ path: `${SHOTS}/unknown.png` });
    const back = await page.$('#message a[data-area=""]');
    ok(unknown.messageText.includes('未找到区域 9999') && !unknown.shown && unknown.stateShown === null
       && back !== null && (await back.getAttribute('href')) === '/',
      '/?area=9999 says 未找到区域 9999, with a link back to the district; no figures, no live/stale claim',
      JSON.stringify({ message: unknown.messageText, board: unknown.shown, state: unknown.stateShown }));
    await back.click();
    await shownArea(page, district);
    ok(new URL(page.url()).search === '', 'the link shows the district');
    p = await compareDepartments(page, 'all');
    ok(p.length === 0, `the departments' table shows every department (${departments.length}) with the stream's figures (全部)`, p.join('\n'));
    await page.click('button[data-window="today"]');
    p = await compareDepartments(page, 'today');
    ok(p.length === 0, 'and in the today window', p.join('\n'));
    await page.click('button[data-window="all"]');
    await page.screenshot({ path: `${SHOTS}/district.png` });

    // a phone: the page fits the width; the tables scroll sideways
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
    const small = watch(await phone.newPage(), 'phone');
    await small.goto(`${BOARD}/`);
    await shownArea(small, district);
    const fit = await small.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      table: document.querySelector('#children').scrollWidth,
      box: document.querySelector('#children').clientWidth,
    }));
    ok(fit.page <= 390 && fit.table > fit.box, `a phone (390x844): the page fits its width (${fit.page} px), the children's table scrolls sideways (${fit.table} in ${fit.box} px)`);
    await small.screenshot({ path: `${SHOTS}/phone.png`, fullPage: true });
    await phone.close();
    await wall.close();
  } finally {
    await browser.close();
  }

  // every file of the page is served under /assets/ as it is in services/board/www, with its type
  const types = { html: 'text/html', js: 'javascript', css: 'text/css', svg: 'image/svg+xml', json: 'application/json', txt: 'text/plain', png: 'image/png' };
  const assetProblems = [];
  const www = readdirSync('services/board/www');
  for (const name of www) {
    const r = await fetch(`${BOARD}/assets/${encodeURIComponent(name)}`);
    const body = Buffer.from(await r.arrayBuffer());
    const type = r.headers.get('content-type') || '';
    const want = types[name.split('.').pop()];
    if (r.status !== 200 || !want || !type.includes(want) || !body.equals(readFileSync(`services/board/www/${name}`))) {
      assetProblems.push(`${name}: HTTP ${r.status}, ${type}, ${body.length} bytes`);
    }
  }
  const index = Buffer.from(await (await fetch(`${BOARD}/`)).arrayBuffer());
  if (!index.equals(readFileSync('services/board/www/index.html'))) assetProblems.push('/ is not index.html');
  ok(assetProblems.length === 0, `gc-board serves every file of the page (${www.join(', ')}) at /assets/ with its content type, and index.html at /`, assetProblems.join('\n'));

  // 7. the whole run
  const distinct = [...new Set(troubles)];
  ok(troubles.length === 0, 'no console error or warning, no failed request, during the whole run',
    `${troubles.length} in all, ${distinct.length} distinct; the first 20:\n${distinct.slice(0, 20).join('\n')}`);
  if (process.env.BOARD_UPDATE_DOCS === '1') {
    copyFileSync(`${SHOTS}/district.png`, 'docs/board.png');
    note(`docs/board.png updated (${statSync('docs/board.png').size} bytes)`);
  }
}

try {
  await main();
} catch (e) {
  ok(false, 'the test ran to its end', e.stack);
}
console.log(`# board: ${checks - failures} of ${checks} checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${SHOTS}/`);
process.exit(failures > 0 || checks === 0 ? 1 : 0);
