"""No request path scans a table: no module the Lambdas ship (app.py, chalicelib/) calls `.scan(` or names
the Scan operation. Offline tools under scripts/ may; the request-budget test checks the same at run time."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]


def scans_in(source: str) -> list[int]:
    """Line numbers of `x.scan(...)` calls, `Scan` passed as an operation name, and `.scan` references."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ("scan", "Scan"):
            lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and node.value == "Scan":
            lines.append(node.lineno)
        elif isinstance(node, ast.Name) and node.id == "Scan":
            lines.append(node.lineno)
    return sorted(set(lines))


@pytest.mark.parametrize("source, found", [
    ("Demand.scan()", [1]),
    ("conn.scan(table_name='t')", [1]),
    ("client.Scan(TableName='t')", [1]),
    ("client._make_api_call('Scan', {})", [1]),
    ("do = Demand.scan\ndo()", [1]),
    ("Demand.query('x')\n# .scan( in a comment\n'a text about Scan and .scan('", []),
])
def test_the_check_finds_every_way_of_scanning(source, found):
    assert scans_in(source) == found


def test_nothing_shipped_scans():
    offenders = {str(path.relative_to(ROOT)): lines for path in SHIPPED
                 if (lines := scans_in(path.read_text(encoding="utf-8")))}
    assert not offenders, f"Scan in shipped code (file: lines): {offenders}"


def test_the_check_reads_the_shipped_code():
    assert len(SHIPPED) > 20 and ROOT / "chalicelib" / "services" / "feed.py" in SHIPPED
