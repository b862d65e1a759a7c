"""/uploads: a presigned POST form for one image under the caller's own key (docs/api.md, "Image uploads")."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.routing import Call, endpoint
from chalicelib.errors import ErrorCode
from chalicelib.reference import ORG_ROLES
from chalicelib.schemas.uploads import FormFieldOut, UploadFormOut, UploadIn
from chalicelib.services import uploads

bp = Blueprint(__name__)


@endpoint(bp, "/uploads", "POST", roles=ORG_ROLES, body=UploadIn, status=201, response=UploadFormOut,
          errors=(ErrorCode.UPLOAD_PURPOSE_NOT_ALLOWED,))
def create_upload(call: Call, body: UploadIn) -> UploadFormOut:
    """A form to POST one image (jpeg, png or webp, at most 2 MB) straight to the image bucket."""
    form = uploads.presign(call.caller, body.purpose, body.content_type)
    return UploadFormOut(key=form.key, url=form.url, max_bytes=uploads.MAX_BYTES, expires_at=form.expires_at,
                         fields=[FormFieldOut(name=name, value=value) for name, value in form.fields.items()])
