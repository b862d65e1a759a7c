"""Bodies and answers of image uploads (POST /uploads) and the image fields of profiles and activities."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from chalicelib.reference import UploadPurpose
from chalicelib.schemas.common import InputModel, OutputModel, UtcTime, example
from chalicelib.services.uploads import KEY_PATTERN, MAX_BYTES

# An uploaded image's key as POST /uploads gave it (`uploads/…`), or one the record already shows (`images/…`).
ImageKey = Annotated[str, StringConstraints(max_length=200, pattern=KEY_PATTERN)]
MAX_IMAGES = 9


def image_keys(description: str):
    return Field(default_factory=list, max_length=MAX_IMAGES, description=description)


def no_repeated_images(keys: list[str]) -> list[str]:
    if len(set(keys)) != len(keys):
        raise ValueError("同一张图片不能重复添加")
    return keys


class UploadIn(InputModel):
    """Asks for a form to POST one image to the bucket (docs/api.md, "Image uploads")."""

    model_config = example({"purpose": "org_photo", "content_type": "image/jpeg"})

    purpose: UploadPurpose
    content_type: Literal["image/jpeg", "image/png", "image/webp"]

    @field_validator("content_type", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class FormFieldOut(OutputModel):
    name: str
    value: str


class UploadFormOut(OutputModel):
    """POST to `url` a multipart/form-data body: every one of `fields` as a part, then the image as the last
    part, named `file`."""

    key: str = Field(description="send it in photo_keys of the profile or activity once the POST succeeded")
    url: str
    fields: list[FormFieldOut]
    max_bytes: int = Field(description=f"the bucket refuses a larger file ({MAX_BYTES} bytes)")
    expires_at: UtcTime = Field(description="the form is refused after this moment: ask for a new one")


class ImageOut(OutputModel):
    """One of the caller's own images: its key (send it again to keep the image) and a short-lived URL."""

    key: str
    url: str = Field(description="a presigned GET, valid for 15 minutes: fetch the answer again for a new one")
