"""SMS verification codes, one live code per phone and purpose."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class SmsCode(Model):
    class Meta(TableMeta):
        table_name = table_name("sms_codes")

    phone = UnicodeAttribute(hash_key=True)
    purpose = UnicodeAttribute(range_key=True)
    code_hash = UnicodeAttribute()       # HMAC-SHA256(SMS_CODE_KEY, phone|purpose|code)
    sent_at = UTCDateTimeAttribute()
    attempts = NumberAttribute(default=0)
    # TTL deletion lags; expiry is also checked on read.
    expires_at = TTLAttribute()
