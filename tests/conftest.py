"""Test environment: fake AWS, moto, the Chalice test client, captured SMS.

Everything the app reads from the environment is set here, before `app` is imported.
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "cn-north-1", "STAGE": "test", "TABLE_PREFIX": "yce-test-",
    "TOKEN_SIGNING_KEY": "test-token-signing-key-0123456789abcdef",
    "SMS_CODE_KEY": "test-sms-code-key-0123456789abcdef0000",
    "CERTIFICATE_ID_KEY": "test-certificate-id-key-0123456789abcdef",
    "SMS_SENDER": "console",
    # The certificate PDF drawn in the test process (certificates/vendor/certificate_pdf/); its QR code opens this H5.
    "CERTIFICATE_RENDERER": "inline", "PUBLIC_H5_ORIGIN": "https://h5.yce.test",
    "UPLOADS_BUCKET": "yce-test-uploads",   # created in moto by the `bucket` fixture
    # Registers the stream handlers. Only deployment reads the ARN itself; tests pump moto's real
    # stream, whose ARN they read from the table (LatestStreamArn).
    "RATINGS_STREAM_ARN": "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/yce-test-ratings/stream/test",
    "DEMAND_EVENTS_STREAM_ARN": "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/yce-test-demand_events/stream/test",
    "HELP_REQUESTS_STREAM_ARN": "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/yce-test-help_requests/stream/test",
    # Every test client calls from one address (127.0.0.1): the SMS budgets are out of the way except
    # where a test sets them (tests/test_sms_budgets.py).
    "SMS_CLIENT_HOURLY_LIMIT": "100000", "SMS_CLIENT_DAILY_LIMIT": "100000",
    "SMS_STAGE_HOURLY_LIMIT": "1000000", "SMS_STAGE_DAILY_LIMIT": "1000000",
    # The 公众号 of tests/fake_wechat.py; its API answers only where a test starts the fake (the `wechat`
    # fixture): elsewhere a call finds nothing listening (the discard port) instead of reaching WeChat.
    "WECHAT_APP_ID": "wx0123456789abcdef", "WECHAT_APP_SECRET": "0123456789abcdef0123456789abcdef",
    "WECHAT_API_BASE": "http://127.0.0.1:9", "WECHAT_H5_ORIGINS": "https://h5.yce.test",
    # Cheap argon2 for tests; production cost is the default in chalicelib.config.
    "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "ARGON2_PARALLELISM": "1",
    # Powertools: no EMF line unless a test enables and reads them (tests/test_observability.py); no tracing.
    "POWERTOOLS_SERVICE_NAME": "yce-api-test", "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
})
os.environ.pop("DYNAMODB_ENDPOINT", None)
SCRIPTS = str(Path(__file__).resolve().parent.parent / "scripts")

import pytest  # noqa: E402
from chalice.test import Client  # noqa: E402

from chalicelib import clock  # noqa: E402
from chalicelib.data.tables import create_all_tables  # noqa: E402
from chalicelib.services import sms_sender  # noqa: E402
from tests.client import Api, Outbox  # noqa: E402
from tests.clock import T0, Clock  # noqa: E402
from tests.dynamodb_meter import DynamoMeter  # noqa: E402
from tests.moto_tables import fresh_tables  # noqa: E402

# On the shared botocore session before any client exists: every DynamoDB client then carries it.
METER = DynamoMeter(prefix=os.environ["TABLE_PREFIX"]).install()

# The test client's gateway answers as the deployed API Gateway does: an unknown path in the API's error
# shape, every OPTIONS by the app (scripts/api_gateway.py).
sys.path.insert(0, SCRIPTS)
from api_gateway import use_deployed_gateway  # noqa: E402

use_deployed_gateway()


@pytest.fixture
def aws():
    with fresh_tables():
        yield


@pytest.fixture
def bucket(aws):
    """The image bucket, empty, in this test's moto; returns a botocore S3 client on it."""
    import botocore.session

    s3 = botocore.session.get_session().create_client("s3", region_name=os.environ["AWS_DEFAULT_REGION"])
    s3.create_bucket(Bucket=os.environ["UPLOADS_BUCKET"],
                     CreateBucketConfiguration={"LocationConstraint": os.environ["AWS_DEFAULT_REGION"]})
    return s3


@pytest.fixture
def outbox():
    box = Outbox()
    sms_sender.use_sender(box)
    yield box
    sms_sender.use_sender(None)


@pytest.fixture
def app(aws, outbox):
    from app import app as chalice_app

    return chalice_app


@pytest.fixture
def api(app):
    # A stage with no variables in .chalice/config.json: the environment set above stays in force.
    with Client(app, stage_name="test") as client:
        yield Api(client)


@pytest.fixture
def dynamodb_server(outbox):
    """moto's real HTTP endpoint on loopback, for races that the in-process mock cannot show.

    Points every model (and the transaction connection) at it, then back.
    """
    from chalicelib.data import base
    from chalicelib.data.tables import EVERY_MODEL

    if SCRIPTS not in sys.path:
        sys.path.insert(0, SCRIPTS)
    from dynamodb_server import AtomicDynamoDBServer, free_port  # the local stack's endpoint, shared

    server = AtomicDynamoDBServer(free_port())
    endpoint = server.start()

    def bind(host):
        for model in EVERY_MODEL:
            model.Meta.host = host
            model._connection = None
        base.transaction_connection.cache_clear()

    bind(endpoint)
    base.TableMeta.host = endpoint
    monkey = pytest.MonkeyPatch()
    monkey.setenv("DYNAMODB_ENDPOINT", endpoint)
    from chalicelib.config import get_settings
    get_settings.cache_clear()
    try:
        create_all_tables()
        yield endpoint
    finally:
        monkey.undo()
        get_settings.cache_clear()
        base.TableMeta.host = None
        bind(None)
        server.stop()


@pytest.fixture
def wechat():
    """The fake WeChat API (tests/fake_wechat.py) on loopback, the app pointed at it."""
    from chalicelib.config import get_settings
    from tests.fake_wechat import FakeWechat

    fake = FakeWechat().start()
    monkey = pytest.MonkeyPatch()
    monkey.setenv("WECHAT_API_BASE", fake.base)
    get_settings.cache_clear()
    try:
        yield fake
    finally:
        monkey.undo()
        get_settings.cache_clear()
        fake.stop()


@pytest.fixture
def dynamodb_calls():
    """Call it to start recording every DynamoDB request (tests/dynamodb_meter.py) into the list it returns;
    any Scan fails the test."""
    with contextlib.ExitStack() as stack:
        yield lambda **kw: stack.enter_context(METER.record(forbid_scan=True, **kw))


@pytest.fixture
def count_queries(dynamodb_calls):
    """Call it to start recording the index name of every Query; any Scan fails the test."""

    def start() -> list:
        names: list = []
        dynamodb_calls(also=lambda call: names.append(call.index) if call.operation == "Query" else None)
        return names

    return start


@pytest.fixture
def now(monkeypatch):
    """The clock, frozen at T0 (08:00 CST); a test moves it by setting `now.at`."""
    moving = Clock(T0)
    monkeypatch.setattr(clock, "now", moving)
    return moving
