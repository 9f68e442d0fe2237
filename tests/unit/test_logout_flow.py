"""Logout with unsent changes: ask, send first, discard, or stay."""

import pytest

from app.account.logout_flow import run_logout

pytestmark = pytest.mark.anyio


class FakeDevice:
    def __init__(self, pending: int, sync_sends: bool = True) -> None:
        self.pending = pending
        self.sync_sends = sync_sends
        self.stopped_with: bool | None = None

    async def sync_and_wait(self) -> None:
        if self.sync_sends:
            self.pending = 0

    async def stop(self, wipe: bool = False) -> None:
        self.stopped_with = wipe


class FakeAccount:
    def __init__(self) -> None:
        self.logged_out = False

    async def logout(self) -> None:
        self.logged_out = True


async def test_nothing_pending_logs_out_and_keeps_the_store():
    device, account = FakeDevice(0), FakeAccount()
    assert await run_logout("ask", device, account) == ""
    assert account.logged_out and device.stopped_with is False


async def test_pending_changes_ask_first_and_change_nothing():
    device, account = FakeDevice(3), FakeAccount()
    assert await run_logout("ask", device, account) == "pending"
    assert not account.logged_out and device.stopped_with is None


async def test_send_then_log_out():
    device, account = FakeDevice(3), FakeAccount()
    assert await run_logout("send", device, account) == ""
    assert account.logged_out and device.stopped_with is False


async def test_send_while_offline_keeps_the_resident_logged_in():
    device, account = FakeDevice(3, sync_sends=False), FakeAccount()
    assert await run_logout("send", device, account) == "still_pending"
    assert not account.logged_out and device.stopped_with is None


async def test_discard_wipes_the_local_store():
    device, account = FakeDevice(3), FakeAccount()
    assert await run_logout("discard", device, account) == ""
    assert account.logged_out and device.stopped_with is True


async def test_cancel_and_unknown_choices():
    device, account = FakeDevice(3), FakeAccount()
    assert await run_logout("cancel", device, account) == ""
    assert not account.logged_out
    with pytest.raises(ValueError):
        await run_logout("maybe", device, account)


async def test_a_kiosk_reset_tries_to_send_what_was_left_then_gives_up_in_time():
    from app.account.logout_flow import send_before_reset

    assert await send_before_reset(FakeDevice(2), timeout_s=1) == 0  # online: sent

    class Hanging(FakeDevice):
        async def sync_and_wait(self) -> None:
            import asyncio

            await asyncio.sleep(60)

    assert await send_before_reset(Hanging(1), timeout_s=0.05) == 1  # a dead link: no hang
    assert await send_before_reset(FakeDevice(1, sync_sends=False), timeout_s=1) == 1
    assert await send_before_reset(FakeDevice(0), timeout_s=1) == 0
