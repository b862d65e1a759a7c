"""The 志愿服务记录证明 PDF (certificates/vendor/certificate_pdf/render.py): its text read back with poppler's
pdftotext, its first page drawn with pdftoppm to test-results/certificate.png, and the font embedded as a subset."""
from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image

from certificates.sample import SEAL_RED, sample
from certificates.vendor.certificate_pdf.render import FONT_PATH, render

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "test-results"


CONTENT = sample()


def test_the_certificate_reads_back_with_every_field_and_renders_a_first_page(tmp_path):
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(render(CONTENT))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    for expected in ("志愿服务记录证明", "ZS2099-7K3M9-QX2HD", "陈志远", "居民身份证：440105199003071234",
                     "2099-06-01", "2099-06-30", "累计志愿服务时长 2 小时", "【云支教】招募8位数学老师帮助乡村小学生",
                     "出具组织：深圳市义工联合会", "负责人：李雷", "经办人：韩梅梅", "联系方式：020-87195622",
                     "出具日期：2099-07-01"):
        assert expected in text, expected
    RESULTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(RESULTS / "certificate")], check=True)
    page = Image.open(RESULTS / "certificate.png")
    assert page.size[0] < page.size[1]   # A4 portrait
    colours = {colour for _, colour in page.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert SEAL_RED in colours   # the seal is drawn


def test_the_font_is_embedded_as_a_subset_so_the_pdf_stays_small(tmp_path):
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(render(CONTENT))
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    cjk = next(line.split() for line in fonts.splitlines() if "NotoSansSC" in line)
    assert cjk[0].startswith("AAAAAA+") and cjk[-5:-3] == ["yes", "yes"]   # embedded, as a subset
    assert pdf.stat().st_size < 100_000 < FONT_PATH.stat().st_size
