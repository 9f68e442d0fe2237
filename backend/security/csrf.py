"""CSRF protection of the backend's HTML forms (email sign-in, development IdP).

A browser gets a random secret in a cookie (HttpOnly, SameSite=Strict, `Secure` and the
`__Host-` prefix when the backend is served over https) the first time it is shown one of
the forms. Each form carries a token bound to that secret and to the login attempt it
belongs to: HMAC-SHA256(secret, purpose NUL binding), where the binding is the email
login's id or the development IdP's state. A post is accepted only when

1. `Sec-Fetch-Site`, if the browser sends it, is `same-origin` or `none`;
2. `Origin`, if sent and not `null`, is this backend's origin;
3. the cookie is there and the form's token matches it (constant-time comparison).

Another site can neither read the cookie nor compute a token for it, so it cannot post a
form in the resident's name (nor log the resident in to an attacker's login attempt), and
the token of one login attempt does not fit another. The secret needs no server-side state,
so every backend worker checks it alike. Refusals are a 403 page in Japanese and English.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import TypeVar
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from backend.settings import Settings

FIELD = "csrf_token"
COOKIE = "tsuyama_csrf"
SECURE_COOKIE = "__Host-tsuyama_csrf"  # https only: host-only, Path=/, Secure
PURPOSE_EMAIL_LOGIN = "email-login"
PURPOSE_DEV_IDP_LOGIN = "dev-idp-login"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)
_ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})
_R = TypeVar("_R", bound=Response)  # set_cookie returns the response it was given


def cookie_name(settings: Settings) -> str:
    return SECURE_COOKIE if settings.public_url.startswith("https://") else COOKIE


@dataclass(frozen=True)
class FormSecret:
    """The browser's CSRF secret: from its cookie, or new (then `set_cookie` sends it)."""

    value: str
    is_new: bool

    def token(self, purpose: str, binding: str) -> str:
        return form_token(self.value, purpose, binding)

    def set_cookie(self, response: _R, settings: Settings) -> _R:
        if self.is_new:
            response.set_cookie(cookie_name(settings), self.value, path="/", httponly=True,
                                samesite="strict",
                                secure=settings.public_url.startswith("https://"))
        return response


def form_token(secret: str, purpose: str, binding: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}\0{binding}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def _cookie_secret(request: Request) -> str | None:
    value = request.cookies.get(cookie_name(request.app.state.settings), "")
    return value if _SECRET.fullmatch(value) else None


def form_secret(request: Request) -> FormSecret:
    """The secret to put a form's token under: the browser's own, else a new one."""
    existing = _cookie_secret(request)
    if existing is not None:
        return FormSecret(existing, is_new=False)
    return FormSecret(secrets.token_urlsafe(32), is_new=True)


def hidden_field(token: str) -> str:
    return f'<input type="hidden" name="{FIELD}" value="{escape(token)}">'


class CsrfRefused(Exception):
    """A form post that did not come from this backend's own page (the message says why)."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_form_post(request: Request, form: Mapping[str, str], purpose: str,
                    binding: str) -> str:
    """Raise `CsrfRefused` unless the post comes from this backend's form of this login
    attempt in this browser; returns the browser's secret (for the next form's token)."""
    settings: Settings = request.app.state.settings
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in _ALLOWED_FETCH_SITES:
        raise CsrfRefused(f"the form was sent from another site (Sec-Fetch-Site: "
                          f"{fetch_site[:32]})")
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        allowed = {_origin(settings.public_url), _origin(str(request.base_url))}
        if origin.lower() not in allowed:
            raise CsrfRefused(f"the form was sent from another site ({origin[:100]})")
    secret = _cookie_secret(request)
    if secret is None:
        raise CsrfRefused("the browser did not send back this page's cookie (cookies off, "
                          "or the page is from an earlier browser session)")
    expected = form_token(secret, purpose, binding)
    if not hmac.compare_digest(expected.encode(), form.get(FIELD, "").encode()):
        raise CsrfRefused("the form does not belong to this login in this browser")
    return secret


def refused_page(exc: CsrfRefused) -> HTMLResponse:
    """403: what happened and what to do, in Japanese and English."""
    html = (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>送信できませんでした / Form not accepted</title>\n</head>\n<body>\n"
        "<h1>このフォームは受け付けられませんでした</h1>\n"
        "<p>ほかのサイトから送られたか、ページが古くなっています。アプリに戻り、もう一度"
        "ログインしてください。ブラウザーのCookieが有効になっている必要があります。</p>\n"
        '<p lang="en">This form was not accepted: it was sent from another site, or the page '
        "is out of date. Go back to the app and start the login again; cookies must be "
        "enabled in this browser.</p>\n"
        f"<p><small>{escape(str(exc))}</small></p>\n</body>\n</html>\n"
    )
    return HTMLResponse(html, status_code=403, headers={"Cache-Control": "no-store"})
