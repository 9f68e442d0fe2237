"""An HTTP refusal of the queue and staff routes: a code for programs and a message in
Japanese and English for people (the body shape of the procedures counter routes)."""

from __future__ import annotations

from fastapi import HTTPException


def refusal(status_code: int, code: str, message_ja: str, message_en: str,
            **detail: object) -> HTTPException:
    return HTTPException(status_code, {"code": code, "message": f"{message_ja}（{message_en}）",
                                       "message_ja": message_ja, "message_en": message_en,
                                       **detail})
