"""`POST /sync/push`, `GET /sync/pull` and `GET /sync/streams/{stream}/pull`: the device's
outbox in, the change log out.

Streams are filters over the one change log of a municipality (one position counter): the
personal stream (`/sync/pull`, the caller's own rows), "public" (content for everyone,
anonymous allowed) and "audience:<name>" (targeted content, only while the caller is in
that audience). The wire format is described in docs/sync.md; why: ADR 0013.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from backend.api.dependencies import EngineDep, SettingsDep
from backend.api.params import Cursor
from backend.identity.dependencies import (
    CurrentPerson,
    SigningKeyDep,
    access_claims,
    current_person,
)
from backend.models import Person
from backend.services.audiences import AUDIENCES
from backend.services.clock import city_today
from backend.services.households import household_of, profile_for
from backend.sync.change_log import MAX_PAGE, ChangePage, page_json, read_changes
from backend.sync.push import SyncUnavailable, process_push
from backend.sync.quotas import quota_limits
from backend.sync.types import Mutation

router = APIRouter(prefix="/sync", tags=["sync"])

MAX_MUTATIONS = 500
DEFAULT_PAGE = 500
RETRY_AFTER_SECONDS = "5"
PUBLIC_STREAM = "public"
AUDIENCE_PREFIX = "audience:"
ACCESS_REVOKED = "access_revoked"


class MutationIn(BaseModel):
    seq: int = Field(ge=1, le=2**62)
    mutation_id: str = Field(min_length=1, max_length=64)
    collection: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)
    args: Any = None  # checked per mutation: not an object -> rejected "invalid_args"
    created_at: str = Field(max_length=64)  # the device's clock: recorded nowhere, decides nothing


class PushIn(BaseModel):
    client_id: str = Field(min_length=1, max_length=128)
    mutations: list[MutationIn] = Field(max_length=MAX_MUTATIONS)


def _unavailable(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        detail=f"sync is unavailable for a moment ({detail}); push again: what was applied "
        "already is answered as duplicate",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


@router.post("/push")
def push(body: PushIn, person: CurrentPerson, engine: EngineDep,
         settings: SettingsDep) -> dict[str, Any]:
    """Apply the caller's mutations in seq order, each once, within the caller's quotas
    (see docs/sync.md)."""
    mutations = [Mutation(m.seq, m.mutation_id, m.collection, m.name, m.args, m.created_at)
                 for m in body.mutations]
    try:
        outcome = process_push(engine, person, body.client_id, mutations,
                               quota_limits(settings))
    except SyncUnavailable as exc:
        raise _unavailable(type(exc).__name__) from exc
    return {"results": outcome.results, "last_seq": outcome.last_seq}


def _caller_audiences(session: Session, person: Person) -> frozenset[str]:
    """The notice audiences the caller is in today (the rule of `GET /notices`)."""
    return profile_for(person, household_of(session, person), city_today()).audiences


def streams_of(audiences: frozenset[str]) -> list[str]:
    """The read-only streams a caller in `audiences` may pull: "public" first."""
    return [PUBLIC_STREAM, *(f"{AUDIENCE_PREFIX}{name}" for name in sorted(audiences))]


def encode_page(page: ChangePage, **extra: Any) -> Response:
    """A pull answer: `{"changes", "next_cursor", "has_more", **extra}`, the changes spliced
    in as the change log encoded them (`page_json`): no decoding of every stored value and no
    FastAPI re-encoding (a third of answering a page). `extra` fields are JSON-encoded here."""
    return Response(page_json(page, **extra), media_type="application/json")


@router.get("/pull", response_model=None)
def pull(
    person: CurrentPerson,
    engine: EngineDep,
    cursor: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> Response:
    """The caller's own change-log rows after `cursor`, ascending, and the streams the caller
    may pull now (`streams`: "public" and one "audience:<name>" per audience)."""
    try:
        with Session(engine) as session:
            streams = streams_of(_caller_audiences(session, person))
            page = read_changes(session.connection(), person.municipality_code, person.id,
                                cursor, limit)
    except DBAPIError as exc:
        raise _unavailable(type(exc).__name__) from exc
    return encode_page(page, streams=streams)


def stream_caller(
    request: Request, key: SigningKeyDep, engine: EngineDep, settings: SettingsDep
) -> Person | None:
    """Anonymous without an Authorization header; a bearer that is not valid is 401 (never
    silently anonymous: the device would file another city's content as its own)."""
    if not request.headers.get("Authorization"):
        return None
    return current_person(access_claims(request, key, settings), engine, settings)


StreamCaller = Annotated[Person | None, Depends(stream_caller)]


def _access_revoked(stream: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_403_FORBIDDEN,
        detail={"code": ACCESS_REVOKED,
                "message": f"you are not (or no longer) in the audience of {stream}; remove "
                "the rows of this stream from the device"},
    )


@router.get("/streams/{stream}/pull", response_model=None)
def pull_stream(
    stream: Annotated[str, Path(max_length=64)],
    caller: StreamCaller,
    engine: EngineDep,
    settings: SettingsDep,
    cursor: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    municipality: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
) -> Response:
    """One read-only stream's rows after `cursor`, ascending (see docs/sync.md, "Streams").

    "public": anyone; `municipality` picks whose content (default: the caller's, or this
    city's for anonymous callers). "audience:<name>": bearer required, only while the caller
    is in that audience (else 403 `access_revoked`), always the caller's municipality.
    """
    audience: str | None = None
    if stream != PUBLIC_STREAM:
        name = stream.removeprefix(AUDIENCE_PREFIX)
        if not stream.startswith(AUDIENCE_PREFIX) or name not in AUDIENCES:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND,
                                detail=f"unknown stream {stream!r}")
        if caller is None:
            raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                                detail="login required", headers={"WWW-Authenticate": "Bearer"})
        audience = name
    try:
        with Session(engine) as session:
            if audience is not None:
                assert caller is not None
                if audience not in _caller_audiences(session, caller):
                    raise _access_revoked(stream)
                code = caller.municipality_code
            else:
                code = municipality or (caller.municipality_code if caller is not None
                                        else settings.municipality_code)
            page = read_changes(session.connection(), code, None, cursor, limit,
                                audience=audience)
    except DBAPIError as exc:
        raise _unavailable(type(exc).__name__) from exc
    return encode_page(page)
