"""argon2id password hashing and the password policy."""
from __future__ import annotations

import re
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from chalicelib.config import get_settings
from chalicelib.errors import ErrorCode, field_error

INITIAL_LEAGUE_ORG_PASSWORD = "000000"  # 智慧团建 accounts start with it (guide §3.1)
_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"[0-9]")


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    s = get_settings()
    return PasswordHasher(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib,
                          parallelism=s.argon2_parallelism, type=Type.ID)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("timing-equaliser-not-a-password")


def burn_verification_time(password: str) -> None:
    """Spend the time of one verification so unknown accounts answer as slowly as known ones."""
    verify_password(_dummy_hash(), password)


def check_password_policy(password: str, *, path: str = "new_password", forbidden: tuple[str, ...] = ()) -> None:
    ok = (8 <= len(password) <= 64 and _LETTER.search(password) and _DIGIT.search(password)
          and password not in forbidden)
    if not ok:
        raise field_error(ErrorCode.PASSWORD_TOO_WEAK, path)
