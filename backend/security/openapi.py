"""The OpenAPI document: off in production, with bearer security and every status code.

- `/docs`, `/redoc` and `/openapi.json` are served only when `Settings.api_docs_enabled`
  (default: development yes, production no): a production backend does not hand out a map
  of itself.
- Routes that need a caller depend on `backend.identity.dependencies.bearer_scheme`, so
  FastAPI declares the HTTP bearer scheme on them; routes where a token is optional
  (`OPTIONAL_BEARER`) get "anonymous or bearer".
- `RESPONSES` lists, per operation, the status codes it really answers besides its success
  (and the 422 FastAPI adds for parameters). Every route needing a bearer gets 401 as well;
  every route 400 (the input policy of `backend.http` refuses a bad path or query string on
  any of them) and every route with a body 413 (the body limit).
  `tests/security/test_openapi_and_headers.py` fails when an operation is missing here.

Only descriptions are added (no body schemas): error bodies differ between the OAuth
endpoints (`{"error", "error_description"}`), the API (`{"detail"}`) and the HTML pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from backend.identity.dependencies import bearer_scheme
from backend.settings import Settings

BEARER = bearer_scheme.scheme_name

DESCRIPTIONS = {
    302: "Redirect: to the identity provider, the sign-in page, or back to the app",
    303: "Redirect back to the relying party (see other)",
    304: "Not modified: the version the caller has (`If-None-Match`) is current",
    400: "Bad request: input the input policy refuses (NUL, lone surrogates, over-long or "
         "deeply nested input), an OAuth error, or an HTML page saying what went wrong",
    401: "No valid bearer token (missing, invalid, expired or revoked), kiosk key or an "
         "unknown client; `WWW-Authenticate` says which",
    403: "Refused for this caller (not staff, staff of another department, not "
         "card-verified, not in the audience, or a "
         "form posted from another site)",
    404: "No such resource, or none this caller may see",
    409: "Conflicts with the current state of the resource",
    410: "Gone: expired or cancelled (an invitation code)",
    413: "The request body is too large",
    422: "The input is not valid",
    423: "Locked: too many wrong PINs; `locked_until` says until when",
    429: "Too many requests; `Retry-After` says when to try again",
    503: "Temporarily unavailable; try again (`Retry-After` where known)",
}

# Routes that serve everyone and more to a caller with a valid bearer token.
OPTIONAL_BEARER = frozenset({("get", "/notices"), ("get", "/sync/streams/{stream}/pull"),
                             ("get", "/queue/{counter}")})

# (method, path) -> status codes besides success; 401 is added to every bearer route.
RESPONSES: dict[tuple[str, str], tuple[int, ...]] = {
    ("get", "/healthz"): (503,),
    ("get", "/notices"): (422,),
    ("get", "/me"): (),
    ("delete", "/me"): (422,),
    ("get", "/me/household"): (),
    ("get", "/me/export"): (),
    ("get", "/me/consents"): (404, 422),
    ("post", "/me/consents"): (404, 409, 422),
    ("get", "/me/delegations"): (),
    ("post", "/me/delegations"): (403, 404, 409, 422),
    ("post", "/me/delegations/{delegation_id}/accept"): (403, 404, 409, 422),
    ("post", "/me/delegations/{delegation_id}/decline"): (403, 404, 409, 422),
    ("post", "/me/delegations/{delegation_id}/revoke"): (404, 409, 422),
    ("get", "/me/delegation-invitations"): (),
    ("post", "/me/delegation-invitations"): (403, 409, 422, 429),
    ("post", "/me/delegation-invitations/{invitation_id}/cancel"): (404, 409, 422),
    ("post", "/me/delegation-invitations/accept"): (403, 404, 409, 410, 422, 429),
    ("get", "/me/access-log"): (422,),
    ("get", "/people/{common_id}"): (404, 422),
    ("get", "/staff/residents/{common_id}"): (403, 404, 422),
    ("get", "/staff/bulky/slots"): (403, 422),
    ("put", "/staff/bulky/slots"): (403, 409, 422),
    ("get", "/staff/bulky/bookings"): (403, 422),
    ("get", "/staff/bulky/bookings.csv"): (403, 422),
    ("post", "/staff/bulky/bookings/{number}/collected"): (403, 404, 409, 422),
    # Points (docs/points.md): 403 for a caller who may not (another person's points, a
    # shop not theirs, not card-verified), 404 for what they may not see, 409 for a state
    # (not enough points, a code used, an idempotency key reused), 423 for a locked PIN.
    ("get", "/points/wallet"): (403, 404, 422),
    ("get", "/points/history"): (403, 404, 422),
    ("get", "/points/transfers/{transfer_id}/receipt"): (403, 404, 422),
    ("put", "/points/pin"): (403, 409, 422, 423),
    ("post", "/points/payments/preview"): (403, 404, 409, 422),
    ("post", "/points/payments"): (403, 404, 409, 422, 423),
    ("post", "/points/customer-codes"): (403, 409, 422, 423),
    ("post", "/points/claims"): (403, 404, 409, 422),
    ("get", "/points/rules"): (),
    ("get", "/points/district-progress"): (403, 404, 409, 422),
    ("put", "/points/district-optin"): (403, 404, 409, 422),
    ("get", "/points/shops/mine"): (403,),
    ("get", "/points/shops/{shop_id}/jpqr"): (403, 404, 422),
    ("post", "/points/shops/{shop_id}/charges"): (403, 404, 409, 422),
    ("get", "/points/shops/{shop_id}/takings"): (403, 404, 422),
    ("post", "/points/shops/{shop_id}/refunds"): (403, 404, 409, 422),
    ("get", "/staff/points/shops"): (403, 422),
    ("post", "/staff/points/shops"): (403, 409, 422),
    ("put", "/staff/points/shops/{shop_id}/clerks/{person_id}"): (403, 404, 409, 422),
    ("delete", "/staff/points/shops/{shop_id}/clerks/{person_id}"): (403, 404, 409, 422),
    ("get", "/staff/points/totals"): (403,),
    ("get", "/staff/points/districts"): (403, 422),
    ("get", "/staff/health/risk-counts"): (403, 422),
    ("get", "/staff/points/residents/{person_id}/history"): (403, 404, 422),
    ("post", "/staff/points/grants"): (403, 404, 409, 422),
    ("post", "/staff/points/earn-codes"): (403, 404, 422),
    ("post", "/staff/points/corrections"): (403, 404, 409, 422),
    ("put", "/staff/points/district-weights"): (403, 404, 409, 422),
    ("post", "/staff/points/expiry-runs"): (403,),
    ("post", "/bulky/bookings/{number}/points-payment"): (403, 404, 409, 422, 423),
    # Procedures (docs/procedures.md): an upload is 404 for an unknown procedure, 413 over
    # its slot's limit, 422 for a type or content refused, 429 over the unused-upload quota;
    # staff of another department get 404 for a submission (403 for a department filter).
    ("post", "/procedures/attachments"): (404, 422, 429),
    ("get", "/procedures/attachments/{attachment_id}"): (404, 422),
    ("post", "/procedures/submissions/{submission_id}/points-payment"): (403, 404, 409, 422,
                                                                         423),
    ("get", "/staff/procedures/submissions"): (403, 422),
    ("get", "/staff/procedures/submissions/{submission_id}"): (403, 404, 422),
    ("post", "/staff/procedures/submissions/{submission_id}/status"): (403, 404, 409, 422),
    ("get", "/staff/procedures/submissions/{submission_id}/attachments/{attachment_id}"): (
        403, 404, 422),
    # The 書かない窓口 handoff (counter_routes.py): 409 for a code used, a submission not at
    # the counter or not scanned, 422 for a forged or expired code.
    ("post", "/procedures/submissions/{submission_id}/handoff"): (403, 404, 409, 422),
    ("post", "/staff/procedures/handoffs/scan"): (403, 404, 409, 422),
    ("post", "/staff/procedures/submissions/{submission_id}/identity-check"): (403, 404, 409,
                                                                               422),
    ("get", "/staff/procedures/submissions/{submission_id}/pdf"): (403, 404, 409, 422),
    # Reservations (docs/reservations.md): a booking of someone else is 404; the check-in
    # code only while booked (409); the points payment as the procedures' one.
    ("get", "/reservations/{booking_id}.ics"): (404, 422),
    ("get", "/reservations/{booking_id}/checkin-code"): (404, 409, 422),
    ("post", "/reservations/{booking_id}/points-payment"): (403, 404, 409, 422, 423),
    # The waiting-number queue (整理券): an unknown counter is 404; staff of another
    # department get 404, a call with nobody waiting or a ticket in the wrong state 409.
    ("post", "/queue/{counter}/tickets"): (404, 422),
    ("get", "/queue/{counter}"): (404, 422),
    ("get", "/queue/{counter}/tickets/mine"): (404, 422),
    ("post", "/staff/queue/{counter}/tickets"): (403, 404, 422),
    ("post", "/staff/queue/{counter}/call"): (403, 404, 409, 422),
    ("post", "/staff/queue/{counter}/tickets/{number}/skip"): (403, 404, 409, 422),
    ("post", "/staff/queue/{counter}/tickets/{number}/done"): (403, 404, 409, 422),
    ("get", "/staff/queue/{counter}"): (403, 404, 422),
    # The kiosk's routes (X-Kiosk-Key, no login): 401 without a valid device key, 404 for
    # a counter not among the device's, 429 over the device's numbers per minute.
    ("get", "/kiosk/queue"): (401,),
    ("post", "/kiosk/queue/{counter}/tickets"): (401, 404, 422, 429),
    # A booking checked in at the kiosk by its QR code: 404 no such booking, 409 moved, not
    # today, in a state that cannot be checked in or of a counter the kiosk does not serve.
    ("post", "/kiosk/check-in"): (401, 404, 409, 422),
    # Reservations, staff: capacity below the places taken, a slot that exists or is closed,
    # a booking in the wrong state or not today are 409.
    ("get", "/staff/reservations/resources"): (403,),
    ("get", "/staff/reservations/{resource}/day/{day}"): (403, 404, 422),
    ("post", "/staff/reservations/{resource}/slots"): (403, 404, 409, 422),
    ("patch", "/staff/reservations/{resource}/slots/{start}"): (403, 404, 409, 422),
    ("post", "/staff/reservations/{resource}/slots/{start}/close"): (403, 404, 409, 422),
    ("post", "/staff/reservations/bookings/{booking_id}/check-in"): (403, 404, 409, 422),
    ("post", "/staff/reservations/bookings/{booking_id}/no-show"): (403, 404, 409, 422),
    ("post", "/staff/reservations/check-in"): (403, 404, 409, 422),
    # Transit (docs/transit-feeds.md): public timetables and live data; 304 while the
    # caller's ETag is current. Staff: a feeds file that cannot be used is 409, a feed
    # that cannot be used 422 with its report, an upload over 200 MB 413.
    ("get", "/transit/feeds"): (),
    ("get", "/transit/feeds/{feed_id}/timetable"): (304, 404, 422),
    ("get", "/transit/realtime"): (404, 422),
    ("get", "/staff/transit/feeds"): (403,),
    ("post", "/staff/transit/feeds/{feed_id}/import"): (403, 409, 422),
    ("post", "/sync/push"): (422, 503),
    ("get", "/sync/pull"): (422, 503),
    ("get", "/sync/streams/{stream}/pull"): (401, 403, 404, 422, 503),
    ("get", "/.well-known/openid-configuration"): (),
    ("get", "/jwks.json"): (),
    ("get", "/authorize"): (302, 400),
    ("get", "/auth/upstream/callback"): (302, 400, 429),
    ("post", "/token"): (400, 401, 422, 429),
    ("post", "/revoke"): (401, 422),
    ("post", "/logout"): (),
    ("get", "/auth/email"): (400, 422),
    # The HTML forms read their bodies themselves (no requestBody in the document): 413 here.
    ("post", "/auth/email/start"): (400, 403, 413, 429, 503),
    ("post", "/auth/email/verify"): (302, 400, 403, 413, 429),
    ("get", "/dev-idp/.well-known/openid-configuration"): (),
    ("get", "/dev-idp/jwks.json"): (),
    ("get", "/dev-idp/authorize"): (400,),
    ("post", "/dev-idp/login"): (303, 400, 403, 413),
    ("post", "/dev-idp/token"): (400, 401, 422),
    ("get", "/dev-mail"): (404,),
}


def docs_options(settings: Settings) -> dict[str, Any]:
    """FastAPI's constructor options: no docs routes unless `api_docs_enabled`."""
    if settings.api_docs_enabled:
        return {}
    return {"docs_url": None, "redoc_url": None, "openapi_url": None}


def _requires_bearer(operation: dict[str, Any]) -> bool:
    return any(BEARER in requirement for requirement in operation.get("security", []))


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the optional-bearer alternatives and the status codes of `RESPONSES` (in place)."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            key = (method, path)
            codes = {400, *RESPONSES.get(key, ())}
            if key in OPTIONAL_BEARER:
                operation["security"] = [{}, {BEARER: []}]
            elif _requires_bearer(operation):
                codes.add(401)
            if "requestBody" in operation:
                codes.add(413)
            responses = operation["responses"]
            for code in sorted(codes):
                responses.setdefault(str(code), {"description": DESCRIPTIONS[code]})
            if "422" in responses:
                # Field errors come as a list; a route's own checks answer a message or a
                # {"code", "message", ...} object. One schema says all three.
                responses["422"]["content"] = {"application/json": {"schema": {
                    "$ref": "#/components/schemas/ErrorResponse"}}}
            operation["responses"] = dict(sorted(responses.items()))
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorResponse"] = {
        "title": "ErrorResponse", "type": "object", "required": ["detail"],
        "properties": {"detail": {"anyOf": [
            {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}},
            {"type": "string"},
            {"type": "object"},
        ]}},
    }
    schemas.setdefault("ValidationError", {
        "title": "ValidationError", "type": "object", "required": ["loc", "msg", "type"],
        "properties": {"loc": {"type": "array", "items": {"anyOf": [{"type": "string"},
                                                                      {"type": "integer"}]}},
                       "msg": {"type": "string"}, "type": {"type": "string"}}})
    if any(key in OPTIONAL_BEARER for key in _operations(schema)):
        components = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        components.setdefault(BEARER, bearer_scheme.model.model_dump(
            by_alias=True, exclude_none=True))
    return schema


def _operations(schema: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, operations in schema.get("paths", {}).items()
            for method in operations}


def install(app: FastAPI) -> None:
    """Make `app.openapi()` return the completed document (built once, then cached)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
