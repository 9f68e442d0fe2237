"""`GET /dev-mail`: the development mailbox as a plain HTML list (development only)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse

from backend.identity.email_login.mailer import DevMailbox
from backend.identity.email_login.pages import dev_mailbox_page

DEV_MAIL_PATH = "/dev-mail"

router = APIRouter(tags=["development mailbox"])


@router.get(DEV_MAIL_PATH, response_class=HTMLResponse)
def dev_mail(request: Request) -> HTMLResponse:
    """Every message the development mailbox received, newest first (to, subject, body)."""
    mailbox = getattr(request.app.state, "mailer", None)
    if request.app.state.settings.is_production or not isinstance(mailbox, DevMailbox):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no development mailbox")
    return HTMLResponse(dev_mailbox_page(mailbox.newest_first()),
                        headers={"Cache-Control": "no-store"})
