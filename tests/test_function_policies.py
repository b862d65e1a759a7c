"""Each Lambda function's generated policy grants what the function uses, and nothing it does not.

The uses are derived by running each function under moto with a recorder (tests/aws_uses.py): the API
across the whole route tour (tests/route_tour.py, every route and variant), each stream handler on the
records the tour left in its table's stream, each schedule once after them (the rating windows closed).
Keys come from SSM, as on every deployed stage. To what the code asks, the platform adds what Lambda
does with the function's role: its own log group, X-Ray, and for a stream handler the stream it reads and
the failure queue it reports to. Each use becomes an ARN of each stage (scripts/stage_config.py:StageArns)
and is evaluated against that stage's policy of the function: (1) every use is allowed, (2) every
resource of every Allow statement is used by some use that statement allows.
"""
from __future__ import annotations

import fnmatch
import io
import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from botocore.response import StreamingBody

from chalicelib.services import certificate_renderer
from tests.aws_uses import Recorder, Use
from tests.builders import demand_body
from tests.client import Api, Outbox
from tests.clock import T0, Clock
from tests.moto_tables import fresh_tables
from tests.route_tour import Tour
from tests.streams import stream_records

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import stage_config  # noqa: E402

pytestmark = pytest.mark.xdist_group("function_policies")   # one worker runs the functions once, for every check
PARAMETERS = {"TOKEN_SIGNING_KEY": "/yce/test/token-signing-key", "SMS_CODE_KEY": "/yce/test/sms-code-key",
              "CERTIFICATE_ID_KEY": "/yce/test/certificate-id-key"}




def _variants_the_tour_leaves_out(api: Api, who: dict) -> None:
    """What these routes do in another variant than the one the tour measures: another index, a repeat."""
    for path, token in (("/volunteer-orgs?city=深圳市", None), ("/claims?city=深圳市", None),
                        ("/me/help-requests?status=pending", who["person"]), ("/me/help-request-inbox", who["league"]),
                        ("/me/ratings-owed", who["league"])):
        assert api.get(path, token=token).status_code == 200, path
    # A POST sent again with an Idempotency-Key: the first keeps its answer, the second reads it.
    for _ in range(2):
        assert api.post("/demands", demand_body(), token=who["league"],
                        headers={"Idempotency-Key": "policy-derivation-1"}).status_code == 201
    unread = api.get("/me/notifications?unread_first=true", token=who["person"]).json
    read = api.get(f"/me/notifications?unread_first=true&cursor={quote(unread['next_cursor'])}", token=who["person"])
    assert read.status_code == 200, read.json


class _RendererFunction:
    """botocore's Lambda client, reduced to the certificate function's answer; the call goes through botocore's
    `_make_api_call`, which the recorder hooks, stubbed after it (botocore.stub.Stubber)."""

    def __init__(self) -> None:
        import botocore.session
        from botocore.stub import Stubber

        self.client = botocore.session.get_session().create_client("lambda", region_name="cn-north-1")
        self.stubber = Stubber(self.client)

    def invoke(self, **kwargs):
        body = b'{"pdf_base64": "JVBERi0="}'
        answer = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))}
        with self.stubber:
            self.stubber.add_response("invoke", answer, kwargs)
            return self.client.invoke(**kwargs)


@pytest.fixture(scope="module")
def recorded() -> dict[str, set[Use]]:
    """Every function's uses, from one run: the tour, then the schedules, then every stream's records."""
    import boto3
    import botocore.session
    from chalice.test import Client

    from app import app
    from chalicelib import clock, secrets
    from chalicelib.config import get_settings
    from chalicelib.data.stats import ALL, Counts, DailyTotals
    from chalicelib.events.consumers import SCHEDULED_JOBS, STREAM_CONSUMERS
    from chalicelib.services import sms_sender
    from chalicelib.services.ratings import RATING_WINDOW

    outbox, now = Outbox(), Clock(T0)
    with pytest.MonkeyPatch.context() as patch, fresh_tables():
        for name, parameter in PARAMETERS.items():   # keys from SSM, as deployed
            patch.delenv(name)
            patch.setenv(f"{name}_PARAM", parameter)
            boto3.client("ssm").put_parameter(Name=parameter, Value=os.urandom(24).hex(), Type="SecureString")
        region = os.environ["AWS_DEFAULT_REGION"]
        botocore.session.get_session().create_client("s3", region_name=region).create_bucket(
            Bucket=os.environ["UPLOADS_BUCKET"], CreateBucketConfiguration={"LocationConstraint": region})
        # The certificate PDF from the stage's function, as deployed: botocore's Lambda client against a
        # stand-in for the certificate function (moto runs no container), its request recorded like any other.
        patch.setenv("CERTIFICATE_RENDERER", "lambda")
        patch.setenv("CERTIFICATE_RENDERER_FUNCTION", "yce-certificates-test-render")
        patch.setattr(certificate_renderer, "_client", lambda: _RendererFunction())
        get_settings.cache_clear()
        patch.setattr(clock, "now", now)
        sms_sender.use_sender(outbox)
        recorder = Recorder(os.environ["TABLE_PREFIX"], get_settings())
        try:
            with recorder.installed(patch, outbox), Client(app, stage_name="test") as client:
                api = Api(client)
                secrets.get_secret.cache_clear()   # each function is its own container: it reads the keys itself
                who = Tour(api, now).run(outbox)
                _variants_the_tour_leaves_out(api, who)
                # Totals stored a week ago: the first run computes a week, not every day since the platform began.
                DailyTotals(scope=ALL, day=(now.at - timedelta(days=7)).strftime("%Y%m%d"), total=Counts()).save()
                now.at = T0 + RATING_WINDOW + timedelta(days=1)   # the tour's ratings are due to be revealed
                tick = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
                for job in SCHEDULED_JOBS:
                    secrets.get_secret.cache_clear()
                    client.lambda_.invoke(job.function_name, tick)
                for consumer in STREAM_CONSUMERS:
                    secrets.get_secret.cache_clear()
                    client.lambda_.invoke(consumer.function_name, {"Records": stream_records(consumer.model)})
        finally:
            sms_sender.use_sender(None)
            secrets.get_secret.cache_clear()
        get_settings.cache_clear()
    return recorder.uses


# ---------------------------------------------------------------- uses → ARNs of a stage, and IAM's verdict

STAGES = list(stage_config.read_json(stage_config.CONFIG_PATH)["stages"])
ACCOUNT = "123456789012"   # where a stage's policy still says "*"
TEST_PREFIX = os.environ["TABLE_PREFIX"]


def platform_uses(function: str) -> set[Use]:
    """What Lambda does with the function's role: its logs, its traces, the stream it is triggered by."""
    from chalice.app import DynamoDBEventConfig

    from app import app

    uses = {Use("logs:CreateLogGroup", "log-group", function), Use("logs:CreateLogStream", "log-stream", function),
            Use("logs:PutLogEvents", "log-stream", function),
            Use("xray:PutTraceSegments", "any", "*"), Use("xray:PutTelemetryRecords", "any", "*")}
    for source in app.event_sources:
        if isinstance(source, DynamoDBEventConfig) and source.name == function:
            table = source.stream_arn.split(":table/", 1)[1].split("/")[0].removeprefix(TEST_PREFIX)
            uses |= {Use(action, "stream", table) for action in stage_config.STREAM_ACTIONS}
            uses.add(Use("sqs:SendMessage", "queue", "stream-failures"))
    return uses


def iam_needs(stage: str, function: str, use: Use) -> list[tuple[str, str]]:
    """The (IAM action, ARN) pairs a use needs in `stage` (none: the stage's provider needs no AWS action for it)."""
    stages = stage_config.read_json(stage_config.STAGES_PATH)
    region, account = stages[stage]["region"], stages[stage]["account_id"]
    variables = stage_config.stage_variables(stage_config.read_json(stage_config.CONFIG_PATH), stage)
    arns = stage_config.StageArns(region, ACCOUNT if account == "*" else account, variables["TABLE_PREFIX"])
    named = {
        "table": lambda: arns.table(use.name),
        "index": lambda: arns.index(use.name),
        "stream": lambda: f"{arns.table(use.name)}/stream/2026-12-01T00:00:00.000",
        "queue": arns.failure_queue,
        "object": lambda: f"arn:{arns.partition}:s3:::{variables['UPLOADS_BUCKET']}/{use.name}",
        "parameter": lambda: arns.parameter(variables[use.name.upper()]),
        "function": lambda: arns.arn("lambda", f"function:{variables[use.name.upper()]}"),
        "key": lambda: arns.arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        "log-group": lambda: arns.log_group(stage, function),
        "log-stream": lambda: f"{arns.log_group(stage, function)}:log-stream:2026/12/01/[$LATEST]0123abcd",
        "any": lambda: "*",
    }
    if use.kind == "sms":   # a text: SNS's action where SNS sends it, Tencent's keys read from SSM where it does
        sender = variables.get("SMS_SENDER")
        if sender == "tencent":
            return [*(("ssm:GetParameter", arns.parameter(variables[name]))
                      for name in stage_config.TENCENT_KEY_VARIABLES), ("kms:Decrypt", named["key"]())]
        return [("sns:Publish", "*")] if sender == "sns" else []
    assert use.kind in named, f"{function}: {use} has no IAM mapping (tests/aws_uses.py)"
    return [(use.action, named[use.kind]())]


def _listed(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def matches(statement: dict, action: str, arn: str) -> bool:
    return (any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _listed(statement["Action"]))
            and any(fnmatch.fnmatchcase(arn, r) for r in _listed(statement["Resource"])))


def allowed(policy: dict, action: str, arn: str) -> bool:
    statements = policy["Statement"]
    return (any(s["Effect"] == "Allow" and matches(s, action, arn) for s in statements)
            and not any(s["Effect"] == "Deny" and matches(s, action, arn) for s in statements))


def stage_uses(stage: str, function: str, uses: set[Use]) -> list[tuple[str, str, Use]]:
    return [(action, arn, use) for use in uses | platform_uses(function)
            for action, arn in iam_needs(stage, function, use)]


def policy(stage: str, function: str) -> dict:
    return stage_config.read_json(stage_config.policy_path(stage, function))


# ---------------------------------------------------------------- the checks

def test_every_function_of_the_app_was_run_and_has_its_own_policy_in_every_stage(recorded):
    config = stage_config.read_json(stage_config.CONFIG_PATH)
    functions = set(stage_config.app_functions())
    assert set(recorded) == functions, "a function the run did not reach"
    for stage in STAGES:
        settings = config["stages"][stage]
        assert settings["autogen_policy"] is False and "iam_policy_file" not in settings
        assert {name: f["iam_policy_file"] for name, f in settings["lambda_functions"].items()} == {
            function: f"policy-{stage}-{function}.json" for function in functions}
    assert all(use.kind != "unmapped" for uses in recorded.values() for use in uses), recorded


@pytest.mark.parametrize("stage", STAGES)
def test_every_use_of_every_function_is_allowed_by_its_policy(recorded, stage):
    refused = {function: sorted(f"{action} {arn}" for action, arn, _ in stage_uses(stage, function, uses)
                                if not allowed(policy(stage, function), action, arn))
               for function, uses in recorded.items()}
    assert not any(refused.values()), {f: r for f, r in refused.items() if r}


@pytest.mark.parametrize("stage", STAGES)
def test_nothing_a_policy_allows_is_left_unused_by_its_function(recorded, stage):
    unused = {}
    for function, uses in recorded.items():
        used = stage_uses(stage, function, uses)
        for statement in policy(stage, function)["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            for resource in _listed(statement["Resource"]):
                alone = {**statement, "Resource": resource}
                if not any(matches(alone, action, arn) for action, arn, _ in used):
                    unused.setdefault(function, []).append(f"{statement['Sid']}: {resource}")
    assert not unused, unused


@pytest.mark.parametrize("stage", STAGES)
def test_the_audit_log_stays_append_only_wherever_it_is_granted(stage):
    prefix = stage_config.stage_variables(stage_config.read_json(stage_config.CONFIG_PATH), stage)["TABLE_PREFIX"]
    for function in stage_config.app_functions():
        document = policy(stage, function)
        granted = [r for s in document["Statement"] if s["Effect"] == "Allow" for r in _listed(s["Resource"])
                   if r.endswith(f":table/{prefix}audit_log")]
        for arn in granted:
            assert allowed(document, "dynamodb:PutItem", arn), function
            for action in ("dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"):
                assert not allowed(document, action, arn), (function, action)
