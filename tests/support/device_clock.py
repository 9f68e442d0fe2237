"""Set "the device's clock" wrong in-process, leaving the backend's clock alone.

The contract tests run the app's code and the backend in one process, so the device's clock
cannot simply be patched everywhere: `datetime.now` is replaced in the modules the device
reads the time through (`backend_client`, `offline_store`, and PyJWT, which the app's ID
token check used to read it through) by one that adds `offset`, except when the caller is
backend code (`backend.…`, which also uses PyJWT for its own tokens).

    shift_device_clock(monkeypatch, timedelta(days=1))   # a day ahead
"""

from __future__ import annotations

import importlib
import sys
from datetime import datetime, timedelta, tzinfo

import pytest

_REAL = datetime
# Where the device reads the time; a module missing here (older code) is skipped.
DEVICE_MODULES = ("jwt.api_jwt", "backend_client.oauth", "backend_client.clock",
                  "offline_store.clock")
_PASS_THROUGH = ("jwt", __name__)


def _called_by_backend() -> bool:
    """Whether the first caller outside PyJWT (and this module) is backend code."""
    frame = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if not any(name == p or name.startswith(p + ".") for p in _PASS_THROUGH):
            return name == "backend" or name.startswith("backend.")
        frame = frame.f_back
    return False


class _RealInstances(type):
    """`isinstance(x, datetime)` keeps working with the replacement class."""

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, _REAL)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _REAL)


def device_datetime(offset: timedelta) -> type[datetime]:
    class DeviceDatetime(_REAL, metaclass=_RealInstances):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:
            real = _REAL.now(tz)
            return real if _called_by_backend() else real + offset

    return DeviceDatetime


def shift_device_clock(monkeypatch: pytest.MonkeyPatch, offset: timedelta) -> None:
    replacement = device_datetime(offset)
    for name in DEVICE_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        monkeypatch.setattr(module, "datetime", replacement)
