"""Delegation by invitation code through the app's own code (MyDataState, BackendClient)
against the real backend in-process (ADR 0031)."""

from __future__ import annotations

import pytest

from app.account.invitation_code import looks_like_code, normalize_code
from app.account.mydata_state import MyDataState
from tests.contract.test_account_and_my_data import app_login
from tests.identity_helpers import make_identity_app

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


async def test_a_code_made_by_one_resident_is_used_by_another(database_url: str) -> None:
    app = make_identity_app(database_url)
    hana, hana_client = await app_login(app, "dev-hana")
    taro, taro_client = await app_login(app, "dev-taro")
    hana_data = MyDataState(hana_client, hana)
    taro_data = MyDataState(taro_client, taro)
    await hana_data.load()
    await taro_data.load()

    # Hana (to be acted for) agrees to the text and makes a code: text and QR image.
    await hana_data.create_invitation("ja")
    assert hana_data.message == "invited", hana_data.error
    invitation = hana_data.invitation
    assert invitation is not None and looks_like_code(invitation["code"])
    assert hana_data.invitation_qr.startswith(b"\x89PNG")

    # Her own code is refused with the reason; a mistyped one too, before any request.
    hana_data.set_code_input(invitation["code"])
    await hana_data.accept_invitation_code()
    assert (hana_data.message, hana_data.code_problem) == ("code_refused", "own")
    taro_data.set_code_input("ABC")
    await taro_data.accept_invitation_code()
    assert taro_data.code_problem == "malformed"
    taro_data.set_code_input("2222-2222")
    await taro_data.accept_invitation_code()
    assert taro_data.code_problem == "unknown"

    # Taro types it as read out to him: he may act for her, and sees her name.
    taro_data.set_code_input(invitation["code"].lower().replace("-", " "))
    revision = taro_data.code_revision
    await taro_data.accept_invitation_code()
    assert taro_data.message == "accepted", taro_data.error
    assert taro_data.code_input == "" and taro_data.code_revision == revision + 1
    active = taro_data.delegations[0]
    assert active["status"] == "active" and active["direction"] == "for_me"
    assert active["other_name"] == "美作 ハナ"

    # Used once.
    taro_data.set_code_input(invitation["code"])
    await taro_data.accept_invitation_code()
    assert taro_data.code_problem == "used"


async def test_a_cancelled_code_no_longer_works(database_url: str) -> None:
    app = make_identity_app(database_url)
    hana, hana_client = await app_login(app, "dev-hana")
    taro, taro_client = await app_login(app, "dev-taro")
    hana_data = MyDataState(hana_client, hana)
    taro_data = MyDataState(taro_client, taro)
    await hana_data.load()
    await hana_data.create_invitation("en")
    assert hana_data.invitation is not None
    code = hana_data.invitation["code"]
    await hana_data.cancel_invitation()
    assert hana_data.invitation is None and hana_data.invitation_qr == b""
    taro_data.set_code_input(code)
    await taro_data.accept_invitation_code()
    assert taro_data.code_problem == "expired"


def test_codes_are_normalized_like_the_backend() -> None:
    from backend.services.delegation_invitation import normalize_code as backend_normalize

    for raw in (" abcd-efgh ", "ＡＢＣＤ－ＥＦＧＨ", "abcd　efgh"):
        assert normalize_code(raw) == backend_normalize(raw) == "ABCDEFGH"
