"""/reference: the fixed lists the front end builds its pickers from (one source: chalicelib.reference)."""
from __future__ import annotations

from chalice import Blueprint
from pydantic import Field, create_model

from chalicelib import reference
from chalicelib.api.routing import ANYONE, Call, endpoint
from chalicelib.schemas.common import OutputModel
from chalicelib.schemas.regions import City

bp = Blueprint(__name__)


class InterestGroupOut(OutputModel):
    group: str
    courses: list[str]


class LabelOut(OutputModel):
    value: str
    label: str = Field(description="中文, as a screen shows it")


# One field per labelled enumeration, derived from reference.LABELS (a closed object in the contract).
LabelsOut = create_model("LabelsOut", __base__=OutputModel,
                         **{name: (list[LabelOut], ...) for name in reference.LABELS})


class ConsentOut(OutputModel):
    version: str = Field(description="send it as `consent_version` with `consent: true`")
    text: str = Field(description="the consent the screen shows above its checkbox")


class ReferenceOut(OutputModel):
    province: str
    cities: list[City]
    grades: list[str]
    genders: list[str]
    tutoring_subjects: list[str]
    interest_course_groups: list[InterestGroupOut]
    demand_types: list[str]
    guarantees: list[str]
    service_targets: list[str]
    report_reasons: list[str]
    activity_types: list[str]
    activity_categories: list[str]
    sign_in_methods: list[str]
    who_may_sign_up: list[str]
    activity_tags: list[str]
    labels: LabelsOut = Field(description="每个枚举值的中文名称")  # type: ignore[valid-type]
    certificate_consent: ConsentOut = Field(description="申请证明's consent text and its version")


@endpoint(bp, "/reference", "GET", roles=ANYONE, response=ReferenceOut)
def get_reference(call: Call) -> ReferenceOut:
    return ReferenceOut(
        province=reference.PROVINCE, cities=list(reference.GUANGDONG_CITIES), grades=list(reference.GRADES),
        genders=list(reference.GENDERS), tutoring_subjects=list(reference.TUTORING_SUBJECTS),
        interest_course_groups=[InterestGroupOut(group=g, courses=list(c))
                                for g, c in reference.INTEREST_COURSE_GROUPS.items()],
        demand_types=list(reference.DEMAND_TYPES), guarantees=list(reference.GUARANTEES),
        service_targets=list(reference.SERVICE_TARGETS),
        report_reasons=[reason.value for reason in reference.ReportReason],
        activity_types=list(reference.ACTIVITY_TYPES), activity_categories=list(reference.ACTIVITY_CATEGORIES),
        sign_in_methods=list(reference.SIGN_IN_METHODS), who_may_sign_up=list(reference.WHO_MAY_SIGN_UP),
        activity_tags=list(reference.ACTIVITY_TAGS),
        labels=LabelsOut(**{name: [LabelOut(value=member.value, label=label) for member, label in labels.items()]
                            for name, labels in reference.LABELS.items()}),
        certificate_consent=ConsentOut(version=reference.CERTIFICATE_CONSENT_VERSION,
                                       text=reference.CERTIFICATE_CONSENT_TEXT),
    )
