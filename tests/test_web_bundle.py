"""The H5 client's first screen stays within its budget: the JS + CSS 首页 loads before it draws (the entry chunk,
what index.html preloads, the 首页 route's chunks) ≤ 150 KB gzip. Measured by the benchmark's own function
(bench/web.py; `make bench ARGS="web"` adds Lighthouse)."""
import pytest

from bench import web

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("web")]


def test_the_first_screen_is_at_most_150_kb_gzip(tmp_path):
    dist = web.build(tmp_path / "dist")
    files = web.first_screen_files(dist)
    assert any(name.endswith(".js") for name in files) and any(name.endswith(".css") for name in files), files
    assets = web.measure(dist, files)
    total = sum(asset.gzip for asset in assets)
    assert total <= web.FIRST_SCREEN_GZIP_TARGET, [(a.path, a.gzip) for a in assets]
    # The route chunks of other screens are not on the first screen.
    assert not any("DemandView" in name or "MeView" in name for name in files), files
