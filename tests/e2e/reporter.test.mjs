// The reporter's path in a real browser: headless Chromium (Debian's package) at 390×844, in
// Chinese, report → receipt → follow-up, once with JavaScript on and once with it off, with an
// axe-core accessibility check on every page. Screenshots are kept under target/e2e/.
//
// Run: (cd tests/e2e && npm ci && npm test), after `cargo build`. TIPLINE_BIN overrides the binary.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, mkdirSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const bin = process.env.TIPLINE_BIN || join(root, "target/debug/tipline");
const shots = join(root, "target/e2e");
const axePath = join(here, "node_modules/axe-core/axe.min.js");
const photo = join(root, "tests/fixtures/cam.jpg");

let server, base, dataDir, browser;

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

async function waitHealthy(url) {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tipline did not start at ${url}`);
}

before(async () => {
  assert.ok(existsSync(bin), `build tipline first (${bin})`);
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "tipline-e2e-"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ["serve"], {
    env: {
      PATH: process.env.PATH,
      TIPLINE_DATABASE_URL: `sqlite://${join(dataDir, "tipline.db")}`,
      TIPLINE_BIND: `127.0.0.1:${port}`,
      TIPLINE_DATA_DIR: dataDir,
      TIPLINE_CONFIG_DIR: join(root, "config"),
      TIPLINE_RATE_LIMITS: "off",
      TIPLINE_LOG: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitHealthy(base);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Runs axe-core on the page; fails on any violation. */
async function checkAccessibility(page, name) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(found, [], `${name}: accessibility violations`);
}

/** A phone's browser (390×844, touch, Chinese), with JavaScript on or off. */
function phone(javaScriptEnabled) {
  return browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: "zh-CN",
    extraHTTPHeaders: { "Accept-Language": "zh-CN,zh;q=0.9" },
    javaScriptEnabled,
    bypassCSP: true, // only so that axe-core can be injected; the pages themselves load nothing inline
  });
}

async function reporterPath(javaScriptEnabled) {
  const tag = javaScriptEnabled ? "js" : "nojs";
  const context = await phone(javaScriptEnabled);
  const page = await context.newPage();
  try {
    await page.goto(`${base}/`);
    assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
    await page.screenshot({ path: join(shots, `${tag}-1-landing.png`), fullPage: true });
    if (javaScriptEnabled) await checkAccessibility(page, "landing");
    await page.click("text=我要举报");
    await page.waitForURL(/\/report$/);

    // First a mistake: the form must come back with what was typed.
    await page.selectOption("#sector", "fire_safety");
    await page.selectOption("#street", "jiangtou");
    await page.fill("#address", "江头北路 88 号某某大厦负一楼");
    await page.fill("#description", "太短");
    await page.click("button[type=submit]");
    await page.waitForSelector("#error-summary");
    assert.equal(await page.inputValue("#address"), "江头北路 88 号某某大厦负一楼");
    assert.equal(await page.inputValue("#sector"), "fire_safety");
    assert.match(await page.textContent("#description-error"), /至少需要 10 个字/);
    await page.screenshot({ path: join(shots, `${tag}-2-form-errors.png`), fullPage: true });
    if (javaScriptEnabled) await checkAccessibility(page, "form with errors");

    await page.fill("#description", "地下车库的消防通道被电动车和杂物堵死了，消防车根本进不来，已经好几个月了。");
    await page.check("input[name=severity][value=major]");
    await page.setInputFiles("#photos", photo);
    await page.check("#wants_reward");
    await page.screenshot({ path: join(shots, `${tag}-3-form-filled.png`), fullPage: true });
    await page.click("button[type=submit]");
    await page.waitForSelector("#receipt");
    const caseNumber = (await page.textContent("#case-number")).trim();
    const receipt = (await page.textContent("#receipt")).trim();
    assert.match(caseNumber, /^HL-\d{4}-\d{6}$/);
    assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
    // The site's address is on the receipt; the copy and print buttons exist only with
    // JavaScript (the receipt itself is selectable text either way).
    assert.match(await page.textContent("#track-url"), /^https?:\/\/.+\/track$/);
    assert.equal(await page.isVisible("#copy-receipt"), javaScriptEnabled);
    assert.equal(await page.isVisible("#print-receipt"), javaScriptEnabled);
    if (javaScriptEnabled) {
      await page.click("#copy-receipt");
      await page.waitForFunction(() => document.getElementById("copy-status").textContent.length > 0);
    }
    await page.screenshot({ path: join(shots, `${tag}-4-receipt.png`), fullPage: true });
    if (javaScriptEnabled) await checkAccessibility(page, "receipt");

    await page.check("#saved");
    await page.click("text=完成，去查询页面");
    await page.waitForURL(/\/track/);
    await page.fill("#receipt", receipt.replaceAll(" ", ""));
    await page.click("button[type=submit]");
    await page.waitForSelector("#status");
    assert.equal((await page.textContent("#case-number")).trim(), caseNumber);
    assert.match(await page.textContent("#status"), /等待受理/);
    await page.fill("#body", "补充：晚上十点以后情况更严重。");
    await page.click("text=发送");
    await page.waitForSelector("text=已发送");
    assert.match(await page.textContent("ol.messages"), /晚上十点以后/);
    assert.match(await page.textContent("#timeline"), /收到举报/);
    // Photos later, with a plain form.
    await page.setInputFiles("#photo", photo);
    await page.click("text=上传照片");
    await page.waitForSelector("#photos-added");
    assert.match(await page.textContent("#photos-added"), /已收到 1 张照片/);
    await page.screenshot({ path: join(shots, `${tag}-5-track.png`), fullPage: true });
    if (javaScriptEnabled) await checkAccessibility(page, "follow-up");

    // Nothing on these pages may be wider than the phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 390, `page is ${overflow}px wide`);
  } finally {
    await context.close();
  }
}

test("report → receipt → follow-up in Chinese at 390 px with JavaScript on", async () => {
  await reporterPath(true);
});

test("report → receipt → follow-up in Chinese at 390 px with JavaScript off", async () => {
  await reporterPath(false);
});

/** Runs `tipline` with the server's environment (for `user add`). */
function tipline(args, input) {
  return new Promise((ok, fail) => {
    const child = spawn(bin, args, {
      env: {
        PATH: process.env.PATH,
        TIPLINE_DATABASE_URL: `sqlite://${join(dataDir, "tipline.db")}`,
        TIPLINE_DATA_DIR: dataDir,
        TIPLINE_CONFIG_DIR: join(root, "config"),
        TIPLINE_LOG: "warn",
      },
      stdio: ["pipe", "ignore", "inherit"],
    });
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`tipline ${args.join(" ")}: exit ${code}`))));
    child.stdin.end(input);
  });
}

test("the oversight dashboard and report at 390 px, JavaScript off then on", async () => {
  await tipline(["user", "add", "--username", "e2e.coord", "--role", "coordinator"], "correct horse battery staple\n");
  await oversightPages(false);
  await oversightPages(true);
});

async function oversightPages(javaScriptEnabled) {
  const tag = javaScriptEnabled ? "js" : "nojs";
  const context = await phone(javaScriptEnabled);
  const page = await context.newPage();
  try {
    await page.goto(`${base}/staff/dashboard`);
    await page.fill("#username", "e2e.coord");
    await page.fill("#password", "correct horse battery staple");
    await page.click("button[type=submit]");
    await page.goto(`${base}/staff/dashboard`);
    assert.match(await page.textContent("h1"), /工作看板/);
    // The reporter tests above sent two tips today.
    assert.equal((await page.textContent("#fig-received")).trim(), "2");
    assert.ok(await page.isVisible("figure.chart svg"));
    await page.screenshot({ path: join(shots, `${tag}-staff-dashboard.png`), fullPage: true });
    if (javaScriptEnabled) await checkAccessibility(page, "dashboard");
    let width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `dashboard is ${width}px wide`);
    await page.click("text=工作进展报告（可打印）");
    await page.waitForSelector("#report-scope");
    await page.screenshot({ path: join(shots, `${tag}-staff-report.png`), fullPage: true });
    if (javaScriptEnabled) await checkAccessibility(page, "report");
    width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `report is ${width}px wide`);
    await page.goto(`${base}/exposures`);
    assert.match(await page.textContent("h1"), /公开曝光/);
    if (javaScriptEnabled) await checkAccessibility(page, "exposure list");
    width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `exposure list is ${width}px wide`);
  } finally {
    await context.close();
  }
}

/** A day relative to today, `YYYY-MM-DD` (UTC: never after the district's today). */
function day(offset) {
  return new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
}

/** A sub-district's sheet as CSV (UTF-8 with a BOM), its columns by their Chinese titles. */
function hazardSheet(rows) {
  const header = "隐患来源,生产经营单位,统一社会信用代码,地址,行业领域,街道,隐患描述,隐患等级,发现日期,主管部门,企业主体责任人,部门监管责任人,属地责任人,包保领导,整改措施,整改期限";
  return "\ufeff" + [header, ...rows].join("\r\n") + "\r\n";
}

test("the hazard list and its import at 1366 px (JavaScript on) and 390 px (off)", async () => {
  await tipline(["user", "add", "--username", "e2e.lists", "--role", "coordinator"], "correct horse battery staple\n");
  const dir = mkdtempSync(join(tmpdir(), "tipline-e2e-sheets-"));
  const good = join(dir, "good.csv");
  const bad = join(dir, "bad.csv");
  const row = (what, deadline) =>
    `属地检查,厦门某某餐饮有限公司,91350206MA2Y0K7T19,江头北路 1 号,城镇燃气,江头街道,${what},一般隐患,${day(-2)},区消防救援大队,王某某,李某某,陈某某,张某某,钢瓶移至独立气瓶间,${deadline}`;
  writeFileSync(good, hazardSheet([row("后厨液化石油气钢瓶与灶具间距不足", day(30))]));
  writeFileSync(bad, hazardSheet([row("楼道堆放杂物堵塞疏散通道", day(30)), row("配电箱前堆放纸箱", day(-9))]));
  try {
    await hazardList({ width: 1366, javaScriptEnabled: true, good, bad });
    await hazardList({ width: 390, javaScriptEnabled: false, good, bad });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function hazardList({ width, javaScriptEnabled, good, bad }) {
  const tag = `${width}-${javaScriptEnabled ? "js" : "nojs"}`;
  const context =
    width > 500
      ? await browser.newContext({ viewport: { width, height: 900 }, locale: "zh-CN", extraHTTPHeaders: { "Accept-Language": "zh-CN" }, javaScriptEnabled, bypassCSP: true })
      : await phone(javaScriptEnabled);
  const page = await context.newPage();
  try {
    await page.goto(`${base}/staff/lists/hazards`);
    await page.fill("#username", "e2e.lists");
    await page.fill("#password", "correct horse battery staple");
    await page.click("button[type=submit]");
    await page.goto(`${base}/staff/lists/hazards`);
    assert.match(await page.textContent("h1"), /隐患清单/);
    assert.ok(await page.isVisible("#import-template"));

    // A sheet with a mistake: nothing imported, the problem in a table of row, column, problem.
    await page.setInputFiles("#import-file", bad);
    await page.click("#import button[type=submit]");
    await page.waitForSelector("#import-errors");
    const problems = await page.textContent("#import-errors table");
    assert.match(problems, /整改期限不能早于发现日期/);
    assert.doesNotMatch(await page.textContent("#list-table"), /楼道堆放杂物/);
    await page.screenshot({ path: join(shots, `${tag}-hazards-import-errors.png`), fullPage: true });
    if (javaScriptEnabled) await checkAccessibility(page, "hazard list with import errors");

    await page.setInputFiles("#import-file", good);
    await page.click("#import button[type=submit]");
    await page.waitForSelector("text=已导入 1 项隐患。");
    assert.match(await page.textContent("#list-table"), /后厨液化石油气钢瓶与灶具间距不足/);
    assert.match(await page.textContent("#list-table"), /属地检查/);
    await page.screenshot({ path: join(shots, `${tag}-hazards-list.png`), fullPage: true });
    if (javaScriptEnabled) await checkAccessibility(page, "hazard list");

    // The filters filter; the links keep them.
    await page.selectOption("select[name=grade]", "major");
    await page.click("form.filters button[type=submit]");
    await page.waitForURL(/grade=major/);
    assert.doesNotMatch(await page.textContent("#list-table"), /后厨液化石油气/);
    assert.match(await page.getAttribute("#download-xlsx", "href"), /hazards\.xlsx\?.*grade=major/);
    await page.goto(`${base}/staff/lists/rectifications`);
    assert.match(await page.textContent("#list-table"), /钢瓶移至独立气瓶间/);
    await page.screenshot({ path: join(shots, `${tag}-rectifications.png`), fullPage: true });
    await page.click("#print-view");
    await page.waitForSelector("table.printed");
    await page.screenshot({ path: join(shots, `${tag}-rectifications-print.png`), fullPage: true });
    if (javaScriptEnabled) await checkAccessibility(page, "printable list");

    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width <= 390) {
      await page.goto(`${base}/staff/lists/hazards`);
      const listWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(listWidth <= 390, `the hazard list is ${listWidth}px wide (its table scrolls inside)`);
    } else {
      assert.ok(scroll <= width + 1, `the printable list is ${scroll}px wide`);
    }
  } finally {
    await context.close();
  }
}
