"""The 志愿服务记录证明 PDF: one A4 page from the certificate's frozen content (reportlab).

Runs in the certificate function only (docs/decisions.md, "志愿服务记录证明"): reportlab and the font never
enter the API's package. The CJK font is embedded as a subset (reportlab subsets every TrueType font it
embeds): only the glyphs the page uses travel in the PDF.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT = "CertificateCJK"
# Noto Sans SC Regular (SIL OFL 1.1), put here by scripts/ensure_certificate_tools.sh; shipped with the function.
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular.ttf"
TITLE = "志愿服务记录证明"
MAX_LINES = 18   # activities listed on the page; more are summed in one line


@dataclass(frozen=True)
class Line:
    title: str
    days: str            # 2099-06-04 or 2099-06-04至2099-06-05 (CST)
    hours: float


@dataclass(frozen=True)
class Content:
    number: str
    real_name: str
    id_type_label: str
    id_number: str       # in full: the PDF is the one place it is shown
    first_day: str
    last_day: str
    total_hours: float
    org_name: str
    person_in_charge: str
    handler: str
    contact: str
    issued_on: str
    verify_url: str
    lines: list[Line] = field(default_factory=list)
    seal_png: bytes | None = None   # the seal image (PNG, JPEG or WebP: PIL reads each)


def render(content: Content, font_path: Path = FONT_PATH) -> bytes:
    if FONT not in pdfmetrics.getRegisteredFontNames():   # parsed once per process (the 10 MB file: ~0.3 s)
        pdfmetrics.registerFont(TTFont(FONT, str(font_path)))
    out = io.BytesIO()
    page = Canvas(out, pagesize=A4, pageCompression=1)
    page.setTitle(f"{TITLE} {content.number}")
    width, height = A4
    page.setFont(FONT, 24)
    page.drawCentredString(width / 2, height - 40 * mm, TITLE)
    page.setFont(FONT, 10)
    page.drawRightString(width - 20 * mm, height - 50 * mm, f"证明编号：{content.number}")

    y = height - 66 * mm
    page.setFont(FONT, 12)
    for text in (
        f"兹证明 {content.real_name}（{content.id_type_label}：{content.id_number}）",
        f"于 {content.first_day} 至 {content.last_day} 期间在本组织参加志愿服务，",
        f"累计志愿服务时长 {content.total_hours:g} 小时。服务记录如下：",
    ):
        page.drawString(20 * mm, y, text)
        y -= 8 * mm

    page.setFont(FONT, 10)
    y -= 2 * mm
    page.drawString(20 * mm, y, "服务项目")
    page.drawString(120 * mm, y, "服务日期")
    page.drawRightString(width - 20 * mm, y, "时长（小时）")
    page.line(20 * mm, y - 2 * mm, width - 20 * mm, y - 2 * mm)
    y -= 8 * mm
    shown, rest = content.lines[:MAX_LINES], content.lines[MAX_LINES:]
    for line in shown:
        page.drawString(20 * mm, y, line.title[:40])
        page.drawString(120 * mm, y, line.days)
        page.drawRightString(width - 20 * mm, y, f"{line.hours:g}")
        y -= 6.5 * mm
    if rest:
        page.drawString(20 * mm, y, f"其他 {len(rest)} 项服务")
        page.drawRightString(width - 20 * mm, y, f"{sum(line.hours for line in rest):g}")

    page.setFont(FONT, 11)
    base = 62 * mm
    for i, text in enumerate((f"出具组织：{content.org_name}", f"负责人：{content.person_in_charge}",
                              f"经办人：{content.handler}", f"联系方式：{content.contact}",
                              f"出具日期：{content.issued_on}")):
        page.drawString(20 * mm, base - i * 7 * mm, text)
    if content.seal_png:
        page.drawImage(ImageReader(io.BytesIO(content.seal_png)), width - 80 * mm, 22 * mm, 40 * mm, 40 * mm,
                       mask="auto")

    qr = QrCodeWidget(content.verify_url)
    left, bottom, right, top = qr.getBounds()
    size = 28 * mm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, page, width - 20 * mm - size, 70 * mm)
    page.setFont(FONT, 8)
    page.drawRightString(width - 20 * mm, 67 * mm, "扫码验证真伪")

    page.showPage()
    page.save()
    return out.getvalue()
