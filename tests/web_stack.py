"""The H5 client in a real browser, for the end-to-end tests: the client built once per test, served by
`vite preview` with its /api proxy pointed at a local stack, and a script of web/e2e/ driving Debian's
Chromium (playwright-core) against it. Screenshots go to web/test-results/<script name>/ (git-ignored)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.local_stack_client import free_ports

WEB = Path(__file__).resolve().parent.parent / "web"
VITE = WEB / "node_modules" / ".bin" / "vite"
SCREENSHOTS = WEB / "test-results"


def built_client(out_dir: Path) -> Path:
    """`vite build` into `out_dir`. YCE_WRITE_DTS=0 leaves src/components.d.ts to the typecheck and build
    tests that may run beside this one."""
    assert VITE.exists(), "web/node_modules is missing: make test installs it (npm ci)"
    built = subprocess.run([str(VITE), "build", "--outDir", str(out_dir), "--emptyOutDir"], cwd=WEB,
                           capture_output=True, text=True, timeout=180, env={**os.environ, "YCE_WRITE_DTS": "0"})
    assert built.returncode == 0, built.stdout + built.stderr
    return out_dir


@contextmanager
def previewing(dist: Path, api_origin: str, log_path: Path) -> Iterator[str]:
    """The built client on a free loopback port (its base URL), its /api calls proxied to `api_origin`."""
    port = free_ports(1)[0]
    with open(log_path, "wb") as log:
        preview = subprocess.Popen(
            [str(VITE), "preview", "--outDir", str(dist), "--host", "127.0.0.1", "--port", str(port), "--strictPort"],
            cwd=WEB, env={**os.environ, "YCE_API_ORIGIN": api_origin},
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_serving(base_url, preview, log_path)
        yield base_url
    finally:
        os.killpg(preview.pid, signal.SIGKILL)
        preview.wait()


def _wait_until_serving(url: str, preview: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert preview.poll() is None, log.read_text(encoding="utf-8")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, f"vite preview not serving in 30 s:\n{log.read_text(encoding='utf-8')}"
        time.sleep(0.2)


def run_script(name: str, config: dict, *, timeout: int = 300) -> tuple[dict, Path]:
    """Run web/e2e/<name>.mjs with `config` (plus its screenshot folder as `outDir`): the JSON object it
    prints last, and the folder. Fails with the script's output and where its screenshots are."""
    out_dir = SCREENSHOTS / name
    shutil.rmtree(out_dir, ignore_errors=True)
    finished = subprocess.run(["node", f"e2e/{name}.mjs", json.dumps({**config, "outDir": str(out_dir)})], cwd=WEB,
                              capture_output=True, text=True, timeout=timeout)
    assert finished.returncode == 0, f"{finished.stdout}{finished.stderr}\nscreenshots: {out_dir}"
    lines = finished.stdout.strip().splitlines()
    return (json.loads(lines[-1]) if lines else {}), out_dir
