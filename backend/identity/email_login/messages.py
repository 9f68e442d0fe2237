"""The login code email (Japanese, then English)."""

from __future__ import annotations

from backend.identity.email_login.mailer import MailMessage

SUBJECT = "【つやまポータル】ログイン確認コード / Your sign-in code"


def code_message(address: str, code: str) -> MailMessage:
    body = (
        f"つやまポータルのログイン確認コードは {code} です。10分間有効です。\n"
        "このメールに心当たりがない場合は、何もせずに削除してください。\n"
        "\n"
        f"Your Tsuyama Portal sign-in code is {code}. It is valid for 10 minutes.\n"
        "If you did not ask for it, you can ignore this email.\n"
    )
    return MailMessage(to=address, subject=SUBJECT, body=body)
