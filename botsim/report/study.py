"""What a report is made from: the saved tables of a run, compare or sweep folder.

Every report is built from a :class:`Study` - tables read back from a folder (or about to be
written to one) - never from a live simulation, so ``botsim report FOLDER`` rebuilds exactly
what the original command wrote. All three kinds are normalised to the same shape: a
``group`` column (scenario name or sweep variant label) on the summary and time-series tables,
the horizon of each group, and for sweeps the parameter columns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botsim.experiment.outputs import (
    INCOMPLETE_PREFIX,
    MANIFEST,
    is_complete,
    staging_path,
    staging_state,
)
from botsim.experiment.sweep import DEFAULT_GRID_MONTH
from botsim.metrics import catalogue
from botsim.metrics.costs import LEDGER_LINES

SERIES_REPLICATIONS = 2000
"""Replications whose monthly series the report's figures read, shared between the groups of
a study (a run's one group reads 2,000, a comparison of two 1,000 each), but at least
:data:`SERIES_MIN_PER_GROUP` per group: the first ones (replications are independent and
identically distributed, so they are a random sample, and 2,000 give the figures' quantile
bands to well within a line width). This bounds the report's memory however many replications
a study has, and makes it the same from a few hundred replications per group on (issue 19:
flat memory); the tables use every replication."""
SERIES_MIN_PER_GROUP = 500
"""Fewest replications per group whose series the figures read (a sweep of 10 variants reads
500 each: P10/P90 bands within about ±1.3 percentage points of their level; assumption)."""


def series_replications(groups: int) -> int:
    """Replications per group whose monthly series the figures read (:data:`SERIES_REPLICATIONS`
    shared between ``groups``, at least :data:`SERIES_MIN_PER_GROUP`)."""
    floor = min(SERIES_MIN_PER_GROUP, SERIES_REPLICATIONS)
    return max(SERIES_REPLICATIONS // max(groups, 1), floor)


SERIES_KEYS = ("scenario", "point", "replication", "month")
"""Time-series columns that say whose month a row is."""

FAN_COLUMNS = ("target", "headcount", "effective_fte")
READINESS_SCORE = "readiness"
CRITERIA_FAMILY = "criterion_<criterion>"
"""The series family of the readiness criteria (one column per criterion)."""
COST_COLUMNS = ("cost_bot", "cost_outsourcing", "cost_onshore")
CUMULATIVE_COSTS = ("cumulative_cost_bot",)
PHASE = "phase"


def is_criterion(column: str) -> bool:
    """Whether a series column is one of the readiness criteria (by the catalogue's family)."""
    found = catalogue.lookup(column, "series")
    return found is not None and found.name == CRITERIA_FAMILY


def figure_series_columns(names: list[str]) -> list[str]:
    """The time-series columns the report's figures read (see ``botsim.report.figures``)."""
    wanted = {*SERIES_KEYS, *FAN_COLUMNS, READINESS_SCORE, *COST_COLUMNS, *CUMULATIVE_COSTS}
    wanted |= {*LEDGER_LINES, PHASE}  # the cost ledger by line and phase (tables)
    return [c for c in names if c in wanted or is_criterion(c)]


class ReportError(Exception):
    """The folder cannot be reported on (incomplete, not a botsim folder, unreadable)."""


class NoReplicationsError(ReportError):
    """The folder is complete but no replication completed: there is nothing to report."""


@dataclass
class Study:
    """Tables of one run, comparison or sweep, normalised for figures and the HTML report."""

    kind: str  # "run", "compare" or "sweep"
    title: str
    manifest: dict[str, Any]
    summary: Any  # DataFrame with a `group` column
    timeseries: Any  # DataFrame with a `group` column (may be empty)
    groups: list[str]
    horizons: dict[str, float]
    scenario_texts: dict[str, str] = field(default_factory=dict)  # name -> resolved YAML
    params: list[str] = field(default_factory=list)  # sweep parameter columns
    mode: str = ""  # sweep mode: "grid" or "one_at_a_time"
    sweep_text: str = ""
    key_metric: str = "time_to_stable_team"
    months: tuple[float, ...] = (6.0, 12.0, 18.0, 24.0)
    heatmap_month: float | None = None  # sweep file's heatmap_month (None: DEFAULT_GRID_MONTH)
    confidence: float = 0.95
    points: Any = None  # sweep: the points table
    description: str = ""
    series_note: str = ""  # said in the captions of figures drawn from a sample of the series
    derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    """Tables computed from this study once and reused (:func:`derived`): a sweep writes its
    contrasts, builds its report and prints its console summary from one study."""

    @property
    def horizon(self) -> float:
        """Common horizon (the shortest, so every group is observed up to it)."""
        return min(self.horizons.values()) if self.horizons else float("nan")

    @property
    def grid_month(self) -> float:
        """Month m of P(event by m) in a grid sweep's table, console summary and heatmaps.

        The sweep file's ``heatmap_month`` (default 18), lowered to the common horizon when
        beyond it, so that every variant is observed up to that month.
        """
        wanted = DEFAULT_GRID_MONTH if self.heatmap_month is None else float(self.heatmap_month)
        return float(self.horizon) if wanted > self.horizon else wanted

    @property
    def grid_month_note(self) -> str:
        """Plain-text note when the requested ``heatmap_month`` was lowered ("" otherwise)."""
        if self.heatmap_month is None or self.heatmap_month <= self.horizon:
            return ""
        return (
            f"heatmap_month {self.heatmap_month:g} is beyond the horizon "
            f"({self.horizon:g} months): P(event by month {self.grid_month:g}) is shown instead."
        )


def derived(study: Study, name: str, make: Any) -> Any:
    """``make(study)``, computed once per study and confidence level (a table the folder's
    tables, its report and the console summary all show): later calls return the first
    result. The tables it is made from are read once and not changed afterwards."""
    key = (name, study.confidence)
    if key not in study.derived:
        study.derived[key] = make(study)
    return study.derived[key]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from None


def _horizon_from_yaml(text: str, source: str) -> float:
    from botsim.inputs.loader import ScenarioError, parse_document

    try:
        doc = parse_document(text, source)
    except ScenarioError as exc:
        raise ReportError(str(exc)) from None
    horizon = doc.get("horizon_months")
    if not isinstance(horizon, (int, float)):
        raise ReportError(f"{source}: no horizon_months")
    return float(horizon)


def _optional_float(value: Any) -> float | None:
    """A manifest number that may be absent (older folders) or null (not set)."""
    return None if value is None else float(value)


def load_study(folder: str | Path, manifest: dict[str, Any] | None = None) -> Study:
    """Read a complete run/compare/sweep folder. Raises :class:`ReportError` otherwise.

    ``manifest`` is given only by the folder writers, which build the report inside the staging
    folder before the manifest (the mark of completeness) is written.
    """
    import pandas as pd

    folder = Path(folder)
    from_disk = manifest is None
    if not folder.is_dir():
        staging = staging_path(folder)
        if from_disk and staging.is_dir():
            raise ReportError(
                f"{folder} is not complete yet: its run is {staging_state(staging)} in {staging}"
                + _resume_hint(staging)
            )
        raise ReportError(f"{folder} is not a folder")
    if from_disk and folder.name.startswith(INCOMPLETE_PREFIX):
        raise ReportError(
            f"{folder} is not a complete botsim run folder: its run is "
            f"{staging_state(folder)}" + _resume_hint(folder)
        )
    if from_disk and not is_complete(folder):
        raise ReportError(
            f"{folder} is not a complete botsim run folder (no valid {MANIFEST}); re-run it first"
        )
    if manifest is None:
        try:
            manifest = json.loads(_read_text(folder / MANIFEST))
        except json.JSONDecodeError as exc:
            raise ReportError(f"{folder / MANIFEST}: not valid JSON ({exc})") from None
    try:
        summary = _read_summary(folder / "summary.parquet")
        ts_path = folder / "timeseries.parquet"
        per_group = series_replications(_group_count(manifest))
        timeseries = _figure_series(ts_path, per_group) if ts_path.exists() else pd.DataFrame()
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read the tables of {folder}: {exc}") from None
    kind = manifest.get("kind", "run")
    confidence = float(manifest.get("confidence", 0.95))
    study = _study(folder, manifest, kind, summary, timeseries, confidence)
    if from_disk:  # a writer's own manifest matches its tables; one read back may be edited
        check_counts(folder, study)
    if "replication" in summary and (summary["replication"] >= per_group).any():
        study.series_note = (
            f" Monthly series of the first {per_group:,} replications of each group."
        )
    return study


def _resume_hint(staging: Path) -> str:
    if staging_state(staging) == "interrupted":
        return f"; finish it with `botsim run --resume {staging}` first"
    return "; wait for it to finish"


def _failed_count(manifest: dict[str, Any], kind: str) -> int:
    """Failed replications the manifest lists (their rows are absent from the summary)."""
    if kind == "compare":
        entries = manifest.get("scenarios") or []
        return sum(len(e.get("failed_replications") or []) for e in entries if isinstance(e, dict))
    failed = manifest.get("failed_replications") or 0
    return failed if isinstance(failed, int) else len(failed)


def check_counts(folder: Path, study: Study) -> None:
    """Refuse a manifest that does not describe the tables beside it (edited by hand, or copied
    from another run): the replication count must account for every summary row, per scenario
    or variant, together with the failed replications it lists."""
    manifest, summary = study.manifest, study.summary
    claimed = manifest.get("replications")
    where = folder / MANIFEST
    if claimed is None:  # older folders: nothing to check against
        return
    if isinstance(claimed, bool) or not isinstance(claimed, int) or claimed < 1:
        raise ReportError(f"{where}: replications must be a positive whole number, got {claimed!r}")
    try:
        failed = _failed_count(manifest, study.kind)
    except TypeError:
        raise ReportError(f"{where}: failed_replications is not a count or a list") from None
    groups = len(study.groups)
    key = {"compare": "scenario", "sweep": "point"}.get(study.kind)
    columns = [c for c in (key, "replication") if c is not None and c in summary]
    if "replication" not in columns:
        raise ReportError(f"{folder / 'summary.parquet'}: no replication column")
    rows = summary[columns].drop_duplicates()
    too_high = int((rows["replication"] >= claimed).sum()) if len(rows) else 0
    expected = claimed * groups
    if too_high or len(rows) + failed != expected:
        each = f" for each of {groups} {key or 'group'}s" if groups > 1 else ""
        raise ReportError(
            f"{where} says {claimed:,} replications{each}, but summary.parquet holds "
            f"{len(rows):,} replication rows and {failed:,} failed replications are listed "
            f"(expected {expected:,} in all): the manifest does not match the tables (edited, "
            "or copied from another run). Restore the manifest or re-run"
        )


def _read_summary(path: Path) -> Any:
    """The summary table as a DataFrame, Arrow's buffers freed column by column as they are
    converted (``self_destruct``): about one copy in memory at the peak instead of two."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas(self_destruct=True, split_blocks=True)


def _group_count(manifest: dict[str, Any]) -> int:
    """Groups of a folder, from its manifest (before its tables are read)."""
    kind = manifest.get("kind", "run")
    if kind == "compare":
        return len(manifest.get("scenarios") or []) or 1
    if kind == "sweep":
        points = manifest.get("points")
        return points if isinstance(points, int) and points > 0 else 1
    return 1


def _figure_series(path: Path, per_group: int) -> Any:
    """The figures' columns of the time series, for the first ``per_group`` replications of
    each group only.

    Rows are saved in replication order within each group, in row groups of ~50,000 rows
    (``botsim.experiment.outputs.ROW_GROUP_ROWS``): only the row groups whose smallest
    replication is below ``per_group`` (by the file's statistics) are read, one at a time, and
    filtered, so the read costs the same however many replications the file holds.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    names = parquet.schema_arrow.names
    columns = figure_series_columns(names)
    if "replication" not in names:
        return parquet.read(columns=columns).to_pandas()
    index = names.index("replication")
    wanted = []
    for k in range(parquet.num_row_groups):
        stats = parquet.metadata.row_group(k).column(index).statistics
        if stats is None or not stats.has_min_max or stats.min < per_group:
            table = parquet.read_row_group(k, columns=columns)
            wanted.append(table.filter(pc.less(table["replication"], per_group)))
    if not wanted:
        return pd.DataFrame({c: [] for c in columns})
    return pa.concat_tables(wanted).to_pandas()


def _study(
    folder: Path,
    manifest: dict[str, Any],
    kind: str,
    summary: Any,
    timeseries: Any,
    confidence: float,
) -> Study:
    """The :class:`Study` of a folder of ``kind`` from its tables."""
    import pandas as pd

    if kind == "run":
        name = str(manifest.get("scenario", folder.name))
        text = _read_text(folder / "scenario.yaml")
        summary.insert(0, "group", name)
        if len(timeseries):
            timeseries.insert(0, "group", name)
        return Study(
            kind="run",
            title=name,
            manifest=manifest,
            summary=summary,
            timeseries=timeseries,
            groups=[name],
            horizons={name: _horizon_from_yaml(text, "scenario.yaml")},
            scenario_texts={name: text},
            confidence=confidence,
        )
    if kind == "compare":
        names = [s["name"] for s in manifest["scenarios"]]
        texts, horizons = {}, {}
        for entry in manifest["scenarios"]:
            text = _read_text(folder / entry["file"])
            texts[entry["name"]] = text
            horizons[entry["name"]] = _horizon_from_yaml(text, entry["file"])
        summary.insert(0, "group", summary["scenario"].astype(str))
        if len(timeseries):
            timeseries.insert(0, "group", timeseries["scenario"].astype(str))
        return Study(
            kind="compare",
            title=" vs ".join(names),
            manifest=manifest,
            summary=summary,
            timeseries=timeseries,
            groups=names,
            horizons=horizons,
            scenario_texts=texts,
            confidence=confidence,
        )
    if kind == "sweep":
        points = pd.read_csv(folder / "points.csv")
        labels = dict(zip(points["point"], points["label"].astype(str)))
        summary.insert(0, "group", summary["point"].map(labels))
        if len(timeseries):
            timeseries.insert(0, "group", timeseries["point"].map(labels))
        horizons = dict(zip(points["label"].astype(str), points["horizon_months"].astype(float)))
        base_text = _read_text(folder / "base-scenario.yaml")
        return Study(
            kind="sweep",
            title=str(manifest.get("sweep", folder.name)),
            manifest=manifest,
            summary=summary,
            timeseries=timeseries,
            groups=list(points["label"].astype(str)),
            horizons=horizons,
            scenario_texts={"base scenario (resolved)": base_text},
            params=list(manifest.get("parameters", [])),
            mode=str(manifest.get("mode", "grid")),
            sweep_text=_read_text(folder / "sweep.yaml"),
            key_metric=str(manifest.get("key_metric", "time_to_stable_team")),
            months=tuple(float(m) for m in manifest.get("months", (6, 12, 18, 24))),
            heatmap_month=_optional_float(manifest.get("heatmap_month")),
            confidence=confidence,
            points=points,
            description=str(manifest.get("description", "")),
        )
    raise ReportError(f"{folder / MANIFEST}: unknown kind {kind!r}")
