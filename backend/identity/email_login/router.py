"""`/auth/email*`: the email sign-in page, sending the code, checking it.

`GET /authorize?acr_values=email` stores the app's request as an email login and sends the
browser to `GET /auth/email?login={id}`. Success ends exactly like the upstream callback
(`backend.identity.login_completion`).

Both forms carry a CSRF token bound to the login and to the browser's cookie
(`backend.security.csrf`); posts without it are refused with a 403 page. Sending codes is
limited per address, per client IP and in all (`send_limits`).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from backend.identity.clock import utc_now
from backend.identity.email_login.account import email_profile
from backend.identity.email_login.addresses import InvalidAddress, normalize_address
from backend.identity.email_login.codes import (
    MAX_ATTEMPTS,
    CheckOutcome,
    SendRefused,
    check_code,
    clean_code,
    new_code,
    pending_email_login,
    store_code,
)
from backend.identity.email_login.mailer import MailDeliveryError, Mailer
from backend.identity.email_login.messages import code_message
from backend.identity.email_login.pages import (
    code_form_page,
    email_form_page,
    visitor_language,
)
from backend.identity.email_login.send_limits import SendLimited, login_code_limits
from backend.identity.login_completion import complete_login
from backend.identity.rate_limit import (
    ENDPOINT_EMAIL_CODE,
    FailureKeys,
    RateLimited,
    check_not_limited,
    record_failure,
)
from backend.identity.redirects import login_error_page
from backend.models.login_request import LoginRequest
from backend.security.csrf import (
    PURPOSE_EMAIL_LOGIN,
    CsrfRefused,
    FormSecret,
    check_form_post,
    form_secret,
    refused_page,
)
from backend.settings import Settings

logger = logging.getLogger(__name__)

router = APIRouter(tags=["identity"])

EMAIL_PAGE_PATH = "/auth/email"
START_PATH = "/auth/email/start"
VERIFY_PATH = "/auth/email/verify"
_NO_STORE = {"Cache-Control": "no-store"}
_LOGIN_GONE = "unknown, expired or already used login: start again from the app"


def _html(text: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status_code, headers=_NO_STORE)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _restart_url(settings: Settings, login_id: str) -> str:
    return f"{settings.issuer}{EMAIL_PAGE_PATH}?{urlencode({'login': login_id})}"


def _email_form(settings: Settings, csrf: FormSecret, login_id: str, value: str = "",
                status_code: int = 200, error: tuple[str, str] | None = None,
                ui_locales: str | None = None) -> HTMLResponse:
    ja, en = error or (None, None)
    token = csrf.token(PURPOSE_EMAIL_LOGIN, login_id)
    page = email_form_page(f"{settings.issuer}{START_PATH}", login_id, value, ja, en,
                           csrf_token=token, language=visitor_language(ui_locales))
    return _html(page, status_code)


def _code_form(settings: Settings, csrf: FormSecret, login: LoginRequest,
               status_code: int = 200, error: tuple[str, str] | None = None) -> HTMLResponse:
    ja, en = error or (None, None)
    page = code_form_page(f"{settings.issuer}{VERIFY_PATH}", login.id, login.email or "",
                          _restart_url(settings, login.id), ja, en,
                          csrf_token=csrf.token(PURPOSE_EMAIL_LOGIN, login.id),
                          language=visitor_language(login.ui_locales))
    return _html(page, status_code)


def _send_refused(settings: Settings, csrf: FormSecret, login_id: str, address: str,
                  refused: SendLimited, ui_locales: str | None = None) -> HTMLResponse:
    page = _email_form(settings, csrf, login_id, address, 429, refused.message, ui_locales)
    page.headers["Retry-After"] = str(refused.retry_after_seconds)
    return page


def _too_many(exc: RateLimited) -> HTMLResponse:
    page = login_error_page(
        f"too many failed attempts; try again in {exc.retry_after_seconds} seconds "
        f"（{exc.retry_after_seconds}秒後にもう一度お試しください）", status_code=429)
    page.headers["Retry-After"] = str(exc.retry_after_seconds)
    return page


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _hint(raw: str) -> str:
    try:
        return normalize_address(raw) if raw else ""
    except InvalidAddress:
        return ""


async def _checked_form(request: Request) -> tuple[dict[str, str], FormSecret]:
    """The posted form, if it came from our page of this login in this browser."""
    form = await _form(request)
    secret = check_form_post(request, form, PURPOSE_EMAIL_LOGIN, form.get("login", ""))
    return form, FormSecret(secret, is_new=False)


@router.get(EMAIL_PAGE_PATH, response_class=HTMLResponse)
async def email_page(request: Request, login: str = "", login_hint: str = "") -> HTMLResponse:
    app, settings = request.app, _settings(request)
    row = await run_in_threadpool(pending_email_login, app.state.engine, login, utc_now(app))
    if row is None:
        return login_error_page(_LOGIN_GONE)
    csrf = form_secret(request)
    return csrf.set_cookie(_email_form(settings, csrf, row.id, row.email or _hint(login_hint),
                                       ui_locales=row.ui_locales),
                           settings)


@router.post(START_PATH, response_class=HTMLResponse)
async def send_code(request: Request) -> HTMLResponse:
    app, settings, engine = request.app, _settings(request), request.app.state.engine
    now = utc_now(app)
    try:
        form, csrf = await _checked_form(request)
    except CsrfRefused as exc:
        return refused_page(exc)
    try:
        await run_in_threadpool(check_not_limited, engine, settings, FailureKeys(_ip(request)),
                                now)
    except RateLimited as exc:
        return _too_many(exc)
    login_id, raw_address = form.get("login", ""), form.get("email", "")
    row = await run_in_threadpool(pending_email_login, engine, login_id, now)
    if row is None:
        return login_error_page(_LOGIN_GONE)
    try:
        address = normalize_address(raw_address)
    except InvalidAddress as exc:
        return _email_form(settings, csrf, row.id, raw_address[:254], 400, (exc.ja, exc.en),
                           row.ui_locales)
    limited = login_code_limits(app).try_send(address, _ip(request))
    if limited is not None:
        return _send_refused(settings, csrf, row.id, address, limited, row.ui_locales)
    code = new_code()
    refused = await run_in_threadpool(store_code, engine, row.id, address, code, now)
    if refused is SendRefused.NOT_PENDING:
        return login_error_page(_LOGIN_GONE)
    if refused is SendRefused.TOO_MANY_CODES:
        return _email_form(settings, csrf, row.id, address, 429, ui_locales=row.ui_locales, error=(
            "確認コードの送信が多すぎます。届いたコードを使うか、しばらく待ってからお試しください。",
            "Too many codes were sent. Use a code you received, or wait a few minutes."))
    mailer: Mailer = app.state.mailer
    try:
        await run_in_threadpool(mailer.send, code_message(address, code))
    except MailDeliveryError as exc:
        logger.warning("Login code not sent: %s", exc)
        return _email_form(settings, csrf, row.id, address, 503, ui_locales=row.ui_locales, error=(
            "メールを送れませんでした。時間をおいてもう一度お試しください。",
            "The email could not be sent. Please try again later."))
    stored = await run_in_threadpool(pending_email_login, engine, row.id, now)
    return _code_form(settings, csrf, stored or row)


@router.post(VERIFY_PATH, response_class=HTMLResponse, response_model=None)
async def verify_code(request: Request) -> HTMLResponse | JSONResponse | RedirectResponse:
    app, settings, engine = request.app, _settings(request), request.app.state.engine
    now, ip = utc_now(app), _ip(request)
    try:
        form, csrf = await _checked_form(request)
    except CsrfRefused as exc:
        return refused_page(exc)
    login_id = form.get("login", "")
    row = await run_in_threadpool(pending_email_login, engine, login_id, now)
    keys = FailureKeys(ip, row.device_id if row else None)
    try:
        await run_in_threadpool(check_not_limited, engine, settings, keys, now)
    except RateLimited as exc:
        return _too_many(exc)

    async def failed() -> None:
        await run_in_threadpool(record_failure, engine, settings, keys, ENDPOINT_EMAIL_CODE, now)

    if row is None:
        await failed()
        return login_error_page(_LOGIN_GONE)
    code = clean_code(form.get("code", ""))
    if code is None:
        return _code_form(settings, csrf, row, 400, ("6桁の数字を入力してください。",
                                               "Enter the 6 digits from the email."))
    result = await run_in_threadpool(check_code, engine, row.id, code, now)
    outcome, login = result.outcome, result.login or row
    if outcome is CheckOutcome.OK and result.login is not None and result.login.email:
        profile = email_profile(settings, result.login.email)
        return await complete_login(app, result.login, profile, keep_name=True)
    if outcome is CheckOutcome.WRONG:
        await failed()
        return _code_form(settings, csrf, login, 400, (
            f"確認コードが違います（あと{result.attempts_left}回）。",
            f"The code is not right ({result.attempts_left} tries left)."))
    if outcome is CheckOutcome.EXPIRED:
        return _code_form(settings, csrf, login, 400, (
            "確認コードの有効期限が切れました。新しいコードを送ってください。",
            "The code has expired. Send a new one."))
    if outcome is CheckOutcome.NO_CODE:
        return _email_form(settings, csrf, login.id, status_code=400,
                           ui_locales=login.ui_locales, error=(
            "先に確認コードを送ってください。", "Send a code first."))
    await failed()
    if outcome is CheckOutcome.TOO_MANY_ATTEMPTS:
        return login_error_page(
            f"the code was entered wrongly {MAX_ATTEMPTS} times（{MAX_ATTEMPTS}回間違えたため、"
            "このログインは使えません）: start again from the app")
    return login_error_page(_LOGIN_GONE)
