"""The H5 client under web/: it typechecks (strict), its unit tests (Vitest) pass and it builds (its API types
are checked with the contract, tests/test_contract_lint.py). `make test` installs web/node_modules (npm ci);
`-m "not web"` leaves out the npm scripts (about 50 s together)."""
import subprocess
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parent.parent / "web"
BIN = WEB / "node_modules" / ".bin"
# The npm scripts are CPU-bound: one worker runs them one after another.
pytestmark = pytest.mark.xdist_group("web")


def _run(*command: str, timeout: int = 180) -> subprocess.CompletedProcess:
    assert (BIN / "vite").exists(), "web/node_modules is missing: make test installs it (npm ci)"
    return subprocess.run(command, cwd=WEB, capture_output=True, text=True, timeout=timeout)


@pytest.mark.web
def test_the_client_typechecks_strictly():
    checked = _run("npm", "run", "--silent", "typecheck")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.web
def test_the_client_unit_tests_pass():
    tested = _run("npm", "run", "--silent", "test:unit")
    assert tested.returncode == 0, tested.stdout + tested.stderr


@pytest.mark.web
def test_the_client_builds_and_declares_every_vant_component_it_uses(tmp_path):
    declarations = WEB / "src" / "components.d.ts"   # the typecheck reads it; the build rewrites it
    committed = declarations.read_text(encoding="utf-8")
    built = _run("npm", "run", "--silent", "build", "--", "--outDir", str(tmp_path / "dist"), "--emptyOutDir")
    assert built.returncode == 0, built.stdout + built.stderr
    assert (tmp_path / "dist" / "index.html").exists()
    assert declarations.read_text(encoding="utf-8") == committed, "commit the regenerated web/src/components.d.ts"
