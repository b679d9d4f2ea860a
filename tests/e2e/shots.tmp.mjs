import { chromium } from "playwright-core";
const base = "http://127.0.0.1:8090";
const [user, pass, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
for (const width of [390, 1366]) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 }, locale: "zh-CN" });
  const page = await ctx.newPage();
  await page.goto(base + "/staff/login");
  await page.fill("input[name=username]", user);
  await page.fill("input[name=password]", pass);
  await page.click("button[type=submit]");
  console.log(user, "landed on", page.url());
  for (const p of paths) {
    const r = await page.goto(base + p);
    const name = `/tmp/shots/${user}-${p.replace(/[^a-z0-9]+/gi, "_")}-${width}.png`;
    await page.screenshot({ path: name, fullPage: true });
    console.log(r.status(), p, name);
  }
  await ctx.close();
}
await browser.close();
