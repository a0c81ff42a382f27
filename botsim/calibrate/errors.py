"""What calibrate raises for records it cannot use: every problem, located by file, line and
column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_PROBLEMS = 20


@dataclass(frozen=True)
class DataProblem:
    """One thing wrong with an input file, located by file, line and column."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class CalibrationError(Exception):
    """The records cannot be calibrated from; carries every problem found (up to a limit)."""

    def __init__(self, problems: Sequence[DataProblem]) -> None:
        super().__init__()
        self.problems = list(problems)

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) > MAX_PROBLEMS:
            lines.append(f"... and {len(self.problems) - MAX_PROBLEMS} more problem(s)")
        return "\n".join(lines)
