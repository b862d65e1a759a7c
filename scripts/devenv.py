"""Environment for the developer tools in scripts/ (never shipped).

Nothing here imports chalicelib: `chalicelib.config` and `chalicelib.data.base`
read the environment when first imported, so a tool applies these variables
first and imports chalicelib afterwards.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGION = "cn-north-1"
# moto accepts any credentials; set them so botocore never looks for (or sends) real ones.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing"}


def use_repo_imports() -> None:
    """`python scripts/x.py` puts scripts/ on sys.path, not the repo root where chalicelib lives."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def stage_environment(stage: str) -> dict[str, str]:
    """The variables `chalice local/deploy --stage STAGE` sets, read from .chalice/config.json."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    if stage not in config.get("stages", {}):
        raise SystemExit(f"error: stage {stage!r} is not defined in .chalice/config.json")
    # As in Chalice, the stage's own variables win over the top-level ones.
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}


# The local stack's keys: inline, local-only. The deployed stages (dev included) read theirs from SSM, and a
# function on Lambda refuses to start with an inline key (chalicelib/config.py), so these sign nothing there.
LOCAL_KEYS = {"TOKEN_SIGNING_KEY": "local-stack-only-token-signing-key-never-deployed",
              "SMS_CODE_KEY": "local-stack-only-sms-code-key-never-deployed-0000",
              "CERTIFICATE_ID_KEY": "local-stack-only-certificate-id-key-never-deployed"}


def local_stack_environment(*, dynamodb_port: int, data_dir: Path, s3_port: int | None = None) -> dict[str, str]:
    """Everything the local stack, and the `chalice local` it starts, must agree on (tools that use no images
    give no S3 port)."""
    env = stage_environment("dev")
    env.update(FAKE_CREDENTIALS)
    env.update(LOCAL_KEYS)
    env["DYNAMODB_ENDPOINT"] = f"http://127.0.0.1:{dynamodb_port}"
    if s3_port is not None:
        # Presigned URLs name this endpoint: the browser POSTs and GETs images there, on loopback.
        env["S3_ENDPOINT"] = f"http://127.0.0.1:{s3_port}"
    env["AWS_DEFAULT_REGION"] = os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    env["SMS_LOG_FILE"] = str(data_dir / "sms.log")
    # The certificate PDF drawn in the API's process (reportlab is in the dev install): no certificate function here.
    env["CERTIFICATE_RENDERER"] = "inline"
    env["PUBLIC_H5_ORIGIN"] = "http://localhost:5173"   # the Vite dev server of `make run`
    env["SMS_SENDER"] = "console"   # texts go to the console and SMS_LOG_FILE: no provider account needed
    env["PYTHONUNBUFFERED"] = "1"  # request logs and SMS lines show up at once, even through a pipe
    env["POWERTOOLS_METRICS_DISABLED"] = "true"   # no CloudWatch here: EMF lines would only clutter the console
    # A developer's HTTP(S)_PROXY must not capture calls between the stack's own loopback servers.
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, [no_proxy, "127.0.0.1", "localhost"]))
    return env


def apply(env: dict[str, str]) -> None:
    os.environ.update(env)
    # With fake keys set, a developer's AWS_PROFILE only gets in the way (botocore fails on an unknown one).
    if "AWS_ACCESS_KEY_ID" in env:
        os.environ.pop("AWS_PROFILE", None)


# --- the running local stack's ports: <data dir>/ports.json -------------------------------------
# Written by scripts/local_stack.py once its DynamoDB endpoint is up, removed at a clean stop (a
# killed stack leaves it behind: readers check that something answers). scripts/manage.py --local
# reads it, so it finds a stack started with other ports.
PORTS_FILE = "ports.json"
DEFAULT_API_PORT = 8000
DEFAULT_DYNAMODB_PORT = 8001


def write_ports(data_dir: Path, *, api_port: int, dynamodb_port: int, s3_port: int) -> Path:
    path = data_dir / PORTS_FILE
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps({"api_port": api_port, "dynamodb_port": dynamodb_port, "s3_port": s3_port,
                                "pid": os.getpid()}) + "\n", encoding="utf-8")
    os.replace(temp, path)
    return path


def read_ports(data_dir: Path) -> dict | None:
    """The ports the stack using `data_dir` recorded, or None when there is no such file."""
    path = data_dir / PORTS_FILE
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SystemExit(f"error: cannot read {path} ({exc}); delete it if no local stack runs") from None
    if not (isinstance(recorded, dict) and all(isinstance(recorded.get(k), int)
                                               for k in ("api_port", "dynamodb_port"))):
        raise SystemExit(f"error: {path} does not hold api_port and dynamodb_port; delete it if no local stack runs")
    return recorded


def remove_ports(data_dir: Path) -> None:
    """Remove the ports file if this process wrote it (another stack's file is not ours to remove)."""
    path = data_dir / PORTS_FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass
