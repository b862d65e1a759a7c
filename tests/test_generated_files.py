"""Every committed generated file is what its generator writes now (`make generate` rewrites them all)."""
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

# The request-budget tables are measured by the budget tour: tests/test_request_budget.py checks them.
GENERATORS = ("route_index", "openapi", "route_table", "stage_config", "infra_template", "operations")


def test_every_generated_file_is_current():
    stale = [name for name in GENERATORS if importlib.import_module(name).main(["--check"]) != 0]
    assert stale == [], f"stale output of {stale}: run make generate"
