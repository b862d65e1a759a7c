"""The H5 client under web/: its API types are what openapi-typescript makes of the committed contract.
`make test` installs web/node_modules (npm ci)."""
import subprocess
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent / "web"
BIN = WEB / "node_modules" / ".bin"


def _run(*command: str, timeout: int = 180) -> subprocess.CompletedProcess:
    assert (BIN / "vite").exists(), "web/node_modules is missing: make test installs it (npm ci)"
    return subprocess.run(command, cwd=WEB, capture_output=True, text=True, timeout=timeout)


def test_the_api_types_are_generated_from_the_current_contract():
    generated = _run(str(BIN / "openapi-typescript"), "../docs/openapi.json")
    assert generated.returncode == 0, generated.stderr
    assert generated.stdout == (WEB / "src" / "api" / "schema.d.ts").read_text(encoding="utf-8"), (
        "web/src/api/schema.d.ts is stale: run make generate")

