"""How each file of the built H5 (web/dist) is served, locally (scripts/local_api.py) and from the web bucket
(scripts/deploy_web.py): its Content-Type and its Cache-Control."""
from __future__ import annotations

import mimetypes

IMMUTABLE = "public, max-age=31536000, immutable"   # assets/: Vite names each file by its content's hash
REVALIDATE = "no-cache"   # everything else (index.html first): a new build is seen at once
TEXT_TYPES = ("text/", "application/json", "image/svg+xml")
# Python's own table only, not the machine's /etc/mime.types: the same answer on every deployer's machine;
# with what a Vite build emits that the table lacks or names otherwise (RFC 9239: text/javascript).
_TYPES = mimetypes.MimeTypes()
for _extension, _kind in {".js": "text/javascript", ".mjs": "text/javascript", ".woff2": "font/woff2",
                          ".woff": "font/woff", ".map": "application/json"}.items():
    _TYPES.add_type(_kind, _extension)


def cache_control(path: str) -> str:
    """`path` relative to the client's root (`assets/index-1a2b.js`, `/index.html`)."""
    return IMMUTABLE if path.lstrip("/").startswith("assets/") else REVALIDATE


def content_type(path: str) -> str:
    kind = _TYPES.guess_type(path)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(TEXT_TYPES) else kind
