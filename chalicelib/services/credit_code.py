"""统一社会信用代码 (GB 32100-2015) validation.

18 characters: registration authority (1), organisation type (1), the
administrative division code (6 digits), the organisation code (9) and a
check character computed with weights 3^i mod 31 over the first 17.
The organisation-code part has its own GB 11714 check, which is not applied:
some authorities issued codes that fail it, and refusing a real organisation
would be worse than accepting a typo the main check already catches.
"""
from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUE = {ch: i for i, ch in enumerate(CHARSET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_AUTHORITIES = set("123456789ANY")


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why `code` is not a valid credit code, or None when it is."""
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    if any(ch not in _VALUE for ch in code):
        return "统一社会信用代码只能包含数字和大写字母（不含 I、O、S、V、Z）"
    if code[0] not in _AUTHORITIES:
        return "统一社会信用代码的登记管理部门代码无效"
    if not code[2:8].isdigit():
        return "统一社会信用代码的行政区划码应为6位数字"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误"
    return None
