"""The certificate PDF: import, first and warm render time and size (docs/performance.md, "Certificate PDF").

    .venv/bin/python bench/certificate_pdf.py     (after scripts/ensure_certificate_tools.sh)
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    started = time.perf_counter()
    from certificates.vendor.certificate_pdf.render import render
    imported = time.perf_counter() - started
    from certificates.sample import sample

    content = sample()

    times = []
    for _ in range(6):
        started = time.perf_counter()
        pdf = render(content)
        times.append(time.perf_counter() - started)
    print(f"import {imported * 1000:.0f} ms; first render {times[0] * 1000:.0f} ms (the font parsed); "
          f"warm median {statistics.median(times[1:]) * 1000:.0f} ms; PDF {len(pdf)} bytes")


if __name__ == "__main__":
    main()
