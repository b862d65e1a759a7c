"""Enumerations of the product: one place, everything else derives from them."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    INDIVIDUAL = "individual"          # 个人用户 (also signs up to activities as a volunteer)
    LEAGUE_ORG = "league_org"          # 团组织
    VOLUNTEER_ORG = "volunteer_org"    # 志愿服务组织
    OPERATOR = "operator"              # 团省委 platform staff


ORG_ROLES = frozenset({Role.LEAGUE_ORG, Role.VOLUNTEER_ORG})


class AccountStatus(StrEnum):
    ACTIVE = "active"
    PENDING_REVIEW = "pending_review"  # volunteer org waiting for an operator
    REJECTED = "rejected"              # volunteer org refused by an operator
    DISABLED = "disabled"              # switched off by an operator


class VolunteerOrgKind(StrEnum):
    REGISTERED = "registered"          # 在民政部门备案的志愿服务组织
    ENDORSED_TEAM = "endorsed_team"    # 由已备案组织背书的志愿服务团体


class SmsPurpose(StrEnum):
    REGISTER = "register"
    RESET_PASSWORD = "reset_password"
    ORG_CONTACT = "org_contact"        # volunteer org's contact / leader mobile
    HELP_CONTACT = "help_contact"      # a help request's contact mobile
    LEADER_MOBILE = "leader_mobile"    # a formal demand's leader mobile


# 广东省 21 个地级市 (SPEC §2.1 所在市).
GUANGDONG_CITIES: tuple[str, ...] = (
    "广州市", "深圳市", "珠海市", "汕头市", "佛山市", "韶关市", "湛江市",
    "肇庆市", "江门市", "茂名市", "惠州市", "梅州市", "汕尾市", "河源市",
    "阳江市", "清远市", "东莞市", "中山市", "潮州市", "揭阳市", "云浮市",
)

PROVINCE = "广东省"

# 服务对象, as offered by the platform's organization profile (guide §3.2 screenshots).
SERVICE_TARGETS: tuple[str, ...] = (
    "青少年", "婴幼儿", "孤寡老人", "残障人士", "特困群体", "优抚对象", "其它",
)

# 服务领域: the demand types of SPEC §2.2, which volunteer orgs declare they serve.
DEMAND_TYPES: tuple[str, ...] = (
    "心理健康", "环境保护", "文化体育", "恤病助医", "禁毒防艾", "关爱未成年人",
    "助残服务", "助老服务", "法治宣传", "脱贫攻坚", "其他",
)
