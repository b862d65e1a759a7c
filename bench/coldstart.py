"""Cold start: import time of the handler module and time to the first handled request, against a baseline.

The baseline imports only the dependencies (chalice, boto3, pynamodb, pydantic), creates one DynamoDB
client and serves the same request from a one-route Chalice app with the same GetItem. Both run in
fresh interpreters against the same moto server, so the difference is what our own code adds.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from bench import seed
from bench.common import PREFIX, ROOT, callgrind, collected, environment, line

RUNS = 7   # fresh processes per measurement; the fastest counts (the machine is shared and noisy)

# A first request in a fresh process: API Gateway's proxy event for GET /demands/{demand_id}, no token.
# cryptography is in the venv (moto needs it) but not in the Lambda package (requirements.txt): PyJWT,
# which loads it when present, must not here either, or we would time a dependency Lambda never imports.
NOT_SHIPPED = r'''
import sys
class _NotShipped:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "cryptography":
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, _NotShipped())
'''

_CHILD_PRELUDE = r'''
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
''' + NOT_SHIPPED + r'''
DEMAND_ID = sys.argv[1]
EVENT = {"resource": "/demands/{demand_id}", "path": f"/demands/{DEMAND_ID}", "httpMethod": "GET",
         "headers": {"accept": "application/json"}, "multiValueHeaders": {"accept": ["application/json"]},
         "queryStringParameters": None, "multiValueQueryStringParameters": None,
         "pathParameters": {"demand_id": DEMAND_ID}, "stageVariables": None, "body": None,
         "isBase64Encoded": False,
         "requestContext": {"resourcePath": "/demands/{demand_id}", "httpMethod": "GET", "stage": "api",
                            "identity": {"sourceIp": "127.0.0.1"}, "requestId": "bench"}}

class Context:
    function_name = "bench"; aws_request_id = "bench"; memory_limit_in_mb = 128
    def get_remaining_time_in_millis(self): return 30000
'''

_CHILD_TAIL = r'''
t_ready = time.perf_counter()
response = app(EVENT, Context())
t_done, c_done = time.perf_counter(), time.process_time()
assert response["statusCode"] == 200, response
with open("/proc/self/status") as status:   # VmHWM: this process's peak RSS (ru_maxrss survives exec)
    hwm_kb = next(int(row.split()[1]) for row in status if row.startswith("VmHWM:"))
print(json.dumps({"import_s": t_ready - t0, "first_request_s": t_done - t0, "first_request_cpu_s": c_done - c0,
                  "rss_mb": hwm_kb / 1024, "modules": sorted({m.split(".")[0] for m in sys.modules}),
                  "ours_loaded": sum(m.startswith("chalicelib.") for m in sys.modules)}))
'''

APP_CHILD = _CHILD_PRELUDE + "from app import app\n" + _CHILD_TAIL

BASELINE_CHILD = _CHILD_PRELUDE + r'''
import os
import boto3, chalice, pynamodb.models  # the dependencies, nothing of ours
from pydantic import BaseModel  # pydantic loads its model machinery lazily, on this import
app = chalice.Chalice(app_name="baseline")
client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
                      region_name=os.environ["AWS_DEFAULT_REGION"])
TABLE = os.environ["TABLE_PREFIX"] + "demands"

@app.route("/demands/{demand_id}")
def demand(demand_id):
    item = client.get_item(TableName=TABLE, Key={"demand_id": {"S": demand_id}})["Item"]
    return {name: next(iter(value.values())) for name, value in item.items()}
''' + _CHILD_TAIL

# The same baseline with the collector treatment app.py gives itself (paused while importing, then
# gc.freeze): not the target's baseline, but it shows how much of the app's edge over the plain
# baseline is that treatment rather than less code.
FROZEN_BASELINE_CHILD = BASELINE_CHILD.replace("import os\n", "import os, gc\ngc.disable()\n").replace(
    'TABLE = os.environ', 'gc.freeze()\ngc.enable()\nTABLE = os.environ')

BASELINE_IMPORTS = "import boto3, chalice, pynamodb.models; from pydantic import BaseModel"


def _run_child(code: str, env: dict, *args: str) -> tuple[dict, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1]), time.perf_counter() - started


_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


def importtime(code: str, env: dict) -> dict:
    """`python -X importtime -c code` in a fresh process: microseconds of module bodies, ours vs the rest."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True)
    ours = deps = 0
    heaviest: list[tuple[int, str]] = []
    for row in done.stderr.splitlines():
        match = _IMPORTTIME.match(row)
        if not match:
            continue
        self_us, name = int(match.group(1)), match.group(4)
        if name == "app" or name.startswith("chalicelib"):
            ours += self_us
            heaviest.append((self_us, name))
        else:
            deps += self_us
    heaviest.sort(reverse=True)
    return {"ours_ms": ours / 1000, "deps_ms": deps / 1000, "heaviest": heaviest[:5]}


# Our import, layer by layer, after the dependencies: CPU ms per layer (each layer's own modules).
LAYERS_CHILD = NOT_SHIPPED + r'''
import importlib, json, pkgutil, time
import boto3, chalice, pynamodb.models
from pydantic import BaseModel

def package(name):
    module = importlib.import_module(name)
    for info in pkgutil.iter_modules(module.__path__):
        importlib.import_module(f"{name}.{info.name}")

steps = [("config, errors, reference, PyJWT, argon2-cffi",
          lambda: [importlib.import_module(m) for m in ("jwt", "argon2", "chalicelib.config", "chalicelib.errors",
                                                         "chalicelib.reference")]),
         ("chalicelib/schemas", lambda: package("chalicelib.schemas")),
         ("chalicelib/data", lambda: package("chalicelib.data")),
         ("chalicelib/services", lambda: package("chalicelib.services")),
         ("chalicelib/api + app.py", lambda: importlib.import_module("app"))]
out = {}
for label, step in steps:
    started = time.process_time()
    step()
    out[label] = (time.process_time() - started) * 1000
print(json.dumps(out))
'''


def layers(env: dict) -> dict[str, float]:
    runs = []
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", LAYERS_CHILD], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {label: sorted(run[label] for run in runs)[1] for label in runs[0]}


_START_CHILD = "import json, sys, time\n"   # the interpreter and the children's first line, before their clock starts


def instructions(env: dict, demand_id: str) -> dict[str, int]:
    """Instructions one process executes up to its first handled request (valgrind's callgrind), the
    interpreter's start subtracted: unlike time, the machine's load does not move them."""
    counts = {}
    for name, code, args in (("start", _START_CHILD, ()), ("app", APP_CHILD, (demand_id,)),
                             ("baseline", BASELINE_CHILD, (demand_id,))):
        counts[name] = collected(callgrind(code, env, *args))
    return {"app": counts["app"] - counts["start"], "baseline": counts["baseline"] - counts["start"]}


def run(endpoint: str, *, instructions_too: bool = False) -> dict:
    from chalicelib.data.tables import create_all_tables

    create_all_tables()
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="cn-north-1")
    seed.seed(client, 1)
    demand_id = client.scan(TableName=PREFIX + "demands", Limit=1)["Items"][0]["demand_id"]["S"]  # offline tool
    env = environment(endpoint)

    app_imports = [importtime(NOT_SHIPPED + "import app", env) for _ in range(RUNS)]
    base_imports = [importtime(BASELINE_IMPORTS, env) for _ in range(RUNS)]
    app_runs, base_runs, frozen_runs = [], [], []
    for _ in range(RUNS):   # interleaved, so that a burst of load on the shared machine hits all three
        app_runs.append(_run_child(APP_CHILD, env, demand_id))
        base_runs.append(_run_child(BASELINE_CHILD, env, demand_id))
        frozen_runs.append(_run_child(FROZEN_BASELINE_CHILD, env, demand_id))

    result = {
        "import_ours_ms": min([r["ours_ms"] for r in app_imports]),
        "import_deps_ms": min([r["deps_ms"] for r in app_imports]),
        "import_baseline_ms": min([r["ours_ms"] + r["deps_ms"] for r in base_imports]),
        "first_request_app_s": min([r["first_request_s"] for r, _ in app_runs]),
        "first_request_base_s": min([r["first_request_s"] for r, _ in base_runs]),
        "first_cpu_app_s": min([r["first_request_cpu_s"] for r, _ in app_runs]),
        "first_cpu_base_s": min([r["first_request_cpu_s"] for r, _ in base_runs]),
        "first_request_frozen_s": min([r["first_request_s"] for r, _ in frozen_runs]),
        "first_cpu_frozen_s": min([r["first_request_cpu_s"] for r, _ in frozen_runs]),
        "crypto_loaded": any("cryptography" in r["modules"] for r, _ in app_runs),
        "process_app_s": min([wall for _, wall in app_runs]),
        "process_base_s": min([wall for _, wall in base_runs]),
        "rss_app_mb": max(r["rss_mb"] for r, _ in app_runs),
        "rss_base_mb": max(r["rss_mb"] for r, _ in base_runs),
        "heaviest": app_imports[0]["heaviest"],
        "ours_loaded": app_runs[0][0]["ours_loaded"],
        "ours_total": sum(1 for _ in (ROOT / "chalicelib").rglob("*.py")),
        "layers": layers(env),
        "instructions": instructions(env, demand_id) if instructions_too else None,
    }
    report(result)
    return result


def report(r: dict) -> None:
    print(f"Cold start (best of {RUNS} fresh processes; GET /demands/{{id}} anonymous = 1 GetItem on moto server)")
    line("python -X importtime -c 'import app': our modules (self)", f"{r['import_ours_ms']:.0f} ms")
    line("  … dependencies pulled in (self)", f"{r['import_deps_ms']:.0f} ms")
    line("baseline -X importtime (chalice, boto3, pynamodb, pydantic)", f"{r['import_baseline_ms']:.0f} ms")
    assert not r["crypto_loaded"], "the app loaded cryptography, which the Lambda package does not ship"
    heavy = ", ".join(f"{name} {us / 1000:.1f}" for us, name in r["heaviest"])
    line("heaviest of ours (ms, self)", heavy)
    over = r["first_request_app_s"] / r["first_request_base_s"] - 1
    cpu_over = r["first_cpu_app_s"] / r["first_cpu_base_s"] - 1
    line("time to first handled request, app / baseline (wall)",
         f"{r['first_request_app_s'] * 1000:.0f} / {r['first_request_base_s'] * 1000:.0f} ms")
    line("  … CPU time, app / baseline", f"{r['first_cpu_app_s'] * 1000:.0f} / {r['first_cpu_base_s'] * 1000:.0f} ms")
    line("our code adds, wall / CPU (target <= 15%)", f"{over * 100:+.0f}% / {cpu_over * 100:+.0f}%")
    line("  … against the baseline with app.py's collector treatment, wall / CPU",
         f"{r['first_request_app_s'] / r['first_request_frozen_s'] - 1:+.0%} / "
         f"{r['first_cpu_app_s'] / r['first_cpu_frozen_s'] - 1:+.0%} "
         f"({r['first_request_frozen_s'] * 1000:.0f} / {r['first_cpu_frozen_s'] * 1000:.0f} ms)")
    line("whole process incl. interpreter start, app / baseline",
         f"{r['process_app_s'] * 1000:.0f} / {r['process_base_s'] * 1000:.0f} ms")
    line("our modules loaded by the first request (lazy route loading)", f"{r['ours_loaded']} of {r['ours_total']}")
    line("peak RSS after the first request, app / baseline (target < 128 MB)",
         f"{r['rss_app_mb']:.0f} / {r['rss_base_mb']:.0f} MB")
    print("  importing every module of ours by layer, after the dependencies (CPU, median of 3)")
    for label, ms in r["layers"].items():
        line(f"  {label}", f"{ms:.0f} ms")
    if r["instructions"]:
        app, base = r["instructions"]["app"], r["instructions"]["baseline"]
        line("instructions to the first handled request, app / baseline",
             f"{app / 1e6:.0f} / {base / 1e6:.0f} M: our code adds {app / base - 1:+.1%} (callgrind, 1 process each)")
