"""The documents describe what the code does now, not what a later change will add."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Phrases that announce the future; a doc that needs one describes something that does not exist yet.
FUTURE = re.compile(r"being added|comes? with (?:a later|ratings|the \w+ issue)|at this stage|will be added|"
                    r"(?:a|the) later issue|not (?:built|implemented) yet", re.IGNORECASE)


def test_the_front_end_guide_and_the_contract_describe_the_present():
    documents = [ROOT / "README.md", ROOT / "docs" / "api.md", ROOT / "docs" / "openapi.json"]
    hits = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in documents
            for match in FUTURE.finditer(path.read_text(encoding="utf-8"))]
    assert hits == []


def _requirements(name: str) -> set[str]:
    names = set()
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-r"):
            names.add(re.split(r"[\[=<>]", line)[0].lower())
    return names


def test_make_run_installs_only_what_the_local_stack_needs():
    local, dev = _requirements("requirements-local.txt"), _requirements("requirements-dev.txt")
    assert {"chalice", "moto"} <= local
    assert not local & {"pytest", "schemathesis", "hypothesis", "cfn-lint", "ruff", "openapi-spec-validator"}
    assert "pytest" in dev and not local & dev
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run: \$\(LOCAL_STAMP\)$", makefile, re.MULTILINE)
