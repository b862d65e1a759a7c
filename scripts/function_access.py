"""What each Lambda function of the app uses in AWS: the one declaration its IAM policy is generated from.

scripts/stage_config.py turns an entry into `.chalice/policy-<stage>-<function>.json`, adding what every
function needs from the platform (its own log group, X-Ray) and, for a stream handler, the stream it
consumes and the failure queue (both from chalicelib/events/consumers.py). tests/test_function_policies.py
runs every function under moto, records what it asks of AWS and fails when this declaration grants less
(a use refused) or more (a resource no use needs): change the code, run that test, adjust here.
Tables and indexes are logical names (the stage's TABLE_PREFIX is added); objects are areas of the image
bucket; parameters are the settings naming an SSM parameter; functions are the settings naming a Lambda function.
"""
from __future__ import annotations

from dataclasses import dataclass, field

READ_ACTIONS = ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query"]
WRITE_ACTIONS = ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
APPEND_ACTIONS = ["dynamodb:PutItem"]   # append-only tables: new items only (an explicit Deny covers the rest)


@dataclass(frozen=True)
class Needs:
    reads: tuple[str, ...] = ()          # tables read (a transaction's condition check included)
    writes: tuple[str, ...] = ()         # tables whose items are put, updated or deleted
    appends: tuple[str, ...] = ()        # append-only tables the function adds to
    indexes: tuple[str, ...] = ()        # "table/index", queried
    objects: dict[str, tuple[str, ...]] = field(default_factory=dict)   # bucket area → S3 actions
    parameters: tuple[str, ...] = ()     # settings naming the SSM SecureStrings read (kms:Decrypt through SSM)
    functions: tuple[str, ...] = ()      # settings naming a Lambda function invoked (lambda:InvokeFunction)
    sms: bool = False                    # sends texts (an IAM action only where the stage's provider is SNS)


_NOTIFY = Needs(reads=("accounts", "notification_settings"), writes=("notification_settings", "notifications"),
                sms=True)   # services/notifications.deliver: the inbox, its counter, the text to the number on file

FUNCTIONS: dict[str, Needs] = {
    "api_handler": Needs(
        reads=("accounts", "activities", "activity_signups", "attendance", "audit_log", "certificate_requests",
               "certificates", "claims", "daily_totals",
               "demand_events", "demands", "help_requests", "idempotency_keys", "name_index",
               "notification_settings", "notifications", "parked_events", "point_balances", "rate_counters",
               "ratings", "reactions", "reports", "service_totals", "sessions", "sms_codes", "todo_counters",
               "unique_keys"),
        writes=("accounts", "activities", "activity_signups", "attendance", "certificate_requests", "certificates",
                "claim_quotas", "claims",
                "contact_reads", "demand_events", "demands", "help_requests", "idempotency_keys", "name_index",
                "notification_settings", "notifications", "rate_counters", "ratings", "reactions", "reports",
                "service_totals", "sessions", "sms_codes", "todo_counters", "unique_keys"),
        appends=("audit_log",),
        indexes=("accounts/by_role_status", "accounts/directory", "accounts/directory_city", "activities/by_demand",
                 "activities/review_queue", "activity_signups/by_volunteer",
                 "certificate_requests/by_volunteer", "certificate_requests/org_status", "claims/by_applicant",
                 "claims/by_applicant_status", "claims/by_confirmed_demand", "claims/by_publisher_status",
                 "claims/claim_city_feed", "claims/claim_feed", "demands/by_org", "demands/by_org_status",
                 "demands/public_city_feed", "demands/public_feed", "demands/review_queue", "help_requests/by_org",
                 "help_requests/by_org_status", "help_requests/by_submitter", "help_requests/by_submitter_status",
                 "notifications/read", "notifications/unread", "point_ledger/by_time", "ratings/claimant_owed",
                 "ratings/publisher_owed", "reactions/favorites_by_time", "reports/by_reporter"),
        # services/uploads.py: signed POST forms (PutObject) under uploads/, HeadObject and the claim's copy
        # (GetObject there, PutObject under images/), signed GETs under images/.
        objects={"uploads": ("s3:GetObject", "s3:PutObject"), "images": ("s3:GetObject", "s3:PutObject")},
        parameters=("token_signing_key_param", "sms_code_key_param", "certificate_id_key_param",
                    "wechat_app_id_param", "wechat_app_secret_param"),   # WeChat's only where a stage names them
        functions=("certificate_renderer_function",),   # the certificate PDF (services/certificate_renderer.py)
        sms=True),
    "demand_events_stream": Needs(
        reads=(*_NOTIFY.reads, "activities", "activity_signups", "claims", "demands"),
        writes=_NOTIFY.writes, sms=True),
    "help_requests_stream": _NOTIFY,
    "ratings_stream": Needs(
        reads=("notification_settings",),
        writes=("notification_settings", "notifications", "point_balances", "point_ledger")),
    "daily_totals": Needs(reads=("daily_totals",), writes=("daily_totals",), indexes=("demand_events/stats_day",)),
    "reveal_ratings": Needs(writes=("ratings", "todo_counters"), indexes=("ratings/reveal_due",)),
}
