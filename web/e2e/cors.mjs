// CORS as a browser sees it: a page on an allowed origin logs in, lists demands and opens one with fetch and a
// bearer token; a page on another origin is refused. Drives Debian's Chromium through playwright-core.
//
//   node web/e2e/cors.mjs --api http://127.0.0.1:8000/api        # against `make run`: pages on 5173 and 5174
//
// Each page is served by a tiny server started here on 127.0.0.1 (--allowed-port must be an origin the
// stack allows: 5173 is the dev stage's Vite server; tests/test_browser_cors.py passes free ports). Prints
// one JSON object of what each page saw; tests/test_browser_cors.py checks it. Exit 1 only on a crash.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { chromium } from "playwright-core";

const { values: options } = parseArgs({
  options: {
    api: { type: "string", default: "http://127.0.0.1:8000/api" },
    "allowed-port": { type: "string", default: "5173" },
    "other-port": { type: "string", default: "5174" },
    "account-type": { type: "string", default: "organization" },
    login: { type: "string", default: "demo_volunteer" },
    password: { type: "string", default: "Demo1234" },
    screenshots: { type: "string", default: path.join(import.meta.dirname, "..", "test-results") },
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});

const PAGE = '<!doctype html><html lang="zh"><meta charset="utf-8"><title>CORS</title><pre id="log"></pre></html>';

function servePage(port) {
  const server = http.createServer((request, response) => {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(PAGE);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(port), "127.0.0.1", () => resolve(server));
  });
}

// Runs in the page: every call as the H5 would make it (JSON body, bearer token, no cookies).
async function loginListDetail({ api, credentials }) {
  const log = (line) => { document.getElementById("log").textContent += line + "\n"; };
  async function call(method, route, { token, body } = {}) {
    const headers = {};
    if (body) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(api + route, { method, headers, body: body && JSON.stringify(body) });
    const data = await response.json();
    log(`${method} ${route} → ${response.status}`);
    return { status: response.status, data, exposed: response.headers.get("Access-Control-Expose-Headers") };
  }
  const login = await call("POST", "/auth/login", { body: credentials });
  const token = login.data.access_token;
  const list = await call("GET", "/demands", { token });
  const first = list.data.items[0];
  const detail = await call("GET", `/demands/${first.demand_id}`, { token });
  log(`${detail.data.title}`);
  return { login: login.status, list: list.status, listed: list.data.items.map((item) => item.demand_id),
           detail: detail.status, detail_id: detail.data.demand_id, title: detail.data.title };
}

async function refused({ api, credentials }) {
  const attempts = {};
  for (const [name, init] of Object.entries({
    login: { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(credentials) },
    health: { method: "GET" },   // a "simple" request: sent without a preflight, its answer withheld
  })) {
    try {
      const response = await fetch(api + (name === "login" ? "/auth/login" : "/health"), init);
      attempts[name] = `answered ${response.status}`;
    } catch (error) {
      attempts[name] = `${error.name}: ${error.message}`;
    }
  }
  document.getElementById("log").textContent = JSON.stringify(attempts, null, 1);
  return attempts;
}

const servers = [await servePage(options["allowed-port"]), await servePage(options["other-port"])];
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "yce-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: options.chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-gpu"],
});
const result = { console: [] };
try {
  fs.mkdirSync(options.screenshots, { recursive: true });
  const credentials = { account_type: options["account-type"], login: options.login, password: options.password };
  const page = await context.newPage();
  page.on("console", (message) => result.console.push(message.text()));

  await page.goto(`http://127.0.0.1:${options["allowed-port"]}/`);
  result.allowed = await page.evaluate(loginListDetail, { api: options.api, credentials });
  await page.screenshot({ path: path.join(options.screenshots, "cors-allowed-origin.png") });

  await page.goto(`http://127.0.0.1:${options["other-port"]}/`);
  result.other = await page.evaluate(refused, { api: options.api, credentials });
  await page.screenshot({ path: path.join(options.screenshots, "cors-other-origin.png") });
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
  servers.forEach((server) => server.close());
}
console.log(JSON.stringify(result));
