"""Composition root: the Chalice app, its blueprints, middleware and event handlers."""
from chalice import Chalice

from chalicelib.api import (
    account_routes,
    activity_routes,
    admin_routes,
    auth_routes,
    claim_routes,
    contract_routes,
    demand_routes,
    health_routes,
    help_request_routes,
    rating_routes,
    reference_routes,
    report_routes,
)
from chalicelib.api.middleware import http_middleware
from chalicelib.config import get_settings
from chalicelib.events import ratings_stream as ratings_events

settings = get_settings()  # fail fast on a bad environment, before any request
app = Chalice(app_name="yce-api")
app.register_middleware(http_middleware, "http")

BLUEPRINTS = (
    health_routes.bp,
    reference_routes.bp,
    auth_routes.bp,
    account_routes.bp,
    admin_routes.bp,
    demand_routes.bp,
    help_request_routes.bp,
    report_routes.bp,
    claim_routes.bp,
    activity_routes.bp,
    rating_routes.bp,
    contract_routes.bp,
)
for blueprint in BLUEPRINTS:
    app.register_blueprint(blueprint)

if settings.ratings_stream_arn:
    # Points from ratings. The ARN comes from the stage's environment (infra output); without it (chalice
    # local, tools) no stream handler is registered. TRIM_HORIZON: a new mapping misses no rating.
    @app.on_dynamodb_record(stream_arn=settings.ratings_stream_arn, starting_position="TRIM_HORIZON")
    def ratings_stream(event):
        return ratings_events.handle(event)
