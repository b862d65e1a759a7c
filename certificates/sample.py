"""A sample certificate: what the PDF test renders and the benchmark times (bench/certificate_pdf.py)."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

from certificates.vendor.certificate_pdf.render import Content, Line

SEAL_RED = (200, 0, 0)


def seal_png() -> bytes:
    """A red ring, standing in for an organization's uploaded seal."""
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((6, 6, 194, 194), outline=(*SEAL_RED, 255), width=8)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sample() -> Content:
    return Content(
        number="ZS2099-7K3M9-QX2HD", real_name="陈志远", id_type_label="居民身份证", id_number="440105199003071234",
        first_day="2099-06-01", last_day="2099-06-30", total_hours=2.0, org_name="深圳市义工联合会",
        person_in_charge="李雷", handler="韩梅梅", contact="020-87195622", issued_on="2099-07-01",
        verify_url="https://yce.example/certificates/ZS2099-7K3M9-QX2HD",
        lines=[Line("【云支教】招募8位数学老师帮助乡村小学生", "2099-06-04", 2.0)], seal_png=seal_png())
