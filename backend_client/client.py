"""`BackendClient`: the only code in the app that talks HTTP to the backend."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

from backend_client.clock import ServerClock
from backend_client.dto import Health, Me, Notice, StaffBooking, StaffBookingPage, StaffSlot
from backend_client.errors import (
    AccessRevoked,
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
)
from backend_client.oauth import APP_CLIENT_ID, LoginRequest, TokenSet
from backend_client.sync_transport import Mutation, PullPage, PushResponse

UNAVAILABLE_STATUS_CODES = frozenset({502, 503, 504})
ACCESS_REVOKED = "access_revoked"

# Given the access token a request was refused with (401), a fresh one, or None.
TokenRenewer = Callable[[str], Awaitable[str | None]]


class BackendClient:
    """Async client of the Tsuyama Portal backend.

    GET requests are retried `retries` times on `BackendUnavailable`, waiting `backoff`,
    then 2×`backoff`, 4×`backoff`… seconds in between.

    `server_clock` learns the server's time from the `Date` header of every answer (see
    `backend_client.clock`). `renew_token` (set by the account state): a request sent with an
    access token and answered 401 asks it once for a fresh token and is sent once more.
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
        server_clock: ServerClock | None = None,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.base_url = base_url.rstrip("/")
        self.server_clock = server_clock or ServerClock()
        self.renew_token: TokenRenewer | None = None
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

    async def list_notices(self, lang: str = "ja", limit: int = 20,
                           access_token: str | None = None) -> list[Notice]:
        """City notices; with a resident's token also those meant for their household."""
        data = await self._get_json("/notices", params={"lang": lang, "limit": limit},
                                    headers=_bearer(access_token) if access_token else None)
        return Notice.list_from_json(data)

    # --- identity -------------------------------------------------------------------------
    async def discovery(self) -> dict[str, Any]:
        data = await self._get_json("/.well-known/openid-configuration")
        if not isinstance(data, dict) or "issuer" not in data:
            raise BackendProtocolError("OpenID configuration without an issuer")
        return data

    async def jwks(self) -> dict[str, Any]:
        data = await self._get_json("/jwks.json")
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise BackendProtocolError("JWKS without keys")
        return data

    async def exchange_code(self, login: LoginRequest, code: str,
                            client_id: str = APP_CLIENT_ID) -> TokenSet:
        data = await self._request_json("POST", "/token", data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": login.redirect_uri,
            "client_id": client_id,
            "code_verifier": login.code_verifier,
            "device_id": login.device_id,
        })
        return TokenSet.from_json(data)

    async def refresh_tokens(self, refresh_token: str, device_id: str,
                             client_id: str = APP_CLIENT_ID) -> TokenSet:
        data = await self._request_json("POST", "/token", data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "device_id": device_id,
        })
        return TokenSet.from_json(data)

    async def revoke(self, refresh_token: str, client_id: str = APP_CLIENT_ID) -> None:
        await self._request_json("POST", "/revoke", data={
            "token": refresh_token, "token_type_hint": "refresh_token", "client_id": client_id,
        })

    async def logout(self, access_token: str) -> None:
        await self._request_json("POST", "/logout", headers=_bearer(access_token),
                                 ok=(200, 204))

    async def me(self, access_token: str) -> Me:
        return Me.from_json(await self._get_json("/me", headers=_bearer(access_token)))

    # --- My data -------------------------------------------------------------------------
    async def my_consents(self, access_token: str) -> list[dict[str, Any]]:
        data = await self._get_json("/me/consents", headers=_bearer(access_token))
        purposes = data.get("purposes") if isinstance(data, dict) else None
        if not isinstance(purposes, list):
            raise BackendProtocolError("consents response without purposes")
        return [p for p in purposes if isinstance(p, dict)]

    async def record_consent(self, access_token: str, purpose: str, version: int,
                             granted: bool, text_sha256: str, channel: str = "app",
                             on_behalf_of: str | None = None) -> None:
        """`on_behalf_of`: a minor child's common ID (a parent records the child's decision)."""
        await self._request_json(
            "POST", "/me/consents", headers=_bearer(access_token), ok=(200, 201),
            params={"on_behalf_of": on_behalf_of} if on_behalf_of else None,
            json={"purpose": purpose, "version": version, "granted": granted,
                  "text_sha256": text_sha256, "channel": channel},
        )

    async def my_access_log(self, access_token: str, limit: int = 50) -> list[dict[str, Any]]:
        data = await self._get_json("/me/access-log", params={"limit": limit},
                                    headers=_bearer(access_token))
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise BackendProtocolError("access log response without entries")
        return [e for e in entries if isinstance(e, dict)]

    async def my_household(self, access_token: str) -> dict[str, Any]:
        data = await self._get_json("/me/household", headers=_bearer(access_token))
        if not isinstance(data, dict):
            raise BackendProtocolError("household response is not an object")
        return data

    async def my_delegations(self, access_token: str) -> list[dict[str, Any]]:
        data = await self._get_json("/me/delegations", headers=_bearer(access_token))
        rows = data.get("delegations") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise BackendProtocolError("delegations response without delegations")
        return [r for r in rows if isinstance(r, dict)]

    async def request_delegation(self, access_token: str, grantor_common_id: str,
                                 scope: str = "all") -> dict[str, Any]:
        """Asks to act for another person; pending until they accept."""
        return await self._request_json(
            "POST", "/me/delegations", headers=_bearer(access_token), ok=(200, 201),
            json={"grantor_common_id": grantor_common_id, "scope": scope},
        )

    async def decide_delegation(self, access_token: str, delegation_id: str, decision: str,
                                version: int | None = None, text_sha256: str | None = None,
                                channel: str = "app") -> dict[str, Any]:
        """`accept` (with the consent text's version and hash), `decline` or `revoke`."""
        if decision not in ("accept", "decline", "revoke"):
            raise ValueError(f"unknown decision {decision!r}")
        body: dict[str, Any] = {"channel": channel}
        if decision == "accept":
            body.update(version=version, text_sha256=text_sha256)
        return await self._request_json(
            "POST", f"/me/delegations/{quote(delegation_id, safe='')}/{decision}",
            headers=_bearer(access_token), json=body,
        )

    async def create_delegation_invitation(self, access_token: str, version: int,
                                           text_sha256: str, channel: str = "app",
                                           scope: str = "all") -> dict[str, Any]:
        """The grantor agrees to the shown "delegation" text and gets a single-use code
        (`code`, "ABCD-EFGH"), valid until `expires_at`, for the person who will act for them."""
        data = await self._request_json(
            "POST", "/me/delegation-invitations", headers=_bearer(access_token),
            ok=(200, 201),
            json={"version": version, "text_sha256": text_sha256, "channel": channel,
                  "scope": scope},
        )
        if not isinstance(data, dict) or not isinstance(data.get("code"), str) \
                or not isinstance(data.get("id"), str):
            raise BackendProtocolError("invitation response without a code")
        return data

    async def cancel_delegation_invitation(self, access_token: str,
                                           invitation_id: str) -> dict[str, Any]:
        return await self._request_json(
            "POST", f"/me/delegation-invitations/{quote(invitation_id, safe='')}/cancel",
            headers=_bearer(access_token), json={},
        )

    async def accept_delegation_invitation(self, access_token: str,
                                           code: str) -> dict[str, Any]:
        """Enters a code someone gave: the caller may act for them from now on."""
        return await self._request_json(
            "POST", "/me/delegation-invitations/accept", headers=_bearer(access_token),
            ok=(200, 201), json={"code": code},
        )

    async def export_my_data(self, access_token: str) -> bytes:
        """Everything the city holds about the caller, as the JSON document to save."""
        import json as _json

        data = await self._get_json("/me/export", headers=_bearer(access_token))
        return _json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")

    async def delete_account(self, access_token: str) -> None:
        await self._request_json("DELETE", "/me", headers=_bearer(access_token),
                                 json={"confirm": "DELETE"}, ok=(200, 204))

    # --- staff: bulky waste (staff of 環境事業課; ADR 0023) ---------------------------------
    async def staff_bulky_slots(self, access_token: str, first: date, last: date,
                                area_id: str | None = None) -> list[StaffSlot]:
        """Slots from `first` to `last` with capacity and places booked (no resident data)."""
        params: dict[str, Any] = {"from": first.isoformat(), "to": last.isoformat()}
        if area_id:
            params["area_id"] = area_id
        return StaffSlot.list_from_json(await self._get_json(
            "/staff/bulky/slots", params=params, headers=_bearer(access_token)))

    async def staff_put_bulky_slots(self, access_token: str,
                                    slots: list[tuple[str, date, int]]) -> list[StaffSlot]:
        """Create or resize `(area_id, day, capacity)` slots, all or nothing. A capacity below
        the places booked is `BackendRejected` 409 with code "capacity_below_booked" and
        `info["booked"]`."""
        body = [{"area_id": area, "day": day.isoformat(), "capacity": capacity}
                for area, day, capacity in slots]
        return StaffSlot.list_from_json(await self._request_json(
            "PUT", "/staff/bulky/slots", json=body, headers=_bearer(access_token)))

    @staticmethod
    def _booking_params(purpose: str, day: date | None, area_id: str | None,
                        status: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"purpose": purpose}
        if day is not None:
            params["day"] = day.isoformat()
        if area_id:
            params["area_id"] = area_id
        if status:
            params["status"] = status
        return params

    async def staff_bulky_bookings(self, access_token: str, purpose: str, *,
                                   day: date | None = None, area_id: str | None = None,
                                   status: str | None = None, limit: int = 50,
                                   offset: int = 0) -> StaffBookingPage:
        """One page of bookings; the read is logged for each resident with `purpose`."""
        params = {**self._booking_params(purpose, day, area_id, status),
                  "limit": limit, "offset": offset}
        return StaffBookingPage.from_json(await self._get_json(
            "/staff/bulky/bookings", params=params, headers=_bearer(access_token)))

    async def staff_bulky_bookings_csv(self, access_token: str, purpose: str, *,
                                       day: date | None = None, area_id: str | None = None,
                                       status: str | None = None) -> bytes:
        """Every matching booking as CSV (UTF-8 with a BOM, for Excel); logged like a list."""
        response = await self._request_checked(
            "GET", "/staff/bulky/bookings.csv",
            params=self._booking_params(purpose, day, area_id, status),
            headers=_bearer(access_token))
        return response.content

    async def staff_mark_collected(self, access_token: str, number: str) -> StaffBooking:
        """Mark a booked booking collected (409 "not_booked" otherwise)."""
        data = await self._request_json(
            "POST", f"/staff/bulky/bookings/{quote(number, safe='')}/collected",
            headers=_bearer(access_token))
        return StaffBooking.from_json({"common_id": "", **(data or {})})

    # --- sync ----------------------------------------------------------------------------
    async def push(self, access_token: str, client_id: str,
                   mutations: list[Mutation]) -> PushResponse:
        """Sends queued mutations. Safe to repeat: the server applies each mutation id once
        and answers a replay with the stored result."""
        data = await self._request_json(
            "POST", "/sync/push", headers=_bearer(access_token),
            json={"client_id": client_id, "mutations": [m.to_json() for m in mutations]},
        )
        return PushResponse.from_json(data)

    async def pull(self, access_token: str, cursor: int, limit: int = 500) -> PullPage:
        """The caller's own change-log rows; `PullPage.streams` lists the read-only streams
        the caller may pull now (`pull_stream`)."""
        data = await self._get_json("/sync/pull", params={"cursor": cursor, "limit": limit},
                                    headers=_bearer(access_token))
        return PullPage.from_json(data, cursor)

    async def pull_stream(self, stream: str, cursor: int, limit: int = 500,
                          token: str | None = None,
                          municipality: str | None = None) -> PullPage:
        """A read-only stream ("public", "audience:<name>"). "public" works without a token
        (`municipality` picks the city; default: the caller's, or the backend's own).
        Raises `AccessRevoked` when the caller is not (or no longer) in the audience."""
        params: dict[str, Any] = {"cursor": cursor, "limit": limit}
        if municipality is not None:
            params["municipality"] = municipality
        data = await self._get_json(f"/sync/streams/{quote(stream, safe='')}/pull",
                                    params=params, headers=_bearer(token) if token else None)
        return PullPage.from_json(data, cursor)

    async def _get_json(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """GETs are idempotent: retried with backoff while the backend is unavailable."""
        attempt = 0
        while True:
            try:
                return await self._request_json("GET", path, params=params, headers=headers)
            except BackendUnavailable:
                if attempt >= self._retries:
                    raise
                await asyncio.sleep(self._backoff * (2**attempt))
                attempt += 1

    async def _request_json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Any:
        """One request; POSTs are not retried here (the caller knows if a replay is safe),
        except once after a 401 with a renewed access token (the server refused the token
        before doing anything)."""
        url = f"{self.base_url}{path}"
        response = await self._request_checked(method, path, params=params, data=data,
                                               json=json, headers=headers, ok=ok)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise BackendProtocolError(f"Malformed JSON from {url}: {exc}") from exc

    async def _request_checked(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
        files: Any = None,
    ) -> httpx.Response:
        """The answer of one request (see `_request_json`), its status checked and mapped."""
        url = f"{self.base_url}{path}"
        extra = {"files": files} if files is not None else {}
        response = await self._send(method, path, params=params, data=data, json=json,
                                    headers=headers, **extra)
        rejected = _bearer_token(headers) if response.status_code == 401 else None
        if rejected is not None and self.renew_token is not None:
            renewed = await self.renew_token(rejected)
            if renewed and renewed != rejected:
                response = await self._send(method, path, params=params, data=data, json=json,
                                            headers={**(headers or {}), **_bearer(renewed)},
                                            **extra)
        if response.status_code in UNAVAILABLE_STATUS_CODES:
            raise BackendUnavailable(
                f"Backend at {self.base_url} is unavailable: {response.status_code} from {url}"
                f"{_detail_suffix(response)}"
            )
        if response.status_code == 403 and _error_code(response) == ACCESS_REVOKED:
            raise AccessRevoked(_detail(response))
        if 400 <= response.status_code < 500:
            raise BackendRejected(response.status_code, _detail(response),
                                  _error_code(response), _error_info(response))
        if response.status_code not in ok:
            raise BackendProtocolError(
                f"Unexpected status {response.status_code} from {url}{_detail_suffix(response)}"
            )
        return response


    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The HTTP exchange; the answer's `Date` goes to `server_clock`."""
        sent = self.server_clock.local_now()
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(f"Backend at {self.base_url} timed out ({path})") from exc
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            raise BackendUnavailable(
                f"Backend at {self.base_url} is unreachable ({path}): {reason}"
            ) from exc
        if response.status_code not in UNAVAILABLE_STATUS_CODES:  # maybe a proxy in front
            self.server_clock.observe_headers(response.headers.get_list("date"), sent,
                                              self.server_clock.local_now())
        return response


def _bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def _bearer_token(headers: dict[str, str] | None) -> str | None:
    value = (headers or {}).get("Authorization", "")
    return value[len("Bearer "):] if value.startswith("Bearer ") else None


def _detail(response: httpx.Response) -> str:
    """The error detail of a FastAPI-style `{"detail": ...}` body, else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict) and "error" in body and "detail" not in body:  # OAuth errors
        return f"{body['error']}: {body.get('error_description', '')}".rstrip(": ")
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        if isinstance(detail, dict) and "message" in detail:  # {"code", "message"} errors
            return f"{detail.get('code', 'error')}: {detail['message']}"
        if isinstance(detail, list):  # FastAPI validation errors
            return "; ".join(
                f"{'.'.join(str(part) for part in item.get('loc', []))}: {item.get('msg')}"
                if isinstance(item, dict)
                else str(item)
                for item in detail
            )
        return str(detail)
    return str(body)[:300]


def _error_code(response: httpx.Response) -> str | None:
    """`detail.code` of a `{"detail": {"code": ..., "message": ...}}` body, else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    code = detail.get("code") if isinstance(detail, dict) else None
    return code if isinstance(code, str) else None


def _error_info(response: httpx.Response) -> dict[str, object] | None:
    """The `detail` object of a `{"detail": {"code": ..., ...}}` body, else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, dict) else None


def _detail_suffix(response: httpx.Response) -> str:
    detail = _detail(response)
    return f" ({detail})" if detail else ""
