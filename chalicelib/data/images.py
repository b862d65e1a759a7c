"""The stage's image bucket (S3): presigned POSTs and GETs, the two calls of a claim, a seal's bytes.

Presigning is local signing with the function's credentials: no request leaves the process. Only
`head` (HeadObject), `copy` (CopyObject) and `read` (GetObject) reach S3. The client is botocore's own
(botocore ships with PynamoDB; the Lambda runtime's boto3 is not needed), created on first use, never at import.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.config import get_settings


class StoreUnavailable(RuntimeError):
    """S3 failed (throttled, down, unreachable) for a reason other than the object's absence."""


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str


@functools.cache
def _client():
    import botocore.session
    from botocore.config import Config

    settings = get_settings()
    # Path-style on a local endpoint (moto on loopback has no bucket host names); virtual hosts on AWS.
    style = "path" if settings.s3_endpoint else "virtual"
    return botocore.session.get_session().create_client(
        "s3", region_name=settings.aws_region, endpoint_url=settings.s3_endpoint,
        config=Config(signature_version="s3v4", s3={"addressing_style": style}, connect_timeout=2,
                      read_timeout=5, retries={"max_attempts": 2, "mode": "standard"}))


def presigned_post(bucket: str, key: str, *, content_type: str, max_bytes: int, expires_seconds: int) -> dict:
    """The form a browser POSTs: S3 itself refuses another key, content type or size (the policy)."""
    conditions = [{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]]
    return _client().generate_presigned_post(bucket, key, Fields={"Content-Type": content_type},
                                             Conditions=conditions, ExpiresIn=expires_seconds)


def presigned_get(bucket: str, key: str, *, expires_seconds: int) -> str:
    return _client().generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                            ExpiresIn=expires_seconds)


def head(bucket: str, key: str) -> StoredObject | None:
    """The object's size and type; None when it does not exist. The function may read objects but not list
    the bucket (no s3:ListBucket), and S3 then answers a missing key 403 instead of 404."""
    try:
        answer = _client().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("403", "404", "NoSuchKey", "NotFound", "AccessDenied"):
            return None
        raise StoreUnavailable(str(exc)) from exc
    except BotoCoreError as exc:
        raise StoreUnavailable(str(exc)) from exc
    return StoredObject(size=int(answer["ContentLength"]), content_type=answer.get("ContentType", ""))


def copy(bucket: str, source: str, destination: str) -> None:
    try:
        _client().copy_object(Bucket=bucket, Key=destination, CopySource={"Bucket": bucket, "Key": source},
                              MetadataDirective="COPY")
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(str(exc)) from exc


def read(bucket: str, key: str) -> bytes:
    """The object's bytes (GetObject): the seal a certificate prints, at most the 2 MB an upload may be."""
    try:
        return _client().get_object(Bucket=bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise StoreUnavailable(str(exc)) from exc
