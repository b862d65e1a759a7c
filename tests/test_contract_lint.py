"""The contract as a front end's tools read it: redocly (recommended-strict) and spectral (spectral:oas) find
nothing in docs/openapi.json, openapi-typescript's default output is committed and current
(web/src/api/schema.d.ts), and a usage snippet written against it type-checks under `tsc --strict`.

The tools come from web/package-lock.json (`make test` runs npm ci); `-m "not web_tools"` deselects these."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
BIN = WEB / "node_modules" / ".bin"
DOCUMENT = ROOT / "docs" / "openapi.json"
# Nothing phones home during a test run.
QUIET = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}

pytestmark = pytest.mark.web_tools


def _run(*command: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=WEB, env=QUIET, capture_output=True, text=True,
                          timeout=300)


def test_redocly_recommended_strict_finds_no_error_and_no_warning():
    result = _run(BIN / "redocly", "lint", "--extends=recommended-strict", "--format=json", DOCUMENT)
    report = json.loads(result.stdout)
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, report["problems"][:5]
    assert result.returncode == 0


def test_spectral_oas_finds_nothing(tmp_path):
    output = tmp_path / "spectral.json"
    result = _run(BIN / "spectral", "lint", "--ruleset", WEB / ".spectral.yaml", "--format", "json",
                  "--output", output, "--fail-severity", "hint", DOCUMENT)
    problems = json.loads(output.read_text(encoding="utf-8"))
    assert [(p["code"], ".".join(map(str, p["path"]))) for p in problems] == []
    assert result.returncode == 0, result.stderr


def test_the_committed_typescript_types_are_openapi_typescripts_current_output():
    sys.path.insert(0, str(ROOT / "scripts"))
    import api_types

    assert api_types.main(["--check"]) == 0, "run make generate"


def test_a_front_end_snippet_type_checks_strictly_against_the_generated_types():
    """web/contract-check/usage.ts: a login body, optional fields left out, a list query with a city from its
    enum (another city does not compile), a demand detail narrowed on `view`, the todo narrowed on `role`."""
    result = _run(BIN / "tsc", "--project", WEB / "contract-check" / "tsconfig.json")
    assert result.returncode == 0, result.stdout + result.stderr
