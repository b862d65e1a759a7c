"""Image uploads: the presigned POST form, the claim by a profile or an activity, the presigned GETs.

The browser's upload is a real multipart POST of the form (requests) to moto's S3; the answers' URLs are
fetched the same way. S3 itself enforces the form's policy (moto does not), so the policy's conditions
are read from the form.
"""
from __future__ import annotations

import base64
import json
import os
import re

import requests

from tests.builders import (
    PNG,
    PROFILE,
    activity_body,
    claimed_demand,
    code,
    league_org_session,
    post_form,
    register_individual,
    upload_image,
    volunteer,
)

BUCKET = os.environ["UPLOADS_BUCKET"]
MAX_BYTES = 2 * 1024 * 1024


def _profile(org: dict, **overrides) -> dict:
    return {**PROFILE, "leader_mobile": org["phone"], **overrides}


def _objects(s3, prefix: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def _field_error(response) -> tuple[int, str, str]:
    [field] = response.json["error"]["fields"]
    return response.status_code, field["path"], field["code"]


def test_the_form_is_for_one_key_of_the_caller_one_type_at_most_2_mb_for_ten_minutes(api, bucket, outbox):
    org = volunteer(api, outbox)
    answer = api.post("/uploads", {"purpose": "activity_photo", "content_type": "image/webp"}, token=org["token"])
    assert answer.status_code == 201, answer.json
    form = answer.json
    assert re.fullmatch(rf"uploads/{org['account_id']}/activity_photo/[0-9a-f]{{32}}\.webp", form["key"])
    assert form["max_bytes"] == MAX_BYTES
    fields = {f["name"]: f["value"] for f in form["fields"]}
    assert fields["key"] == form["key"] and fields["Content-Type"] == "image/webp"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"bucket": BUCKET} in conditions and {"key": form["key"]} in conditions
    assert {"Content-Type": "image/webp"} in conditions
    assert ["content-length-range", 1, MAX_BYTES] in conditions
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", policy["expiration"])
    assert _objects(bucket, "") == []    # nothing is written until the browser POSTs


def test_a_form_is_refused_for_another_type_an_unknown_purpose_or_a_purpose_not_the_callers(api, bucket, outbox):
    league = league_org_session(api, "lg_upload")["access_token"]
    for body, path in (({"purpose": "org_photo", "content_type": "image/gif"}, "content_type"),
                       ({"purpose": "org_photo", "content_type": "text/html"}, "content_type"),
                       ({"purpose": "avatar", "content_type": "image/png"}, "purpose"),
                       ({"purpose": "org_photo"}, "content_type")):
        refused = api.post("/uploads", body, token=league)
        assert _field_error(refused) == (400, path, refused.json["error"]["fields"][0]["code"]), refused.json
        assert refused.json["error"]["code"] == "VALIDATION_FAILED"
    # Activities are published by volunteer organizations: a 团组织 gets no form for their pictures.
    refused = api.post("/uploads", {"purpose": "activity_photo", "content_type": "image/png"}, token=league)
    assert _field_error(refused) == (400, "purpose", "UPLOAD_PURPOSE_NOT_ALLOWED")
    person = register_individual(api, outbox)["access_token"]
    assert api.post("/uploads", {"purpose": "org_photo", "content_type": "image/png"},
                    token=person).status_code == 403
    assert api.post("/uploads", {"purpose": "org_photo", "content_type": "image/png"}).status_code == 401


def test_an_uploaded_photo_attached_to_the_profile_is_served_through_short_lived_urls(api, bucket, outbox):
    org = volunteer(api, outbox)
    key = upload_image(api, org["token"])
    saved = api.put("/me/org-profile", _profile(org, photo_keys=[key]), token=org["token"])
    assert saved.status_code == 200, saved.json
    [photo] = saved.json["photos"]
    claimed = key.replace("uploads/", "images/", 1)
    assert photo["key"] == claimed
    assert _objects(bucket, "images/") == [claimed]
    fetched = requests.get(photo["url"], timeout=10)
    assert fetched.status_code == 200 and fetched.content == PNG
    assert "X-Amz-Expires=900" in photo["url"] and "X-Amz-Signature=" in photo["url"]

    again = api.get("/me/org-profile", token=org["token"]).json["photos"]
    assert [p["key"] for p in again] == [claimed]
    card = next(c for c in api.get("/volunteer-orgs").json["items"] if c["account_id"] == org["account_id"])
    [public_url] = card["photo_urls"]
    assert requests.get(public_url, timeout=10).content == PNG

    # Saving again with the shown key keeps the photo without another copy; a new upload joins it.
    second = upload_image(api, org["token"], data=b"\xff\xd8\xff" + b"1" * 100, content_type="image/jpeg")
    kept = api.put("/me/org-profile", _profile(org, photo_keys=[claimed, second]), token=org["token"])
    assert kept.status_code == 200, kept.json
    assert [p["key"] for p in kept.json["photos"]] == [claimed, second.replace("uploads/", "images/", 1)]
    assert api.put("/me/org-profile", _profile(org), token=org["token"]).json["photos"] == []


def test_a_league_org_profile_takes_its_photos_the_same_way(api, bucket, outbox):
    league = league_org_session(api, "lg_photos")["access_token"]
    key = upload_image(api, league)
    saved = api.put("/me/league-profile", {"photo_keys": [key]}, token=league)
    assert saved.status_code == 200, saved.json
    [photo] = api.get("/me/league-profile", token=league).json["photos"]
    assert requests.get(photo["url"], timeout=10).content == PNG


def test_another_accounts_upload_is_refused_and_nothing_is_written(api, bucket, outbox):
    mine, theirs = volunteer(api, outbox), volunteer(api, outbox)
    their_key = upload_image(api, theirs["token"])
    before = api.get("/me/org-profile", token=mine["token"]).json
    refused = api.put("/me/org-profile", _profile(mine, photo_keys=[their_key]), token=mine["token"])
    assert _field_error(refused) == (400, "photo_keys[0]", "UPLOAD_NOT_YOURS")
    # Nor their claimed image, once it shows on their profile.
    api.put("/me/org-profile", _profile(theirs, photo_keys=[their_key]), token=theirs["token"])
    claimed = their_key.replace("uploads/", "images/", 1)
    refused = api.put("/me/org-profile", _profile(mine, photo_keys=[claimed]), token=mine["token"])
    assert _field_error(refused) == (400, "photo_keys[0]", "UPLOAD_NOT_YOURS")
    assert api.get("/me/org-profile", token=mine["token"]).json == before
    assert _objects(bucket, f"images/{mine['account_id']}/") == []


def test_a_key_never_uploaded_or_not_an_allowed_image_is_refused_and_nothing_is_copied(api, bucket, outbox):
    org = volunteer(api, outbox)
    good = upload_image(api, org["token"])
    prefix = f"uploads/{org['account_id']}/org_photo/"
    missing = prefix + "0" * 32 + ".png"
    oversize, disguised = prefix + "1" * 32 + ".png", prefix + "2" * 32 + ".png"
    # Objects the form's policy would have refused, put behind its back.
    bucket.put_object(Bucket=BUCKET, Key=oversize, Body=b"0" * (MAX_BYTES + 1), ContentType="image/png")
    bucket.put_object(Bucket=BUCKET, Key=disguised, Body=b"<html>", ContentType="text/html")
    activity_key = upload_image(api, org["token"], purpose="activity_photo")
    before = api.get("/me/org-profile", token=org["token"]).json
    for key, error in ((missing, "UPLOAD_NOT_FOUND"), (oversize, "UPLOAD_INVALID"), (disguised, "UPLOAD_INVALID"),
                       (activity_key, "UPLOAD_INVALID"),
                       (f"images/{org['account_id']}/org_photo/{'3' * 32}.png", "UPLOAD_NOT_FOUND")):
        refused = api.put("/me/org-profile", _profile(org, photo_keys=[good, key]), token=org["token"])
        assert _field_error(refused) == (400, "photo_keys[1]", error), key
    assert api.get("/me/org-profile", token=org["token"]).json == before
    assert _objects(bucket, "images/") == []    # the good key before the bad one was not copied either


def test_keys_of_another_shape_or_repeated_are_refused_by_the_schema(api, bucket, outbox):
    org = volunteer(api, outbox)
    key = upload_image(api, org["token"])
    for photo_keys in (["https://img.example.cn/a.jpg"], [f"uploads/{org['account_id']}/../x.png"],
                       [key, key], [key] * 10):
        refused = api.put("/me/org-profile", _profile(org, photo_keys=photo_keys), token=org["token"])
        assert refused.status_code == 400 and code(refused) == "VALIDATION_FAILED", photo_keys


def test_an_activity_shows_its_pictures_and_refuses_another_accounts(api, bucket, outbox):
    league = league_org_session(api, "lg_activity")["access_token"]
    did, org, _ = claimed_demand(api, outbox, league)
    stranger = volunteer(api, outbox)
    foreign = upload_image(api, stranger["token"], purpose="activity_photo")
    refused = api.post(f"/demands/{did}/activities", activity_body(photo_keys=[foreign]), token=org["token"])
    assert _field_error(refused) == (400, "photo_keys[0]", "UPLOAD_NOT_YOURS")
    assert api.get(f"/demands/{did}/activities").json["items"] == []
    # Anyone but the confirmed claimant learns nothing about the demand from its keys: 404 first.
    not_the_strangers = foreign.replace(stranger["account_id"], org["account_id"])
    assert api.post(f"/demands/{did}/activities", activity_body(photo_keys=[not_the_strangers]),
                    token=stranger["token"]).status_code == 404

    key = upload_image(api, org["token"], purpose="activity_photo")
    published = api.post(f"/demands/{did}/activities", activity_body(photo_keys=[key]), token=org["token"])
    assert published.status_code == 201, published.json
    [url] = api.get(f"/activities/{published.json['activity_id']}").json["photo_urls"]
    assert requests.get(url, timeout=10).content == PNG
    assert "photo_keys" not in published.json


def test_the_form_posts_to_the_bucket_as_a_browser_would(api, bucket, outbox):
    org = volunteer(api, outbox)
    form = api.post("/uploads", {"purpose": "org_photo", "content_type": "image/png"}, token=org["token"]).json
    assert post_form(form, PNG).status_code == 204
    stored = bucket.head_object(Bucket=BUCKET, Key=form["key"])
    assert (stored["ContentLength"], stored["ContentType"]) == (len(PNG), "image/png")


def test_a_missing_key_answered_403_by_s3_reads_as_not_uploaded(bucket):
    # Deployed, the role may read objects but not list the bucket: S3 then answers a missing key 403, not 404.
    from botocore.stub import Stubber

    from chalicelib.data import images

    with Stubber(images._client()) as stub:
        stub.add_client_error("head_object", service_error_code="403", http_status_code=403)
        assert images.head(BUCKET, "uploads/a/org_photo/x.png") is None


def test_s3_failing_while_a_profile_claims_its_photo_is_a_503_to_retry_and_saves_nothing(api, bucket, outbox):
    from botocore.stub import Stubber

    from chalicelib.data import images

    org = volunteer(api, outbox)
    key = upload_image(api, org["token"])
    before = api.get("/me/org-profile", token=org["token"]).json
    with Stubber(images._client()) as stub:
        stub.add_client_error("head_object", service_error_code="SlowDown", http_status_code=503)
        refused = api.put("/me/org-profile", _profile(org, photo_keys=[key]), token=org["token"])
    assert (refused.status_code, code(refused), refused.headers["Retry-After"]) == (503, "STORAGE_UNAVAILABLE", "5")
    assert api.get("/me/org-profile", token=org["token"]).json == before
    assert _objects(bucket, f"images/{org['account_id']}/") == []
