"""Image uploads: a presigned POST for the caller's own key, the claim of uploaded keys by a profile or an
activity, and presigned GETs for answers (docs/decisions.md, "Image uploads").

Keys: `uploads/<account_id>/<purpose>/<32 hex>.<ext>` is where the browser POSTs (the lifecycle rule
deletes what is still there after a day); a claim copies the object to `images/<same rest>`, the key the
record stores. The caller's id and the purpose in the key are what the claim checks.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.config import get_settings
from chalicelib.data import images
from chalicelib.errors import AppError, ErrorCode, field_error, throttled
from chalicelib.reference import UPLOAD_CONTENT_TYPES, UPLOAD_PURPOSE_ROLES, UploadPurpose

MAX_BYTES = 2 * 1024 * 1024
POST_EXPIRES_SECONDS = 600      # the form is filled and sent at once; a retry asks for a new one
GET_EXPIRES_SECONDS = 900       # an answer's image URLs; the screen fetches the answer again after
STORE_RETRY_SECONDS = 5         # Retry-After when S3 fails during a claim
UPLOAD_AREA, IMAGE_AREA = "uploads", "images"
KEY_PATTERN = r"^(uploads|images)/([0-9a-f]{1,64})/([a-z_]{1,30})/([0-9a-f]{32})\.(jpg|png|webp)$"
_KEY = re.compile(KEY_PATTERN)


@dataclass(frozen=True)
class UploadForm:
    key: str
    url: str
    fields: dict[str, str]
    expires_at: datetime


def _bucket() -> str:
    bucket = get_settings().uploads_bucket
    if not bucket:
        raise AppError(ErrorCode.SERVICE_MISCONFIGURED)
    return bucket


def presign(caller: Principal, purpose: UploadPurpose, content_type: str) -> UploadForm:
    """A form for one new key under the caller's own prefix; nothing is recorded (the key says whose)."""
    if caller.role not in UPLOAD_PURPOSE_ROLES[purpose]:
        raise field_error(ErrorCode.UPLOAD_PURPOSE_NOT_ALLOWED, "purpose")
    key = f"{UPLOAD_AREA}/{caller.account_id}/{purpose.value}/{secrets.token_hex(16)}." \
          f"{UPLOAD_CONTENT_TYPES[content_type]}"
    expires_at = clock.now() + timedelta(seconds=POST_EXPIRES_SECONDS)
    form = images.presigned_post(_bucket(), key, content_type=content_type, max_bytes=MAX_BYTES,
                                 expires_seconds=POST_EXPIRES_SECONDS)
    return UploadForm(key=key, url=form["url"], fields=dict(form["fields"]), expires_at=expires_at)


def claim(caller: Principal, keys: list[str], *, purpose: UploadPurpose, field: str,
          kept: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The `images/` keys a record stores for `keys`, in order: a key already in `kept` (the record's own)
    stays as it is; an `uploads/` key must be the caller's, for `purpose`, present in the bucket and an
    allowed image, and is then copied to `images/`. Every key is checked before anything is copied, so a
    refusal (400, naming `field[i]`) leaves the bucket as it was. Call it before the record's write."""
    bucket = _bucket() if any(key not in kept for key in keys) else ""
    fresh: list[tuple[str, str]] = []
    stored = []
    for index, key in enumerate(keys):
        if key in kept:
            stored.append(key)
            continue
        path = f"{field}[{index}]"
        area, account_id, key_purpose, name, extension = _KEY.match(key).groups()
        if account_id != caller.account_id:
            raise field_error(ErrorCode.UPLOAD_NOT_YOURS, path)
        if area != UPLOAD_AREA:
            raise field_error(ErrorCode.UPLOAD_NOT_FOUND, path)
        if key_purpose != purpose.value:
            raise field_error(ErrorCode.UPLOAD_INVALID, path, "图片的上传用途与此处不符，请重新上传")
        found = _stored(bucket, key)
        if found is None:
            raise field_error(ErrorCode.UPLOAD_NOT_FOUND, path)
        if found.size > MAX_BYTES or UPLOAD_CONTENT_TYPES.get(found.content_type) != extension:
            raise field_error(ErrorCode.UPLOAD_INVALID, path)
        destination = f"{IMAGE_AREA}/{account_id}/{key_purpose}/{name}.{extension}"
        fresh.append((key, destination))
        stored.append(destination)
    try:
        for source, destination in fresh:
            images.copy(bucket, source, destination)
    except images.StoreUnavailable as exc:
        raise _unavailable() from exc
    return stored


def _stored(bucket: str, key: str) -> images.StoredObject | None:
    try:
        return images.head(bucket, key)
    except images.StoreUnavailable as exc:
        raise _unavailable() from exc


def read_image(key: str) -> bytes:
    """A claimed image's bytes (the seal a certificate prints)."""
    try:
        return images.read(_bucket(), key)
    except images.StoreUnavailable as exc:
        raise _unavailable() from exc


def _unavailable() -> AppError:
    # S3 throttled or failed: nothing was written to the record, the phone may simply send it again.
    return throttled(ErrorCode.STORAGE_UNAVAILABLE, STORE_RETRY_SECONDS)


def image_urls(keys: list[str] | None) -> list[str]:
    """Short-lived GET URLs of stored images (local signing, no request); never the bucket's keys."""
    if not keys:
        return []
    bucket = _bucket()
    return [images.presigned_get(bucket, key, expires_seconds=GET_EXPIRES_SECONDS) for key in keys]
