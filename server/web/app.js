// mediawatch dashboard: hash-routed views over the read-only JSON API of
// `mediawatch serve` (docs/dashboard.md, docs/api.md).
//
// Rules this file keeps, because the server's Content-Security-Policy and the
// data demand them:
// - Every string from the API is hostile input (article titles and texts come
//   from arbitrary web pages): it enters the DOM only through textContent /
//   text nodes / setAttribute, never innerHTML; links to outside pages only
//   for http(s) URLs.
// - No inline styles in markup (style-src 'self'): dynamic styles are set via
//   the CSSOM (element.style.x = ...) or SVG presentation attributes.
// - No request leaves the origin: fetch() only /api/v1/ paths.
// - The view state lives in the URL fragment (#/path?key=value...), so the
//   back button, bookmarks and reloads restore it.

const API_BASE = '/api/v1/';
const TOKEN_KEY = 'mediawatch.token';
const PAGE_SIZE = 50;             // stories per "load more" page (API allows 1..500)
const MAX_BUCKETS = 4000;         // more chart buckets than this: ask for coarser ones
const DAY = 86400;
const SVG_NS = 'http://www.w3.org/2000/svg';
const LANG_TAG_RE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,6}$/;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

// Colour-blind-safe series colours (Okabe & Ito, then darker extras), all
// with at least 3:1 contrast against the white plot background.
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9',
                 '#7B3294', '#1B7837', '#B2182B', '#5E3C99', '#8C510A', '#666666'];

// ---------------------------------------------------------------------------
// DOM helpers. `h` builds an element; string children become text nodes.

function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.setAttribute('class', value);
      else if (key === 'text') el.textContent = String(value);
      else if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value);
      } else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// lang/dir attributes for text in an article's language. Uyghur (Arabic
// script) comes as direction "rtl"; anything else gets dir="auto" so a
// mislabelled right-to-left text still reads correctly.
function scriptAttrs(language, direction) {
  const attrs = {dir: direction === 'rtl' ? 'rtl' : 'auto'};
  if (typeof language === 'string' && LANG_TAG_RE.test(language)) attrs.lang = language;
  return attrs;
}

function safeHref(url) {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return null;
  try {
    return new URL(url).href;
  } catch {
    return null;
  }
}

// An outside link (opens in a new tab, sends no referrer), or plain text when
// the URL is not http(s).
function externalLink(url, text) {
  const href = safeHref(url);
  if (!href) return h('span', {class: 'url'}, text ?? String(url ?? ''));
  return h('a', {href, class: 'url', target: '_blank', rel: 'noopener noreferrer nofollow'},
           text ?? url);
}

// ---------------------------------------------------------------------------
// Formatting.

let languageNames = null;
try {
  languageNames = new Intl.DisplayNames(['en'], {type: 'language'});
} catch {
  languageNames = null;
}

function languageName(tag) {
  if (!tag) return 'unknown language';
  let name = '';
  try {
    name = languageNames && LANG_TAG_RE.test(tag) ? languageNames.of(tag) : '';
  } catch {
    name = '';
  }
  return name && name !== tag ? `${name} (${tag})` : tag;
}

function pad2(n) {
  return String(n).padStart(2, '0');
}

function isoDate(unix) {
  const d = new Date(unix * 1000);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

function parseTime(value) {
  if (typeof value !== 'string' || value === '') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

// "2025-12-16 09:30 UTC" (research notes want absolute, zone-explicit times).
function formatTime(value) {
  const ms = parseTime(value);
  if (ms === null) return value ? String(value) : '—';
  const d = new Date(ms);
  return `${isoDate(ms / 1000)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
}

function relativeTime(value) {
  const ms = parseTime(value);
  if (ms === null) return '';
  const diff = (ms - Date.now()) / 1000;
  const abs = Math.abs(diff);
  let text;
  if (abs < 60) text = `${Math.round(abs)} s`;
  else if (abs < 3600) text = `${Math.round(abs / 60)} min`;
  else if (abs < 2 * DAY) text = `${Math.round(abs / 3600)} h`;
  else text = `${Math.round(abs / DAY)} days`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

function timeElement(value, withRelative) {
  if (!value) return h('span', {class: 'muted'}, '—');
  const rel = withRelative ? relativeTime(value) : '';
  return h('time', {datetime: String(value), title: rel || null}, formatTime(value),
           rel ? h('span', {class: 'muted'}, ` (${rel})`) : null);
}

function plural(n, one, many) {
  return `${n.toLocaleString('en')} ${n === 1 ? one : (many ?? one + 's')}`;
}

function humanKey(key) {
  const text = String(key).replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------------------
// Highlights: [[start, end], ...] in UTF-16 code units (JS string indices).

// Sorted, clamped, merged ranges that never split a surrogate pair.
function cleanRanges(text, ranges) {
  if (!Array.isArray(ranges)) return [];
  const out = [];
  for (const r of ranges) {
    if (!Array.isArray(r) || r.length < 2) continue;
    let [s, e] = r;
    if (!Number.isInteger(s) || !Number.isInteger(e)) continue;
    s = Math.max(0, Math.min(s, text.length));
    e = Math.max(0, Math.min(e, text.length));
    if (s > 0 && isLowSurrogate(text.charCodeAt(s))) s -= 1;
    if (e < text.length && isLowSurrogate(text.charCodeAt(e))) e += 1;
    if (e > s) out.push([s, e]);
  }
  out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last && r[0] < last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

function isLowSurrogate(code) {
  return code >= 0xdc00 && code <= 0xdfff;
}

// [{text, mark}] covering `text`.
function segments(text, ranges) {
  const out = [];
  let pos = 0;
  for (const [s, e] of cleanRanges(text, ranges)) {
    if (s > pos) out.push({text: text.slice(pos, s), mark: false});
    out.push({text: text.slice(s, e), mark: true});
    pos = e;
  }
  if (pos < text.length) out.push({text: text.slice(pos), mark: false});
  return out;
}

function appendSegment(parent, seg) {
  parent.append(seg.mark ? h('mark', null, seg.text) : document.createTextNode(seg.text));
}

// Fills `el` with `text`, the ranges wrapped in <mark>.
function highlightInto(el, text, ranges) {
  for (const seg of segments(String(text ?? ''), ranges)) appendSegment(el, seg);
  return el;
}

// Paragraphs (<p>, split at line feeds) of `text`, ranges into the whole text.
function paragraphsInto(el, text, ranges) {
  let p = h('p');
  const flush = () => {
    if (p.textContent.trim() !== '') el.append(p);
    p = h('p');
  };
  for (const seg of segments(String(text ?? ''), ranges)) {
    const lines = seg.text.split('\n');
    lines.forEach((line, i) => {
      if (i > 0) flush();
      if (line) appendSegment(p, {text: line, mark: seg.mark});
    });
  }
  flush();
  return el;
}

// ---------------------------------------------------------------------------
// Token and API access.

let memoryToken = null;  // when sessionStorage is unavailable

function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || memoryToken;
  } catch {
    return memoryToken;
  }
}

function setToken(token) {
  memoryToken = token || null;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private mode or storage disabled: the in-memory copy serves this tab.
  }
}

class ApiError extends Error {
  constructor(status, code, message, parameter) {
    super(message);
    this.status = status;
    this.code = code;
    this.parameter = parameter;
  }
}

// GET /api/v1/<path>?<params>; resolves to the parsed JSON or throws ApiError
// carrying the server's JSON error (status, code, parameter, message).
async function api(path, params) {
  const url = new URL(API_BASE + path, location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const headers = {Accept: 'application/json'};
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url, {headers, cache: 'no-store', credentials: 'omit'});
  } catch (e) {
    throw new ApiError(0, 'network', `Cannot reach the mediawatch server (${e.message}).`);
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const err = body && typeof body.error === 'object' && body.error ? body.error : {};
    throw new ApiError(response.status, err.code || `http_${response.status}`,
                       err.message || `HTTP ${response.status} ${response.statusText}`,
                       err.parameter);
  }
  if (body === null || typeof body !== 'object') {
    throw new ApiError(response.status, 'bad_response', `${url.pathname} did not return a JSON object.`);
  }
  return body;
}

// Watch-lists and sources change only when a crawl runs; fetched once per
// page load (a reload refreshes them).
const cache = new Map();
function cached(key, load) {
  if (!cache.has(key)) {
    const promise = load().catch((e) => {
      cache.delete(key);
      throw e;
    });
    cache.set(key, promise);
  }
  return cache.get(key);
}

// ---------------------------------------------------------------------------
// Errors and the loading indicator.

let pending = 0;
function trackLoading(promise) {
  pending += 1;
  updateLoading();
  return promise.finally(() => {
    pending -= 1;
    updateLoading();
  });
}

function updateLoading() {
  const el = document.getElementById('loading');
  if (el) el.textContent = pending > 0 ? 'Loading…' : '';
}

function clearError() {
  const banner = document.getElementById('error');
  banner.hidden = true;
  banner.replaceChildren();
}

function showError(err, context) {
  const banner = document.getElementById('error');
  const parts = [];
  if (err instanceof ApiError) {
    const where = err.parameter ? ` (parameter “${err.parameter}”)` : '';
    parts.push(h('strong', null, `${context ? context + ': ' : ''}${err.status ? 'Error ' + err.status : 'Error'} ${err.code}${where}`),
               h('span', {'data-testid': 'error-message'}, ` — ${err.message}`));
  } else {
    parts.push(h('strong', null, context ? `${context}: ` : 'Error: '),
               h('span', {'data-testid': 'error-message'}, String(err && err.message ? err.message : err)));
  }
  const content = h('div', {class: 'error-text'}, parts);
  const dismiss = h('button', {type: 'button', class: 'link-button', onclick: clearError}, 'Dismiss');
  banner.replaceChildren(content, dismiss);
  if (err instanceof ApiError && err.status === 401) banner.append(tokenForm());
  banner.hidden = false;
  console.warn('mediawatch:', context || '', err);
}

// The server has a token (`serve --token-env/--token-file`): ask for it.
function tokenForm() {
  const input = h('input', {id: 'token-input', type: 'password', autocomplete: 'off', required: true});
  return h('form', {class: 'token-form', onsubmit: (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    cache.clear();
    clearError();
    route();
  }}, h('label', {for: 'token-input'}, 'Access token '), input,
     h('button', {type: 'submit'}, 'Use token'),
     h('span', {class: 'muted'}, ' (or open the dashboard as …/#token=TOKEN)'));
}

// ---------------------------------------------------------------------------
// Routing: #/ (coverage), #/article/ID, #/feeds. Query parameters after "?".

function parseHash(hash) {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!raw.startsWith('/')) return {path: '/', params: new URLSearchParams(raw)};
  const q = raw.indexOf('?');
  return {path: q < 0 ? raw : raw.slice(0, q), params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))};
}

function hashFor(path, params) {
  const query = params ? params.toString() : '';
  return `#${path}${query ? '?' + query : ''}`;
}

// A `token` in the fragment goes to sessionStorage and out of the URL (so it
// is not bookmarked, shared or shown in screenshots).
function takeTokenFromHash() {
  const {path, params} = parseHash(location.hash);
  const token = params.get('token');
  if (token === null) return;
  setToken(token);
  params.delete('token');
  history.replaceState(history.state, '', hashFor(path, params));
}

function navigate(path, params, {replace = false} = {}) {
  const hash = hashFor(path, params);
  if (replace) {
    history.replaceState(history.state, '', hash);
    route();
  } else if (location.hash === hash) {
    route();
  } else {
    location.hash = hash;  // hashchange -> route()
  }
}

let generation = 0;          // bumps on every route; stale async work checks it
let lastCoverageHash = '#/'; // where "Back to stories" goes
const scrollPositions = new Map();
let viewCleanup = null;      // the current view's observers, undone on route
let lastPath = null;         // a new path scrolls to the top (or where it was left)

function route() {
  takeTokenFromHash();
  generation += 1;
  const gen = generation;
  if (viewCleanup) {
    viewCleanup();
    viewCleanup = null;
  }
  clearError();
  const {path, params} = parseHash(location.hash);
  const pathChanged = path !== lastPath;
  lastPath = path;
  const main = document.getElementById('main');
  // Keep the page height while the new view loads so the scroll position
  // survives a re-render.
  main.style.minHeight = `${main.offsetHeight}px`;
  let view;
  let nav = 'coverage';
  const article = /^\/article\/(.+)$/.exec(path);
  if (path === '/' || path === '/coverage') {
    lastCoverageHash = hashFor('/', params);
    view = coverageView(main, params, gen);
  } else if (article) {
    nav = '';
    let id = article[1];
    try {
      id = decodeURIComponent(id);
    } catch {
      // Leave it encoded: the server rejects it with a clear error.
    }
    view = articleView(main, id, gen);
  } else if (path === '/feeds') {
    nav = 'feeds';
    view = feedsView(main, gen);
  } else {
    nav = '';
    main.replaceChildren(h('section', {class: 'panel'}, h('h1', null, 'Not found'),
                           h('p', null, 'No view at ', h('code', null, path), '. ',
                             h('a', {href: '#/'}, 'Go to the coverage view'), '.')));
    view = Promise.resolve();
  }
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  trackLoading(Promise.resolve(view)).catch((e) => {
    if (gen === generation) showError(e);
  }).finally(() => {
    if (gen !== generation) return;
    main.style.minHeight = '';
    const y = scrollPositions.get(location.hash);
    if (y !== undefined) window.scrollTo(0, y);
    else if (pathChanged) window.scrollTo(0, 0);
  });
}

// ---------------------------------------------------------------------------
// Coverage view: watch-list picker, timeline chart, filters, story list.

// The view's state, all of it in the fragment: wl, match, lang, source,
// from, to (inclusive dates), by, split, limit.
function coverageState(params) {
  const by = ['day', 'week', 'month'].includes(params.get('by')) ? params.get('by') : 'day';
  const split = ['none', 'lang', 'source'].includes(params.get('split')) ? params.get('split') : 'none';
  const limit = Number.parseInt(params.get('limit') || '', 10);
  return {
    wl: params.get('wl') || '',
    match: params.get('match') || '',
    lang: params.get('lang') || '',
    source: params.get('source') || '',
    from: params.get('from') || '',
    to: params.get('to') || '',
    by,
    split,
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 500 ? limit : PAGE_SIZE,
  };
}

function coverageParams(state) {
  const params = new URLSearchParams();
  for (const key of ['wl', 'match', 'lang', 'source', 'from', 'to']) {
    if (state[key]) params.set(key, state[key]);
  }
  if (state.by !== 'day') params.set('by', state.by);
  if (state.split !== 'none') params.set('split', state.split);
  if (state.limit !== PAGE_SIZE) params.set('limit', String(state.limit));
  return params;
}

function dayAfter(date) {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(ms) ? isoDate(ms / 1000 + DAY) : date;
}

// The API filters shared by /matches and /timeline. `to` is inclusive in the
// UI; the API's `until` is exclusive. A malformed date in a hand-edited URL
// is passed on as typed so that the server's error explains it.
function apiFilters(state) {
  return {
    watchlist: state.wl,
    match: state.match,
    lang: state.lang,
    source: state.source,
    since: state.from,
    until: state.to ? (ISO_DATE_RE.test(state.to) ? dayAfter(state.to) : state.to) : '',
  };
}

async function coverageView(main, params, gen) {
  const state = coverageState(params);
  const setState = (changes, opts) => navigate('/', coverageParams({...state, ...changes}), opts);
  const focusedId = document.activeElement && document.activeElement.id;

  const watchlistsData = await cached('watchlists', () => api('watchlists'));
  if (gen !== generation) return;
  const watchlists = Array.isArray(watchlistsData.watchlists) ? watchlistsData.watchlists : [];
  if (!state.wl && watchlists.length > 0) {
    setState({wl: watchlists[0].id}, {replace: true});
    return;
  }
  const current = watchlists.find((w) => w.id === state.wl);
  const sourcesPromise = cached('sources', () => api('sources')).catch((e) => {
    showError(e, 'Sources');
    return {sources: []};
  });

  // --- Watch-list picker and summary.
  const picker = h('select', {id: 'watchlist-picker', 'data-testid': 'watchlist-picker',
                              onchange: (e) => setState({wl: e.target.value, match: ''})});
  for (const w of watchlists) {
    picker.append(h('option', {value: w.id, selected: w.id === state.wl},
                    `${w.name || w.id} (${Number(w.matched_articles) || 0})`));
  }
  if (state.wl && !current) {
    picker.append(h('option', {value: state.wl, selected: true}, `${state.wl} (unknown)`));
  }
  const summary = h('p', {class: 'summary', 'data-testid': 'watchlist-summary'});
  if (current) {
    const targets = Array.isArray(current.targets) ? current.targets : [];
    summary.append(`${plural(Number(current.matched_articles) || 0, 'flagged article')} · ${plural(targets.length, 'target')}`);
  } else if (watchlists.length === 0) {
    summary.append('No watch-list has flagged an article yet: crawl with watch-lists configured (see docs/config.md).');
  }
  const header = h('section', {class: 'panel toolbar', 'aria-label': 'Watch-list'},
                   h('label', {for: 'watchlist-picker', class: 'picker-label'}, 'Watch-list'), picker, summary);

  // --- Filters (shared by chart and list).
  const matchSelect = h('select', {id: 'match-filter', 'data-testid': 'match-filter',
                                   onchange: (e) => setState({match: e.target.value})},
                        h('option', {value: ''}, 'All targets'));
  for (const t of (current && Array.isArray(current.targets) ? current.targets : [])) {
    matchSelect.append(h('option', {value: t.id, selected: t.id === state.match},
                         `${t.name && t.name !== t.id ? `${t.name} [${t.id}]` : t.id} · ${t.kind || '?'} (${Number(t.matched_articles) || 0})`));
  }
  if (state.match && !matchSelect.querySelector('option[selected]')) {
    matchSelect.append(h('option', {value: state.match, selected: true}, state.match));
  }
  const langSelect = h('select', {id: 'lang-filter', 'data-testid': 'lang-filter',
                                  onchange: (e) => setState({lang: e.target.value})},
                       h('option', {value: ''}, 'All languages'));
  const sourceSelect = h('select', {id: 'source-filter', 'data-testid': 'source-filter',
                                    onchange: (e) => setState({source: e.target.value})},
                         h('option', {value: ''}, 'All sources'));
  const fromInput = h('input', {id: 'from-filter', type: 'date', value: state.from, 'data-testid': 'from-filter',
                                onchange: (e) => setState({from: e.target.value})});
  const toInput = h('input', {id: 'to-filter', type: 'date', value: state.to, 'data-testid': 'to-filter',
                              onchange: (e) => setState({to: e.target.value})});
  const reset = h('button', {id: 'reset-filters', type: 'button', 'data-testid': 'reset-filters',
                             onclick: () => setState({match: '', lang: '', source: '', from: '', to: ''})},
                  'Clear filters');
  const field = (id, label, control) => h('div', {class: 'field'}, h('label', {for: id}, label), control);
  const filters = h('form', {class: 'panel filters', 'aria-label': 'Filters', onsubmit: (e) => e.preventDefault()},
                    field('match-filter', 'Target', matchSelect),
                    field('lang-filter', 'Language', langSelect),
                    field('source-filter', 'Source', sourceSelect),
                    field('from-filter', 'From (UTC)', fromInput),
                    field('to-filter', 'To (UTC, inclusive)', toInput),
                    h('div', {class: 'field field-button'}, reset));

  // --- Chart panel.
  const bySelect = h('select', {id: 'by-select', 'data-testid': 'by-select',
                                onchange: (e) => setState({by: e.target.value})},
                     ['day', 'week', 'month'].map((v) => h('option', {value: v, selected: v === state.by},
                                                           {day: 'Day', week: 'Week (ISO, from Monday)', month: 'Month'}[v])));
  const splitSelect = h('select', {id: 'split-select', 'data-testid': 'split-select',
                                   onchange: (e) => setState({split: e.target.value})},
                        ['none', 'lang', 'source'].map((v) => h('option', {value: v, selected: v === state.split},
                                                               {none: 'No split', lang: 'By language', source: 'By source'}[v])));
  const chartHost = h('div', {class: 'chart-host', 'data-testid': 'timeline'}, h('p', {class: 'muted'}, 'Loading the timeline…'));
  const chartPanel = h('section', {class: 'panel', 'aria-labelledby': 'chart-heading'},
                       h('div', {class: 'panel-head'},
                         h('h2', {id: 'chart-heading'}, 'Coverage over time'),
                         h('div', {class: 'controls'},
                           field('by-select', 'Bucket', bySelect),
                           field('split-select', 'Split', splitSelect))),
                       chartHost);

  // --- Story list.
  const list = h('ol', {class: 'stories', 'data-testid': 'story-list', 'aria-live': 'polite'});
  const count = h('p', {class: 'muted', 'data-testid': 'story-count'}, 'Loading stories…');
  const more = h('button', {type: 'button', class: 'load-more', 'data-testid': 'load-more', hidden: true}, 'Load more');
  const storiesPanel = h('section', {class: 'panel', 'aria-labelledby': 'stories-heading'},
                         h('h2', {id: 'stories-heading'}, 'Stories'), count, list, more);

  main.replaceChildren(header, filters, chartPanel, storiesPanel);
  if (focusedId && document.getElementById(focusedId)) document.getElementById(focusedId).focus();
  if (!state.wl) {
    chartHost.replaceChildren(h('p', {class: 'muted'}, 'Nothing to chart yet.'));
    count.textContent = 'No stories.';
    return;
  }

  const filtersForApi = apiFilters(state);
  const sourcesDone = sourcesPromise.then((data) => {
    if (gen !== generation) return;
    fillFilterOptions(data, state, langSelect, sourceSelect);
  });
  const chartDone = trackLoading(api('timeline', {...filtersForApi, by: state.by, split: state.split}))
      .then((data) => {
        if (gen !== generation) return;
        const draw = () => drawTimeline(chartHost, data, state, (bucket) => {
          const changes = {from: bucket.label, to: isoDate(bucket.end - DAY)};
          if (state.split === 'lang' && bucket.group !== undefined) changes.lang = bucket.group;
          if (state.split === 'source' && bucket.group !== undefined) changes.source = bucket.group;
          setState(changes);
        });
        draw();
        observeWidth(chartHost, draw);
      })
      .catch((e) => {
        if (gen !== generation) return;
        chartHost.replaceChildren(h('p', {class: 'muted'}, 'The timeline could not be loaded.'));
        showError(e, 'Timeline');
      });

  let cursor = null;
  let shown = 0;
  const loadPage = async () => {
    more.disabled = true;
    try {
      const data = await trackLoading(api('matches', {...filtersForApi, limit: state.limit, cursor}));
      if (gen !== generation) return;
      const items = Array.isArray(data.items) ? data.items : [];
      for (const item of items) list.append(storyItem(item));
      shown += items.length;
      cursor = typeof data.next_cursor === 'string' && data.next_cursor ? data.next_cursor : null;
      count.textContent = shown === 0 ? 'No stories match these filters.'
                                      : `Showing ${plural(shown, 'story', 'stories')}${cursor ? ' (more available)' : ''}, newest first.`;
      more.hidden = !cursor;
    } catch (e) {
      if (gen !== generation) return;
      if (shown === 0) count.textContent = 'The stories could not be loaded.';
      showError(e, 'Stories');
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => loadPage());
  await Promise.all([sourcesDone, chartDone, loadPage()]);
}

function fillFilterOptions(data, state, langSelect, sourceSelect) {
  const sources = Array.isArray(data.sources) ? data.sources : [];
  const languages = new Map(Object.entries(data.languages || {}));
  if (state.lang && !languages.has(state.lang)) languages.set(state.lang, null);
  for (const lang of [...languages.keys()].sort()) {
    if (lang === '') continue;
    langSelect.append(h('option', {value: lang, selected: lang === state.lang}, languageName(lang)));
  }
  const names = sources.map((s) => String(s.source ?? '')).filter((s) => s !== '');
  if (state.source && !names.includes(state.source)) names.push(state.source);
  for (const name of [...new Set(names)].sort((a, b) => a.localeCompare(b))) {
    sourceSelect.append(h('option', {value: name, selected: name === state.source}, name));
  }
}

// Calls `draw` when the element's width changes (debounced), until the route changes.
function observeWidth(el, draw) {
  if (typeof ResizeObserver !== 'function') return;
  let width = el.clientWidth;
  let timer = null;
  const observer = new ResizeObserver(() => {
    if (el.clientWidth === width) return;
    width = el.clientWidth;
    clearTimeout(timer);
    timer = setTimeout(draw, 120);
  });
  observer.observe(el);
  viewCleanup = () => {
    observer.disconnect();
    clearTimeout(timer);
  };
}

function storyItem(item) {
  const language = typeof item.language === 'string' ? item.language : '';
  const attrs = scriptAttrs(language, item.direction);
  const id = String(item.id ?? '');
  const title = String(item.title || '') || '(untitled)';
  const meta = h('div', {class: 'meta'},
                 timeElement(item.time), h('span', {class: 'sep', 'aria-hidden': 'true'}, '·'),
                 h('span', {class: 'source'}, String(item.source || item.feed_id || 'unknown source')),
                 h('span', {class: 'sep', 'aria-hidden': 'true'}, '·'),
                 h('span', {class: 'badge badge-lang', 'data-testid': 'story-language'}, languageName(language)));
  const size = Number(item.cluster_size) || 0;
  if (size > 1) {
    meta.append(h('a', {class: 'badge badge-cluster', 'data-testid': 'cluster-badge', 'data-size': size,
                        href: `#/article/${encodeURIComponent(id)}`,
                        title: `The same story is stored ${size} times (syndication cluster)`},
                  `${size} copies`));
  }
  const targets = [];
  const seen = new Set();
  for (const m of Array.isArray(item.matches) ? item.matches : []) {
    const key = `${m.watchlist}/${m.target}`;
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push(h('li', {class: `chip chip-${['entity', 'keyword', 'rule'].includes(m.kind) ? m.kind : 'other'}`,
                          title: m.term ? `${m.kind || ''} matched “${m.term}”` : (m.kind || '')},
                   String(m.target ?? '')));
  }
  return h('li', {class: 'story', 'data-testid': 'story-item', 'data-id': id, 'data-language': language,
                  'data-direction': attrs.dir},
           h('h3', {class: 'story-title', ...attrs},
             highlightInto(h('a', {href: `#/article/${encodeURIComponent(id)}`, 'data-testid': 'story-title'}),
                           title, item.title ? item.title_highlights : null)),
           meta,
           item.snippet ? highlightInto(h('p', {class: 'snippet', 'data-testid': 'story-snippet', ...attrs}),
                                        item.snippet, item.highlights) : null,
           targets.length ? h('ul', {class: 'chips', 'aria-label': 'Matched targets'}, targets) : null);
}

// ---------------------------------------------------------------------------
// The timeline chart: stacked bars per bucket, one colour per group, drawn in
// SVG. Buckets without articles are drawn as zero (the API sends non-empty
// ones only).

function bucketFloor(unix, by) {
  const day = Math.floor(unix / DAY) * DAY;
  if (by === 'month') {
    const d = new Date(day * 1000);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
  }
  if (by === 'week') {
    const weekday = (new Date(day * 1000).getUTCDay() + 6) % 7;  // Monday = 0
    return day - weekday * DAY;
  }
  return day;
}

function bucketNext(start, by) {
  if (by === 'month') {
    const d = new Date(start * 1000);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
  }
  return start + (by === 'week' ? 7 * DAY : DAY);
}

function bucketLabel(start, by) {
  return by === 'month' ? isoDate(start).slice(0, 7) : isoDate(start);
}

function pointUnix(point) {
  if (Number.isFinite(point.start_unix)) return point.start_unix;
  if (typeof point.start !== 'string') return null;
  const text = /^\d{4}-\d{2}$/.test(point.start) ? `${point.start}-01` : point.start;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

function niceStep(max, ticks) {
  const raw = Math.max(1, max / ticks);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    if (m * mag >= raw) return Math.max(1, m * mag);
  }
  return 10 * mag;
}

function groupLabel(group, split) {
  if (split === 'none') return 'Articles';
  if (group === '') return '(unknown)';
  return split === 'lang' ? languageName(group) : group;
}

const hiddenGroups = new Set();  // legend toggles, kept across re-draws

function drawTimeline(host, data, state, onPick) {
  const split = state.split;
  const by = ['day', 'week', 'month'].includes(data.by) ? data.by : state.by;
  const series = (Array.isArray(data.series) ? data.series : []).map((s) => ({
    group: String(s.group ?? ''),
    points: Array.isArray(s.points) ? s.points : [],
  }));
  const total = Number(data.total) || 0;

  // Colour per group in name order (stable when filters change); stack the
  // largest group at the bottom.
  const names = [...new Set(series.map((s) => s.group))].sort();
  const colour = new Map(names.map((g, i) => [g, PALETTE[i % PALETTE.length]]));
  const groupTotals = new Map(names.map((g) => [g, 0]));
  const buckets = new Map();
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      const t = pointUnix(p);
      const n = Number(p.count) || 0;
      if (t === null || n <= 0) continue;
      const start = bucketFloor(t, by);
      min = Math.min(min, start);
      max = Math.max(max, start);
      if (!buckets.has(start)) buckets.set(start, new Map());
      const counts = buckets.get(start);
      counts.set(s.group, (counts.get(s.group) || 0) + n);
      groupTotals.set(s.group, groupTotals.get(s.group) + n);
    }
  }
  const order = [...names].sort((a, b) => groupTotals.get(b) - groupTotals.get(a) || (a < b ? -1 : 1));
  const heading = h('p', {class: 'chart-caption', 'data-testid': 'chart-total', 'data-total': total},
                    `${plural(total, 'article')} · per ${by}${split === 'none' ? '' : split === 'lang' ? ' · by language' : ' · by source'}`);
  if (!Number.isFinite(min)) {
    host.replaceChildren(heading, h('p', {class: 'empty', 'data-testid': 'chart-empty'}, 'No articles in this selection.'));
    return;
  }
  // The selected date range widens the axis so that quiet days show as zero.
  const fromUnix = ISO_DATE_RE.test(state.from) ? Date.parse(`${state.from}T00:00:00Z`) / 1000 : NaN;
  const toUnix = ISO_DATE_RE.test(state.to) ? Date.parse(`${state.to}T00:00:00Z`) / 1000 : NaN;
  let first = Number.isFinite(fromUnix) ? Math.min(min, bucketFloor(fromUnix, by)) : min;
  let last = Number.isFinite(toUnix) ? Math.max(max, bucketFloor(toUnix, by)) : max;
  const starts = [];
  for (let t = first; t <= last && starts.length <= MAX_BUCKETS; t = bucketNext(t, by)) starts.push(t);
  if (starts.length > MAX_BUCKETS) {
    [first, last] = [min, max];
    starts.length = 0;
    for (let t = first; t <= last && starts.length <= MAX_BUCKETS; t = bucketNext(t, by)) starts.push(t);
  }
  if (starts.length > MAX_BUCKETS) {
    host.replaceChildren(heading, h('p', {class: 'empty'},
                                    `More than ${MAX_BUCKETS} ${by}s to draw: choose a coarser bucket or a shorter date range.`));
    return;
  }

  const width = Math.max(320, host.clientWidth || 800);
  const height = 300;
  const margin = {top: 14, right: 16, bottom: 46, left: 48};
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const visible = order.filter((g) => !hiddenGroups.has(g));
  const bucketTotal = (counts) => visible.reduce((sum, g) => sum + (counts.get(g) || 0), 0);
  const yMax = Math.max(1, ...starts.map((t) => bucketTotal(buckets.get(t) || new Map())));
  const step = niceStep(yMax, 5);
  const yTop = Math.ceil(yMax / step) * step;
  const y = (v) => margin.top + plotH - (v / yTop) * plotH;
  const band = plotW / starts.length;
  const barW = Math.max(1, Math.min(48, band * 0.78));

  const chart = svg('svg', {class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`,
                            role: 'img', tabindex: 0, 'data-testid': 'timeline-chart',
                            'aria-label': `Coverage chart: ${plural(total, 'article')} per ${by}; use the arrow keys to read each ${by}, Enter to list its stories.`});
  chart.append(svg('title', null, `${plural(total, 'article')} per ${by}`));

  // Grid and y axis.
  const axis = svg('g', {class: 'axis axis-y'});
  for (let v = 0; v <= yTop; v += step) {
    axis.append(svg('line', {x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v), class: v === 0 ? 'baseline' : 'grid'}),
                svg('text', {x: margin.left - 6, y: y(v), dy: '0.32em', 'text-anchor': 'end'}, String(v)));
  }
  axis.append(svg('text', {class: 'axis-title', x: -(margin.top + plotH / 2), y: 12, transform: 'rotate(-90)', 'text-anchor': 'middle'}, 'articles'));
  chart.append(axis);

  // Selected date range, shaded.
  if (Number.isFinite(fromUnix) || Number.isFinite(toUnix)) {
    const lo = Number.isFinite(fromUnix) ? bucketFloor(fromUnix, by) : first;
    const hi = Number.isFinite(toUnix) ? bucketFloor(toUnix, by) : last;
    const i0 = starts.findIndex((t) => t >= lo);
    let i1 = -1;
    starts.forEach((t, i) => { if (t <= hi) i1 = i; });
    if (i0 >= 0 && i1 >= i0) {
      chart.append(svg('rect', {class: 'selection', x: margin.left + i0 * band, y: margin.top,
                                width: (i1 - i0 + 1) * band, height: plotH}));
    }
  }

  // X axis labels, spaced to not overlap.
  const labelEvery = Math.max(1, Math.ceil(84 / band));
  const xAxis = svg('g', {class: 'axis axis-x'});
  starts.forEach((t, i) => {
    if (i % labelEvery !== 0) return;
    const cx = margin.left + (i + 0.5) * band;
    xAxis.append(svg('line', {x1: cx, x2: cx, y1: margin.top + plotH, y2: margin.top + plotH + 4, class: 'tick'}),
                 svg('text', {x: Math.min(Math.max(cx, 34), width - 34), y: margin.top + plotH + 18, 'text-anchor': 'middle'},
                     bucketLabel(t, by)));
  });
  xAxis.append(svg('text', {class: 'axis-title', x: margin.left + plotW / 2, y: height - 6, 'text-anchor': 'middle'},
                   {day: 'day (UTC)', week: 'ISO week starting (UTC)', month: 'month (UTC)'}[by]));
  chart.append(xAxis);

  // Bars.
  const tooltip = h('div', {class: 'tooltip', 'data-testid': 'chart-tooltip', role: 'status', hidden: true});
  const bucketEls = [];
  const bars = svg('g', {class: 'bars'});
  starts.forEach((t, i) => {
    const counts = buckets.get(t) || new Map();
    const sum = bucketTotal(counts);
    const bucket = {start: t, end: bucketNext(t, by), label: isoDate(t), counts, total: sum};
    const x = margin.left + i * band;
    const g = svg('g', {class: 'bucket', 'data-testid': 'chart-bucket', 'data-start': bucketLabel(t, by), 'data-total': sum});
    g.append(svg('rect', {class: 'hit', x, y: margin.top, width: band, height: plotH}));
    let base = 0;
    for (const group of visible) {
      const n = counts.get(group) || 0;
      if (n <= 0) continue;
      const rect = svg('rect', {class: 'bar', x: x + (band - barW) / 2, y: y(base + n), width: barW,
                                height: Math.max(1, y(base) - y(base + n)), fill: colour.get(group),
                                'data-testid': 'chart-bar', 'data-group': group, 'data-count': n,
                                'data-start': bucketLabel(t, by)});
      rect.addEventListener('click', (e) => {
        e.stopPropagation();
        onPick({...bucket, group: split === 'none' ? undefined : group});
      });
      g.append(rect);
      base += n;
    }
    g.addEventListener('mouseenter', () => setActive(i));
    g.addEventListener('click', () => onPick(bucket));
    bucketEls.push({el: g, bucket, x});
    bars.append(g);
  });
  chart.append(bars);

  let active = -1;
  function setActive(i) {
    if (active >= 0 && bucketEls[active]) bucketEls[active].el.classList.remove('active');
    active = i;
    if (i < 0) {
      tooltip.hidden = true;
      return;
    }
    const {el, bucket, x} = bucketEls[i];
    el.classList.add('active');
    const range = by === 'day' ? bucketLabel(bucket.start, by)
        : by === 'week' ? `week of ${isoDate(bucket.start)}` : bucketLabel(bucket.start, by);
    const rows = visible.filter((g) => (bucket.counts.get(g) || 0) > 0 || split === 'none').map((g) => h('li', null,
        swatch(colour.get(g)), h('span', {class: 'tt-name'}, groupLabel(g, split)),
        h('span', {class: 'tt-count'}, String(bucket.counts.get(g) || 0))));
    tooltip.replaceChildren(h('strong', null, range), h('ul', null, rows),
                            split === 'none' ? null : h('p', null, `Total: ${bucket.total}`),
                            h('p', {class: 'muted'}, 'Click to list these stories'));
    tooltip.hidden = false;
    const left = Math.min(Math.max(0, x + band + 8), Math.max(0, width - 220));
    tooltip.style.left = `${x + band + 8 + 200 > width ? Math.max(0, x - 208) : left}px`;
    tooltip.style.top = `${margin.top + 4}px`;
  }
  chart.addEventListener('mouseleave', () => setActive(-1));
  chart.addEventListener('blur', () => setActive(-1));
  chart.addEventListener('focus', () => {
    if (active < 0) setActive(Math.max(0, starts.findIndex((t) => buckets.has(t))));
  });
  chart.addEventListener('keydown', (e) => {
    let next = active;
    if (e.key === 'ArrowRight') next = Math.min(starts.length - 1, active + 1);
    else if (e.key === 'ArrowLeft') next = Math.max(0, active - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = starts.length - 1;
    else if ((e.key === 'Enter' || e.key === ' ') && active >= 0) {
      e.preventDefault();
      onPick(bucketEls[active].bucket);
      return;
    } else return;
    e.preventDefault();
    setActive(next);
  });

  // Legend: one toggle per group.
  const legend = h('ul', {class: 'legend', 'data-testid': 'chart-legend', 'aria-label': 'Legend (toggle a series)'});
  for (const g of order) {
    const button = h('button', {type: 'button', class: 'legend-item', 'data-testid': 'legend-item', 'data-group': g,
                                'aria-pressed': String(!hiddenGroups.has(g)),
                                onclick: () => {
                                  if (hiddenGroups.has(g)) hiddenGroups.delete(g);
                                  else hiddenGroups.add(g);
                                  drawTimeline(host, data, state, onPick);
                                  const again = host.querySelector(`[data-testid="legend-item"][data-group="${CSS.escape(g)}"]`);
                                  if (again) again.focus();
                                }},
                     swatch(colour.get(g)), h('span', null, groupLabel(g, split)),
                     h('span', {class: 'legend-count'}, String(groupTotals.get(g))));
    legend.append(h('li', null, button));
  }

  host.replaceChildren(heading, h('div', {class: 'chart-wrap'}, chart, tooltip), legend,
                       dataTable(starts, buckets, order, split, by));
}

function swatch(colour) {
  const el = h('span', {class: 'swatch', 'aria-hidden': 'true'});
  el.style.backgroundColor = colour;
  return el;
}

// The chart's numbers as a table (screen readers, copying into notes).
function dataTable(starts, buckets, order, split, by) {
  const head = h('tr', null, h('th', {scope: 'col'}, by), order.map((g) => h('th', {scope: 'col'}, groupLabel(g, split))),
                 split === 'none' ? null : h('th', {scope: 'col'}, 'total'));
  const body = h('tbody');
  for (const t of starts) {
    const counts = buckets.get(t) || new Map();
    const sum = order.reduce((s, g) => s + (counts.get(g) || 0), 0);
    body.append(h('tr', sum === 0 ? {class: 'zero'} : null, h('th', {scope: 'row'}, bucketLabel(t, by)),
                  order.map((g) => h('td', null, String(counts.get(g) || 0))),
                  split === 'none' ? null : h('td', null, String(sum))));
  }
  return h('details', {class: 'data-table'}, h('summary', null, 'Show the numbers as a table'),
           h('div', {class: 'table-scroll'}, h('table', null, h('thead', null, head), body)));
}

// ---------------------------------------------------------------------------
// Article view.

async function articleView(main, id, gen) {
  main.replaceChildren(h('section', {class: 'panel'}, h('p', {class: 'muted'}, 'Loading the article…')));
  let a;
  try {
    a = await api(`articles/${encodeURIComponent(id)}`);
  } catch (e) {
    if (gen !== generation) return;
    main.replaceChildren(h('section', {class: 'panel'}, backLink(), h('h1', {tabindex: -1}, 'Article not available'),
                           h('p', null, 'The server did not return article ', h('code', null, id), '.')));
    throw e;
  }
  if (gen !== generation) return;
  const attrs = scriptAttrs(a.language, a.direction);
  const title = highlightInto(h('h1', {class: 'article-title', tabindex: -1, 'data-testid': 'article-title', ...attrs}),
                              String(a.title || '') || '(untitled)', a.title ? a.title_highlights : null);
  const versions = Array.isArray(a.versions) ? a.versions : [];
  const lastEvent = [...versions].reverse().find((v) => v.kind === 'removed' || v.kind === 'restored');
  const banner = lastEvent && lastEvent.kind === 'removed'
      ? h('p', {class: 'notice notice-removed', 'data-testid': 'removal-banner'},
          'Removed at the source: ', timeElement(lastEvent.time), lastEvent.reason ? ` — ${lastEvent.reason}` : '',
          '. The stored copy below is what was published.')
      : null;

  const meta = h('dl', {class: 'meta-list', 'data-testid': 'article-meta'});
  const row = (label, ...value) => meta.append(h('dt', null, label), h('dd', null, value));
  row('Source', String(a.source || '—'), a.feed_id ? h('span', {class: 'muted'}, ` (feed ${a.feed_id})`) : null);
  row('Language', h('span', {class: 'badge badge-lang'}, languageName(a.language)),
      a.direction === 'rtl' ? h('span', {class: 'muted'}, ' right-to-left') : null);
  row('Published', a.published ? timeElement(a.published) : h('span', {class: 'muted'}, 'no date given'));
  row('Fetched', timeElement(a.fetched));
  if (Array.isArray(a.authors) && a.authors.length) row('Authors', a.authors.map(String).join(', '));
  row('Article id', h('code', null, String(a.id ?? id)));
  const firstUrl = Array.isArray(a.urls) && a.urls.length ? a.urls[0] : a.url;
  row('URL', externalLink(a.url || firstUrl));

  const matches = Array.isArray(a.matches) ? a.matches : [];
  const matchTable = matches.length === 0 ? h('p', {class: 'muted'}, 'No watch-list flagged this article.')
      : h('div', {class: 'table-scroll'}, h('table', {'data-testid': 'article-matches'},
          h('thead', null, h('tr', null, ['Watch-list', 'Target', 'Kind', 'Term'].map((c) => h('th', {scope: 'col'}, c)))),
          h('tbody', null, matches.map((m) => h('tr', null,
            h('td', null, String(m.watchlist ?? '')), h('td', null, String(m.target ?? '')),
            h('td', null, h('span', {class: `chip chip-${['entity', 'keyword', 'rule'].includes(m.kind) ? m.kind : 'other'}`}, String(m.kind ?? ''))),
            h('td', attrs, String(m.term ?? '')))))));

  const text = paragraphsInto(h('div', {class: 'article-text', 'data-testid': 'article-text', ...attrs}),
                              a.text, a.highlights);
  if (!a.text) text.append(h('p', {class: 'muted'}, 'No text stored.'));

  const urls = Array.isArray(a.urls) && a.urls.length ? a.urls : (a.url ? [a.url] : []);
  const urlList = h('ul', {class: 'url-list', 'data-testid': 'article-urls'},
                    urls.map((u) => h('li', null, externalLink(u))));

  const sections = [
    h('section', {class: 'panel'}, backLink(), title, banner, meta),
    h('section', {class: 'panel', 'aria-labelledby': 'matches-heading'}, h('h2', {id: 'matches-heading'}, 'Matches'), matchTable),
    h('section', {class: 'panel', 'aria-labelledby': 'text-heading'}, h('h2', {id: 'text-heading'}, 'Text'), text),
    h('section', {class: 'panel', 'aria-labelledby': 'urls-heading'}, h('h2', {id: 'urls-heading'}, `URLs (${urls.length})`),
      h('p', {class: 'muted'}, 'Every address that led to this article (links open the original site).'), urlList),
    h('section', {class: 'panel', 'aria-labelledby': 'versions-heading'}, h('h2', {id: 'versions-heading'}, `Versions (${versions.length})`),
      versionList(versions, attrs, String(a.title || ''))),
    clusterSection(a),
  ];
  main.replaceChildren(...sections);
  title.focus({preventScroll: true});
}

function backLink() {
  return h('p', {class: 'back'}, h('a', {href: lastCoverageHash, 'data-testid': 'back-to-stories'}, '← Back to the stories'));
}

function versionList(versions, attrs, originalTitle) {
  if (versions.length === 0) {
    return h('p', {class: 'muted', 'data-testid': 'article-versions'}, 'No version history stored.');
  }
  const list = h('ol', {class: 'versions', 'data-testid': 'article-versions'});
  let title = originalTitle;
  for (const v of versions) {
    // The store calls the first version "first"; the API contract "original".
    const kind = v.kind === 'first' ? 'original'
        : ['original', 'edited', 'removed', 'restored'].includes(v.kind) ? v.kind : 'other';
    const item = h('li', {class: `version version-${kind}`, 'data-testid': 'article-version', 'data-kind': kind},
                   h('div', {class: 'version-head'},
                     h('strong', null, `Version ${v.version ?? '?'}`),
                     h('span', {class: `badge badge-${kind}`}, String(v.kind ?? 'unknown')),
                     timeElement(v.time),
                     v.reason ? h('span', {class: 'muted'}, ` — ${v.reason}`) : null,
                     kind === 'removed' && Number(v.http_status) > 0 && !String(v.reason || '').includes(String(v.http_status))
                         ? h('span', {class: 'muted'}, ` (HTTP ${Number(v.http_status)})`) : null));
    if (kind !== 'removed' && typeof v.title === 'string' && v.title !== '' && v.title !== title) {
      item.append(h('p', {class: 'title-change'}, 'Title changed to: ', h('span', attrs, v.title)));
      title = v.title;
    }
    const diff = renderDiff(v.diff, attrs);
    if (diff) item.append(diff);
    else if (kind === 'original') item.append(h('p', {class: 'muted'}, 'As first stored.'));
    list.append(item);
  }
  return list;
}

// A diff as [{op, text}] (coloured insertions and deletions; long unchanged
// runs folded) or as stored diff text (+/- lines coloured).
function renderDiff(diff, attrs) {
  if (Array.isArray(diff) && diff.length) {
    const box = h('div', {class: 'diff', 'data-testid': 'version-diff', ...attrs});
    let inserted = 0;
    let deleted = 0;
    for (const part of diff) {
      const text = String(part && part.text != null ? part.text : '');
      if (part.op === 'insert') {
        inserted += text.length;
        box.append(h('ins', {class: 'diff-ins'}, text));
      } else if (part.op === 'delete') {
        deleted += text.length;
        box.append(h('del', {class: 'diff-del'}, text));
      } else if (text.length > 400) {
        const full = h('span', {class: 'diff-eq', hidden: true}, text);
        const head = h('span', {class: 'diff-eq'}, text.slice(0, 160));
        const tail = h('span', {class: 'diff-eq'}, text.slice(-160));
        const toggle = h('button', {type: 'button', class: 'link-button diff-fold'}, ` … ${text.length - 320} unchanged characters … `);
        toggle.addEventListener('click', () => {
          full.hidden = false;
          head.remove();
          tail.remove();
          toggle.remove();
        });
        box.append(head, toggle, tail, full);
      } else {
        box.append(h('span', {class: 'diff-eq'}, text));
      }
    }
    return h('div', null, h('p', {class: 'muted diff-summary'},
                            h('span', {class: 'diff-ins'}, `+${inserted}`), ' ',
                            h('span', {class: 'diff-del'}, `−${deleted}`), ' characters'), box);
  }
  if (typeof diff === 'string' && diff !== '') return renderLineDiff(diff, attrs);
  return null;
}

// The stored line diff (text/diff.h: "@@ paragraph N @@" hunks of "- old" and
// "+ new" paragraphs). A removed paragraph followed by an added one is shown
// as one edited paragraph with the changed words marked.
function renderLineDiff(diff, attrs) {
  const box = h('div', {class: 'diff diff-text', 'data-testid': 'version-diff'});
  const lines = diff.split('\n');
  let removed = [];
  let added = [];
  const flush = () => {
    const pairs = Math.min(removed.length, added.length);
    for (let i = 0; i < pairs; i++) {
      const [oldEl, newEl] = wordDiff(removed[i], added[i]);
      box.append(h('p', {class: 'diff-line diff-del-line', ...attrs}, h('span', {class: 'diff-sign', 'aria-label': 'removed'}, '−'), oldEl),
                 h('p', {class: 'diff-line diff-ins-line', ...attrs}, h('span', {class: 'diff-sign', 'aria-label': 'added'}, '+'), newEl));
    }
    for (const line of removed.slice(pairs)) {
      box.append(h('p', {class: 'diff-line diff-del-line', ...attrs}, h('span', {class: 'diff-sign', 'aria-label': 'removed'}, '−'),
                   h('del', {class: 'diff-del'}, line)));
    }
    for (const line of added.slice(pairs)) {
      box.append(h('p', {class: 'diff-line diff-ins-line', ...attrs}, h('span', {class: 'diff-sign', 'aria-label': 'added'}, '+'),
                   h('ins', {class: 'diff-ins'}, line)));
    }
    removed = [];
    added = [];
  };
  for (const line of lines) {
    if (line.startsWith('@@')) {
      flush();
      const m = /^@@\s*(.*?)\s*@@$/.exec(line);
      box.append(h('p', {class: 'diff-hunk'}, m ? m[1] : line));
    } else if (line.startsWith('-')) {
      if (added.length) flush();
      removed.push(line.replace(/^- ?/, ''));
    } else if (line.startsWith('+')) {
      added.push(line.replace(/^\+ ?/, ''));
    } else if (line.trim() !== '') {
      flush();
      box.append(h('p', {class: 'diff-line', ...attrs}, line));
    }
  }
  flush();
  return box;
}

// Words (and single CJK characters, which have no spaces between words).
const TOKEN_RE = /\s+|[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+/g;
const MAX_DIFF_CELLS = 2_000_000;  // LCS table cells; larger paragraphs are shown whole

// Two elements: the old paragraph with removed words in <del>, the new one
// with added words in <ins> (longest common subsequence of tokens).
function wordDiff(oldText, newText) {
  const a = oldText.match(TOKEN_RE) || [];
  const b = newText.match(TOKEN_RE) || [];
  const oldEl = h('span');
  const newEl = h('span');
  if ((a.length + 1) * (b.length + 1) > MAX_DIFF_CELLS) {
    oldEl.append(h('del', {class: 'diff-del'}, oldText));
    newEl.append(h('ins', {class: 'diff-ins'}, newText));
    return [oldEl, newEl];
  }
  // lcs[i][j]: common tokens of a[i..] and b[j..], one flat array.
  const w = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1] + 1
                                     : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const ops = [];  // [op, token]: '=' both, '-' old only, '+' new only
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push(['=', a[i]]);
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
      ops.push(['+', b[j++]]);
    } else {
      ops.push(['-', a[i++]]);
    }
  }
  // A lone space between two changes reads better as part of them
  // ("a removed paragraph" -> "an added one" as one change, not six).
  for (let k = 1; k < ops.length - 1; k++) {
    if (ops[k][0] === '=' && /^\s+$/.test(ops[k][1]) && ops[k - 1][0] !== '=' && ops[k + 1][0] !== '=') {
      ops.splice(k, 1, ['-', ops[k][1]], ['+', ops[k][1]]);
      k++;
    }
  }
  const put = (el, tag, text) => {
    const last = el.lastChild;
    if (tag === null) {
      if (last && last.nodeType === Node.TEXT_NODE) last.appendData(text);
      else el.append(document.createTextNode(text));
    } else if (last && last.nodeName.toLowerCase() === tag) {
      last.append(text);
    } else {
      el.append(h(tag, {class: tag === 'del' ? 'diff-del' : 'diff-ins'}, text));
    }
  };
  for (const [op, token] of ops) {
    if (op !== '+') put(oldEl, op === '=' ? null : 'del', token);
    if (op !== '-') put(newEl, op === '=' ? null : 'ins', token);
  }
  return [oldEl, newEl];
}

function clusterSection(a) {
  const cluster = a.cluster && typeof a.cluster === 'object' ? a.cluster : null;
  const members = cluster && Array.isArray(cluster.members) ? cluster.members : [];
  const section = h('section', {class: 'panel', 'aria-labelledby': 'cluster-heading'},
                    h('h2', {id: 'cluster-heading'}, `Syndication cluster (${members.length})`));
  if (members.length <= 1) {
    section.append(h('p', {class: 'muted', 'data-testid': 'cluster-members'},
                     cluster ? 'No other stored copy of this story.' : 'No fingerprint (text too short to compare).'));
    return section;
  }
  section.append(h('p', {class: 'muted'}, 'Every stored copy of this story, oldest first.'));
  const list = h('ol', {class: 'cluster', 'data-testid': 'cluster-members'});
  for (const m of members) {
    const self = String(m.id) === String(a.id);
    const attrs = scriptAttrs(m.language, m.direction);
    list.append(h('li', {'data-testid': 'cluster-member', 'data-id': String(m.id ?? ''), class: self ? 'self' : null},
                  self ? h('span', {...attrs, class: 'cluster-title'}, String(m.title || '(untitled)'), h('span', {class: 'muted', lang: 'en', dir: 'ltr'}, ' (this article)'))
                       : h('a', {...attrs, class: 'cluster-title', href: `#/article/${encodeURIComponent(String(m.id ?? ''))}`}, String(m.title || '(untitled)')),
                  h('div', {class: 'meta'}, timeElement(m.time), h('span', {class: 'sep', 'aria-hidden': 'true'}, '·'),
                    String(m.source || ''), h('span', {class: 'sep', 'aria-hidden': 'true'}, '·'),
                    h('span', {class: 'badge badge-lang'}, languageName(m.language)))));
  }
  section.append(list);
  if (cluster.truncated) section.append(h('p', {class: 'muted'}, 'More copies are stored than listed here.'));
  return section;
}

// ---------------------------------------------------------------------------
// Feed health view.

async function feedsView(main, gen) {
  main.replaceChildren(h('section', {class: 'panel'}, h('p', {class: 'muted'}, 'Loading feed health…')));
  const [feedsData, sourcesData, statsData] = await Promise.all([
    api('feeds'),
    cached('sources', () => api('sources')).catch((e) => { showError(e, 'Sources'); return null; }),
    api('stats').catch((e) => { showError(e, 'Stats'); return null; }),
  ]);
  if (gen !== generation) return;
  const feeds = Array.isArray(feedsData.feeds) ? feedsData.feeds : [];
  const byStatus = {ok: 0, failing: 0, never: 0, retired: 0};
  for (const f of feeds) byStatus[f.status] = (byStatus[f.status] || 0) + 1;

  const failingOnly = h('input', {type: 'checkbox', id: 'failing-only', 'data-testid': 'failing-only'});
  const search = h('input', {type: 'search', id: 'feed-search', placeholder: 'id, title or URL', 'data-testid': 'feed-search'});
  const tbody = h('tbody');
  let sortKey = 'status';
  let sortDir = 1;
  const statusRank = {failing: 0, retired: 1, never: 2, ok: 3};
  const sortValue = (f, key) => {
    if (key === 'status') return statusRank[f.status] ?? 3;
    if (key === 'consecutive_failures' || key === 'articles') return Number(f[key]) || 0;
    if (key === 'last_ok' || key === 'next_due' || key === 'last_polled') return parseTime(f[key]) ?? Infinity;
    return String(f[key] ?? f.id ?? '').toLowerCase();
  };
  const columns = [['id', 'Feed'], ['status', 'Status'], ['consecutive_failures', 'Failures'], ['last_error', 'Last error'],
                   ['last_ok', 'Last success'], ['last_polled', 'Last polled'], ['next_due', 'Next due'], ['articles', 'Articles']];
  const headCells = columns.map(([key, label]) => {
    const button = h('button', {type: 'button', class: 'sort', onclick: () => {
      sortDir = sortKey === key ? -sortDir : 1;
      sortKey = key;
      render();
    }}, label);
    return h('th', {scope: 'col', 'data-key': key}, button);
  });
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const rows = feeds.filter((f) => (!failingOnly.checked || f.status === 'failing') &&
                                     (!q || [f.id, f.title, f.url].some((v) => String(v ?? '').toLowerCase().includes(q))));
    rows.sort((a, b) => {
      const va = sortValue(a, sortKey);
      const vb = sortValue(b, sortKey);
      return (va < vb ? -1 : va > vb ? 1 : 0) * sortDir || String(a.id).localeCompare(String(b.id));
    });
    headCells.forEach((th) => th.setAttribute('aria-sort', th.dataset.key === sortKey ? (sortDir > 0 ? 'ascending' : 'descending') : 'none'));
    tbody.replaceChildren(...rows.map(feedRow));
    if (rows.length === 0) tbody.append(h('tr', null, h('td', {colspan: columns.length, class: 'muted'}, 'No feed matches.')));
  };
  failingOnly.addEventListener('change', render);
  search.addEventListener('input', render);
  render();

  const summary = h('p', {class: 'summary', 'data-testid': 'feeds-summary'},
                    `${plural(feeds.length, 'feed')}: `, h('span', {class: 'badge badge-ok'}, `${byStatus.ok} ok`), ' ',
                    h('span', {class: 'badge badge-failing'}, `${byStatus.failing} failing`), ' ',
                    h('span', {class: 'badge badge-never'}, `${byStatus.never} never polled`),
                    byStatus.retired ? [' ', h('span', {class: 'badge badge-retired'}, `${byStatus.retired} retired (410 Gone)`)] : null);
  const sections = [
    h('section', {class: 'panel', 'aria-labelledby': 'feeds-heading'},
      h('h1', {id: 'feeds-heading', tabindex: -1}, 'Feed health'), summary,
      h('div', {class: 'filters-inline'},
        h('div', {class: 'field'}, h('label', {for: 'feed-search'}, 'Search'), search),
        h('div', {class: 'field field-check'}, failingOnly, h('label', {for: 'failing-only'}, 'Failing only'))),
      h('div', {class: 'table-scroll'}, h('table', {class: 'feeds', 'data-testid': 'feeds-table'},
        h('thead', null, h('tr', null, headCells)), tbody))),
    h('section', {class: 'panel', 'aria-labelledby': 'run-heading'}, h('h2', {id: 'run-heading'}, 'Crawler run state'),
      feedsData.run && typeof feedsData.run === 'object'
          ? genericValue(feedsData.run, 'run-state')
          : h('p', {class: 'muted', 'data-testid': 'run-state'}, 'No run recorded (mediawatch run has not used this database).')),
  ];
  if (sourcesData) sections.push(sourcesSection(sourcesData));
  if (statsData) {
    sections.push(h('section', {class: 'panel', 'aria-labelledby': 'stats-heading'}, h('h2', {id: 'stats-heading'}, 'Database'),
                    genericValue(statsData, 'stats')));
  }
  main.replaceChildren(...sections);
}

function feedRow(f) {
  const status = ['ok', 'failing', 'never', 'retired'].includes(f.status) ? f.status : 'other';
  return h('tr', {'data-testid': 'feed-row', 'data-status': status, 'data-id': String(f.id ?? '')},
           h('td', null, h('div', {class: 'feed-title'}, String(f.title || f.id || '')),
             h('div', {class: 'muted'}, h('code', null, String(f.id ?? ''))), f.url ? h('div', {class: 'small'}, externalLink(f.url)) : null),
           h('td', null, h('span', {class: `badge badge-${status}`}, String(f.status ?? 'unknown'))),
           h('td', {class: 'num'}, String(Number(f.consecutive_failures) || 0)),
           h('td', {class: 'error-cell'}, f.last_error ? String(f.last_error) : h('span', {class: 'muted'}, '—')),
           h('td', null, timeElement(f.last_ok, true)),
           h('td', null, timeElement(f.last_polled, true)),
           h('td', null, timeElement(f.next_due, true)),
           h('td', {class: 'num'}, String(Number(f.articles) || 0)));
}

function sourcesSection(data) {
  const sources = Array.isArray(data.sources) ? data.sources : [];
  return h('section', {class: 'panel', 'aria-labelledby': 'sources-heading'}, h('h2', {id: 'sources-heading'}, `Sources (${sources.length})`),
           h('div', {class: 'table-scroll'}, h('table', {'data-testid': 'sources-table'},
             h('thead', null, h('tr', null, ['Source', 'Feeds', 'Articles', 'Flagged', 'Flagged by language'].map((c) => h('th', {scope: 'col'}, c)))),
             h('tbody', null, sources.map((s) => h('tr', null,
               h('td', null, String(s.source ?? '')),
               h('td', null, (Array.isArray(s.feed_ids) ? s.feed_ids : []).map(String).join(', ')),
               h('td', {class: 'num'}, String(Number(s.articles) || 0)),
               h('td', {class: 'num'}, String(Number(s.matched_articles) || 0)),
               h('td', null, Object.entries(s.matched_languages || {}).map(([l, n]) => h('span', {class: 'badge badge-lang'}, `${l} ${n}`)))))))));
}

// Any JSON value as nested definition lists (run state and stats, whose
// fields may grow without the dashboard knowing them).
function genericValue(value, testid, depth = 0) {
  if (value === null || value === undefined) return h('span', {class: 'muted'}, '—');
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return h('span', null, value.map(String).join(', ') || '—');
    return h('ol', {class: 'generic-list'}, value.slice(0, 200).map((v) => h('li', null, genericValue(v, null, depth + 1))));
  }
  if (typeof value === 'object') {
    if (depth > 4) return h('code', null, JSON.stringify(value).slice(0, 500));
    const dl = h('dl', {class: depth === 0 ? 'meta-list' : 'meta-list nested', 'data-testid': testid || null});
    for (const [k, v] of Object.entries(value)) {
      const looksTime = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v);
      // Top-level field names read as words; nested keys (languages, feed
      // ids, ...) are data and stay as they are.
      dl.append(h('dt', null, depth === 0 ? humanKey(k) : k),
                h('dd', null, looksTime ? timeElement(v, true) : genericValue(v, null, depth + 1)));
    }
    return dl;
  }
  if (typeof value === 'number') return h('span', {class: 'num'}, value.toLocaleString('en'));
  return h('span', null, String(value));
}

// ---------------------------------------------------------------------------
// Start.

function start() {
  if ('scrollRestoration' in history) history.scrollRestoration = 'manual';
  window.addEventListener('hashchange', (e) => {
    try {
      const old = new URL(e.oldURL).hash || '#/';
      scrollPositions.set(old, window.scrollY);
    } catch {
      // oldURL missing in very old browsers: no scroll memory.
    }
    route();
  });
  document.getElementById('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById('main').focus();
  });
  route();
}

start();
