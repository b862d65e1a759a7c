"""yce-certificates: the 志愿服务记录证明 PDF, in its own function (docs/decisions.md, "志愿服务记录证明").

One function, `render`, invoked synchronously by the API (chalicelib/services/certificate_renderer.py) with a
JSON payload; it answers `{"pdf_base64": ...}`. No route, no AWS call: its role may write its logs only. The
payload holds the full 证件号码: nothing here logs it, and a refused payload is reported without its values.
"""
import base64

from certificate_pdf.payload import render_payload  # vendor/: at the root of the function's package
from chalice import Chalice
from pydantic import ValidationError

app = Chalice(app_name="yce-certificates")


class PayloadRefused(ValueError):
    """The payload failed validation: where, never what (the values hold the identity number)."""


@app.lambda_function(name="render")
def render(event, context):
    try:
        pdf = render_payload(event)
    except ValidationError as exc:
        places = sorted({".".join(map(str, error["loc"])) for error in exc.errors(include_input=False)})
        raise PayloadRefused(f"payload refused at {', '.join(places)}") from None
    return {"pdf_base64": base64.b64encode(pdf).decode()}
