"""An httpx client that calls a FastAPI app in-process (no server, no lifespan)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI


def asgi_client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://backend.test")
