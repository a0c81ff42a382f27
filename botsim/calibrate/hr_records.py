"""Reading and checking the HR files: the employee and requisition CSV columns, one record
type each, and every problem collected with its file, line and column instead of stopping at
the first (see ``examples/README.md`` for the columns)."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from botsim.calibrate.errors import DataProblem

EXIT_KINDS = {
    "resignation": "voluntary",
    "walkout": "voluntary",
    "dismissal": "involuntary",
    "probation": "probation",
}
EMPLOYEE_COLUMNS = ("employee_id", "hire_date", "exit_date", "exit_kind")
EMPLOYEE_OPTIONAL = ("location", "role", "resignation_date")
REQUISITION_COLUMNS = ("requisition_id", "opened_date", "filled_date")
REQUISITION_OPTIONAL = (
    "location",
    "role",
    "cancelled_date",
    "start_date",
    "no_show",
    "offers_made",
    "offers_accepted",
    "applicants",
)
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}


@dataclass(frozen=True)
class EmployeeRecord:
    line: int
    employee_id: str
    location: str
    role: str
    hire: dt.date
    resignation: dt.date | None
    exit: dt.date | None
    exit_kind: str  # "" while employed (or serving notice with a resignation date)


@dataclass(frozen=True)
class RequisitionRecord:
    line: int
    requisition_id: str
    location: str
    opened: dt.date
    filled: dt.date | None
    cancelled: dt.date | None
    start: dt.date | None
    no_show: bool | None
    offers_made: int | None
    offers_accepted: int | None
    counts: dict[str, int | None]  # "applicants" and "<stage>_passed"
    stage_days: dict[str, float | None]  # "<stage>_days" and "offer_days"


class CsvRows:
    """Reads a CSV into (line number, row) pairs, collecting problems instead of stopping."""

    def __init__(self, path: Path, required: Sequence[str]) -> None:
        self.path = path
        self.file = str(path)
        self.problems: list[DataProblem] = []
        self.rows: list[tuple[int, dict[str, str]]] = []
        self.columns: list[str] = []
        self._read(required)

    def fail(self, message: str, line: int | None = None, column: str | None = None) -> None:
        self.problems.append(DataProblem(self.file, message, line, column))

    def _read(self, required: Sequence[str]) -> None:
        if not self.path.exists():
            self.fail("file not found")
            return
        if self.path.is_dir():
            self.fail("is a directory, expected a CSV file")
            return
        try:
            text = self.path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            self.fail(f"cannot read file: {exc.strerror or exc}")
            return
        except UnicodeDecodeError as exc:
            self.fail(f"not UTF-8 text (bad byte at offset {exc.start})")
            return
        if not text.strip():
            self.fail("empty file: expected a header line and at least one record")
            return
        reader = csv.reader(text.splitlines())
        try:
            header = next(reader)
        except csv.Error as exc:
            self.fail(f"cannot read the header: {exc}", 1)
            return
        self.columns = [h.strip().lower() for h in header]
        seen: set[str] = set()
        for col in self.columns:
            if col in seen:
                self.fail(f"column {col!r} appears twice in the header", 1, col)
            seen.add(col)
        missing = [c for c in required if c not in self.columns]
        if missing:
            self.fail(
                f"missing column(s) {', '.join(missing)}; found: {', '.join(self.columns)}",
                1,
                missing[0],
            )
            return
        try:
            for values in reader:
                line = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(self.columns):
                    self.fail(f"has {len(values)} fields, the header has {len(self.columns)}", line)
                    continue
                self.rows.append((line, {c: v.strip() for c, v in zip(self.columns, values)}))
        except csv.Error as exc:
            self.fail(f"cannot read CSV: {exc}", reader.line_num)
        if not self.rows and not self.problems:
            self.fail("no records: the file has a header but no data rows", 2)

    def date(self, line: int, row: dict[str, str], column: str, required: bool = False):
        text = row.get(column, "")
        if not text:
            if required:
                self.fail("value is missing", line, column)
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            self.fail(f"cannot read date {text!r} (expected YYYY-MM-DD)", line, column)
            return None

    def count(self, line: int, row: dict[str, str], column: str) -> int | None:
        text = row.get(column, "")
        if not text:
            return None
        try:
            value = int(text)
        except ValueError:
            self.fail(f"expected a whole number, got {text!r}", line, column)
            return None
        if value < 0:
            self.fail(f"must not be negative, got {value}", line, column)
            return None
        return value

    def days(self, line: int, row: dict[str, str], column: str) -> float | None:
        text = row.get(column, "")
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            self.fail(f"expected a number of days, got {text!r}", line, column)
            return None
        if not math.isfinite(value) or value < 0:
            self.fail(f"must be a non-negative number of days, got {text!r}", line, column)
            return None
        return value

    def unique_id(self, line: int, row: dict[str, str], column: str, seen: dict[str, int]):
        ident = row.get(column, "")
        if not ident:
            self.fail("value is missing", line, column)
            return None
        if ident in seen:
            self.fail(f"duplicate id {ident!r} (first on line {seen[ident]})", line, column)
            return None
        seen[ident] = line
        return ident


def _check_after(
    rows: CsvRows, line: int, later: dt.date | None, earlier: dt.date | None, what: str, col: str
) -> bool:
    if later is not None and earlier is not None and later < earlier:
        rows.fail(f"{what}: {later} is before {earlier}", line, col)
        return False
    return True


def read_employees(path: str | Path) -> tuple[list[EmployeeRecord], CsvRows]:
    """Parse and check an employee file (see ``examples/README.md`` for the columns)."""
    rows = CsvRows(Path(path), EMPLOYEE_COLUMNS)
    records: list[EmployeeRecord] = []
    seen: dict[str, int] = {}
    for line, row in rows.rows:
        before = len(rows.problems)
        ident = rows.unique_id(line, row, "employee_id", seen)
        hire = rows.date(line, row, "hire_date", required=True)
        resignation = rows.date(line, row, "resignation_date")
        exit_ = rows.date(line, row, "exit_date")
        kind = row.get("exit_kind", "").lower()
        if kind and kind not in EXIT_KINDS:
            rows.fail(
                f"unknown exit kind {kind!r}; use one of {', '.join(EXIT_KINDS)} "
                "(blank while employed)",
                line,
                "exit_kind",
            )
        _check_after(rows, line, exit_, hire, "exit before hire", "exit_date")
        _check_after(rows, line, resignation, hire, "resignation before hire", "resignation_date")
        _check_after(rows, line, exit_, resignation, "exit before resignation", "exit_date")
        if exit_ is not None and not kind:
            rows.fail("an exit date needs an exit_kind", line, "exit_kind")
        if kind and exit_ is None and not (kind == "resignation" and resignation is not None):
            rows.fail(f"exit_kind {kind!r} without an exit_date", line, "exit_date")
        if resignation is not None and kind not in ("", "resignation"):
            rows.fail(
                f"resignation_date is only for resignations, but exit_kind is {kind!r}",
                line,
                "resignation_date",
            )
        if len(rows.problems) == before:
            records.append(
                EmployeeRecord(
                    line,
                    ident,
                    row.get("location", ""),
                    row.get("role", ""),
                    hire,
                    resignation,
                    exit_,
                    "resignation" if resignation is not None else kind,
                )
            )
    return records, rows


def read_requisitions(
    path: str | Path, stage_names: Sequence[str]
) -> tuple[list[RequisitionRecord], CsvRows]:
    """Parse and check a requisition file; stage columns follow the base profile's stages."""
    rows = CsvRows(Path(path), REQUISITION_COLUMNS)
    count_cols = ["applicants", *(f"{s}_passed" for s in stage_names)]
    day_cols = [*(f"{s}_days" for s in stage_names), "offer_days"]
    records: list[RequisitionRecord] = []
    seen: dict[str, int] = {}
    for line, row in rows.rows:
        before = len(rows.problems)
        ident = rows.unique_id(line, row, "requisition_id", seen)
        opened = rows.date(line, row, "opened_date", required=True)
        filled = rows.date(line, row, "filled_date")
        cancelled = rows.date(line, row, "cancelled_date")
        start = rows.date(line, row, "start_date")
        _check_after(rows, line, filled, opened, "filled before opened", "filled_date")
        _check_after(rows, line, cancelled, opened, "cancelled before opened", "cancelled_date")
        _check_after(rows, line, start, filled, "start before offer accepted", "start_date")
        if filled is not None and cancelled is not None:
            rows.fail("a requisition cannot be both filled and cancelled", line, "cancelled_date")
        if start is not None and filled is None:
            rows.fail("a start date needs a filled_date (offer accepted)", line, "start_date")
        no_show = None
        text = row.get("no_show", "").lower()
        if text in TRUE_WORDS:
            no_show = True
        elif text in FALSE_WORDS:
            no_show = False
        elif text:
            rows.fail(f"expected true or false, got {text!r}", line, "no_show")
        if no_show and start is not None:
            rows.fail("a no-show cannot have a start_date", line, "no_show")
        if no_show and filled is None:
            rows.fail("a no-show needs a filled_date (offer accepted)", line, "no_show")
        made = rows.count(line, row, "offers_made")
        accepted = rows.count(line, row, "offers_accepted")
        if made is not None and accepted is not None and accepted > made:
            rows.fail(f"offers_accepted {accepted} > offers_made {made}", line, "offers_accepted")
        counts = {c: rows.count(line, row, c) for c in count_cols}
        for prev, col in itertools.pairwise(count_cols):
            a, b = counts[prev], counts[col]
            if a is not None and b is not None and b > a:
                rows.fail(f"{col} {b} is more than {prev} {a}", line, col)
        stage_days = {c: rows.days(line, row, c) for c in day_cols}
        if len(rows.problems) == before:
            records.append(
                RequisitionRecord(
                    line,
                    ident,
                    row.get("location", ""),
                    opened,
                    filled,
                    cancelled,
                    start,
                    no_show,
                    made,
                    accepted,
                    counts,
                    stage_days,
                )
            )
    return records, rows


def select_location(rows: CsvRows, records: list, location: str | None) -> list:
    names = sorted({r.location for r in records if r.location})
    if location is None:
        if len(names) > 1:
            rows.fail(
                f"records from several locations ({', '.join(names)}); choose one with --location",
                column="location",
            )
        return records
    chosen = [r for r in records if r.location == location]
    if not chosen:
        rows.fail(
            f"no records for location {location!r}; found: {', '.join(names) or 'none'}",
            column="location",
        )
    return chosen
