// browser.docs: /docs (Swagger UI) and /redoc of a real `conveyor serve`, in Debian's headless
// Chromium driven by playwright-core. /docs must render every operation, and its "Try it out"
// on POST /jobs must submit a job that the API then shows SUCCEEDED; /redoc must render. Every
// request the pages make must go to the server itself (no CDN, fonts or telemetry), and no
// script error may occur. Screenshots go to the directory given as argv[2] (the build's
// browser-artifacts/).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { check, requireWeb, withServer } from "../web/conveyor_server.mjs";

const { chromium } = requireWeb("playwright-core");
const artifacts = process.argv[2] || join(process.cwd(), "browser-artifacts");
mkdirSync(artifacts, { recursive: true });
const CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withBrowser(base, body) {
  const profile = mkdtempSync(join(tmpdir(), "conveyor-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  const foreign = new Set();
  const errors = [];
  const origin = new URL(base).origin;
  const isForeign = (url) => !url.startsWith("data:") && !url.startsWith("blob:") &&
                             new URL(url).origin !== origin;
  context.on("request", (r) => { if (isForeign(r.url())) foreign.add(r); });
  // The pages' Content-Security-Policy stops ReDoc's logo from cdn.redoc.ly before it is sent:
  // such a request is reported, then fails without leaving the machine.
  context.on("requestfailed", (r) => {
    if (r.failure()?.errorText === "csp") foreign.delete(r);
  });
  context.on("page", (p) => p.on("pageerror", (e) => errors.push(String(e))));
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("pageerror", (e) => errors.push(String(e)));
    await body(page);
    const sent = [...foreign].map((r) => r.url());
    check(sent.length === 0, "the pages requested other hosts: " + sent.join(", "));
    check(errors.length === 0, "script errors: " + errors.join("; "));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function waitForJob(base, id, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  let job = null;
  while (Date.now() < until) {
    const r = await fetch(`${base}/api/v1/jobs/${id}`);
    check(r.status === 200, `GET /api/v1/jobs/${id} answered ${r.status}`);
    job = await r.json();
    if (job.status === "SUCCEEDED") return job;
    await sleep(50);
  }
  throw new Error(`job ${id} did not succeed: ${JSON.stringify(job)}`);
}

async function swaggerUi(page, base) {
  await page.goto(base + "/docs");
  await page.waitForSelector(".opblock", { timeout: 20000 });
  const operations = await page.locator(".opblock").count();
  const documented = await (await fetch(base + "/openapi.json")).json();
  const expected = Object.values(documented.paths)
    .reduce((n, item) => n + Object.keys(item).length, 0);
  check(operations === expected, `Swagger UI shows ${operations} operations, the document has ${expected}`);
  await page.screenshot({ path: join(artifacts, "docs-1280x800.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(artifacts, "docs-390x844.png") });
  await page.setViewportSize({ width: 1280, height: 800 });

  const submit = page.locator("#operations-jobs-post_jobs");
  await submit.locator(".opblock-summary").first().click();
  await submit.getByRole("button", { name: "Try it out" }).click();
  await submit.locator("textarea.body-param__text")
    .fill('{"type": "square_sum", "payload": {"data": [1, 2]}}');
  await submit.getByRole("button", { name: "Execute" }).click();
  const status = submit.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor({ timeout: 15000 });
  const code = (await status.innerText()).trim();
  check(code === "201", `Try it out answered ${code}`);
  const body = await submit.locator(".live-responses-table tbody .response-col_description pre")
    .first().innerText();
  const id = JSON.parse(body).id;
  await page.screenshot({ path: join(artifacts, "docs-try-it-out.png"), fullPage: false });
  const job = await waitForJob(base, id);
  check(job.result === 5, `1² + 2² gave ${JSON.stringify(job.result)}`);
  return id;
}

async function redoc(page, base) {
  await page.goto(base + "/redoc");
  // Each operation is an h2 in ReDoc's middle column (the menu's entries may be collapsed).
  await page.locator("h2", { hasText: "Submit a job" }).first().waitFor({ timeout: 20000 });
  const operations = await page.locator("h2").count();
  check(operations >= 50, `ReDoc shows ${operations} headings, expected every operation`);
  await page.screenshot({ path: join(artifacts, "redoc-1280x800.png") });
}

await withServer(async ({ base }) => {
  await withBrowser(base, async (page) => {
    const id = await swaggerUi(page, base);
    await redoc(page, base);
    console.log(`ok: /docs rendered, Try it out submitted ${id} (SUCCEEDED), /redoc rendered; ` +
                `screenshots in ${artifacts}`);
  });
});
