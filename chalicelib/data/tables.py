"""Every table the application owns: the local stack, tests and infra derive from this list."""
from __future__ import annotations

from pynamodb.models import Model

from chalicelib.data.accounts import Account, UniqueKey
from chalicelib.data.activities import Activity, AttendanceRecord, ServiceTotal, Signup
from chalicelib.data.audit import AuditEntry
from chalicelib.data.certificates import Certificate, CertificateRequest
from chalicelib.data.claims import Claim, ClaimQuota, ContactRead
from chalicelib.data.demands import Demand, DemandEvent
from chalicelib.data.help_requests import HelpRequest
from chalicelib.data.idempotency_keys import IdempotencyRecord
from chalicelib.data.identity import BindTicket, SpentState, WechatCredential
from chalicelib.data.name_index import NameIndexEntry
from chalicelib.data.notifications import Notification, NotificationSettings
from chalicelib.data.points import PointBalance, PointEntry
from chalicelib.data.rate_limits import RateCounter
from chalicelib.data.ratings import RatingSheet
from chalicelib.data.reactions import Reaction
from chalicelib.data.reports import Report
from chalicelib.data.sessions import RevokedFamily, Session
from chalicelib.data.sms_codes import SmsCode
from chalicelib.data.stats import DailyTotals
from chalicelib.data.todo_counters import TodoCounters
from chalicelib.events.parking import ParkedEvent

ALL_MODELS: tuple[type[Model], ...] = (
    Account, UniqueKey, Session, SmsCode, RateCounter,
    Demand, DemandEvent, Reaction, Report,
    HelpRequest, NameIndexEntry,
    Claim, ClaimQuota, ContactRead,
    Activity, Signup, AttendanceRecord, ServiceTotal, CertificateRequest, Certificate,
    RatingSheet, PointEntry, PointBalance, ParkedEvent,
    Notification, NotificationSettings, DailyTotals, TodoCounters, AuditEntry, IdempotencyRecord,
)

# Items kept in another model's table (revoked refresh families and the WeChat sign-in items in
# `sessions`): no table of their own.
IN_SHARED_TABLES: tuple[type[Model], ...] = (RevokedFamily, BindTicket, SpentState, WechatCredential)
EVERY_MODEL: tuple[type[Model], ...] = ALL_MODELS + IN_SHARED_TABLES


def create_all_tables() -> None:
    """Create missing tables with their indexes, streams and TTL (local stack and tests)."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
