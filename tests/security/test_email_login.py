"""Email-only accounts for visitors (`acr_values=email`), on SQLite and PostgreSQL: the real
flow through the development mailbox, the code's limits, and what such accounts may not do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session

from backend.identity.email_login import mailer as mailer_module
from backend.identity.email_login.addresses import InvalidAddress, normalize_address
from backend.identity.email_login.codes import MAX_ATTEMPTS
from backend.identity.email_login.mailer import (
    DevMailbox,
    MailDeliveryError,
    MailMessage,
    SmtpMailer,
)
from backend.models import LoginRequest, Person
from backend.security.csrf import COOKIE, PURPOSE_EMAIL_LOGIN, form_token
from backend.services.consent_catalog import catalog
from backend.settings import Settings
from tests.backend.people import bearer, make_person
from tests.identity_helpers import (
    BASE_URL,
    AppLogin,
    email_login,
    identity_client,
    latest_code,
    only_form,
    start_email_login,
)
from tests.security.conftest import WHOAMI_PATH, FakeClock

pytestmark = pytest.mark.anyio


def person_by_id(app: FastAPI, common_id: str) -> Person:
    with Session(app.state.engine) as session:
        person = session.get(Person, common_id)
        assert person is not None
        return person


def login_rows(app: FastAPI) -> list[LoginRequest]:
    with Session(app.state.engine) as session:
        return list(session.scalars(select(LoginRequest).where(LoginRequest.method == "email")))


def assert_not_redirected_to_app(response: httpx.Response) -> None:
    assert response.status_code not in (302, 303), response.headers
    assert response.headers["content-type"].startswith("text/html")


async def test_full_flow_gives_an_email_assurance_person_and_tokens(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    tokens = await email_login(client, "visitor.one@example.jp")

    assert tokens.id_claims["acr"] == "email"
    assert tokens.id_claims["iss"] == BASE_URL
    whoami = (await client.get(WHOAMI_PATH, headers=tokens.auth_header)).json()
    assert whoami == {"common_id": tokens.common_id, "role": "resident",
                      "assurance_level": "email"}
    person = person_by_id(identity, tokens.common_id)
    assert (person.upstream_issuer, person.upstream_subject) == (
        f"{BASE_URL}/email", "visitor.one@example.jp")
    assert person.email == "visitor.one@example.jp"
    assert person.name == "visitor.one"
    assert person.address is None and person.birthdate is None
    household = (await client.get("/me/household", headers=tokens.auth_header)).json()
    assert household["household"] is None  # never attached to an email-only account


async def test_same_address_keeps_the_common_id_whatever_the_case(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    first = await email_login(client, "Repeat@Example.JP")
    second = await email_login(client, "repeat@example.jp", device_id="second-device")
    third = await email_login(client, "  REPEAT@EXAMPLE.jp ")
    other = await email_login(client, "someone-else@example.jp")

    assert first.common_id == second.common_id == third.common_id
    assert other.common_id != first.common_id
    assert person_by_id(identity, first.common_id).upstream_subject == "repeat@example.jp"


async def test_a_name_set_later_is_kept_at_the_next_login(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    tokens = await email_login(client, "named@example.jp")
    with Session(identity.state.engine) as session:
        person = session.get(Person, tokens.common_id)
        assert person is not None
        person.name = "観光 花子"
        session.add(person)
        session.commit()
    again = await email_login(client, "named@example.jp")
    assert person_by_id(identity, again.common_id).name == "観光 花子"


async def test_wrong_codes_are_counted_and_the_sixth_try_is_refused(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    action, fields = await start_email_login(client, AppLogin(), "guess@example.jp")
    right = await latest_code(client, "guess@example.jp")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    for attempt in range(1, MAX_ATTEMPTS + 1):
        page = await client.post(action, data={**fields, "code": wrong})
        assert page.status_code == 400
        assert "確認コードが違います" in page.text
        assert f"{MAX_ATTEMPTS - attempt} tries left" in page.text
        assert 'id="code"' in page.text  # the code form again
        (row,) = login_rows(identity)
        assert row.email_code_attempts == attempt

    refused = await client.post(action, data={**fields, "code": right})
    assert_not_redirected_to_app(refused)
    assert refused.status_code == 400
    (row,) = login_rows(identity)
    assert row.consumed_at is None and row.email_code_attempts == MAX_ATTEMPTS


async def test_an_expired_code_is_refused_and_a_new_one_works(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    app_login = AppLogin()
    action, fields = await start_email_login(client, app_login, "late@example.jp")
    old = await latest_code(client, "late@example.jp")
    clock.advance(minutes=11)

    expired = await client.post(action, data={**fields, "code": old})
    assert_not_redirected_to_app(expired)
    assert expired.status_code == 400 and "有効期限が切れました" in expired.text

    restart = await client.get(f"/auth/email?login={fields['login']}")
    start_action, start_fields = only_form(restart)
    assert start_fields["email"] == "late@example.jp"  # pre-filled
    await client.post(start_action, data=start_fields)
    new = await latest_code(client, "late@example.jp")
    to_app = await client.post(action, data={**fields, "code": new})
    assert to_app.status_code == 302
    assert to_app.headers["location"].startswith(app_login.redirect_uri)


async def test_the_whole_login_expires(client: httpx.AsyncClient, clock: FakeClock) -> None:
    action, fields = await start_email_login(client, AppLogin(), "gone@example.jp")
    code = await latest_code(client, "gone@example.jp")
    clock.advance(minutes=21)
    response = await client.post(action, data={**fields, "code": code})
    assert_not_redirected_to_app(response)
    assert response.status_code == 400
    assert (await client.get(f"/auth/email?login={fields['login']}")).status_code == 400


async def test_a_code_works_once(client: httpx.AsyncClient) -> None:
    app_login = AppLogin()
    action, fields = await start_email_login(client, app_login, "once@example.jp")
    code = await latest_code(client, "once@example.jp")
    first = await client.post(action, data={**fields, "code": code})
    assert first.status_code == 302

    again = await client.post(action, data={**fields, "code": code})
    assert_not_redirected_to_app(again)
    assert again.status_code == 400
    resend = await client.post("/auth/email/start",
                               data={"login": fields["login"], "email": "once@example.jp",
                                     "csrf_token": fields["csrf_token"]})
    assert resend.status_code == 400  # the login is spent: no new code either


@pytest.mark.parametrize("address", [
    "", "not-an-address", "a@b", "two@@example.jp", "space in@example.jp",
    "taro@exa mple.jp", "taro@-example.jp", ".taro@example.jp", "taro@example.123",
    "x" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 63 + ".jp",
    "x" * 65 + "@example.jp",
])
async def test_bad_addresses_get_a_clear_error_on_the_page(
    client: httpx.AsyncClient, identity: FastAPI, address: str
) -> None:
    to_page = await client.get("/authorize", params=AppLogin().authorize_params(
        acr_values="email"))
    action, fields = only_form(await client.get(to_page.headers["location"]))

    page = await client.post(action, data={**fields, "email": address})

    assert page.status_code == 400
    assert "メールアドレス" in page.text and 'role="alert"' in page.text
    assert 'aria-invalid="true"' in page.text
    assert identity.state.mailer.newest_first() == []


def test_addresses_are_normalized() -> None:
    assert normalize_address("  Taro.Yamada+tix@Example.JP ") == "taro.yamada+tix@example.jp"
    assert normalize_address("visitor@津山.JP") == "visitor@xn--rhtp20b.jp"  # IDNA form
    with pytest.raises(InvalidAddress):
        normalize_address("x" * 250 + "@example.jp")


async def test_login_hint_is_accepted_and_prefills_the_address(
    client: httpx.AsyncClient,
) -> None:
    params = AppLogin().authorize_params(acr_values="email", login_hint="Hint@Example.jp")
    to_page = await client.get("/authorize", params=params)
    assert to_page.status_code == 302
    assert to_page.headers["location"].startswith(f"{BASE_URL}/auth/email?login=")
    page = await client.get(to_page.headers["location"])
    assert page.status_code == 200
    assert 'lang="ja"' in page.text
    assert '<label for="email">メールアドレス / Email</label>' in page.text
    assert "確認コードを送る / Send code" in page.text
    _, fields = only_form(page)
    assert fields["email"] == "hint@example.jp"


async def test_verify_failures_are_rate_limited(
    make_identity: Callable[..., FastAPI], database_url: str
) -> None:
    app = make_identity(database_url, auth_failure_limit=3)
    async with identity_client(app) as client:
        action, fields = await start_email_login(client, AppLogin(), "slow@example.jp")
        for _ in range(3):
            wrong = await client.post(action, data={**fields, "code": "000000"})
            assert wrong.status_code in (400,)
        blocked = await client.post(action, data={**fields, "code": "000000"})
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) >= 1


async def test_unknown_login_ids_are_refused(client: httpx.AsyncClient) -> None:
    assert (await client.get("/auth/email?login=nope")).status_code == 400
    # A browser with the CSRF cookie and a token for "nope" still gets nowhere.
    to_page = await client.get("/authorize", params=AppLogin().authorize_params(
        acr_values="email"))
    assert (await client.get(to_page.headers["location"])).status_code == 200
    token = form_token(client.cookies[COOKIE], PURPOSE_EMAIL_LOGIN, "nope")
    sent = await client.post("/auth/email/start",
                             data={"login": "nope", "email": "a@b.jp", "csrf_token": token})
    assert sent.status_code == 400
    checked = await client.post("/auth/email/verify",
                                data={"login": "nope", "code": "123456", "csrf_token": token})
    assert checked.status_code == 400


@pytest.mark.parametrize("acr_values", ["card", "urn:example:loa:high", None])
async def test_other_acr_values_go_upstream_as_before(
    client: httpx.AsyncClient, acr_values: str | None
) -> None:
    params = AppLogin().authorize_params(acr_values=acr_values)
    to_upstream = await client.get("/authorize", params=params)
    assert to_upstream.status_code == 302
    assert to_upstream.headers["location"].startswith(f"{BASE_URL}/dev-idp/authorize?")


async def test_with_email_login_off_acr_email_goes_upstream(
    make_identity: Callable[..., FastAPI], database_url: str
) -> None:
    app = make_identity(database_url, email_login_enabled=False)
    async with identity_client(app) as client:
        params = AppLogin().authorize_params(acr_values="email")
        to_upstream = await client.get("/authorize", params=params)
        assert to_upstream.headers["location"].startswith(f"{BASE_URL}/dev-idp/authorize?")
        assert (await client.get("/auth/email?login=x")).status_code == 404
        assert (await client.get("/dev-mail")).status_code == 404
        discovery = (await client.get("/.well-known/openid-configuration")).json()
        assert discovery["acr_values_supported"] == ["card"]


async def test_email_only_accounts_cannot_delegate_or_act_as_staff(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    tokens = await email_login(client, "visitor@example.jp")
    resident = make_person(identity, name="住民 一郎")

    asked = await client.post("/me/delegations", json={"grantor_common_id": resident.id},
                              headers=tokens.auth_header)
    assert asked.status_code == 403 and "My Number card" in asked.json()["detail"]
    text = catalog()["delegation"].current
    accepted = await client.post("/me/delegations/any-id/accept", headers=tokens.auth_header,
                                 json={"version": text.version, "text_sha256": text.sha256("ja")})
    assert accepted.status_code == 403
    listed = await client.get("/me/delegations", headers=tokens.auth_header)
    assert listed.status_code == 200 and listed.json() == {"delegations": []}

    # A card-verified resident cannot ask an email-only account to delegate either.
    towards = await client.post("/me/delegations", headers=bearer(identity, resident),
                                json={"grantor_common_id": tokens.common_id})
    assert towards.status_code == 404

    # Staff must be card-verified: a staff role on an email-only account does not count.
    with Session(identity.state.engine) as session:
        person = session.get(Person, tokens.common_id)
        assert person is not None
        person.role = "staff"
        session.add(person)
        session.commit()
    lookup = await client.get(f"/staff/residents/{resident.id}", params={"purpose": "確認"},
                              headers=tokens.auth_header)
    assert lookup.status_code == 403


async def test_mail_that_cannot_be_sent_gives_a_page_not_a_500(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    class Broken:
        def send(self, message: MailMessage) -> None:
            raise MailDeliveryError("connection refused")

    identity.state.mailer = Broken()
    to_page = await client.get("/authorize", params=AppLogin().authorize_params(
        acr_values="email"))
    action, fields = only_form(await client.get(to_page.headers["location"]))
    page = await client.post(action, data={**fields, "email": "x@example.jp"})
    assert page.status_code == 503 and "メールを送れませんでした" in page.text


def production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": "sqlite://", "environment": "production",
                              "upstream_issuer": "https://upstream.example",
                              "public_url": BASE_URL}
    return Settings(**{**values, **overrides})


def test_dev_mailbox_is_refused_in_production() -> None:
    with pytest.raises(ValueError, match="development mailbox"):
        production(email_login_enabled=True, dev_mailbox_enabled=True,
                   smtp_host="smtp.example", smtp_from="portal@example.jp")
    with pytest.raises(ValueError, match="development mailbox"):
        DevMailbox(production())
    with pytest.raises(ValueError, match="TSUYAMA_SMTP_HOST"):
        production(email_login_enabled=True)
    assert production().email_login_enabled is False
    assert Settings(database_url="sqlite://").email_login_enabled is True


def test_email_login_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("TSUYAMA_SMTP_HOST", "TSUYAMA_SMTP_PORT", "TSUYAMA_SMTP_USER",
                 "TSUYAMA_SMTP_PASSWORD_FILE", "TSUYAMA_SMTP_FROM", "TSUYAMA_DEV_MAILBOX",
                 "TSUYAMA_DEMO_DATA", "TSUYAMA_PUBLIC_URL", "TSUYAMA_DEV_IDP"):
        monkeypatch.delenv(name, raising=False)
    key = tmp_path / "key.pem"
    key.write_text("unused")
    for name, value in {"TSUYAMA_ENV": "production", "TSUYAMA_SIGNING_KEY_FILE": str(key),
                        "TSUYAMA_UPSTREAM_ISSUER": "https://upstream.example",
                        "TSUYAMA_UPSTREAM_CLIENT_ID": "city",
                        "TSUYAMA_UPSTREAM_CLIENT_KEY_FILE": str(key),
                        "DATABASE_URL": "sqlite://", "TSUYAMA_EMAIL_LOGIN": "1"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match="TSUYAMA_SMTP_HOST and TSUYAMA_SMTP_FROM"):
        Settings.from_env(data_dir=tmp_path)
    monkeypatch.setenv("TSUYAMA_SMTP_HOST", "smtp.example")
    monkeypatch.setenv("TSUYAMA_SMTP_FROM", "portal@example.jp")
    monkeypatch.setenv("TSUYAMA_SMTP_PORT", "2525")
    settings = Settings.from_env(data_dir=tmp_path)
    assert (settings.email_login_enabled, settings.dev_mailbox_enabled) == (True, False)
    assert settings.smtp_port == 2525
    monkeypatch.setenv("TSUYAMA_DEV_MAILBOX", "1")
    with pytest.raises(ValueError, match="development mailbox"):
        Settings.from_env(data_dir=tmp_path)


async def test_production_sends_through_smtp_and_has_no_dev_mailbox(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'prod.sqlite3'}", environment="production",
                   public_url=BASE_URL, upstream_issuer="https://upstream.example",
                   upstream_client_id="tsuyama-city", email_login_enabled=True,
                   smtp_host="smtp.example", smtp_from="portal@example.jp")
    assert isinstance(app.state.mailer, SmtpMailer)
    async with identity_client(app) as client:
        assert (await client.get("/dev-mail")).status_code == 404
        assert (await client.get("/auth/email?login=x")).status_code == 400  # mounted


def test_smtp_mailer_uses_starttls_and_login(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    calls: list[tuple[str, Any]] = []

    class FakeSmtp:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            calls.append(("connect", (host, port)))

        def __enter__(self) -> FakeSmtp:
            return self

        def __exit__(self, *exc: object) -> None:
            calls.append(("quit", None))

        def starttls(self, context: object) -> None:
            calls.append(("starttls", context is not None))

        def login(self, user: str, password: str) -> None:
            calls.append(("login", (user, password)))

        def send_message(self, message: Any) -> None:
            calls.append(("send", (message["To"], message["From"], message["Subject"])))

    monkeypatch.setattr(mailer_module.smtplib, "SMTP", FakeSmtp)
    password = tmp_path / "smtp-password"
    password.write_text("s3cret\n")
    settings = production(email_login_enabled=True, smtp_host="smtp.example", smtp_port=587,
                          smtp_user="portal", smtp_password_path=password,
                          smtp_from="portal@example.jp")
    SmtpMailer.from_settings(settings).send(MailMessage("v@example.jp", "件名", "本文 123456"))
    assert calls == [
        ("connect", ("smtp.example", 587)),
        ("starttls", True),
        ("login", ("portal", "s3cret")),
        ("send", ("v@example.jp", "portal@example.jp", "件名")),
        ("quit", None),
    ]
