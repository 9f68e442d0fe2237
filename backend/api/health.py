"""`GET /healthz`: is the database reachable and migrated to head?"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from backend.api.dependencies import EngineDep, SettingsDep
from backend.schema import HEAD_REVISION, current_revision

logger = logging.getLogger(__name__)

router = APIRouter()


def _short_error(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    first_line = (str(original).strip().splitlines() or [""])[0]
    return f"{type(original).__name__}: {first_line}"[:300]


@router.get("/healthz")
def healthz(engine: EngineDep, settings: SettingsDep) -> JSONResponse:
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        logger.warning("Health check: database query failed", exc_info=True)
        return JSONResponse(
            status_code=503,
            content={
                "status": "error",
                "database": settings.database_kind,
                "detail": f"database query failed: {_short_error(exc)}",
            },
        )
    if revision != HEAD_REVISION:
        return JSONResponse(
            status_code=503,
            content={
                "status": "error",
                "database": settings.database_kind,
                "detail": f"database schema is at {revision}, expected {HEAD_REVISION}",
            },
        )
    return JSONResponse(
        content={
            "status": "ok",
            "database": settings.database_kind,
            "schema_version": revision,
            "head": HEAD_REVISION,
            "municipality_code": settings.municipality_code,
        }
    )
