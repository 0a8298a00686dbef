// End-to-end test of the mediawatch dashboard (issue 10): drives Debian's
// headless Chromium through playwright-core against a running
// `mediawatch serve` on the demo database. Started by run.sh, which sets:
//   MW_BASE_URL       http://127.0.0.1:PORT/ of the server (required)
//   MW_E2E_TOKEN      the server's access token, if it was started with one
//   MW_ARTIFACTS_DIR  where screenshots go (default ./artifacts)
//   MW_CHROMIUM       the browser (default /usr/bin/chromium)
// Exits 0 when every check passed, 1 with the failed check's message
// otherwise. Nothing but the local server may be contacted: every other host
// is blocked, and any request to one fails the test.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {chromium} = require('playwright-core');

const BASE = process.env.MW_BASE_URL;
const TOKEN = process.env.MW_E2E_TOKEN || '';
const ARTIFACTS = path.resolve(process.env.MW_ARTIFACTS_DIR || 'artifacts');
const CHROMIUM = process.env.MW_CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 15000;

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

function log(message) {
  process.stdout.write(`e2e: ${message}\n`);
}

// The API as the test sees it (Node's fetch; not through the browser).
async function apiGet(apiPath, params, {token = TOKEN, expectStatus = 200} = {}) {
  const url = new URL(`api/v1/${apiPath}`, BASE);
  for (const [k, v] of Object.entries(params || {})) url.searchParams.set(k, v);
  const headers = token ? {Authorization: `Bearer ${token}`} : {};
  const response = await fetch(url, {headers});
  const body = await response.json().catch(() => null);
  check(response.status === expectStatus,
        `GET ${url.pathname}${url.search}: HTTP ${response.status}, expected ${expectStatus}: ${JSON.stringify(body)}`);
  return body;
}

async function main() {
  check(BASE, 'MW_BASE_URL is not set (run tests/e2e/run.sh)');
  const base = new URL(BASE);
  check(['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname), `MW_BASE_URL must be loopback, got ${BASE}`);
  fs.mkdirSync(ARTIFACTS, {recursive: true});
  const started = Date.now();

  // --- What the API says (the expected values of the UI checks).
  const {watchlists} = await apiGet('watchlists');
  const watchlist = watchlists.find((w) => /guan.?heng/i.test(`${w.id} ${w.name}`));
  check(watchlist, `no Guan Heng watch-list in /api/v1/watchlists: ${JSON.stringify(watchlists.map((w) => w.id))}`);
  const timeline = await apiGet('timeline', {watchlist: watchlist.id});
  check(timeline.total > 0, `the API's timeline total for ${watchlist.id} is ${timeline.total}, expected > 0`);
  const ugMatches = await apiGet('matches', {watchlist: watchlist.id, lang: 'ug', limit: '500'});
  check(ugMatches.items.length > 0, 'the demo database has no flagged Uyghur (ug) article');
  const allMatches = await apiGet('matches', {watchlist: watchlist.id, limit: '500'});
  if (TOKEN) await apiGet('watchlists', null, {token: '', expectStatus: 401});

  // --- Browser, with everything but the server blocked and recorded.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...(process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'],
  });
  const consoleErrors = [];
  const pageErrors = [];
  const cspViolations = [];
  const foreignRequests = [];
  const dialogs = [];
  let allowExpectedErrors = false;  // set while provoking an API error on purpose
  try {
    const context = await browser.newContext({viewport: {width: 1280, height: 900}, serviceWorkers: 'block'});
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === base.origin) return route.continue();
      foreignRequests.push(url.href);
      return route.abort('blockedbyclient');
    });
    await context.exposeFunction('mwReportCspViolation', (v) => cspViolations.push(v));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.mwReportCspViolation({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
                                     source: `${e.sourceFile}:${e.lineNumber}`});
      });
    });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin !== base.origin) foreignRequests.push(url.href);
    });
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      if (allowExpectedErrors && /status of 4\d\d/.test(text)) return;
      consoleErrors.push(`${text} (${msg.location().url}:${msg.location().lineNumber})`);
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });

    // 1. Load the dashboard (with the token in the fragment when there is one).
    await page.goto(new URL(TOKEN ? `/#token=${encodeURIComponent(TOKEN)}` : '/', base).href);
    await page.waitForSelector('[data-testid="watchlist-picker"]');
    if (TOKEN) {
      await page.waitForFunction(() => !location.hash.includes('token='));
      check(!page.url().includes(TOKEN), `the token stayed in the URL: ${page.url()}`);
    }
    log(`dashboard loaded (${Date.now() - started} ms)`);

    // 2. Pick the Guan Heng watch-list.
    await page.selectOption('[data-testid="watchlist-picker"]', watchlist.id);
    await page.waitForFunction((id) => location.hash.includes(`wl=${encodeURIComponent(id)}`), watchlist.id);

    // 3. The chart draws the API's counts, gaps as zero-height buckets.
    const chartTotal = async () => page.$$eval('[data-testid="chart-bar"]',
                                                (bars) => bars.reduce((s, b) => s + Number(b.dataset.count), 0));
    await page.waitForSelector('[data-testid="timeline-chart"] [data-testid="chart-bar"]');
    const bars = await page.$$eval('[data-testid="chart-bar"]', (els) => els.map((b) => Number(b.dataset.count)));
    check(bars.length > 0 && bars.every((n) => n > 0), `chart bars with counts > 0 expected, got ${JSON.stringify(bars)}`);
    const drawn = await chartTotal();
    check(drawn === timeline.total, `the chart draws ${drawn} articles, the API's timeline total is ${timeline.total}`);
    const buckets = await page.$$eval('[data-testid="chart-bucket"]', (els) => els.map((g) => Number(g.dataset.total)));
    const nonEmptyPoints = timeline.series.reduce((s, x) => s + x.points.length, 0);
    check(buckets.length >= nonEmptyPoints, `${buckets.length} buckets drawn for ${nonEmptyPoints} non-empty points`);
    const axisLabels = await page.$$eval('[data-testid="timeline-chart"] .axis-x text', (els) => els.map((t) => t.textContent));
    check(axisLabels.some((t) => /^\d{4}-\d{2}-\d{2}$/.test(t)), `no date labels on the x axis: ${JSON.stringify(axisLabels)}`);
    await page.hover('[data-testid="chart-bar"] >> nth=0');
    const tooltip = await page.waitForSelector('[data-testid="chart-tooltip"]:not([hidden])');
    const firstCount = bars[0];
    check((await tooltip.textContent()).includes(String(firstCount)), 'the tooltip does not show the bar\'s count');
    log(`chart: ${bars.length} bars in ${buckets.length} buckets (${buckets.filter((n) => n === 0).length} empty), total ${drawn} = API total`);

    // 4. Split by language: several language series.
    await page.selectOption('[data-testid="split-select"]', 'lang');
    await page.waitForFunction(() => location.hash.includes('split=lang'));
    await page.waitForFunction(() => {
      const groups = new Set([...document.querySelectorAll('[data-testid="chart-bar"]')].map((b) => b.dataset.group));
      return groups.size >= 3;
    });
    const groups = await page.$$eval('[data-testid="chart-bar"]', (els) => [...new Set(els.map((b) => b.dataset.group))].sort());
    for (const want of ['en', 'ug']) check(groups.includes(want), `language series ${want} missing: ${JSON.stringify(groups)}`);
    check(groups.some((g) => g === 'zh' || g.startsWith('zh-')), `no Chinese series: ${JSON.stringify(groups)}`);
    const legend = await page.$$eval('[data-testid="legend-item"]', (els) => els.map((e) => e.dataset.group).sort());
    check(JSON.stringify(legend) === JSON.stringify(groups), `legend ${JSON.stringify(legend)} != series ${JSON.stringify(groups)}`);
    check(await chartTotal() === timeline.total, 'the split chart does not add up to the API total');
    // The legend hides and shows a series; the keyboard reads the buckets.
    const ugTotal = await page.$$eval('[data-testid="chart-bar"][data-group="ug"]',
                                      (els) => els.reduce((s, b) => s + Number(b.dataset.count), 0));
    await page.click('[data-testid="legend-item"][data-group="ug"]');
    await page.waitForSelector('[data-testid="legend-item"][data-group="ug"][aria-pressed="false"]');
    check(await chartTotal() === timeline.total - ugTotal, 'hiding the ug series did not remove its bars');
    await page.click('[data-testid="legend-item"][data-group="ug"]');
    await page.waitForSelector('[data-testid="legend-item"][data-group="ug"][aria-pressed="true"]');
    check(await chartTotal() === timeline.total, 'showing the ug series again did not restore its bars');
    await page.focus('[data-testid="timeline-chart"]');
    await page.keyboard.press('End');
    const lastBucket = await page.$eval('[data-testid="chart-bucket"]:last-of-type', (g) => g.dataset.start);
    await page.waitForFunction((d) => {
      const t = document.querySelector('[data-testid="chart-tooltip"]');
      return t && !t.hidden && t.textContent.includes(d);
    }, lastBucket);
    log(`split by language: ${groups.join(', ')}; legend toggles; keyboard reads ${lastBucket}`);
    const dashboardPng = path.join(ARTIFACTS, 'dashboard.png');
    await page.screenshot({path: dashboardPng, fullPage: true});

    // 5. Filter the stories by language: only Uyghur, right to left.
    await page.selectOption('[data-testid="lang-filter"]', 'ug');
    await page.waitForFunction(() => location.hash.includes('lang=ug'));
    await page.waitForFunction((n) => {
      const items = [...document.querySelectorAll('[data-testid="story-item"]')];
      return items.length === n && items.every((i) => i.dataset.language === 'ug');
    }, ugMatches.items.length);
    const ugItems = await page.$$eval('[data-testid="story-item"]', (els) => els.map((li) => ({
      language: li.dataset.language,
      titleDir: li.querySelector('.story-title').getAttribute('dir'),
      titleLang: li.querySelector('.story-title').getAttribute('lang'),
      snippetDir: li.querySelector('[data-testid="story-snippet"]')?.getAttribute('dir'),
      marks: li.querySelectorAll('[data-testid="story-snippet"] mark').length,
      title: li.querySelector('[data-testid="story-title"]').textContent,
      href: li.querySelector('[data-testid="story-title"]').getAttribute('href'),
    })));
    for (const item of ugItems) {
      check(item.language === 'ug' && item.titleLang === 'ug', `a non-Uyghur item in the ug list: ${JSON.stringify(item)}`);
      check(item.titleDir === 'rtl' && (item.snippetDir === undefined || item.snippetDir === 'rtl'),
            `a Uyghur item is not right-to-left: ${JSON.stringify(item)}`);
    }
    const expectedMarks = ugMatches.items.filter((i) => Array.isArray(i.highlights) && i.highlights.length > 0).length;
    check(ugItems.filter((i) => i.marks > 0).length === expectedMarks,
          `${expectedMarks} ug snippets have highlights in the API, ${ugItems.filter((i) => i.marks > 0).length} show <mark>`);
    log(`language filter ug: ${ugItems.length} stories, all rtl, ${expectedMarks} with highlights`);

    // 6. Open an article: title, text, highlights, versions, URLs.
    const chosen = ugMatches.items[0];
    const article = await apiGet(`articles/${encodeURIComponent(chosen.id)}`);
    await page.click(`[data-testid="story-item"][data-id="${chosen.id}"] [data-testid="story-title"]`);
    await page.waitForFunction((id) => location.hash === `#/article/${id}`, chosen.id);
    const title = await page.waitForSelector('[data-testid="article-title"]');
    check(await title.textContent() === article.title, `article title "${await title.textContent()}" != "${article.title}"`);
    check(await title.getAttribute('dir') === 'rtl', 'the Uyghur article title is not rtl');
    const text = await page.textContent('[data-testid="article-text"]');
    check(text.replace(/\s+/g, '').length > 50, 'the article text is (nearly) empty');
    const marks = await page.$$eval('[data-testid="article-text"] mark', (els) => els.map((m) => m.textContent));
    if (Array.isArray(article.highlights) && article.highlights.length > 0) {
      check(marks.length > 0, 'the article has highlights in the API but none is shown');
      const [s, e] = article.highlights[0];
      const want = article.text.slice(s, e);
      check(marks.some((m) => m.includes(want)), `highlight "${want}" not marked (marks: ${JSON.stringify(marks)})`);
    }
    await page.waitForSelector('[data-testid="article-versions"]');
    const versionCount = await page.$$eval('[data-testid="article-version"]', (els) => els.length);
    check(versionCount === (article.versions || []).length, `${versionCount} versions shown, the API has ${(article.versions || []).length}`);
    const urlCount = await page.$$eval('[data-testid="article-urls"] li', (els) => els.length);
    check(urlCount >= 1, 'no URL listed for the article');
    log(`article ${chosen.id}: title, text, ${marks.length} highlights, ${versionCount} versions, ${urlCount} URLs`);
    const articlePng = path.join(ARTIFACTS, 'article.png');
    await page.screenshot({path: articlePng, fullPage: true});

    // 7. Back restores the filtered list (state lives in the URL).
    await page.goBack();
    await page.waitForFunction(() => location.hash.includes('lang=ug'));
    await page.waitForSelector('[data-testid="story-item"]');
    check(await page.inputValue('[data-testid="lang-filter"]') === 'ug', 'the language filter was not restored by Back');

    // 8. "Load more" pages through next_cursor to every story.
    await page.goto(new URL(`/#/?wl=${encodeURIComponent(watchlist.id)}&limit=2`, base).href);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="story-item"]').length === 2);
    for (let i = 0; i < 100; i++) {
      const more = await page.$('[data-testid="load-more"]:not([hidden])');
      if (!more) break;
      const before = await page.$$eval('[data-testid="story-item"]', (els) => els.length);
      await more.click();
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="story-item"]').length > n ||
                                        document.querySelector('[data-testid="load-more"]').hidden, before);
    }
    const listed = await page.$$eval('[data-testid="story-item"]', (els) => els.map((e) => e.dataset.id));
    check(listed.length === allMatches.items.length && new Set(listed).size === listed.length,
          `load more listed ${listed.length} stories (${new Set(listed).size} distinct), the API has ${allMatches.items.length}`);
    log(`load more: ${listed.length} stories in pages of 2`);

    // 9. Feed health.
    const feeds = await apiGet('feeds');
    await page.click('[data-testid="nav-feeds"]');
    await page.waitForSelector('[data-testid="feeds-table"]');
    const feedRows = await page.$$eval('[data-testid="feed-row"]', (els) => els.length);
    check(feedRows === feeds.feeds.length, `${feedRows} feed rows shown, the API has ${feeds.feeds.length}`);
    log(`feed health: ${feedRows} feeds`);

    // 10. Hostile data renders as text: an API answer with markup in every
    // field (served by the test through the browser's request interception).
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    const isMatches = (url) => url.pathname === '/api/v1/matches';
    await page.route(isMatches, (route) => route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({items: [{id: 'hostile1', time: '2026-01-01T00:00:00Z', source: hostile, feed_id: 'x',
                                     language: '"><b>', direction: 'ltr', title: hostile, url: 'javascript:alert(3)',
                                     matches: [{watchlist: hostile, target: hostile, kind: hostile, term: hostile}],
                                     snippet: `a ${hostile} b`, highlights: [[2, 7], [-5, 1e9], 'x', [9, 3]],
                                     cluster_id: null, cluster_size: 2}],
                            next_cursor: null}),
    }));
    await page.goto(new URL(`/#/?wl=${encodeURIComponent(watchlist.id)}&source=hostile`, base).href);
    await page.waitForSelector('[data-testid="story-item"][data-id="hostile1"]');
    const rendered = await page.$eval('[data-testid="story-item"]', (li) => ({
      title: li.querySelector('[data-testid="story-title"]').textContent,
      elements: li.querySelectorAll('img, script, b').length,
    }));
    check(rendered.title === hostile && rendered.elements === 0, `hostile title not rendered as text: ${JSON.stringify(rendered)}`);
    await page.unroute(isMatches);

    // 11. An API error is shown with the server's message.
    allowExpectedErrors = true;
    await page.goto(new URL(`/#/?wl=${encodeURIComponent(watchlist.id)}&from=not-a-date`, base).href);
    const banner = await page.waitForSelector('[data-testid="error"]:not([hidden])');
    const message = await banner.textContent();
    check(/400/.test(message) && /since/.test(message), `the API error is not shown: "${message}"`);
    allowExpectedErrors = false;
    log('hostile titles render as text; API errors are shown');

    check(dialogs.length === 0, `a dialog opened (script injection?): ${JSON.stringify(dialogs)}`);
    check(pageErrors.length === 0, `uncaught page errors: ${pageErrors.join(' | ')}`);
    check(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
    check(cspViolations.length === 0, `Content-Security-Policy violations: ${JSON.stringify(cspViolations)}`);
    check(foreignRequests.length === 0, `requests beyond ${base.origin}: ${JSON.stringify([...new Set(foreignRequests)])}`);
    log(`screenshots: ${dashboardPng} ${articlePng}`);
    log(`PASS in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`e2e: FAIL: ${e instanceof CheckFailed ? e.message : e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
