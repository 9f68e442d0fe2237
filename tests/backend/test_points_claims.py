"""Earning by rule: signed earn codes, claims (once per code, caps per day and fiscal year,
eligibility, idempotency), staff grants, and the offline `points_claims.claim` mutation,
on SQLite and PostgreSQL (docs/points.md "Earning")."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session

from backend.models import Person
from backend.models.person import ASSURANCE_EMAIL
from backend.sync.push import process_push
from backend.sync.types import Mutation
from backend.tiles.points import api
from backend.tiles.points.claims import (
    AlreadyClaimed,
    BadCode,
    CapReached,
    NotByStaff,
    NotEligible,
    fiscal_year,
    grant_by_staff,
)
from backend.tiles.points.code_issue import NotByCode, issue_code
from backend.tiles.points.earn_codes import (
    OFFLINE_GRACE,
    BadSignature,
    CodeExpired,
    EarnCode,
    NotYetValid,
    make_code,
    new_secret,
    read_code,
)
from backend.tiles.points.earning_models import PointsClaim, PointsEarnCode
from backend.tiles.points.errors import IdempotencyConflict, InvalidRequest
from tests.backend.people import make_person
from tests.backend.points_earning_helpers import claim, issue, points_of

NOW = datetime(2026, 6, 10, 3, 0, tzinfo=UTC)
SECRET = new_secret()


def _code(**changes: object) -> EarnCode:
    values: dict[str, object] = {
        "municipality_code": "332038", "kid": "k1", "rule_id": "event-checkin",
        "label": "津山まつり 受付", "place": "津山城", "valid_from": NOW,
        "valid_until": NOW + timedelta(hours=8), "nonce": "n0nce-abc"}
    values.update(changes)
    return EarnCode(**values)  # type: ignore[arg-type]


def _secrets(municipality: str, kid: str) -> str | None:
    return SECRET if (municipality, kid) == ("332038", "k1") else None


# -- codes (no database) ------------------------------------------------------------------

def test_a_code_reads_back_what_was_signed() -> None:
    text = make_code(_code(), SECRET)
    assert text.startswith("TSPT1.") and text.count(".") == 2
    assert read_code(text, _secrets) == _code()
    assert read_code(f"  {text}\n", _secrets) == _code()  # pasted with spaces


def _tamper(text: str, **changes: object) -> str:
    prefix, payload, signature = text.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    raw = json.dumps(claims).encode()
    forged = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return f"{prefix}.{forged}.{signature}"


@pytest.mark.parametrize("text", [
    "", "hello", "TSPT1.", "TSPT1.abc", "TSPT1..sig", "TSPT1.!!!.sig", "TSPT2.abc.def",
    "TSPT1." + "A" * 3000 + ".x",
    # valid base64 that is not JSON, and JSON that is not an object
    "TSPT1.bm90IGpzb24.c2ln", "TSPT1.WzFd.c2ln",
])
def test_malformed_codes_are_refused(text: str) -> None:
    with pytest.raises(BadSignature):
        read_code(text, _secrets)


def test_a_changed_or_foreign_code_fails_its_signature() -> None:
    text = make_code(_code(), SECRET)
    for forged in (_tamper(text, rule="stamp-rally"), _tamper(text, exp=2**39),
                   make_code(_code(), new_secret()),  # another key
                   make_code(_code(kid="k9"), SECRET),  # unknown key id
                   make_code(_code(municipality_code="131016"), SECRET),  # another city
                   text[:-2] + ("AA" if not text.endswith("AA") else "BB")):
        with pytest.raises(BadSignature):
            read_code(forged, _secrets)


def test_the_time_window_and_the_offline_grace() -> None:
    code = _code()
    code.check_time(NOW)
    code.check_time(code.valid_until)
    with pytest.raises(NotYetValid):
        code.check_time(NOW - timedelta(seconds=1))
    with pytest.raises(CodeExpired):
        code.check_time(code.valid_until + timedelta(seconds=1))
    code.check_time(code.valid_until + OFFLINE_GRACE, OFFLINE_GRACE)
    with pytest.raises(CodeExpired):
        code.check_time(code.valid_until + OFFLINE_GRACE + timedelta(seconds=1), OFFLINE_GRACE)


@pytest.mark.parametrize(("day", "year"), [
    (date(2026, 3, 31), 2025), (date(2026, 4, 1), 2026), (date(2027, 1, 5), 2026)])
def test_fiscal_year_starts_in_april(day: date, year: int) -> None:
    assert fiscal_year(day) == year


# -- claims on the databases --------------------------------------------------------------

@pytest.fixture
def app(database_url: str, make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(database_url)  # demo data on: the demo rules are published


@pytest.fixture
def staff(app: FastAPI) -> Person:
    return make_person(app, role="staff", name="職員 みのり", departments=("points",))


def test_a_claim_earns_the_rules_points_once(app: FastAPI, staff: Person) -> None:
    taro = make_person(app, name="津山 太郎")
    code = issue(app, staff)
    first = claim(app, taro, code, key="claim-key-1")
    assert (first.rule.id, first.transfer.amount, first.replayed) == ("event-checkin", 50, False)
    assert first.transfer.purpose == "event" and first.label == "津山まつり"
    # The same request again (a lost answer): the first result, nothing new.
    again = claim(app, taro, code, key="claim-key-1")
    assert again.replayed and again.transfer.transfer_id == first.transfer.transfer_id
    assert again.transfer.balance_after == 50
    # The same key for another code: refused. The same code with a new key: already claimed.
    with pytest.raises(IdempotencyConflict):
        claim(app, taro, issue(app, staff), key="claim-key-1")
    with pytest.raises(AlreadyClaimed):
        claim(app, taro, code)
    assert points_of(app, taro) == 50
    # Another person may claim the same code.
    hanako = make_person(app, name="津山 花子")
    claim(app, hanako, code)
    assert points_of(app, hanako) == 50


def test_bad_codes_and_times(app: FastAPI, staff: Person) -> None:
    taro = make_person(app)
    code = issue(app, staff)
    for text, expected in ((code[:-3] + "abc", "bad_signature"), ("TSPT1.x.y", "bad_signature"),
                           ("nonsense", "bad_signature")):
        with pytest.raises(BadCode) as refused:
            claim(app, taro, text)
        assert refused.value.code == expected and refused.value.status == 422
    later = datetime.now(UTC) + timedelta(days=1)
    future = issue(app, staff, valid_from=later, valid_until=later + timedelta(hours=1))
    with pytest.raises(BadCode) as early:
        claim(app, taro, future)
    assert early.value.code == "not_yet_valid"
    with pytest.raises(BadCode) as late:
        claim(app, taro, code, now=datetime.now(UTC) + timedelta(days=1))
    assert late.value.code == "code_expired"
    # Synced from offline: accepted within 7 days after the code's end.
    assert claim(app, taro, code, now=datetime.now(UTC) + timedelta(days=6),
                 grace=OFFLINE_GRACE).transfer.amount == 50
    with pytest.raises(InvalidRequest):
        claim(app, taro, issue(app, staff), key="short")


def test_caps_per_day_and_per_fiscal_year(app: FastAPI, staff: Person) -> None:
    taro = make_person(app)
    claim(app, taro, issue(app, staff, rule_id="recycling-point", label="資源回収 北"))
    with pytest.raises(CapReached) as daily:  # recycling: once a day
        claim(app, taro, issue(app, staff, rule_id="recycling-point", label="資源回収 南"))
    assert daily.value.details["cap"] == "daily"
    assert daily.value.code == "cap_reached"
    # A refused claim leaves nothing: the tally was not raised, the code is still unclaimed.
    with Session(app.state.engine) as session:
        assert session.scalar(select(func.count()).select_from(PointsClaim)) == 1
    # The stamp rally: once a day, three times a fiscal year (days in the city's time zone).
    day = datetime(2026, 5, 1, 0, 30, tzinfo=UTC)
    codes = [issue(app, staff, rule_id="stamp-rally", label=f"ラリー{i}", now=day,
                   valid_until=day + timedelta(days=360)) for i in range(5)]
    for index in range(3):
        claim(app, taro, codes[index], now=day + timedelta(days=index))
    with pytest.raises(CapReached) as yearly:
        claim(app, taro, codes[3], now=day + timedelta(days=5))
    assert yearly.value.details["cap"] == "yearly"
    # The next fiscal year starts on 1 April (Asia/Tokyo): 2027-03-31 15:00 UTC is 1 April.
    with pytest.raises(CapReached):
        claim(app, taro, codes[3], now=datetime(2027, 3, 31, 14, 59, tzinfo=UTC),
              grace=timedelta(days=60))
    claim(app, taro, codes[3], now=datetime(2027, 3, 31, 15, 0, tzinfo=UTC),
          grace=timedelta(days=60))


def test_who_may_receive(app: FastAPI, staff: Person) -> None:
    visitor = make_person(app, assurance_level=ASSURANCE_EMAIL, birthdate=None)
    with pytest.raises(NotEligible):  # recycling: residents only
        claim(app, visitor, issue(app, staff, rule_id="recycling-point"))
    assert claim(app, visitor, issue(app, staff)).transfer.amount == 50  # events: everyone
    young = make_person(app, birthdate=date(2000, 1, 1))
    with pytest.raises(NotEligible) as too_young:  # health check: 40 or over
        api.in_write_transaction(app.state.engine, lambda s: grant_by_staff(
            s, staff.id, young, "health-check", "特定健診受診", "grant-young-1", NOW))
    assert too_young.value.details["min_age"] == 40


def test_staff_grants_with_caps_and_keys(app: FastAPI, staff: Person) -> None:
    taro = make_person(app, birthdate=date(1981, 4, 12))

    def grant(key: str, rule_id: str = "health-check", reason: str = "特定健診受診") -> int:
        return api.in_write_transaction(app.state.engine, lambda s: grant_by_staff(
            s, staff.id, taro, rule_id, reason, key, NOW)).transfer.amount

    assert grant("grant-key-1") == 500
    assert grant("grant-key-1") == 500  # a retry of the same grant
    with pytest.raises(IdempotencyConflict):
        grant("grant-key-1", reason="別の理由")
    with pytest.raises(CapReached):  # once a fiscal year
        grant("grant-key-2")
    with pytest.raises(NotByStaff):
        grant("grant-key-3", rule_id="recycling-point")
    assert points_of(app, taro) == 500
    with Session(app.state.engine) as session:
        claim_row = session.scalars(select(PointsClaim)).one()
        assert (claim_row.source, claim_row.actor_person_id) == ("staff", staff.id)
        with pytest.raises(NotByCode):
            issue_code(session, staff_id=staff.id, municipality_code="332038",
                       rule_id="health-check", label="x", place="", valid_from=NOW,
                       valid_until=NOW + timedelta(hours=1), now=NOW)
        with pytest.raises(InvalidRequest):
            issue_code(session, staff_id=staff.id, municipality_code="332038",
                       rule_id="event-checkin", label="x", place="", valid_from=NOW,
                       valid_until=NOW + timedelta(days=400), now=NOW)
        # Refused issues leave no record.
        assert session.scalar(select(func.count()).select_from(PointsEarnCode)) == 0


def test_racing_claims_of_one_code_grant_it_once(app: FastAPI, staff: Person) -> None:
    taro = make_person(app)
    code = issue(app, staff)
    start = threading.Barrier(6)

    def run(index: int) -> str:
        start.wait()
        try:
            claim(app, taro, code, key=f"race-key-{index}")
        except AlreadyClaimed:
            return "already"
        return "granted"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = sorted(pool.map(run, range(6)))
    assert outcomes == ["already"] * 5 + ["granted"]
    assert points_of(app, taro) == 50


def _mutation(code: str, mutation_id: str, seq: int = 1) -> Mutation:
    return Mutation(seq=seq, mutation_id=mutation_id, collection="points_claims", name="claim",
                    args={"code": code}, created_at="2026-01-01T00:00:00+00:00")


def test_an_offline_claim_is_granted_exactly_once(app: FastAPI, staff: Person) -> None:
    taro = make_person(app)
    code = issue(app, staff)
    mutation_id = str(uuid.uuid4())
    first = process_push(app.state.engine, taro, "phone", [_mutation(code, mutation_id)])
    result = first.results[0]
    assert result["status"] == "applied", result
    assert result["result"]["transfer"]["amount"] == 50
    assert result["result"]["rule"]["id"] == "event-checkin"
    # The push retried (the answer was lost), then from another device with a new id.
    process_push(app.state.engine, taro, "phone", [_mutation(code, mutation_id)])
    other = process_push(app.state.engine, taro, "tablet", [_mutation(code, str(uuid.uuid4()))])
    assert other.results[0]["status"] == "rejected"
    assert other.results[0]["error"]["code"] == "already_claimed"
    assert points_of(app, taro) == 50
    bad = process_push(app.state.engine, taro, "phone", [_mutation("junk", str(uuid.uuid4()), 2)])
    assert bad.results[0]["error"]["code"] == "bad_signature"
    short = process_push(app.state.engine, taro, "phone", [_mutation(code, "m1", 3)])
    assert short.results[0]["error"]["code"] == "invalid_args"
