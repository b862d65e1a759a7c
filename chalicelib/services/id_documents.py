"""证件号码 of a certificate request: validated, masked for every answer, encrypted at rest.

AES-256-GCM with a key derived (HKDF-SHA256) from the stage's `CERTIFICATE_ID_KEY` (SSM when deployed),
the request id as associated data: a ciphertext copied onto another request does not decrypt. The full
number leaves the API only inside the certificate's PDF.
"""
from __future__ import annotations

import os
import re
from datetime import date

from chalicelib.errors import ErrorCode, field_error
from chalicelib.reference import IdType
from chalicelib.secrets import get_secret

NONCE_BYTES = 12
_KEY_INFO = b"yce certificate identity number v1"
_MOD11_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MOD11_CHECK = "10X98765432"
# 省级行政区划代码 (GB/T 2260): the first two digits of a 居民身份证 number.
_PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83", "91"})
_FORMATS = {
    IdType.HK_MACAO_PERMIT: re.compile(r"[HM]\d{8}(\d{2})?"),   # 回乡证: H/M + 8 digits (+2 issue digits)
    IdType.TAIWAN_PERMIT: re.compile(r"\d{8}|\d{10}"),           # 台胞证: 8 digits (10 on older cards)
    IdType.PASSPORT: re.compile(r"[A-Z0-9]{5,17}"),
}


def normalise(id_type: IdType, number: str, *, today: date) -> str:
    """The number as stored, upper-cased without spaces; a wrong one → 400 ID_NUMBER_INVALID on `id_number`."""
    value = re.sub(r"\s", "", number).upper()
    valid = _resident_id_valid(value, today) if id_type is IdType.RESIDENT_ID else bool(
        _FORMATS[id_type].fullmatch(value))
    if not valid:
        raise field_error(ErrorCode.ID_NUMBER_INVALID, "id_number")
    return value


def _resident_id_valid(value: str, today: date) -> bool:
    """18 characters: a province code, a plausible birth date, ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", value) or value[:2] not in _PROVINCE_CODES:
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= today:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _MOD11_WEIGHTS, strict=True))
    return _MOD11_CHECK[total % 11] == value[17]


def mask(number: str) -> str:
    """4401**********123X: the first 4 and the last 4 characters (fewer for short numbers)."""
    shown = 4 if len(number) >= 12 else 2
    return number[:shown] + "*" * (len(number) - 2 * shown) + number[-shown:]


def mask_name(name: str) -> str:
    """张*明 / 李*: the first character, and the last of a name of three or more."""
    if len(name) <= 2:
        return name[:1] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def encrypt(number: str, request_id: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead().encrypt(nonce, number.encode(), request_id.encode())


def decrypt(blob: bytes, request_id: str) -> str:
    return _aead().decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], request_id.encode()).decode()


def _aead():
    # Not cached itself: the secret is (secrets.get_secret), and deriving the key costs microseconds.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
        get_secret("certificate_id_key"))
    return AESGCM(key)
