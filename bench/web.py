"""The H5 client's first screen and Lighthouse scores (issue 16, "Performance"): `make bench ARGS="web"`.

1. Builds web/ (`vite build --manifest`) into a temporary folder and prints the first screen's JS and CSS, raw
   and gzip bytes per file and in total, against the 150 KB gzip target. The first screen is what 首页 needs
   before it can draw: the entry chunk, every chunk index.html preloads (the entry's static imports), their
   CSS, and the chunks of the 首页 route (today inside the entry: HomeView is imported statically).
2. Starts the local stack with the demo accounts and one published demand, serves the build with `vite preview`
   (gzip, as CloudFront serves the deployed site; its /api proxy points at the stack: the same origin), and runs
   Lighthouse (web/node_modules/.bin/lighthouse, mobile: its default form factor, screen and simulated
   throttling) on Debian's Chromium against 首页 and that demand's detail: performance ≥ 90 and
   accessibility ≥ 95, and the API calls 首页 makes (≤ 3), counted from Lighthouse's network log.

Numbers and the command: docs/performance.md, "H5 client".
"""
from __future__ import annotations

import contextlib
import gzip
import html.parser
import json
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.local_stack_client import Http, activate_demo_league, free_ports, publish_demand, serving

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
BIN = WEB / "node_modules" / ".bin"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The flags of web/e2e/browser.mjs: this machine's closed network refuses Chromium's own connections.
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")

FIRST_SCREEN_GZIP_TARGET = 150 * 1024
PERFORMANCE_TARGET = 90
ACCESSIBILITY_TARGET = 95
HOME_API_CALLS_TARGET = 3
HOME_SOURCE = "src/views/HomeView.vue"
PUBLISHER_MOBILE = "13900000032"


@dataclass(frozen=True)
class Asset:
    path: str       # relative to the build folder
    raw: int
    gzip: int


def build(out_dir: Path) -> Path:
    """`vite build` with its manifest into `out_dir` (src/components.d.ts left alone, YCE_WRITE_DTS=0)."""
    built = subprocess.run([str(BIN / "vite"), "build", "--manifest", "--outDir", str(out_dir), "--emptyOutDir"],
                           cwd=WEB, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "YCE_WRITE_DTS": "0"})
    if built.returncode != 0:
        raise SystemExit(built.stdout + built.stderr)
    return out_dir


class _Head(html.parser.HTMLParser):
    """The scripts, module preloads and style sheets index.html names."""

    def __init__(self) -> None:
        super().__init__()
        self.files: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.files.append(found["src"] or "")
        elif tag == "link" and found.get("rel") in ("modulepreload", "stylesheet") and found.get("href"):
            self.files.append(found["href"] or "")


def first_screen_files(dist: Path) -> list[str]:
    """The JS and CSS 首页 loads before it draws, relative to `dist`: what index.html names (entry, preloads,
    CSS), the entry's static imports and their CSS (the manifest), and the 首页 route's chunk with its own."""
    manifest = json.loads((dist / ".vite" / "manifest.json").read_text(encoding="utf-8"))
    head = _Head()
    head.feed((dist / "index.html").read_text(encoding="utf-8"))
    files = [name.lstrip("/") for name in head.files if name.endswith((".js", ".css"))]

    def add(key: str) -> None:
        chunk = manifest[key]
        for name in [chunk["file"], *chunk.get("css", [])]:
            if name not in files:
                files.append(name)
        for imported in chunk.get("imports", []):
            add(imported)

    for key, chunk in manifest.items():
        if chunk.get("isEntry") or key == HOME_SOURCE:
            add(key)
    return files


def measure(dist: Path, files: list[str]) -> list[Asset]:
    assets = []
    for name in files:
        data = (dist / name).read_bytes()
        assets.append(Asset(name, len(data), len(gzip.compress(data, compresslevel=9))))
    return assets


def print_bundle(assets: list[Asset]) -> int:
    print("First screen (首页) JS + CSS, bytes:")
    print(f"  {'file':<44} {'raw':>9} {'gzip':>9}")
    for asset in assets:
        print(f"  {asset.path:<44} {asset.raw:>9,} {asset.gzip:>9,}")
    raw, zipped = sum(a.raw for a in assets), sum(a.gzip for a in assets)
    verdict = "met" if zipped <= FIRST_SCREEN_GZIP_TARGET else "NOT met"
    print(f"  {'total':<44} {raw:>9,} {zipped:>9,}   target ≤ {FIRST_SCREEN_GZIP_TARGET:,} gzip "
          f"({zipped / 1024:.1f} KB of 150 KB): {verdict}")
    return zipped


def _seed_demand(http: Http, data_dir: Path) -> str:
    """One published demand of the demo 团组织 (activated on the way), for the detail page; its id.
    (Another number than the leader's publishes it: the activation code just went there.)"""
    league = activate_demo_league(http, data_dir, "League2024demo")
    assert league.status_code == 200, league.text
    return publish_demand(http, data_dir, league.json()["access_token"], {
        "title": "需要招募8位数学老师为乡村孩子在线辅导课程", "demand_type": "关爱未成年人", "volunteers_needed": 8,
        "content": "他们上学期数学成绩中等偏下，解方程是弱项，希望志愿者每周两次在线辅导。",
        "period_start": "2099-06-05", "period_end": "2099-06-08", "guarantees": ["餐饮保障", "交通补贴"]},
        PUBLISHER_MOBILE)


@contextlib.contextmanager
def previewing(dist: Path, api_origin: str) -> Iterator[str]:
    """`vite preview` of `dist` (compressed answers, /api passed on to `api_origin`); its URL."""
    [port] = free_ports(1)
    proc = subprocess.Popen([str(BIN / "vite"), "preview", "--outDir", str(dist), "--host", "127.0.0.1",
                             "--port", str(port), "--strictPort"], cwd=WEB, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, env={**os.environ, "YCE_API_ORIGIN": api_origin})
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("vite preview did not start")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def lighthouse(url: str, report: Path) -> dict:
    """One Lighthouse run (mobile, performance + accessibility); its JSON report."""
    ran = subprocess.run([
        str(BIN / "lighthouse"), url, "--quiet", "--output=json", f"--output-path={report}",
        "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}", "--locale=zh",
        "--max-wait-for-load=60000",
    ], cwd=WEB, capture_output=True, text=True, timeout=300, env={**os.environ, "CHROME_PATH": CHROMIUM})
    if ran.returncode != 0 and not report.exists():
        raise SystemExit(f"lighthouse failed on {url}:\n{ran.stdout}{ran.stderr}")
    return json.loads(report.read_text(encoding="utf-8"))


def api_calls(result: dict) -> list[str]:
    items = result["audits"]["network-requests"]["details"]["items"]
    return [item["url"].split("/api", 1)[1] for item in items if "/api/" in item["url"]]


def failing_audits(result: dict, category: str) -> list[str]:
    """The audits of `category` that cost points, for a reader fixing them."""
    failing = []
    for ref in result["categories"][category]["auditRefs"]:
        audit = result["audits"][ref["id"]]
        if ref["weight"] and audit.get("score") is not None and audit["score"] < 0.9:
            failing.append(f"{ref['id']} ({audit['score']:.2f}): {audit.get('displayValue') or audit['title']}")
    return failing


def print_lighthouse(name: str, result: dict) -> bool:
    performance = round(result["categories"]["performance"]["score"] * 100)
    accessibility = round(result["categories"]["accessibility"]["score"] * 100)
    metrics = {key: result["audits"][key].get("displayValue", "")
               for key in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                           "cumulative-layout-shift", "speed-index")}
    met = performance >= PERFORMANCE_TARGET and accessibility >= ACCESSIBILITY_TARGET
    print(f"{name}: performance {performance} (target ≥ {PERFORMANCE_TARGET}), accessibility {accessibility} "
          f"(target ≥ {ACCESSIBILITY_TARGET}): {'met' if met else 'NOT met'}")
    print("  " + ", ".join(f"{key.replace('-', ' ')} {value}" for key, value in metrics.items()))
    for category in ("performance", "accessibility"):
        for line in failing_audits(result, category):
            print(f"  {category} loses on {line}")
    return met


def run(keep_reports: Path | None = None) -> bool:
    """Everything above; True when every target is met."""
    with tempfile.TemporaryDirectory(prefix="yce-web-bench-") as tmp:
        work = Path(tmp)
        dist = build(work / "dist")
        zipped = print_bundle(measure(dist, first_screen_files(dist)))
        ok = zipped <= FIRST_SCREEN_GZIP_TARGET
        data_dir = work / "data"
        reports = keep_reports or work
        reports.mkdir(parents=True, exist_ok=True)
        with serving(data_dir, work / "stack.log") as stack, previewing(dist, stack.url) as site:
            demand_id = _seed_demand(Http(stack.api), data_dir)
            home = lighthouse(f"{site}/", reports / "lighthouse-home.json")
            ok &= print_lighthouse("首页", home)
            calls = api_calls(home)
            calls_met = len(calls) <= HOME_API_CALLS_TARGET
            ok &= calls_met
            print(f"  首页 API calls: {len(calls)} (target ≤ {HOME_API_CALLS_TARGET}): "
                  f"{'met' if calls_met else 'NOT met'}: {', '.join(calls)}")
            detail = lighthouse(f"{site}/demands/{demand_id}", reports / "lighthouse-demand.json")
            ok &= print_lighthouse("需求详情", detail)
    return ok
