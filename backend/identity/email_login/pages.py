"""The HTML of the email sign-in (Japanese first, then the visitor's Chinese or Korean when
the app asked for it with `ui_locales`, then English) and of the dev mailbox.

The email sign-in is the visitors' account (visitor mode offers zh and ko), so its pages
speak their language too: `visitor_language` reads the login's `ui_locales`, and `TEXTS`
holds the pages' sentences in Chinese and Korean (ADR 0028).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from backend.identity.email_login.mailer import SentMessage
from backend.security.csrf import hidden_field

VISITOR_LANGUAGES = ("zh", "ko")
HTML_LANG = {"zh": "zh-Hans", "ko": "ko"}

# The pages' sentences in the visitors' languages (Japanese and English are in the HTML).
TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "email_title": "用电子邮件登录",
        "email_intro": ("这是面向来津山观光等访客的账户，用于车票和积分。"
                        "我们会通过电子邮件发送确认码。"),
        "email_label": "电子邮件地址",
        "send_code": "发送确认码",
        "residents": "居民办理市政府手续需要使用个人编号卡登录。",
        "code_title": "请输入确认码",
        "code_sent": "我们已向 {address} 发送了 6 位数的确认码，10 分钟内有效。",
        "code_label": "确认码",
        "log_in": "登录",
        "restart": "使用其他地址或重新发送确认码",
    },
    "ko": {
        "email_title": "이메일로 로그인",
        "email_intro": ("관광 등으로 쓰야마를 방문하는 분을 위한 승차권·포인트용 계정입니다. "
                        "이메일로 확인 코드를 보내 드립니다."),
        "email_label": "이메일 주소",
        "send_code": "확인 코드 보내기",
        "residents": "주민의 시 행정 절차에는 마이넘버 카드 로그인이 필요합니다.",
        "code_title": "확인 코드를 입력해 주십시오",
        "code_sent": "{address}(으)로 6자리 확인 코드를 보냈습니다. 10분간 유효합니다.",
        "code_label": "확인 코드",
        "log_in": "로그인",
        "restart": "다른 주소 사용 · 코드 다시 보내기",
    },
}

# The errors of the forms (given in Japanese and English by the router) in zh and ko, by
# their Japanese text; `{n}` stands for a number in it.
ERRORS: dict[str, dict[str, str]] = {
    "メールアドレスを入力してください。": {
        "zh": "请输入电子邮件地址。", "ko": "이메일 주소를 입력해 주십시오."},
    "メールアドレスの形式が正しくありません。": {
        "zh": "电子邮件地址的格式不正确。", "ko": "이메일 주소 형식이 올바르지 않습니다."},
    "メールアドレスが長すぎます（{n}文字まで）。": {
        "zh": "电子邮件地址过长（最多 {n} 个字符）。",
        "ko": "이메일 주소가 너무 깁니다({n}자까지)."},
    "確認コードの送信が多すぎます。届いたコードを使うか、しばらく待ってからお試しください。": {
        "zh": "发送确认码的次数过多。请使用已收到的确认码，或稍后再试。",
        "ko": ("확인 코드를 너무 많이 보냈습니다. "
               "받은 코드를 사용하거나 잠시 후 다시 시도해 주십시오.")},
    "メールを送れませんでした。時間をおいてもう一度お試しください。": {
        "zh": "无法发送电子邮件。请稍后再试。",
        "ko": "이메일을 보내지 못했습니다. 잠시 후 다시 시도해 주십시오."},
    "6桁の数字を入力してください。": {
        "zh": "请输入邮件中的 6 位数字。", "ko": "이메일에 있는 6자리 숫자를 입력해 주십시오."},
    "確認コードが違います（あと{n}回）。": {
        "zh": "确认码不正确（还可尝试 {n} 次）。", "ko": "확인 코드가 틀립니다(남은 횟수 {n}회)."},
    "確認コードの有効期限が切れました。新しいコードを送ってください。": {
        "zh": "确认码已过期。请发送新的确认码。",
        "ko": "확인 코드의 유효 기간이 지났습니다. 새 코드를 보내 주십시오."},
    "先に確認コードを送ってください。": {
        "zh": "请先发送确认码。", "ko": "먼저 확인 코드를 보내 주십시오."},
}
_NUMBER = re.compile(r"\d+")


def visitor_language(ui_locales: str | None) -> str | None:
    """"zh" or "ko" when the first of the login's `ui_locales` (OpenID Connect, space
    separated BCP 47 tags such as "zh-CN ja") is Chinese or Korean; else None."""
    first = (ui_locales or "").split()
    tag = first[0].lower().split("-")[0].split("_")[0] if first else ""
    return tag if tag in VISITOR_LANGUAGES else None


def _text(language: str | None, key: str, **values: str) -> str | None:
    if language is None:
        return None
    return TEXTS[language][key].format(**values)


def _line(language: str | None, key: str, **values: str) -> str:
    """A paragraph in the visitor's language, or nothing."""
    text = _text(language, key, **values)
    return f'<p lang="{HTML_LANG[language]}">{escape(text)}</p>\n' if language and text else ""


def _also(language: str | None, key: str) -> str:
    """" / 中文" after a Japanese label, or nothing."""
    text = _text(language, key)
    return f' / <span lang="{HTML_LANG[language]}">{escape(text)}</span>' \
        if language and text else ""


def error_in(language: str | None, ja: str | None) -> str | None:
    """The form error `ja` in the visitor's language, when ERRORS has it."""
    if language is None or not ja:
        return None
    numbers = _NUMBER.findall(ja)
    entry = ERRORS.get(_NUMBER.sub("{n}", ja)) if len(numbers) == 1 else ERRORS.get(ja)
    if entry is None:
        return None
    return entry[language].replace("{n}", numbers[0]) if numbers else entry[language]


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


def _error(field_id: str, ja: str | None, en: str | None, language: str | None = None) -> str:
    if not ja:
        return ""
    local = error_in(language, ja)
    middle = (f'<br><span lang="{HTML_LANG[language]}">{escape(local)}</span>'
              if language and local else "")
    return (f'<p class="error" id="{field_id}-error" role="alert">{escape(ja)}{middle}'
            f'<br><span lang="en">{escape(en or "")}</span></p>\n')


def _hidden_login(login_id: str, csrf_token: str) -> str:
    return (f'<input type="hidden" name="login" value="{escape(login_id)}">'
            f"{hidden_field(csrf_token)}")


def email_form_page(action: str, login_id: str, value: str = "", error_ja: str | None = None,
                    error_en: str | None = None, *, csrf_token: str,
                    language: str | None = None) -> str:
    """`language`: "zh" or "ko" adds the visitor's language (`visitor_language`)."""
    invalid = ' aria-invalid="true" aria-describedby="email-error"' if error_ja else ""
    local = _text(language, "residents")
    body = (
        f"<h1>メールアドレスでログイン{_also(language, 'email_title')}</h1>\n"
        "<p>観光などで津山を訪れる方向けの、チケットやポイント用のアカウントです。"
        "メールで確認コードをお送りします。</p>\n"
        f"{_line(language, 'email_intro')}"
        '<p lang="en">Log in with your email: an account for visitors who want tickets or '
        "points. We will email you a code.</p>\n"
        f"{_error('email', error_ja, error_en, language)}"
        f'<form method="post" action="{escape(action)}">{_hidden_login(login_id, csrf_token)}\n'
        f'<label for="email">メールアドレス{_also(language, "email_label")} / Email</label>\n'
        f'<input id="email" name="email" type="email" autocomplete="email" required '
        f'maxlength="254" value="{escape(value)}"{invalid}>\n'
        f'<button type="submit">確認コードを送る{_also(language, "send_code")} / Send code'
        "</button>\n</form>\n"
        '<p class="note">住民の方の手続きには、マイナンバーカードでのログインが必要です。'
        + (f'<br><span lang="{HTML_LANG[language]}">{escape(local)}</span>'
           if language and local else "")
        + '<br><span lang="en">Residents need the My Number card login for city '
        "services.</span></p>"
    )
    title = _text(language, "email_title")
    return page("メールアドレスでログイン / " + (f"{title} / " if title else "")
                + "Log in with email", body)


def code_form_page(action: str, login_id: str, address: str, restart_url: str,
                   error_ja: str | None = None, error_en: str | None = None, *,
                   csrf_token: str, language: str | None = None) -> str:
    """`language`: "zh" or "ko" adds the visitor's language (`visitor_language`)."""
    invalid = ' aria-invalid="true" aria-describedby="code-error"' if error_ja else ""
    body = (
        f"<h1>確認コードを入力してください{_also(language, 'code_title')}</h1>\n"
        f"<p>{escape(address)} に6桁の確認コードを送りました。10分間有効です。</p>\n"
        f"{_line(language, 'code_sent', address=address)}"
        f'<p lang="en">We sent a 6-digit code to {escape(address)}. It is valid for 10 '
        "minutes.</p>\n"
        f"{_error('code', error_ja, error_en, language)}"
        f'<form method="post" action="{escape(action)}">{_hidden_login(login_id, csrf_token)}\n'
        f'<label for="code">確認コード{_also(language, "code_label")} / Code</label>\n'
        '<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" '
        f'maxlength="12" required{invalid}>\n'
        f'<button type="submit">ログイン{_also(language, "log_in")} / Log in</button>\n</form>\n'
        f'<p><a href="{escape(restart_url)}">別のアドレスを使う・コードを再送する'
        f'{_also(language, "restart")}'
        '<span lang="en"> / Use another address or send a new code</span></a></p>'
    )
    title = _text(language, "code_label")
    return page("確認コード / " + (f"{title} / " if title else "") + "Code", body)


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
