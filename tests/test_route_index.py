"""Lazy route loading: app.py registers every route from a generated index and imports a route's module on
its first call; the routes it registers are the ones the route modules' blueprints declare."""
import json
import os
import subprocess
import sys
from pathlib import Path

from app import app as chalice_app

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import route_index  # noqa: E402


def _entries(app) -> dict:
    return {(path, method): entry for path, methods in app.routes.items() for method, entry in methods.items()}


def _chalice_metadata(entry) -> tuple:
    return (entry.view_name, entry.uri_pattern, entry.method, entry.view_args, entry.content_types, entry.cors,
            entry.api_key_required, entry.authorizer, entry.view_function.__name__, entry.view_function.__doc__)


def test_the_app_registers_each_route_as_its_blueprint_would_and_calls_its_declared_view():
    eager = route_index.eager_app()
    lazy_routes, eager_routes = _entries(chalice_app), _entries(eager)
    assert set(lazy_routes) == set(eager_routes) and len(lazy_routes) > 70
    for key, entry in lazy_routes.items():
        assert _chalice_metadata(entry) == _chalice_metadata(eager_routes[key]), key
        assert entry.view_function.view is eager_routes[key].view_function, key
        assert entry.view_function.declaration is eager_routes[key].view_function.declaration, key


_IMPORT_APP = r"""
import json, sys
import app
print(json.dumps(sorted(m for m in sys.modules if m.startswith("chalicelib.api.") and m.endswith("_routes"))))
"""


def test_importing_the_app_loads_no_route_module():
    # A fresh interpreter: this test process has long imported everything. A route's module loads on its
    # first call (routing.LazyView), so a cold start loads only the resource it serves.
    done = subprocess.run([sys.executable, "-c", _IMPORT_APP], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
