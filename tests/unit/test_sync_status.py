""""Data on this device": which changes wait, which the city refused and why, what was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.account.sync_status import generic_description, items_from, reason_of
from offline_store import OutboxEntry

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def entry(seq: int, state: str, key: str = "theme", age: timedelta = timedelta(minutes=5),
          code: str | None = None, message: str | None = None,
          collection: str = "preferences", name: str = "set") -> OutboxEntry:
    return OutboxEntry(seq, f"m{seq}", collection, key, name, {}, NOW - age, state,
                       code, message)


def test_changes_are_split_newest_first_with_reasons():
    entries = [
        entry(1, "applied"), entry(2, "rejected", code="invalid_args", message="too big"),
        entry(3, "sending"), entry(4, "pending", key="notices.read.4"),
        entry(5, "rejected", code="slot_full", message="no places left that day"),
        entry(6, "rejected", age=timedelta(days=45), code="not_found"),
    ]
    def mark(e):
        return (("A notice marked as read", {}) if e.key.startswith("notices.read.")
                else None)
    waiting, rejected, sent = items_from(entries, [mark], NOW)
    assert [(i.seq, i.state) for i in waiting] == [(4, "pending"), (3, "sending")]
    assert waiting[0].description == ("A notice marked as read", {})
    assert waiting[1].description == ("A setting was changed ({key})", {"key": "theme"})
    assert [i.seq for i in rejected] == [5, 2]  # the one from 45 days ago is no longer listed
    assert rejected[0].reason == ("The city did not accept it: {message}",
                                  {"message": "no places left that day"})
    assert rejected[1].reason == ("The city could not accept the data of this change.", {})
    assert [i.seq for i in sent] == [1]


def test_only_the_last_few_sent_changes_are_listed():
    _, _, sent = items_from([entry(i, "applied") for i in range(1, 20)], [], NOW)
    assert [i.seq for i in sent] == [19, 18, 17, 16, 15]


def test_generic_names_and_reasons():
    record = entry(1, "pending", collection="health_records", name="add")
    assert generic_description(record) == ("A health record was added", {})
    assert generic_description(entry(1, "pending", collection="bulky_waste")) == (
        "A change to {collection}", {"collection": "bulky_waste"})
    assert reason_of(entry(1, "rejected")) == ("The city did not accept it.", {})


def test_a_rebuilt_store_is_explained_with_what_was_saved_and_lost():
    from app.account.sync_status import recovery_lines
    from offline_store import StoreRecovery

    damaged = StoreRecovery(1, "damaged", NOW, recovered=3, lost=0)
    assert recovery_lines(damaged) == [
        ("The data saved on this device was damaged, so it has been rebuilt.", {}),
        ("What the city already has is being downloaded again.", {}),
        ("{count} changes you had not sent yet were recovered and will be sent.",
         {"count": "3"}),
        ("None of your unsent changes were lost.", {}),
    ]
    key_lost = recovery_lines(StoreRecovery(2, "key_lost", NOW, recovered=0, lost=2))
    assert key_lost[0][0].startswith("The key to the data")
    assert key_lost[-1] == ("{count} changes you had not sent yet could not be recovered. "
                            "Please make them again.", {"count": "2"})
    assert len(key_lost) == 3  # nothing recovered: no line about it
    file_lost = recovery_lines(StoreRecovery(3, "file_lost", NOW, recovered=0, lost=None))
    assert file_lost[0][0].startswith("The data saved on this device was missing")
    assert file_lost[-1][0].startswith("Changes you had not sent yet, if there were any")


def test_a_replayed_refusal_is_a_refusal_and_a_reused_id_has_a_reason():
    assert reason_of(entry(1, "rejected", code="mutation_id_reused"))[0].startswith(
        "This change reached the city twice")


def test_quota_and_internal_error_refusals_have_their_own_reasons():
    quota = reason_of(entry(1, "rejected", code="quota_exceeded",
                            message="quota preferences.rows exceeded: at most 500 per person"))
    assert quota[0].startswith("You have reached the limit of what the city keeps for you")
    internal = reason_of(entry(2, "rejected", code="internal_error", message="(generic)"))
    assert internal[0].startswith("The city's system could not process this change")
