"""Lazy route loading: app.py registers every route from a generated index and imports a route's module on
its first call; the routes it registers are the ones the route modules' blueprints declare."""
import json
import os
import subprocess
import sys
from pathlib import Path

from app import app as chalice_app
from tests.helpers import open_demand

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import route_index  # noqa: E402


def _entries(app) -> dict:
    return {(path, method): entry for path, methods in app.routes.items() for method, entry in methods.items()}


def _chalice_metadata(entry) -> tuple:
    return (entry.view_name, entry.uri_pattern, entry.method, entry.view_args, entry.content_types, entry.cors,
            entry.api_key_required, entry.authorizer, entry.view_function.__name__, entry.view_function.__doc__)


def test_the_committed_route_index_is_current():
    committed = route_index.INDEX.read_text(encoding="utf-8")
    assert committed == route_index.current_text(), "regenerate with scripts/route_index.py"


def test_the_app_registers_each_route_as_its_blueprint_would_and_calls_its_declared_view():
    eager = route_index.eager_app()
    lazy_routes, eager_routes = _entries(chalice_app), _entries(eager)
    assert set(lazy_routes) == set(eager_routes) and len(lazy_routes) > 70
    for key, entry in lazy_routes.items():
        assert _chalice_metadata(entry) == _chalice_metadata(eager_routes[key]), key
        assert entry.view_function.view is eager_routes[key].view_function, key
        assert entry.view_function.declaration is eager_routes[key].view_function.declaration, key


_FIRST_REQUEST = r"""
import json, sys
from chalice.test import Client
from app import app
loaded_at_import = sorted(m for m in sys.modules if m.startswith("chalicelib."))
with Client(app) as client:
    status = client.http.get("/reference").status_code
print(json.dumps({"at_import": loaded_at_import, "status": status,
                  "after_request": sorted(m for m in sys.modules if m.startswith("chalicelib."))}))
"""


def test_importing_the_app_loads_no_route_module_and_a_request_loads_only_its_own():
    # A fresh interpreter: this test process has long imported everything.
    done = subprocess.run([sys.executable, "-c", _FIRST_REQUEST], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    layers = ("chalicelib.api.", "chalicelib.services", "chalicelib.schemas", "chalicelib.data")
    assert [m for m in result["at_import"] if m.startswith(layers)] == [
        "chalicelib.api.middleware", "chalicelib.api.route_index", "chalicelib.api.routing"]
    assert result["status"] == 200
    assert [m for m in result["after_request"] if m.endswith("_routes")] == ["chalicelib.api.reference_routes"]


_DEMAND_DETAIL = r"""
import json, sys
from chalice.test import Client
from app import app
with Client(app) as client:
    status = client.http.get(f"/demands/{sys.argv[1]}").status_code
print(json.dumps({"status": status, "loaded": sorted(m for m in sys.modules if m.startswith("chalicelib."))}))
"""

# What reading one demand never needs: other resources, accounts, SMS codes, sessions and passwords, and the
# forms of organizations and help requests. A module-level import that pulls one of them onto the path of
# a cold start's most common request fails here (docs/performance.md, "Cold start").
_NOT_FOR_A_DEMAND_READ = ("activit", "rating", "notification", "points", "report", "stats", "sms", "session",
                          "throttle", "password", "league_org", "volunteer_org", "org_search", "services.accounts",
                          "schemas.accounts", "schemas.orgs", "schemas.help_requests")


def test_a_cold_start_reading_a_demand_loads_nothing_of_other_resources(dynamodb_server):
    # A fresh interpreter reading the demand from moto's server, as the cold-start bench does.
    done = subprocess.run([sys.executable, "-c", _DEMAND_DETAIL, open_demand("league-1")], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 200
    assert "chalicelib.api.demand_routes" in result["loaded"]
    assert [m for m in result["loaded"] if any(part in m for part in _NOT_FOR_A_DEMAND_READ)] == []
