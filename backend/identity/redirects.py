"""Responses of the authorization endpoint: redirects back to the app and error pages."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse, RedirectResponse


def redirect_to_client(redirect_uri: str, params: dict[str, str | None]) -> RedirectResponse:
    """302 to the app's (already validated) redirect URI with `params` in the query."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{query}", status_code=302,
                            headers={"Cache-Control": "no-store"})


def error_to_client(redirect_uri: str, error: str, description: str,
                    state: str | None, issuer: str) -> RedirectResponse:
    """RFC 6749 §4.1.2.1 error response (with RFC 9207 `iss`)."""
    return redirect_to_client(
        redirect_uri,
        {"error": error, "error_description": description, "state": state or None,
         "iss": issuer},
    )


def login_error_page(detail: str, status_code: int = 400) -> HTMLResponse:
    """Shown in the browser when it is not safe (or not possible) to go back to the app."""
    html = (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>ログインできませんでした / Login failed</title>\n</head>\n<body>\n"
        "<h1>ログインできませんでした</h1>\n"
        "<p>アプリに戻り、もう一度ログインしてください。</p>\n"
        "<p lang=\"en\">Login failed. Go back to the app and start the login again.</p>\n"
        f"<p><small>{escape(detail)}</small></p>\n</body>\n</html>\n"
    )
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
