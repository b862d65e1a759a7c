"""Bodies and answers of 初始需求 (help requests) and of the 团组织 name search.

Every limit of the guide's forms (§2.2) is enforced here, server-side:
title ≤ 57 (the counter "7/57" includes the pre-filled 【乡村云支教】), student
name ≤ 20, school ≤ 50, address ≤ 100, remark ≤ 200, 1–3 distinct tutoring
subjects each with last term's score, 0–3 distinct interest courses.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, RootModel, Strict, field_validator

from chalicelib.reference import (
    GENDERS,
    GRADES,
    INTEREST_COURSES,
    TUTORING_SUBJECTS,
    HelpRequestKind,
    HelpRequestStatus,
)
from chalicelib.schemas.common import (
    InputModel,
    LabelledStatus,
    MobilePhone,
    OutputModel,
    PageQuery,
    SmsCodeText,
    UtcTime,
    example,
    one_of,
    text,
)
from chalicelib.schemas.regions import City

TITLE_PREFIX = "【乡村云支教】"   # what the front end pre-fills; a title of only the prefix says nothing
MAX_SCORE = 150                  # 高考 语数英 are out of 150; other subjects out of 100 or less
_ONE_DECIMAL = Decimal("0.1")



def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _score(value: object) -> float:
    """A JSON number 0–150 with at most one decimal (85.5 is a real half-point score); text is refused, as
    the contract's `number` says (docs/decisions.md)."""
    problem = ValueError(f"分数须为0至{MAX_SCORE}之间的数字，最多保留一位小数")
    if isinstance(value, bool):
        raise problem
    try:
        if isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))          # shortest repr: 85.5 → "85.5", never 85.4999…
        else:
            raise problem
    except InvalidOperation:
        raise problem from None
    if not number.is_finite() or number < 0 or number > MAX_SCORE or number != number.quantize(_ONE_DECIMAL):
        raise problem
    return float(number)


Score = Annotated[float, Strict(), Field(ge=0, le=MAX_SCORE, description="0–150，最多一位小数"),
                  BeforeValidator(_score)]
Subject = Annotated[str, one_of(TUTORING_SUBJECTS, "辅导课程")]
Interest = Annotated[str, one_of(INTEREST_COURSES, "其他课程")]
Gender = Annotated[str, one_of(GENDERS, "学生性别")]
Grade = Annotated[str, one_of(GRADES, "当前所在年级")]
AccountRef = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]


class SubjectScoreIn(InputModel):
    subject: Subject
    score: Score


class _HelpRequestBase(InputModel):
    title: text(57)
    org_id: AccountRef                       # the 团组织 chosen with GET /league-orgs/search
    contact_name: text(20)
    contact_phone: MobilePhone
    sms_code: SmsCodeText                    # SmsPurpose.HELP_CONTACT, sent to contact_phone


class CloudTutoringRequestIn(_HelpRequestBase):
    """青年云支教专题需求 (guide §2.2)."""

    kind: Literal[HelpRequestKind.CLOUD_TUTORING]
    student_name: text(20)
    gender: Gender
    grade: Grade
    school: text(50)
    city: City
    address: text(100)
    subjects: list[SubjectScoreIn] = Field(min_length=1, max_length=3)
    interests: list[Interest] = Field(default_factory=list, max_length=3)
    remark: Annotated[text(200) | None, BeforeValidator(_blank_is_none)] = None

    @field_validator("title")
    @classmethod
    def _title_says_something(cls, value: str) -> str:
        if value == TITLE_PREFIX:
            raise ValueError(f"请在{TITLE_PREFIX}后填写需求标题")
        return value

    @field_validator("subjects")
    @classmethod
    def _distinct_subjects(cls, value: list[SubjectScoreIn]) -> list[SubjectScoreIn]:
        if len({s.subject for s in value}) != len(value):
            raise ValueError("辅导课程不能重复选择")
        return value

    @field_validator("interests")
    @classmethod
    def _distinct_interests(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("其他课程不能重复选择")
        return value


class GeneralRequestIn(_HelpRequestBase):
    """普通需求."""

    kind: Literal[HelpRequestKind.GENERAL]
    description: text(200)


class _KindOnly(InputModel):
    model_config = {**InputModel.model_config, "extra": "ignore"}
    kind: HelpRequestKind


_BY_KIND: dict[str, type[_HelpRequestBase]] = {
    HelpRequestKind.CLOUD_TUTORING.value: CloudTutoringRequestIn,
    HelpRequestKind.GENERAL.value: GeneralRequestIn,
}


class HelpRequestIn(RootModel):
    """POST /help-requests: `kind` picks the form.

    Validation goes straight to the chosen form so field errors are named
    `title`, `subjects[0].score`… rather than `cloud_tutoring.title`; the JSON
    schema stays the discriminated union.
    """

    # Built on first use, like InputModel. `root` is declared here rather than as RootModel[...]: pydantic
    # builds a parametrised generic at once, which cost every cold start importing this module ~20 ms.
    model_config = ConfigDict(defer_build=True, json_schema_extra={"examples": [{
        "kind": "cloud_tutoring", "title": "【乡村云支教】我需要补习英语", "org_id": "a1b2c3d4e5f6",
        "contact_name": "张伟", "contact_phone": "13912345678", "sms_code": "123456", "student_name": "张小明",
        "gender": "男", "grade": "小学三年级", "school": "阳光小学", "city": "深圳市",
        "address": "深圳市罗湖区阳光小学",
        "subjects": [{"subject": "英语", "score": 44}, {"subject": "数学", "score": 76.5}],
        "interests": ["绘画", "棋类"]}]})
    root: Annotated[CloudTutoringRequestIn | GeneralRequestIn, Field(discriminator="kind")]

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> HelpRequestIn:
        kind = obj.get("kind") if isinstance(obj, dict) else None
        form = _BY_KIND.get(kind) if isinstance(kind, str) else None
        if form is None:
            _KindOnly.model_validate(obj if isinstance(obj, dict) else {}, *args, **kwargs)  # names `kind`
            return super().model_validate(obj, *args, **kwargs)
        return cls.model_construct(root=form.model_validate(obj, *args, **kwargs))


class DeclineIn(InputModel):
    model_config = example({"reason": "本地区暂无可承接的志愿服务组织"})

    reason: text(200)


class HelpRequestListQuery(PageQuery):
    status: Annotated[HelpRequestStatus | None, BeforeValidator(_blank_is_none)] = None   # none: 全部状态


class SubjectScoreOut(OutputModel):
    subject: str
    score: int | float


class TutoringOut(OutputModel):
    student_name: str
    gender: str
    grade: str
    school: str
    city: str
    address: str
    subjects: list[SubjectScoreOut]
    interests: list[str]
    remark: str | None = None


class ProgressStepOut(OutputModel):
    """One box of the progress bar: 待采用 → 已采用 (or 不采用) → 待认领 → 已认领 → 已发布."""

    status: HelpRequestStatus
    label: str
    done: bool
    current: bool
    at: UtcTime | None = None               # when this step was (last) reached, if recorded
    reason: str | None = None                # 不采用 only


class HelpRequestOut(LabelledStatus):
    """The detail page: for the submitter (contact phone masked) or the addressed 团组织 (in full)."""

    request_id: str
    kind: HelpRequestKind
    status: HelpRequestStatus
    title: str
    description: str
    tutoring: TutoringOut | None = None
    org_id: str
    org_name: str
    submitter_name: str
    contact_name: str
    contact_phone: str
    decline_reason: str | None = None
    demand_id: str | None = None
    created_at: UtcTime
    updated_at: UtcTime
    progress: list[ProgressStepOut]


class HelpRequestRowOut(LabelledStatus):
    """A row of 我的求助 / 初始需求: no personal data of the pupil."""

    request_id: str
    kind: HelpRequestKind
    status: HelpRequestStatus
    title: str
    org_name: str
    submitter_name: str
    created_at: UtcTime


class HelpRequestPageOut(OutputModel):
    items: list[HelpRequestRowOut]
    next_cursor: str | None = None


class OrgSearchQuery(PageQuery):
    q: text(30)
    city: Annotated[City | None, BeforeValidator(_blank_is_none)] = None


class OrgSearchRegionOut(OutputModel):
    city: str | None = None
    district: str | None = None


class OrgSearchItemOut(OutputModel):
    account_id: str
    org_name: str
    region: OrgSearchRegionOut


class OrgSearchPageOut(OutputModel):
    """A page may hold fewer than `limit` items (even none) while `next_cursor` is set: keep going."""

    items: list[OrgSearchItemOut]
    next_cursor: str | None = None
