"""Every HTML form of the backend (email sign-in: send code and verify; the development IdP's
persona buttons) refuses posts from other sites: a CSRF token bound to the login attempt and
to the browser's cookie, and `Sec-Fetch-Site` / `Origin` when the browser sends them. On
SQLite only (`sqlite_enough`): the checks are made in Python; the email login's tables are
tested on PostgreSQL by test_email_login."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from backend.security.csrf import COOKIE, FIELD, SECURE_COOKIE
from tests.identity_helpers import (
    BASE_URL,
    AppLogin,
    _PersonaForms,
    identity_client,
    latest_code,
    only_form,
    start_email_login,
)

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]

Form = tuple[str, dict[str, str]]


async def email_start_form(client: httpx.AsyncClient) -> Form:
    to_page = await client.get("/authorize", params=AppLogin().authorize_params(
        acr_values="email"))
    action, fields = only_form(await client.get(to_page.headers["location"]))
    return action, {**fields, "email": "visitor@example.jp"}


async def email_verify_form(client: httpx.AsyncClient) -> Form:
    action, fields = await start_email_login(client, AppLogin(), "visitor@example.jp")
    return action, {**fields, "code": await latest_code(client, "visitor@example.jp")}


async def dev_idp_form(client: httpx.AsyncClient) -> Form:
    to_upstream = await client.get("/authorize", params=AppLogin().authorize_params())
    page = await client.get(to_upstream.headers["location"])
    forms = _PersonaForms()
    forms.feed(page.text)
    return forms.forms["dev-taro"]


FORMS: dict[str, Callable[[httpx.AsyncClient], Awaitable[Form]]] = {
    "email-start": email_start_form,
    "email-verify": email_verify_form,
    "dev-idp": dev_idp_form,
}
ACCEPTED = {"email-start": 200, "email-verify": 302, "dev-idp": 303}


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "このフォームは受け付けられませんでした" in response.text
    assert "This form was not accepted" in response.text
    assert "location" not in response.headers


@pytest.fixture(params=sorted(FORMS))
def form_kind(request: pytest.FixtureRequest) -> str:
    return request.param


async def test_every_form_carries_a_token(client: httpx.AsyncClient, form_kind: str) -> None:
    _, fields = await FORMS[form_kind](client)
    assert len(fields[FIELD]) == 43
    assert client.cookies[COOKIE]


async def test_a_same_origin_post_is_accepted(client: httpx.AsyncClient, form_kind: str) -> None:
    action, fields = await FORMS[form_kind](client)
    response = await client.post(action, data=fields, headers={
        "Origin": BASE_URL, "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == ACCEPTED[form_kind], response.text[:500]


async def test_origin_null_with_the_token_is_accepted(client: httpx.AsyncClient,
                                                      form_kind: str) -> None:
    """Browsers send `Origin: null` in some privacy modes; the token still decides."""
    action, fields = await FORMS[form_kind](client)
    response = await client.post(action, data=fields, headers={"Origin": "null"})
    assert response.status_code == ACCEPTED[form_kind], response.text[:500]


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "http://backend.test.evil.example"},
], ids=["cross-site", "same-site", "other-origin", "lookalike-origin"])
async def test_a_post_from_another_site_is_refused(
    client: httpx.AsyncClient, identity: FastAPI, form_kind: str, headers: dict[str, str]
) -> None:
    action, fields = await FORMS[form_kind](client)  # even with the right token and cookie
    sent_before = len(identity.state.mailer.newest_first())
    assert_refused(await client.post(action, data=fields, headers=headers))
    assert len(identity.state.mailer.newest_first()) == sent_before
    # The real form still works afterwards.
    assert (await client.post(action, data=fields)).status_code == ACCEPTED[form_kind]


async def test_a_post_without_the_token_is_refused(client: httpx.AsyncClient,
                                                   form_kind: str) -> None:
    action, fields = await FORMS[form_kind](client)
    assert_refused(await client.post(action, data={k: v for k, v in fields.items()
                                                   if k != FIELD}))
    assert_refused(await client.post(action, data={**fields, FIELD: "x" * 43}))


async def test_a_post_without_the_cookie_is_refused(client: httpx.AsyncClient,
                                                    form_kind: str) -> None:
    """A forged form posted by another site from the resident's browser: the browser holds
    no cookie for the attacker's login (and SameSite=Strict keeps ours at home)."""
    action, fields = await FORMS[form_kind](client)
    client.cookies.clear()
    assert_refused(await client.post(action, data=fields))


async def test_the_token_of_another_browser_is_refused(identity: FastAPI,
                                                       form_kind: str) -> None:
    """Login CSRF: an attacker starts a login in their browser and makes the resident's
    browser post the attacker's form (with the attacker's token)."""
    async with identity_client(identity) as attacker, identity_client(identity) as resident:
        action, fields = await FORMS[form_kind](attacker)
        await FORMS[form_kind](resident)  # the resident has a cookie of their own
        assert_refused(await resident.post(action, data=fields))


async def test_the_token_of_another_login_is_refused(client: httpx.AsyncClient,
                                                     form_kind: str) -> None:
    action, fields = await FORMS[form_kind](client)
    _, other = await FORMS[form_kind](client)
    assert fields[FIELD] != other[FIELD]
    assert_refused(await client.post(action, data={**fields, FIELD: other[FIELD]}))


async def test_the_cookie_is_http_only_and_same_site_strict(client: httpx.AsyncClient) -> None:
    to_upstream = await client.get("/authorize", params=AppLogin().authorize_params())
    page = await client.get(to_upstream.headers["location"])
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    # A second page in the same browser keeps the cookie (several tabs work).
    again = await client.get(to_upstream.headers["location"])
    assert "set-cookie" not in again.headers


async def test_over_https_the_cookie_is_secure_and_host_only(
    make_identity: Callable[..., FastAPI], database_url: str
) -> None:
    app = make_identity(database_url, public_url="https://backend.test")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://backend.test",
                                 follow_redirects=False) as client:
        to_page = await client.get("/authorize", params=AppLogin().authorize_params(
            acr_values="email"))
        page = await client.get(to_page.headers["location"])
        cookie = page.headers["set-cookie"]
        assert cookie.startswith(f"{SECURE_COOKIE}=") and "Secure" in cookie
        action, fields = only_form(page)
        sent = await client.post(action, data={**fields, "email": "v@example.jp"})
        assert sent.status_code == 200, sent.text[:500]
