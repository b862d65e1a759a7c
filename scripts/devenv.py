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


def local_stack_environment(*, dynamodb_port: int, data_dir: Path) -> dict[str, str]:
    """Everything the local stack, and the `chalice local` it starts, must agree on."""
    env = stage_environment("dev")
    env.update(FAKE_CREDENTIALS)
    env["DYNAMODB_ENDPOINT"] = f"http://127.0.0.1:{dynamodb_port}"
    env["AWS_DEFAULT_REGION"] = os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    env["SMS_LOG_FILE"] = str(data_dir / "sms.log")
    env["PYTHONUNBUFFERED"] = "1"  # request logs and SMS lines show up at once, even through a pipe
    # A developer's HTTP(S)_PROXY must not capture calls between the stack's own loopback servers.
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, [no_proxy, "127.0.0.1", "localhost"]))
    return env


def apply(env: dict[str, str]) -> None:
    os.environ.update(env)
    # With fake keys set, a developer's AWS_PROFILE only gets in the way (botocore fails on an unknown one).
    if "AWS_ACCESS_KEY_ID" in env:
        os.environ.pop("AWS_PROFILE", None)
