"""The services one app session uses, made once per session and closed with it."""

from __future__ import annotations

from dataclasses import dataclass

from backend_client import BackendClient


@dataclass
class AppServices:
    backend: BackendClient

    async def aclose(self) -> None:
        await self.backend.aclose()
