"""FastAPI dependencies: who is calling (from the bearer access token), and may they."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from backend.api.dependencies import EngineDep, SettingsDep
from backend.identity.access_tokens import AccessClaims, InvalidToken, verify_access_token
from backend.identity.keys import SigningKey
from backend.identity.runtime import install_revocation_check
from backend.identity.staff_departments import DEPARTMENTS_BY_ID, Scope, scopes_of
from backend.models.person import ASSURANCE_CARD, ROLE_STAFF, Person


def get_signing_key(request: Request) -> SigningKey:
    return request.app.state.signing_key


SigningKeyDep = Annotated[SigningKey, Depends(get_signing_key)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{detail}"'},
    )


# Declares the bearer scheme in the OpenAPI of every route that needs a caller; it never
# answers by itself (auto_error=False): `access_claims` keeps its own 401s.
bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearer",
    bearerFormat="JWT",
    description="The access token from POST /token (ES256 JWT, 10 minutes; docs/identity.md)",
)


def access_claims(
    request: Request, key: SigningKeyDep, settings: SettingsDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> AccessClaims:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="login required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        claims = verify_access_token(key, settings.issuer, token.strip())
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from exc
    install_revocation_check(request.app)
    if request.app.state.is_access_token_revoked(claims):
        raise _unauthorized("the access token has been revoked")
    return claims


AccessClaimsDep = Annotated[AccessClaims, Depends(access_claims)]


def current_person(claims: AccessClaimsDep, engine: EngineDep, settings: SettingsDep) -> Person:
    with Session(engine) as session:
        person = session.get(Person, claims.subject)
    if person is None or not person.active or person.municipality_code != (
        settings.municipality_code
    ):
        raise _unauthorized("the account does not exist or was deleted")
    return person


CurrentPerson = Annotated[Person, Depends(current_person)]


CARD_REQUIRED = (
    "This needs an account verified with the My Number card; email-only accounts (for "
    "visitors) cannot use it. Log in with the My Number card. "
    "（マイナンバーカードで本人確認したアカウントが必要です）"
)


def require_card_verified(person: CurrentPerson) -> Person:
    """The caller, who must have logged in with the My Number card (assurance "card"):
    403 for email-only accounts. See docs/identity.md for the routes that need it."""
    if person.assurance_level != ASSURANCE_CARD:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=CARD_REQUIRED)
    return person


CardVerifiedPerson = Annotated[Person, Depends(require_card_verified)]


def require_staff(person: CardVerifiedPerson) -> Person:
    """City staff, card-verified (a staff role on an email-only account is refused)."""
    if person.role != ROLE_STAFF:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="city staff only")
    return person


StaffPerson = Annotated[Person, Depends(require_staff)]


OUTSIDE_SCOPE = "outside_staff_scope"


@dataclass(frozen=True)
class StaffCaller:
    """A staff member allowed on a route of `department`, with their units there ("" = all)."""

    person: Person
    department: str
    units: frozenset[str]

    @property
    def id(self) -> str:
        return self.person.id

    @property
    def municipality_code(self) -> str:
        return self.person.municipality_code

    def covers_unit(self, unit: str) -> bool:
        return "" in self.units or unit in self.units


def staff_of(department: str) -> Callable[..., StaffCaller]:
    """A FastAPI dependency: the caller is card-verified staff and a member of `department`
    (any unit of it); otherwise 403 `{"detail": {"code": "outside_staff_scope", ...}}`.
    Use as `Annotated[StaffCaller, Depends(staff_of("waste"))]` (ADR 0023)."""
    if department not in DEPARTMENTS_BY_ID:
        raise ValueError(f"unknown department {department!r}")

    def require_scope(staff: StaffPerson, engine: EngineDep) -> StaffCaller:
        scopes: tuple[Scope, ...] = scopes_of(engine, staff.id)
        units = frozenset(s.unit for s in scopes if s.department == department)
        if not units:
            name = DEPARTMENTS_BY_ID[department]
            raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail={
                "code": OUTSIDE_SCOPE, "department": department,
                "message": f"for staff of {name.name_ja} ({name.name_en}) only"})
        return StaffCaller(staff, department, units)

    require_scope.__name__ = f"staff_of_{department}"
    return require_scope


WasteStaff = Annotated[StaffCaller, Depends(staff_of("waste"))]
CitizensStaff = Annotated[StaffCaller, Depends(staff_of("citizens"))]
