"""The HTML of the email sign-in (Japanese first, then English) and of the dev mailbox."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from backend.identity.email_login.mailer import SentMessage
from backend.security.csrf import hidden_field

DEV_MAILBOX_BANNER = "開発用のメールボックスです（本番では使用されません）"

_STYLE = """
body { font-family: "BIZ UDPGothic", sans-serif; margin: 0; background: #f5f5f5; }
main { max-width: 32rem; margin: 0 auto; padding: 16px; }
label { display: block; font-weight: bold; margin: 16px 0 4px; }
input { width: 100%; box-sizing: border-box; min-height: 48px; font-size: 1.2rem;
        padding: 8px; border: 1px solid #555; border-radius: 8px; }
button { width: 100%; min-height: 56px; margin-top: 16px; font-size: 1.2rem;
         border: 1px solid #555; border-radius: 8px; background: #fff; cursor: pointer; }
.error { color: #b00020; font-weight: bold; }
.note { color: #333; font-size: 0.9rem; }
.banner { background: #b00020; color: #fff; padding: 12px 16px; font-weight: bold; }
article { background: #fff; border: 1px solid #ccc; border-radius: 8px; padding: 8px 16px;
          margin: 12px 0; }
pre { white-space: pre-wrap; }
"""


def page(title: str, body: str, banner: str | None = None) -> str:
    top = f'<div class="banner" role="alert">{escape(banner)}</div>\n' if banner else ""
    return (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"{top}<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _error(field_id: str, ja: str | None, en: str | None) -> str:
    if not ja:
        return ""
    return (f'<p class="error" id="{field_id}-error" role="alert">{escape(ja)}'
            f'<br><span lang="en">{escape(en or "")}</span></p>\n')


def _hidden_login(login_id: str, csrf_token: str) -> str:
    return (f'<input type="hidden" name="login" value="{escape(login_id)}">'
            f"{hidden_field(csrf_token)}")


def email_form_page(action: str, login_id: str, value: str = "", error_ja: str | None = None,
                    error_en: str | None = None, *, csrf_token: str) -> str:
    invalid = ' aria-invalid="true" aria-describedby="email-error"' if error_ja else ""
    body = (
        "<h1>メールアドレスでログイン</h1>\n"
        "<p>観光などで津山を訪れる方向けの、チケットやポイント用のアカウントです。"
        "メールで確認コードをお送りします。</p>\n"
        '<p lang="en">Log in with your email: an account for visitors who want tickets or '
        "points. We will email you a code.</p>\n"
        f"{_error('email', error_ja, error_en)}"
        f'<form method="post" action="{escape(action)}">{_hidden_login(login_id, csrf_token)}\n'
        '<label for="email">メールアドレス / Email</label>\n'
        f'<input id="email" name="email" type="email" autocomplete="email" required '
        f'maxlength="254" value="{escape(value)}"{invalid}>\n'
        '<button type="submit">確認コードを送る / Send code</button>\n</form>\n'
        '<p class="note">住民の方の手続きには、マイナンバーカードでのログインが必要です。'
        '<br><span lang="en">Residents need the My Number card login for city '
        "services.</span></p>"
    )
    return page("メールアドレスでログイン / Log in with email", body)


def code_form_page(action: str, login_id: str, address: str, restart_url: str,
                   error_ja: str | None = None, error_en: str | None = None, *,
                   csrf_token: str) -> str:
    invalid = ' aria-invalid="true" aria-describedby="code-error"' if error_ja else ""
    body = (
        "<h1>確認コードを入力してください</h1>\n"
        f"<p>{escape(address)} に6桁の確認コードを送りました。10分間有効です。</p>\n"
        f'<p lang="en">We sent a 6-digit code to {escape(address)}. It is valid for 10 '
        "minutes.</p>\n"
        f"{_error('code', error_ja, error_en)}"
        f'<form method="post" action="{escape(action)}">{_hidden_login(login_id, csrf_token)}\n'
        '<label for="code">確認コード / Code</label>\n'
        '<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" '
        f'maxlength="12" required{invalid}>\n'
        '<button type="submit">ログイン / Log in</button>\n</form>\n'
        f'<p><a href="{escape(restart_url)}">別のアドレスを使う・コードを再送する'
        '<span lang="en"> / Use another address or send a new code</span></a></p>'
    )
    return page("確認コード / Code", body)


def dev_mailbox_page(messages: Sequence[SentMessage]) -> str:
    items = "\n".join(
        f'<article class="mail" data-to="{escape(sent.message.to)}">\n'
        f"<h2>{escape(sent.message.subject)}</h2>\n"
        f'<p>To: <span class="to">{escape(sent.message.to)}</span> — '
        f"{escape(sent.sent_at.isoformat(timespec='seconds'))}</p>\n"
        f'<pre class="body">{escape(sent.message.body)}</pre>\n</article>'
        for sent in messages
    )
    body = (
        "<h1>送信されたメール / Sent mail</h1>\n"
        '<p class="note">新しい順 / newest first</p>\n'
        f"{items or '<p>まだありません / No mail yet.</p>'}"
    )
    return page("開発用メールボックス / Dev mailbox", body, banner=DEV_MAILBOX_BANNER)
