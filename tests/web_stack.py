"""The H5 client in a real browser, for the end-to-end tests: the client built once per test (a local stack
started with `--client-dir` serves it as `make run` does, the API under /api on the same origin), and a
script of web/e2e/ driving Debian's Chromium (playwright-core) against it. Screenshots go to
web/test-results/<script name>/ (git-ignored)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

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
