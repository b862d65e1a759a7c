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
    # The Python side needs only the local requirements; the H5 client is built from web/'s lock.
    assert re.search(r"^run: \$\(LOCAL_STAMP\) \$\(WEB_DIST\)$", makefile, re.MULTILINE)


def _section(text: str, heading: str) -> str:
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def test_the_readmes_command_table_names_targets_and_scripts_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = _section(readme, "Which command for which job")
    jobs = " ".join(line.split("|")[1] for line in table.splitlines() if line.startswith("| ") and "---" not in line)
    for job in ("run", "test", "generate", "benchmark", "operator"):
        assert job in jobs, f"no row for {job}"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"`make (\w+)", table):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"make {target} is not a Makefile target"
    for script in re.findall(r"((?:scripts|bench)/[\w/]+\.py)", table):
        assert (ROOT / script).exists(), script


def test_the_readmes_curl_examples_send_chinese_query_values_url_encoded():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    curls = [line for line in readme.splitlines() if line.lstrip().startswith("curl")]
    raw_chinese_in_url = [line for line in curls for url in re.findall(r"\$API\S*", line)
                          if re.search(r"[^\x00-\x7f]", url)]
    assert raw_chinese_in_url == []
    assert any(re.search(r"--data-urlencode '\w+=[^\x00-\x7f]", line) for line in curls)
