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
