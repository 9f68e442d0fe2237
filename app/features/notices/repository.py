"""Where the notices come from: the backend, through `backend_client` (the offline store will
keep a local copy once sync exists; the interface stays the same)."""

from __future__ import annotations

from typing import Protocol

from app.account.account_state import AccountState
from backend_client import BackendClient, Notice

# The backend keeps notices in Japanese and English; visitors reading Chinese or Korean get
# the English text until the city publishes those languages.
BACKEND_LANGUAGES = ("ja", "en")


def content_language(ui_language: str) -> str:
    return ui_language if ui_language in BACKEND_LANGUAGES else "en"


class NoticesSource(Protocol):
    async def latest(self, language: str) -> list[Notice]: ...


class NoticesRepository:
    def __init__(self, client: BackendClient, account: AccountState | None = None,
                 limit: int = 20) -> None:
        self._client = client
        self._account = account
        self._limit = limit

    async def latest(self, language: str) -> list[Notice]:
        token = None
        if self._account is not None and self._account.signed_in:
            token = await self._account.access_token()  # adds the household's own notices
        return await self._client.list_notices(content_language(language), self._limit, token)
