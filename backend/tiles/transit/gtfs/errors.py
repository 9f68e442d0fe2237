"""What `reader.read_feed` raises for a broken feed, and the collector it reports into.

Every problem names the file, the line (1 is the header line, so the first data row is line
2) and the field where it can. Per-row problems are collected (up to `MAX_ERRORS`) so that
one run shows many of them; structural ones (a missing file or column) stop the reading."""

from __future__ import annotations

from typing import NoReturn

MAX_ERRORS = 50
SHOWN_IN_MESSAGE = 5


class FeedError(Exception):
    """One problem in a feed: `str()` reads like
    `stops.txt line 12, stop_lat: "abc" is not a number`."""

    def __init__(self, file: str, line: int | None, field: str | None, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return f"FeedError({self.file!r}, {self.line!r}, {self.field!r}, {self.message!r})"


class FeedRejected(Exception):
    """The feed cannot be used; `errors` says why (at most `MAX_ERRORS` of the problems)."""

    def __init__(self, errors: list[FeedError]) -> None:
        self.errors = list(errors)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        shown = "; ".join(str(e) for e in self.errors[:SHOWN_IN_MESSAGE])
        more = len(self.errors) - SHOWN_IN_MESSAGE
        count = f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}"
        if len(self.errors) >= MAX_ERRORS:
            count = f"{MAX_ERRORS} errors or more"
        return f"feed rejected ({count}): {shown}" + (f"; and {more} more" if more > 0 else "")


class Problems:
    """Errors and warnings met while reading one feed."""

    def __init__(self) -> None:
        self.errors: list[FeedError] = []
        self.warnings: list[str] = []

    def error(self, file: str, line: int | None, field: str | None, message: str) -> None:
        """Note an error; reading goes on until `MAX_ERRORS` of them, then stops."""
        self.errors.append(FeedError(file, line, field, message))
        if len(self.errors) >= MAX_ERRORS:
            raise FeedRejected(self.errors)

    def fatal(self, file: str, line: int | None, field: str | None, message: str) -> NoReturn:
        """Note an error after which reading cannot go on, and stop."""
        self.errors.append(FeedError(file, line, field, message))
        raise FeedRejected(self.errors)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def stop_if_any(self) -> None:
        if self.errors:
            raise FeedRejected(self.errors)


def not_found(key: str, value: str, target: str) -> str:
    return f'no {key} "{value}" in {target}'
