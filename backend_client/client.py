"""`BackendClient`: the only code in the app that talks HTTP to the backend."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Self

import httpx

from backend_client.dto import Health, Notice
from backend_client.errors import (
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
)

UNAVAILABLE_STATUS_CODES = frozenset({502, 503, 504})


class BackendClient:
    """Async client of the Tsuyama Portal backend.

    GET requests are retried `retries` times on `BackendUnavailable`, waiting `backoff`,
    then 2×`backoff`, 4×`backoff`… seconds in between.
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.base_url = base_url.rstrip("/")
        self._retries = retries
        self._backoff = backoff
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def health(self) -> Health:
        return Health.from_json(await self._get_json("/healthz"))

    async def list_notices(self, lang: str = "ja", limit: int = 20) -> list[Notice]:
        data = await self._get_json("/notices", params={"lang": lang, "limit": limit})
        return Notice.list_from_json(data)

    async def _get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        attempt = 0
        while True:
            try:
                return await self._get_json_once(path, params)
            except BackendUnavailable:
                if attempt >= self._retries:
                    raise
                await asyncio.sleep(self._backoff * (2**attempt))
                attempt += 1

    async def _get_json_once(self, path: str, params: dict[str, Any] | None) -> Any:
        url = f"{self.base_url}{path}"
        try:
            response = await self._http.get(path, params=params)
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(f"Backend at {self.base_url} timed out ({path})") from exc
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            raise BackendUnavailable(
                f"Backend at {self.base_url} is unreachable ({path}): {reason}"
            ) from exc
        if response.status_code in UNAVAILABLE_STATUS_CODES:
            raise BackendUnavailable(
                f"Backend at {self.base_url} is unavailable: {response.status_code} from {url}"
                f"{_detail_suffix(response)}"
            )
        if 400 <= response.status_code < 500:
            raise BackendRejected(response.status_code, _detail(response))
        if response.status_code != 200:
            raise BackendProtocolError(
                f"Unexpected status {response.status_code} from {url}{_detail_suffix(response)}"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise BackendProtocolError(f"Malformed JSON from {url}: {exc}") from exc


def _detail(response: httpx.Response) -> str:
    """The error detail of a FastAPI-style `{"detail": ...}` body, else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        if isinstance(detail, list):  # FastAPI validation errors
            return "; ".join(
                f"{'.'.join(str(part) for part in item.get('loc', []))}: {item.get('msg')}"
                if isinstance(item, dict)
                else str(item)
                for item in detail
            )
        return str(detail)
    return str(body)[:300]


def _detail_suffix(response: httpx.Response) -> str:
    detail = _detail(response)
    return f" ({detail})" if detail else ""
