"""What a first login brings (the demo household in development) and what deletion takes away
(every login of the person), through the real login flow."""

from __future__ import annotations

import pytest

from tests.identity_helpers import identity_client, login, make_identity_app, refresh

pytestmark = pytest.mark.anyio


async def test_parent_persona_gets_a_household_and_school_first(database_url: str) -> None:
    app = make_identity_app(database_url)
    async with identity_client(app) as client:
        tokens = await login(client, "dev-hanako")
        me = (await client.get("/me", headers=tokens.auth_header)).json()
        household = (await client.get("/me/household", headers=tokens.auth_header)).json()
        again = await login(client, "dev-hanako")
    assert me["name"] == "津山 花子"
    assert me["home_profile"]["tile_order"][0] == "school"
    children = [m for m in household["household"]["members"] if m["relation"] == "child"]
    assert len(children) == 2 and all(c["school_name"] for c in children)
    assert again.common_id == tokens.common_id  # the household was not attached twice
    async with identity_client(app) as client:
        household_again = (await client.get("/me/household", headers=again.auth_header)).json()
    assert household_again["household"] == household["household"]


async def test_elderly_persona_gets_a_health_check_reminder(database_url: str) -> None:
    app = make_identity_app(database_url)
    async with identity_client(app) as client:
        tokens = await login(client, "dev-hana")
        me = (await client.get("/me", headers=tokens.auth_header)).json()
    assert me["age"] >= 75
    assert any(r["kind"] == "health_check" for r in me["home_profile"]["reminders"])


async def test_deleting_the_account_revokes_every_login(database_url: str) -> None:
    app = make_identity_app(database_url)
    async with identity_client(app) as client:
        phone = await login(client, "dev-taro", device_id="phone")
        tablet = await login(client, "dev-taro", device_id="tablet")
        deleted = await client.request("DELETE", "/me", headers=phone.auth_header,
                                       json={"confirm": "DELETE"})
        assert deleted.status_code == 204
        for tokens in (phone, tablet):
            assert (await client.get("/me", headers=tokens.auth_header)).status_code == 401
            answer = await refresh(client, tokens.refresh_token, device_id=tokens.device_id)
            assert answer.status_code == 400
            assert answer.json()["error"] == "invalid_grant"
