// The staff's walks in a real browser: headless Chromium (Debian's package) in Chinese, as a
// department officer, the coordinator (区安委办) and finance would work, each at 390×844 (a phone)
// and 1366×900 (a desk), on the demo data (`serve --demo`). On every page: an axe-core check, a
// screenshot kept under target/e2e/ (`staff-<width>-<role>-<page>.png`), a layout check (the page
// is no wider than the viewport and no element sticks out of it, except inside a box that
// scrolls), and no internal code, English phrase or sign-in name where a person reads words.
//
// Run: (cd tests/e2e && npm ci && node --test roles.test.mjs), after `cargo build`.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, mkdirSync, rmSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const bin = process.env.TIPLINE_BIN || join(root, "target/debug/tipline");
const shots = join(root, "target/e2e");
const axePath = join(here, "node_modules/axe-core/axe.min.js");

const WIDTHS = [
  { width: 390, height: 844, phone: true },
  { width: 1366, height: 900, phone: false },
];
// The demo's sign-in names: people read display names, never these (the users page excepted).
const USERNAMES = /\b(fire\.officer|fire\.head|emergency\.officer|jiangtou\.officer|finance1|finance2|coordinator|inspector)\b/;

let browser;
// One demo instance per width, so that each width's walks find the same cases and rewards
// waiting for their steps.
const instances = new Map();

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

/** Starts `tipline serve --demo` and reads the demo's sign-ins from what it prints. */
async function startDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), "tipline-e2e-roles-"));
  const port = await freePort();
  const server = spawn(bin, ["serve", "--demo"], {
    env: {
      PATH: process.env.PATH,
      TIPLINE_DATABASE_URL: `sqlite://${join(dataDir, "tipline.db")}`,
      TIPLINE_BIND: `127.0.0.1:${port}`,
      TIPLINE_DATA_DIR: dataDir,
      TIPLINE_CONFIG_DIR: join(root, "config"),
      TIPLINE_RATE_LIMITS: "off",
      TIPLINE_LOG: "error", // not the slow-query warnings of a loaded machine
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const instance = { server, dataDir, base: `http://127.0.0.1:${port}`, passwords: new Map() };
  await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`tipline --demo did not start:\n${out}`)), 120000);
    server.on("exit", (code) => fail(new Error(`tipline --demo exited (${code}):\n${out}`)));
    server.stdout.setEncoding("utf8");
    server.stdout.on("data", (chunk) => {
      out += chunk;
      if (/is listening on/.test(out)) {
        clearTimeout(timer);
        for (const m of out.matchAll(/^\s+(\S+)\s+(\S{16})\s+\w+/gm)) instance.passwords.set(m[1], m[2]);
        ok();
      }
    });
  });
  server.removeAllListeners("exit");
  for (const who of ["fire.officer", "coordinator", "finance1", "finance2"]) {
    assert.ok(instance.passwords.has(who), `the demo printed no sign-in for ${who}`);
  }
  return instance;
}

before(async () => {
  assert.ok(existsSync(bin), `build tipline first (${bin})`);
  mkdirSync(shots, { recursive: true });
  // Only this run's screenshots (a renamed page leaves no stale picture behind).
  for (const f of readdirSync(shots)) if (/^staff-\d+-/.test(f)) rmSync(join(shots, f));
  const started = await Promise.all(WIDTHS.map(() => startDemo()));
  WIDTHS.forEach((size, i) => instances.set(size.width, started[i]));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  for (const { server, dataDir } of instances.values()) {
    server.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** A browser at this size, in Chinese, signed in as `who`. */
async function signedIn(size, who) {
  const instance = instances.get(size.width);
  const context = await browser.newContext({
    baseURL: instance.base,
    viewport: { width: size.width, height: size.height },
    deviceScaleFactor: 1,
    isMobile: size.phone,
    hasTouch: size.phone,
    locale: "zh-CN",
    extraHTTPHeaders: { "Accept-Language": "zh-CN,zh;q=0.9" },
    bypassCSP: true, // only so that axe-core can be injected; the pages themselves load nothing inline
  });
  const page = await context.newPage();
  await page.goto(`/staff/login`);
  await page.fill("#username", who);
  await page.fill("#password", instance.passwords.get(who));
  await page.click("button[type=submit]");
  await page.waitForLoadState();
  assert.doesNotMatch(page.url(), /\/staff\/login/, `${who} could not sign in`);
  return { context, page };
}

/**
 * Checks the page as it is now: axe-core, the layout, words instead of codes; keeps a
 * screenshot. Problems are collected (every page of a walk is seen), then reported together.
 */
async function look(page, walk, name, problems, { usernames = false } = {}) {
  const where = `${walk.tag}-${name}`;
  await page.screenshot({ path: join(shots, `staff-${where}.png`), fullPage: true });
  assert.equal(await page.getAttribute("html", "lang"), "zh-CN", `${where}: not in Chinese`);
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  for (const v of result.violations) {
    problems.push(`${where}: ${v.id} (${v.impact}): ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(", ")}`);
  }
  const layout = await page.evaluate(() => {
    const vw = window.innerWidth;
    const out = [];
    // An element inside a box that clips or scrolls sideways does not widen the page.
    const inScroller = (el) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== "visible") return true;
      }
      return false;
    };
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width < 2 || r.height < 2) continue;
      // Wholly off to the left is how the skip link hides; partly out on either side is a fault.
      const out_ = r.right > vw + 1 || (r.left < -1 && r.right > 0);
      if (out_ && !inScroller(el)) {
        const id = el.id ? `#${el.id}` : el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
        out.push(`${el.tagName.toLowerCase()}${id} [${Math.round(r.left)}–${Math.round(r.right)}]`);
      }
    }
    return { vw, scroll: document.documentElement.scrollWidth, out: out.slice(0, 8) };
  });
  if (layout.vw !== walk.width) problems.push(`${where}: the viewport is ${layout.vw}px, not ${walk.width}px (the page zoomed out)`);
  if (layout.scroll > layout.vw) problems.push(`${where}: the page is ${layout.scroll}px wide in a ${layout.vw}px viewport`);
  if (layout.out.length) problems.push(`${where}: sticking out of the ${layout.vw}px viewport: ${layout.out.join(", ")}`);
  const text = await page.evaluate(() => document.body.innerText);
  const codes = text.match(/\b[a-z]+_[a-z_]+\b|\b[a-z]+ -> [a-z]+\b|\b(?:[a-z]{3,} ){2,}[a-z]{3,}\b/g);
  if (codes) problems.push(`${where}: codes or English in the Chinese page: ${[...new Set(codes)].slice(0, 8).join(" | ")}`);
  if (!usernames) {
    const names = text.match(new RegExp(USERNAMES, "g"));
    if (names) problems.push(`${where}: sign-in names instead of display names: ${[...new Set(names)].join(", ")}`);
  }
}

/** Opens `path` and looks at it. */
async function visit(page, walk, name, path, problems, options) {
  const r = await page.goto(`${path}`);
  assert.equal(r.status(), 200, `${walk.tag}-${name}: ${path} answered ${r.status()}`);
  await look(page, walk, name, problems, options);
}

/** The first link on the page whose address matches, as a path. */
async function firstLink(page, pattern) {
  const hrefs = await page.$$eval("main a[href]", (as) => as.map((a) => a.getAttribute("href")));
  const href = hrefs.find((h) => pattern.test(h));
  assert.ok(href, `no link matching ${pattern} on ${page.url()}`);
  return href;
}

/** Sends the form of the case page's action `name` (fields filled first). */
async function takeStep(page, name, fields = {}) {
  const form = page.locator(`form.action:has(input[name=action][value=${name}])`);
  for (const [field, value] of Object.entries(fields)) await form.locator(`[name=${field}]`).fill(value);
  await Promise.all([page.waitForLoadState(), form.locator("button[type=submit]").click()]);
}

function report(problems) {
  assert.deepEqual(problems, [], `problems found:\n${problems.join("\n")}`);
}

// The walks work on their own data (a width's instance, a role's cases and rewards), so they
// run side by side: most of their time is the browser and the server, not this script.
describe("the staff's walks", { concurrency: true }, () => {
for (const size of WIDTHS) {
  const walk = (role) => ({ ...size, tag: `${size.width}-${role}` });

  test(`a department officer works a case in Chinese at ${size.width} px`, async () => {
    const w = walk("officer");
    const problems = [];
    const { context, page } = await signedIn(size, "fire.officer");
    try {
      await visit(page, w, "1-queue", "/staff", problems);
      assert.match(await page.textContent("h1"), /待办案件/);
      // The tip not yet taken up: accept it, start checking, and decide with a finding.
      await visit(page, w, "2-queue-submitted", "/staff?status=submitted", problems);
      const casePath = await firstLink(page, /^\/staff\/tips\/HL-/);
      await visit(page, w, "3-case", casePath, problems);
      await takeStep(page, "accept");
      assert.match(await page.textContent("main"), /已完成：受理/);
      await takeStep(page, "start_verification");
      // The finding is required: refused beside its field, with what was typed kept.
      const form = page.locator("form.action:has(input[name=action][value=substantiate])");
      await form.evaluate((f) => (f.noValidate = true));
      await takeStep(page, "substantiate", { note: "内部：单位负责人配合" });
      const error = page.locator("#finding-substantiate-error");
      assert.match(await error.textContent(), /此项必填/);
      assert.equal(await form.locator("textarea[name=note]").inputValue(), "内部：单位负责人配合");
      await error.scrollIntoViewIfNeeded();
      await look(page, w, "4-case-finding-refused", problems);
      await takeStep(page, "substantiate", { finding: "经现场核查，娱乐城三楼安全出口确被杂物堵塞，已责令经营者立即清理并复查。" });
      assert.match(await page.textContent("main"), /已完成：核查属实/);
      // A message to the reporter.
      await page.fill("#body", "您好，我们已到现场核查，情况属实，正在督促整改。");
      await Promise.all([page.waitForLoadState(), page.click("form[action$='/message'] button[type=submit]")]);
      assert.match(await page.textContent("main"), /正在督促整改/);
      await look(page, w, "5-case-decided", problems);
      await visit(page, w, "6-hazard-list", "/staff/lists/hazards", problems);
      await visit(page, w, "7-hazard", await firstLink(page, /^\/staff\/hazards\/\d+$/), problems);
      await visit(page, w, "8-enterprises", "/staff/enterprises", problems);
      await visit(page, w, "9-account", "/staff/account", problems);
    } finally {
      await context.close();
    }
    report(problems);
  });

  test(`the coordinator oversees the district in Chinese at ${size.width} px`, async () => {
    const w = walk("coordinator");
    const problems = [];
    const { context, page } = await signedIn(size, "coordinator");
    try {
      await visit(page, w, "01-queue", "/staff?status=all", problems);
      await visit(page, w, "02-queue-late", "/staff?overdue=true", problems);
      await visit(page, w, "03-case-listed", await rowLink(page, "/staff?status=all", /挂牌督办/, /^\/staff\/tips\/HL-/), problems);
      await visit(page, w, "04-dashboard", "/staff/dashboard", problems);
      await visit(page, w, "05-audit", "/staff/audit", problems);
      await visit(page, w, "06-audit-filtered", "/staff/audit?action=sign_in", problems);
      assert.match(await page.textContent("main table"), /登录/);
      await visit(page, w, "07-users", "/staff/users", problems, { usernames: true });
      await visit(page, w, "08-supervision", "/staff/supervision", problems);
      await visit(page, w, "09-hazards", "/staff/lists/hazards", problems);
      await visit(page, w, "10-rectifications", "/staff/lists/rectifications", problems);
      await visit(page, w, "11-responsibilities", "/staff/lists/responsibilities", problems);
      await visit(page, w, "12-hazard-listed", await rowLink(page, "/staff/lists/hazards", /挂牌督办/, /^\/staff\/hazards\/\d+$/), problems);
      await visit(page, w, "13-enterprises", "/staff/enterprises", problems);
      await visit(page, w, "14-enterprise", await firstLink(page, /^\/staff\/enterprises\/\d+$/), problems);
      await visit(page, w, "15-inspections", "/staff/inspections", problems);
      await visit(page, w, "16-reports", "/staff/reports", problems);
      await visit(page, w, "17-report-saved", await firstLink(page, /^\/staff\/reports\/\d+$/), problems);
      await visit(page, w, "18-report-live", "/staff/report", problems);
    } finally {
      await context.close();
    }
    report(problems);
  });

  test(`finance approves and pays rewards in Chinese at ${size.width} px`, async () => {
    const w = walk("finance");
    const problems = [];
    const first = await signedIn(size, "finance1");
    const second = await signedIn(size, "finance2");
    try {
      let page = first.page;
      await visit(page, w, "1-rewards", "/finance", problems);
      // The first approval sets the amount.
      await visit(page, w, "2-proposed", "/finance?status=proposed", problems);
      await decide(page, "材料齐全，同意发放");
      await look(page, w, "3-approved", problems);
      // A second approval is another person's (a large amount).
      page = second.page;
      await visit(page, w, "4-second-approval", "/finance?status=awaiting_second_approval", problems);
      await decide(page, "复核无误，同意");
      await look(page, w, "5-second-approved", problems);
      // The register (printed for the payout) opens with a reason; the payout is recorded on it.
      await visit(page, w, "6-claimed", "/finance?status=claimed", problems);
      const open = page.locator("form[action$='/payee']").first();
      await open.locator("[name=reason]").fill("打印发放登记表，办理奖金发放");
      await Promise.all([page.waitForLoadState(), open.locator("button[type=submit]").click()]);
      await page.waitForSelector("table.register");
      await look(page, w, "7-register", problems);
      await page.fill("input[name=reference]", `FK-${size.width}-0001`);
      await Promise.all([page.waitForLoadState(), page.click("form[action$='/payout'] button[type=submit]")]);
      assert.match(page.url(), /\/finance/);
      await look(page, w, "8-paid", problems);
      await visit(page, w, "9-paid-list", "/finance?status=paid", problems);
      await visit(page, w, "10-notice", await firstLink(page, /^\/finance\/rewards\/\d+\/notice$/), problems);
    } finally {
      await first.context.close();
      await second.context.close();
    }
    report(problems);
  });
}
});

/** On the page at `path`, the link matching `href` in the first row whose text matches `row`. */
async function rowLink(page, path, row, href) {
  await page.goto(path);
  const rows = await page.$$eval("main tr, main li, main article", (els) =>
    els.map((el) => ({ text: el.innerText, hrefs: [...el.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")) })),
  );
  for (const r of rows) {
    const h = r.hrefs.find((h) => href.test(h));
    if (row.test(r.text) && h) return h;
  }
  assert.fail(`no row matching ${row} with a link on ${path}`);
}

/** Approves the first reward on the page that waits for this person's decision. */
async function decide(page, note) {
  const form = page.locator("form[action$='/decision']").first();
  assert.equal(await form.count(), 1, `nothing to approve on ${page.url()}`);
  const id = (await form.getAttribute("action")).match(/rewards\/(\d+)\//)[1];
  await form.locator("textarea[name=note]").fill(note);
  await Promise.all([page.waitForLoadState(), form.locator("button[value=approve]").click()]);
  assert.match(await page.textContent("main"), /已完成|已批准|待第二人审批/);
  await page.locator(`#reward-${id}`).scrollIntoViewIfNeeded();
}
