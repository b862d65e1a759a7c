"""Every field-level error message is Chinese and fit to show next to the field; codes stay pydantic's types.

The walk breaks every rule each input model declares (required fields, unknown fields, types, string
lengths and patterns, number bounds, list sizes, enums) and checks the message each error gets.
"""
from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from pydantic import BaseModel, ValidationError

import chalicelib.schemas
from chalicelib.schemas.common import InputModel
from chalicelib.validation_messages import message_for

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _input_models() -> list[type[BaseModel]]:
    for module in pkgutil.iter_modules(chalicelib.schemas.__path__):
        importlib.import_module(f"chalicelib.schemas.{module.name}")
    found, pending = set(), [InputModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                pending.append(sub)
    return sorted(found, key=lambda m: (m.__module__, m.__name__))


def _resolve(schema: dict, defs: dict) -> dict:
    if "$ref" in schema:
        return defs[schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            if option.get("type") != "null":
                return _resolve(option, defs)
    return schema


def _breaking_values(prop: dict) -> list:
    """Values that break each rule a property declares, plus two of the wrong type."""
    values: list = [{"not": "this"}, [[["nested"]]]]
    if "maxLength" in prop:
        values.append("字" * (prop["maxLength"] + 1))
    if prop.get("minLength", 0) > 0:
        values.append("")
    if "pattern" in prop:
        values.append("\u0000")
    for bound, step in (("minimum", -1), ("exclusiveMinimum", 0), ("maximum", 1), ("exclusiveMaximum", 0)):
        if bound in prop:
            values.append(prop[bound] + step)
    if "maxItems" in prop:
        values.append(["x"] * (prop["maxItems"] + 1))
    if prop.get("minItems", 0) > 0:
        values.append([])
    if "enum" in prop:
        values.append("不在范围内的值")
    if prop.get("format") in ("date", "date-time", "uri"):
        values.append("not-a-date-or-url")
    return values


def _errors(model: type[BaseModel], payload: dict) -> list[dict]:
    try:
        model.model_validate(payload)
    except ValidationError as exc:
        return exc.errors()
    return []


@pytest.mark.parametrize("model", _input_models(), ids=lambda m: m.__name__)
def test_every_rule_of_every_input_model_answers_in_chinese(model):
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    payloads = [{}, {"an_unknown_field": 1}]
    for name, prop in schema.get("properties", {}).items():
        payloads += [{name: value} for value in _breaking_values(_resolve(prop, defs))]
    seen = 0
    for payload in payloads:
        for error in _errors(model, payload):
            seen += 1
            message = message_for(error)
            assert CHINESE.search(message), (model.__name__, error["type"], error["loc"], message)
            assert "Value error" not in message
    assert seen > 0, f"{model.__name__}: no rule was broken"


def test_an_api_answer_names_the_field_with_a_chinese_message_and_keeps_the_code(api):
    response = api.post("/sms/codes", {"phone": "12345", "purpose": "register", "extra": 1})
    assert response.status_code == 400
    fields = {f["path"]: f for f in response.json["error"]["fields"]}
    assert fields["phone"]["code"] == "value_error" and fields["phone"]["message"] == "请输入有效的中国大陆手机号码"
    assert fields["extra"]["code"] == "extra_forbidden" and fields["extra"]["message"] == "不支持该字段"


def test_a_bound_is_named_in_its_message():
    assert message_for({"type": "string_too_long", "ctx": {"max_length": 20}}) == "不能超过 20 个字符"
    assert message_for({"type": "less_than_equal", "ctx": {"le": 150}}) == "不能大于 150"
    assert message_for({"type": "value_error", "ctx": {"error": ValueError("Value error, english")}}) == "格式不正确"
    assert message_for({"type": "a_type_pydantic_adds_later"}) == "格式不正确"
