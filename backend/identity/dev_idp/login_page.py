"""The development identity provider's login page: one button per test persona."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from backend.identity.dev_idp.personas import PERSONAS
from backend.security.csrf import hidden_field

BANNER = "開発用の認証サービスです（本番では使用されません）"

_STYLE = """
body { font-family: "BIZ UDPGothic", sans-serif; margin: 0; background: #f5f5f5; }
.banner { background: #b00020; color: #fff; padding: 12px 16px; font-weight: bold; }
main { max-width: 32rem; margin: 0 auto; padding: 16px; }
form { margin: 12px 0; }
button { width: 100%; min-height: 56px; font-size: 1.2rem; text-align: left; padding: 8px 16px;
         border: 1px solid #555; border-radius: 8px; background: #fff; cursor: pointer; }
.note { color: #333; font-size: 0.9rem; }
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f'<div class="banner" role="alert">{escape(BANNER)}</div>\n<main>\n{body}\n</main>\n'
        "</body>\n</html>\n"
    )


def persona_page(login_action: str, params: Mapping[str, str], csrf_token: str) -> str:
    """One `<form method=post>` per persona whose button is named after the persona; each
    carries the CSRF token of this login attempt (`backend.security.csrf`)."""
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in params.items()
    ) + hidden_field(csrf_token)
    forms = "\n".join(
        f'<form method="post" action="{escape(login_action)}">{hidden}'
        f'<input type="hidden" name="persona" value="{escape(p.sub)}">'
        f'<button type="submit">{escape(p.name)}</button>'
        f'<div class="note">{escape(p.description)}</div></form>'
        for p in PERSONAS
    )
    body = (
        "<h1>ログインする人を選んでください</h1>\n"
        '<p class="note">本番ではマイナンバーカードで本人確認を行います。'
        "この画面は開発・テスト用の代わりです。</p>\n"
        f"{forms}"
    )
    return _page("開発用ログイン", body)


def error_page(detail: str) -> str:
    return _page("開発用ログイン: エラー", f"<h1>リクエストが正しくありません</h1>\n"
                 f"<p>{escape(detail)}</p>")
