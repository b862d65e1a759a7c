"""The certificate function (certificates/app.py, its own Chalice app `yce-certificates`): what it answers the
API, what it refuses without repeating the payload, and its package (`-m packaging`: needs the package index).
"""
from __future__ import annotations

import base64
import dataclasses
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from chalice.test import Client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "certificates" / "vendor"))   # as on Lambda: vendor/ is the package's root
sys.path.insert(0, str(ROOT / "scripts"))
import package  # noqa: E402

from certificates.app import PayloadRefused, app  # noqa: E402
from certificates.sample import sample  # noqa: E402

FONT = "certificate_pdf/fonts/NotoSansSC-Regular.ttf"


def payload() -> dict:
    content = dataclasses.asdict(sample())
    seal = content.pop("seal_png")
    return {**content, "seal_base64": base64.b64encode(seal).decode()}


def test_the_function_answers_the_pdf_of_a_payload_base64():
    with Client(app) as client:
        answer = client.lambda_.invoke("render", payload()).payload
    pdf = base64.b64decode(answer["pdf_base64"])
    assert pdf.startswith(b"%PDF-") and 10_000 < len(pdf) < 200_000


def test_a_refused_payload_names_the_fields_but_never_their_values():
    bad = {**payload(), "number": "not-a-number", "extra": sample().id_number}
    with Client(app) as client, pytest.raises(PayloadRefused) as refused:
        client.lambda_.invoke("render", bad)
    assert "number" in str(refused.value) and "extra" in str(refused.value)
    assert sample().id_number not in str(refused.value) and refused.value.__cause__ is None


@pytest.mark.packaging
def test_the_function_packages_with_its_wheels_and_font_and_passes_cfn_lint(tmp_path):
    template = package.package_certificates("dev", tmp_path)   # raises PackagingError on a missing wheel
    bundle_path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(bundle_path) as bundle:
        infos = bundle.infolist()
    names = {info.filename for info in infos}
    assert {"app.py", FONT, "certificate_pdf/payload.py"} <= names
    assert any(n.startswith("pydantic_core/_pydantic_core.cpython-311-x86_64-linux-gnu") for n in names)
    assert any(n.startswith("PIL/_imaging.cpython-311-x86_64-linux-gnu") for n in names)
    assert not any(n.startswith(("chalicelib/", "tests/")) for n in names)
    [function] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert function["Properties"]["Handler"] == "app.render"
    unzipped = sum(info.file_size for info in infos)
    print(f"certificate function package: {bundle_path.stat().st_size:,} B zipped, {unzipped:,} B unzipped")
    assert bundle_path.stat().st_size < 50 * 1024 * 1024 and unzipped < 250 * 1024 * 1024   # Lambda's limits
    lint = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), "--regions", "cn-north-1", "--",
                           str(tmp_path / "sam.json")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
