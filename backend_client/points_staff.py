"""The points tile's staff routes (docs/points.md, "Staff": department `points`, 地域振興課):
shops, the city's totals, a resident's history (logged), earn codes, district weights, the
expiry run and corrections; and the public list of earning rules the forms choose from.

Built on `BackendClient`'s request helpers, like its bulky-waste staff methods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from backend_client.client import BackendClient, _bearer
from backend_client.errors import BackendProtocolError
from backend_client.points_shop import parse_moment


def _rows(data: Any, key: str, what: str) -> list[Any]:
    rows = data.get(key) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise BackendProtocolError(f"{what}: expected a list of {key}")
    return rows


def _text(row: Any, key: str, what: str) -> str:
    value = row.get(key) if isinstance(row, dict) else None
    if not isinstance(value, str):
        raise BackendProtocolError(f"{what}: field {key!r} should be a string")
    return value


def _number(row: dict[str, Any], key: str) -> int:
    value = row.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class PointsShop:
    """A registered shop, as staff see it."""

    id: str
    name: str
    merchant_id: str
    category: str
    postal_code: str
    active: bool = True

    @classmethod
    def from_json(cls, data: Any) -> PointsShop:
        what = "points shop"
        row = data if isinstance(data, dict) else {}

        def text(key: str) -> str:
            value = row.get(key)
            return value if isinstance(value, str) else ""

        return cls(id=_text(data, "id", what), name=_text(data, "name", what),
                   merchant_id=text("merchant_id"), category=text("category"),
                   postal_code=text("postal_code"), active=row.get("active") is not False)


@dataclass(frozen=True)
class PointsTotals:
    """The city's points: issued, spent at shops and on fees, expired, refunded, and what
    residents hold now (outstanding)."""

    issued: int
    spent: int
    expired: int
    refunded: int
    outstanding: int
    residents: int
    shops: int

    @classmethod
    def from_json(cls, data: Any) -> PointsTotals:
        if not isinstance(data, dict):
            raise BackendProtocolError("totals response is not an object")
        return cls(**{name: _number(data, name) for name in (
            "issued", "spent", "expired", "refunded", "outstanding", "residents", "shops")})


def _kg(row: dict[str, Any], key: str) -> float | None:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True)
class StaffDistrict:
    """A recycling district as the weight form shows it: its goal and what was recorded
    for the month asked for (None: nothing yet)."""

    id: str
    name: str
    name_en: str
    goal_kg: float
    points: int
    kg: float | None
    reached: bool

    def label(self, language: str) -> str:
        return self.name if language == "ja" else (self.name_en or self.name)

    @classmethod
    def from_json(cls, data: Any) -> StaffDistrict:
        what = "district"
        row = data if isinstance(data, dict) else {}
        name_en = row.get("name_en")
        return cls(id=_text(data, "id", what), name=_text(data, "name", what),
                   name_en=name_en if isinstance(name_en, str) else "",
                   goal_kg=_kg(row, "goal_kg") or 0.0, points=_number(row, "points"),
                   kg=_kg(row, "kg"), reached=row.get("reached") is True)


@dataclass(frozen=True)
class HistoryLine:
    """One transfer of a resident's history (the amount signed: the resident's view)."""

    id: str
    kind: str
    purpose: str
    amount: int
    created_at: datetime | None
    counterparty: str = ""
    reference: str = ""

    @classmethod
    def from_json(cls, data: Any) -> HistoryLine:
        what = "history item"
        row = data if isinstance(data, dict) else {}
        counterparty = row.get("counterparty")
        if isinstance(counterparty, dict):
            counterparty = counterparty.get("name")
        reference = row.get("reference")
        return cls(id=_text(data, "id", what), kind=_text(data, "kind", what),
                   purpose=str(row.get("purpose") or ""), amount=_number(row, "amount"),
                   created_at=parse_moment(row.get("created_at")),
                   counterparty=counterparty if isinstance(counterparty, str) else "",
                   reference=reference if isinstance(reference, str) else "")


@dataclass(frozen=True)
class EarningRule:
    """An earning rule a code or grant refers to."""

    id: str
    purpose: str
    name_ja: str
    name_en: str
    amount: int
    how: tuple[str, ...] = ()  # "code" (a printed QR), "staff" (granted by staff)

    def name(self, language: str) -> str:
        return (self.name_ja if language == "ja" else self.name_en) or self.name_ja or self.id

    @property
    def granted_by_staff(self) -> bool:
        return "staff" in self.how

    @classmethod
    def from_json(cls, data: Any) -> EarningRule:
        what = "earning rule"
        row = data if isinstance(data, dict) else {}
        name = row.get("name")
        names = name if isinstance(name, dict) else {"ja": name, "en": name}
        name_ja = row.get("name_ja", names.get("ja"))
        name_en = row.get("name_en", names.get("en"))
        return cls(id=_text(data, "id", what), purpose=str(row.get("purpose") or ""),
                   name_ja=name_ja if isinstance(name_ja, str) else "",
                   name_en=name_en if isinstance(name_en, str) else "",
                   amount=_number(row, "amount"),
                   how=tuple(str(h) for h in row.get("how") or () if isinstance(h, str)))


class PointsStaffClient:
    """The `/staff/points/*` routes; `access_token` is a staff member's of department
    `points`."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client

    async def rules(self) -> list[EarningRule]:
        data = await self._client._get_json("/points/rules")
        return [EarningRule.from_json(row) for row in _rows(data, "rules", "rules response")]

    async def shops(self, access_token: str) -> list[PointsShop]:
        data = await self._client._get_json("/staff/points/shops",
                                            headers=_bearer(access_token))
        return [PointsShop.from_json(row) for row in _rows(data, "shops", "shops response")]

    async def register_shop(self, access_token: str, *, name: str, merchant_id: str,
                            category: str, postal_code: str) -> PointsShop:
        return PointsShop.from_json(await self._client._request_json(
            "POST", "/staff/points/shops", headers=_bearer(access_token), ok=(200, 201),
            json={"name": name, "merchant_id": merchant_id, "category": category,
                  "postal_code": postal_code}))

    async def set_clerk(self, access_token: str, shop_id: str, person_id: str,
                        clerk: bool) -> None:
        """Makes (`clerk=True`) or ends a person's clerk membership of a shop."""
        await self._client._request_json(
            "PUT" if clerk else "DELETE",
            f"/staff/points/shops/{quote(shop_id, safe='')}/clerks/"
            f"{quote(person_id, safe='')}",
            headers=_bearer(access_token), ok=(200, 201, 204))

    async def totals(self, access_token: str) -> PointsTotals:
        return PointsTotals.from_json(await self._client._get_json(
            "/staff/points/totals", headers=_bearer(access_token)))

    async def districts(self, access_token: str, period: str) -> list[StaffDistrict]:
        """The recycling districts with what was recorded for `period` (YYYY-MM)."""
        data = await self._client._get_json(
            "/staff/points/districts", params={"period": period},
            headers=_bearer(access_token))
        return [StaffDistrict.from_json(row) for row in _rows(data, "districts", "districts")]

    async def resident_history(self, access_token: str, person_id: str,
                               purpose: str) -> list[HistoryLine]:
        """A resident's history; the read and its `purpose` go to their access log."""
        data = await self._client._get_json(
            f"/staff/points/residents/{quote(person_id, safe='')}/history",
            params={"purpose": purpose}, headers=_bearer(access_token))
        return [HistoryLine.from_json(row) for row in _rows(data, "items", "history")]

    async def earn_code(self, access_token: str, *, rule_id: str, label: str,
                        valid_from: datetime, valid_until: datetime) -> str:
        """A signed code (the QR's text) for an event check-in or a collection point."""
        data = await self._client._request_json(
            "POST", "/staff/points/earn-codes", headers=_bearer(access_token), ok=(200, 201),
            json={"rule_id": rule_id, "label": label, "valid_from": valid_from.isoformat(),
                  "valid_until": valid_until.isoformat()})
        return _text(data, "code", "earn code response")

    async def record_weight(self, access_token: str, *, district_id: str, period: str,
                            kg: float) -> dict[str, Any]:
        """A district's sorted-recyclables weight for a month (YYYY-MM)."""
        data = await self._client._request_json(
            "PUT", "/staff/points/district-weights", headers=_bearer(access_token),
            ok=(200, 201), json={"district_id": district_id, "period": period, "kg": kg})
        return data if isinstance(data, dict) else {}

    async def run_expiry(self, access_token: str) -> dict[str, Any]:
        data = await self._client._request_json(
            "POST", "/staff/points/expiry-runs", headers=_bearer(access_token),
            ok=(200, 201), json={})
        return data if isinstance(data, dict) else {}

    async def grant(self, access_token: str, *, person_id: str, rule_id: str, reason: str,
                    idempotency_key: str) -> dict[str, Any]:
        """Points granted to a resident by a rule staff may grant (a health check done);
        the rule's caps and eligibility apply."""
        data = await self._client._request_json(
            "POST", "/staff/points/grants", headers=_bearer(access_token),
            ok=(200, 201), json={"person_id": person_id, "rule_id": rule_id,
                                 "reason": reason, "idempotency_key": idempotency_key})
        return data if isinstance(data, dict) else {}

    async def correct(self, access_token: str, *, transfer_id: str, reason: str,
                      idempotency_key: str) -> dict[str, Any]:
        """A correction transfer that reverses `transfer_id`."""
        data = await self._client._request_json(
            "POST", "/staff/points/corrections", headers=_bearer(access_token),
            ok=(200, 201), json={"transfer_id": transfer_id, "reason": reason,
                                 "idempotency_key": idempotency_key})
        return data if isinstance(data, dict) else {}
