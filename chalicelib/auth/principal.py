"""The authenticated caller, as read from a verified access token."""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.reference import Role


@dataclass(frozen=True)
class Principal:
    account_id: str
    role: Role
    must_change_password: bool = False

    def is_role(self, *roles: Role) -> bool:
        return self.role in roles
