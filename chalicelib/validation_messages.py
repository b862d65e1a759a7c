"""Field-level validation messages in Chinese, fit to show next to the field.

pydantic words its errors in English ("String should have at most 20 characters", "Value error, …").
A field error keeps pydantic's `type` as its stable code and takes its message from here: a template
per error type, filled from the error's context; our own validators already raise Chinese text,
passed on without pydantic's "Value error, " prefix. A type missing here gets a general Chinese
message, never English (tests/test_validation_messages.py walks every input model's rules).
"""
from __future__ import annotations

from typing import Any

GENERAL = "格式不正确"

_TEMPLATES: dict[str, str] = {
    "missing": "必填",
    "missing_argument": "必填",
    "extra_forbidden": "不支持该字段",
    "unexpected_keyword_argument": "不支持该字段",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_pattern_mismatch": GENERAL,
    "string_unicode": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_digits": "数字位数过多",
    "decimal_max_places": "小数位数过多",
    "finite_number": "应为有限的数字",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "bool_type": "应为是或否（true / false）",
    "bool_parsing": "应为是或否（true / false）",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "too_short": "至少选择或填写 {min_length} 项",
    "too_long": "最多选择或填写 {max_length} 项",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "enum": "不在可选范围内",
    "literal_error": "不在可选范围内",
    "date_type": "应为日期，如 2026-06-05",
    "date_parsing": "应为日期，如 2026-06-05",
    "date_from_datetime_parsing": "应为日期，如 2026-06-05",
    "date_from_datetime_inexact": "应为日期，如 2026-06-05",
    "datetime_type": "应为日期时间，如 2026-06-05T08:00:00+08:00",
    "datetime_parsing": "应为日期时间，如 2026-06-05T08:00:00+08:00",
    "datetime_from_date_parsing": "应为日期时间，如 2026-06-05T08:00:00+08:00",
    "datetime_object_invalid": "应为日期时间，如 2026-06-05T08:00:00+08:00",
    "timezone_aware": "日期时间须带时区，如 +08:00",
    "timezone_naive": "日期时间不能带时区",
    "url_type": "应为网址",
    "url_parsing": "应为有效的网址",
    "url_syntax_violation": "应为有效的网址",
    "url_scheme": "网址须以 {expected_schemes} 开头",
    "url_too_long": "网址不能超过 {max_length} 个字符",
    "json_invalid": "不是合法的 JSON",
    "json_type": "不是合法的 JSON",
    "union_tag_invalid": "不在可选范围内",
    "union_tag_not_found": "缺少类型字段",
    "none_required": "应为空",
    "is_instance_of": GENERAL,
    "uuid_type": GENERAL,
    "uuid_parsing": GENERAL,
}


def message_for(error: dict[str, Any]) -> str:
    """The Chinese message of one pydantic error (an item of `ValidationError.errors()`)."""
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        raised = context.get("error")
        return str(raised) if raised is not None and _is_chinese(str(raised)) else GENERAL
    template = _TEMPLATES.get(kind, GENERAL)
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return GENERAL


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)
