"""What an import found wrong: one line per problem, `file:line: reason`.

A *row* problem (a malformed row) skips that row and the rest of the file still loads; a
*file* problem (missing, unreadable, not the expected layout) means nothing of that file
loaded. Warnings load the row but point at something a city should look at.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str  # the file's name (not its full path: the report is read by city staff)
    line: int | None  # 1-based physical line of the row; None: the whole file
    reason: str
    level: str = ERROR

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        prefix = "warning: " if self.level == WARNING else ""
        return f"{where}: {prefix}{self.reason}"


class WasteFileError(Exception):
    """A file that cannot be used at all: missing, unreadable, or not the expected layout."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason

    def problem(self) -> Problem:
        return Problem(self.file, None, self.reason)


@dataclass
class ImportReport:
    """Problems of one dataset and how many rows of each collection loaded."""

    problems: list[Problem] = field(default_factory=list)
    loaded: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # facts about the import (no fault)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def row(self, file: str, line: int, reason: str) -> None:
        self.problems.append(Problem(file, line, reason))

    def warn(self, file: str, line: int | None, reason: str) -> None:
        self.problems.append(Problem(file, line, reason, WARNING))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def failed_files(self) -> list[str]:
        """Files of which nothing loaded."""
        return sorted({p.file for p in self.problems if p.line is None and p.level == ERROR})

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def anything_loaded(self) -> bool:
        return sum(self.loaded.values()) > 0

    def lines(self) -> list[str]:
        """The report as text lines: the counts, the notes, then one line per problem."""
        counts = ", ".join(f"{name} {count}" for name, count in sorted(self.loaded.items()))
        out = [f"loaded: {counts or 'nothing'}"]
        out += self.notes
        out += [str(problem) for problem in self.problems]
        return out
