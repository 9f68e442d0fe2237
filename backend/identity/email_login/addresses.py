"""Email address checks for the email sign-in: syntax, length, normalization."""

from __future__ import annotations

import re

MAX_ADDRESS_LENGTH = 254  # RFC 5321 §4.5.3.1.3 (path) minus the angle brackets
MAX_LOCAL_LENGTH = 64
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


class InvalidAddress(ValueError):
    """The address is not usable; `ja` and `en` say why, for the page."""

    def __init__(self, ja: str, en: str) -> None:
        super().__init__(en)
        self.ja = ja
        self.en = en


def _bad(en: str) -> InvalidAddress:
    return InvalidAddress("メールアドレスの形式が正しくありません。", en)


def normalize_address(raw: str) -> str:
    """The address as the common ID keys it: trimmed and lower-cased (also the local part,
    as every common provider treats it case-insensitively), the domain in IDNA (punycode)
    form. Raises `InvalidAddress`."""
    address = raw.strip()
    if not address:
        raise InvalidAddress("メールアドレスを入力してください。", "Enter an email address.")
    if len(address) > MAX_ADDRESS_LENGTH:
        raise InvalidAddress(
            f"メールアドレスが長すぎます（{MAX_ADDRESS_LENGTH}文字まで）。",
            f"The address is too long (at most {MAX_ADDRESS_LENGTH} characters).",
        )
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise _bad("The address needs the form name@example.jp.")
    if len(local) > MAX_LOCAL_LENGTH or not _LOCAL.fullmatch(local):
        raise _bad("The part before @ contains characters that are not allowed.")
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _bad("The domain (after @) is not valid.") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _bad("The domain (after @) is not valid.")
    if not _TLD.fullmatch(labels[-1]):
        raise _bad("The domain (after @) is not valid.")
    normalized = f"{local.lower()}@{ascii_domain}"
    if len(normalized) > MAX_ADDRESS_LENGTH:
        raise InvalidAddress(
            f"メールアドレスが長すぎます（{MAX_ADDRESS_LENGTH}文字まで）。",
            f"The address is too long (at most {MAX_ADDRESS_LENGTH} characters).",
        )
    return normalized


def display_name_of(address: str) -> str:
    """The default name of an email-only account: the part before @."""
    return address.rpartition("@")[0][:200]
