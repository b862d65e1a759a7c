"""Composition root: the Chalice app, its routes, middleware and event handlers."""
import gc
import os

from chalice import Chalice

# The app uses no pydantic plugin. Unless told so, pydantic looks for them in the entry points of every
# installed distribution when it builds its first validator: 15-40 ms of a cold start (docs/performance.md).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# What app.py loads lives as long as the process: the cyclic collector need not walk it while it loads,
# nor on any collection after (gc.freeze at the end). Route modules load the same way (routing.LazyView).
_collecting = gc.isenabled()
gc.disable()

from chalicelib import observability
from chalicelib.api.middleware import http_middleware
from chalicelib.api.route_index import ROUTES
from chalicelib.api.routing import PDF_MEDIA_TYPE, LazyView
from chalicelib.config import get_settings
from chalicelib.events.consumers import SCHEDULED_JOBS, STREAM_CONSUMERS, ScheduledJob, StreamConsumer

if _collecting:
    gc.enable()

settings = get_settings()  # fail fast on a bad environment, before any request
observability.configure_logging()   # JSON lines through Powertools, Chalice's own logger included
app = Chalice(app_name="yce-api", configure_logs=False)
app.register_middleware(http_middleware, "http")
# Base64 through API Gateway (its binaryMediaTypes, from this list): the certificate download. Chalice then
# answers it only to a request whose Accept names it (a browser's download sends */*, which matches).
app.api.binary_types.append(PDF_MEDIA_TYPE)

# Every route of the route modules (chalicelib/api/*_routes.py), with the metadata their blueprints give
# it, from an index generated from them (scripts/route_index.py). A route's module is imported on the
# route's first call, not here: a cold start loads only the resource it serves.
for route in ROUTES:
    app.route(route.path, methods=[route.method], name=route.view_name,
              content_types=list(route.content_types))(LazyView(app, route))


def _register_stream_consumer(consumer: StreamConsumer) -> None:
    # The ARN comes from the stage's environment (infra output); without it (chalice local, tools) the
    # handler is not registered. TRIM_HORIZON: a new mapping misses no record.
    arn = getattr(settings, f"{consumer.logical_table}_stream_arn")
    if not arn:
        return

    def handler(event):
        with observability.invocation():   # each record's lines carry its event id and table (events/records.py)
            return consumer.handle(event)

    _export(consumer.function_name, handler,
            app.on_dynamodb_record(stream_arn=arn, starting_position="TRIM_HORIZON", name=consumer.function_name))


def _register_job(job: ScheduledJob) -> None:
    def handler(event):
        with observability.invocation(job=job.function_name):
            return job.run()

    _export(job.function_name, handler, app.schedule(job.expression, name=job.function_name))


def _export(name: str, handler, register) -> None:
    # Lambda calls "app.<handler.__name__>": the function must carry its own name and exist under it here.
    handler.__name__ = handler.__qualname__ = name
    globals()[name] = register(handler)


for stream_consumer in STREAM_CONSUMERS:
    _register_stream_consumer(stream_consumer)
for scheduled_job in SCHEDULED_JOBS:
    _register_job(scheduled_job)

gc.freeze()
