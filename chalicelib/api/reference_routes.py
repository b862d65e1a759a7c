"""/reference: the fixed lists the front end builds its pickers from (one source: chalicelib.reference)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import reference
from chalicelib.api.routing import ANYONE, Call, endpoint
from chalicelib.schemas.common import OutputModel

bp = Blueprint(__name__)


class InterestGroupOut(OutputModel):
    group: str
    courses: list[str]


class ReferenceOut(OutputModel):
    province: str
    cities: list[str]
    grades: list[str]
    genders: list[str]
    tutoring_subjects: list[str]
    interest_course_groups: list[InterestGroupOut]
    demand_types: list[str]
    guarantees: list[str]
    service_targets: list[str]


@endpoint(bp, "/reference", "GET", roles=ANYONE)
def get_reference(call: Call) -> ReferenceOut:
    return ReferenceOut(
        province=reference.PROVINCE, cities=list(reference.GUANGDONG_CITIES), grades=list(reference.GRADES),
        genders=list(reference.GENDERS), tutoring_subjects=list(reference.TUTORING_SUBJECTS),
        interest_course_groups=[InterestGroupOut(group=g, courses=list(c))
                                for g, c in reference.INTEREST_COURSE_GROUPS.items()],
        demand_types=list(reference.DEMAND_TYPES), guarantees=list(reference.GUARANTEES),
        service_targets=list(reference.SERVICE_TARGETS),
    )
