"""Sweeps: one base scenario, many variants, one tidy result table.

A sweep file names a base scenario (a path relative to the sweep file, or an inline mapping) and
the scenario paths to vary, in the ``--set`` path syntax (``locations[0].profile``,
``roles[0].plan[0].headcount``)::

    name: ph-vs-co-by-size
    base: ../scenarios/manila-finance-20.yaml
    mode: grid                       # every combination of the values
    parameters:
      - {name: location, path: locations[0].profile, values: [philippines, colombia]}
      - {name: team_size, path: roles[0].plan[0].headcount, values: [5, 10, 20, 35, 50]}

Reporting fields: ``key_metric`` (the time-to metric of the tables, tornado chart and
heatmaps; default ``time_to_stable_team``), ``months`` (the months m of the P(event by m)
columns of the time-to table; default ``[6, 12, 18, 24]``) and ``heatmap_month`` (the one month
m of P(event by m) in a grid's sweep table, console summary and second heatmap; default 18, or
the horizon if shorter, e.g. ``heatmap_month: 12`` for a transfer planned at month 12). Like
``months`` beyond the horizon, which are left out of the time-to table, a ``heatmap_month``
beyond the shortest horizon of the variants is not an error: the horizon is used instead and
the report and console say so.

``mode: one_at_a_time`` runs the base scenario and, for each parameter, a low and a high variant
with every other parameter at its base value: ``relative: 0.2`` (base x 0.8 and x 1.2),
``delta: 1`` (base -/+ 1) or explicit ``low``/``high``. Its result feeds the tornado chart.

Every variant is built and validated when the sweep is loaded, so a bad value is reported
(naming ``parameters[i].values[j]`` and the scenario field) before anything runs. Each
parameter is a column of the result tables, named by ``name`` or else by the last field of its
path (``headcount`` above, without ``name: team_size``); a name that is already a column of
those tables (a summary or monthly-series column such as ``headcount`` or ``effective_fte``, or
one the sweep adds such as ``point``, ``label`` or ``mean``) is refused, naming the parameter and
the column, before anything runs (:func:`check_columns`): it is never renamed silently. All variants
run with the same seed: replication j of every variant uses the same random streams (common
random numbers), which is what makes the differences between variants precise.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from botsim.experiment.runner import _LazyFrame, _Loader
from botsim.inputs.loader import (
    Problem,
    ScenarioError,
    _problems,
    format_path,
    parse_path,
    read_document,
    scenario_from_dict,
    scenario_to_dict,
)
from botsim.inputs.scenario import Scenario
from botsim.stats import COMPARISON_COLUMNS

DEFAULT_GRID_MONTH = 18.0
"""The ``heatmap_month`` of a sweep file that names none (a setting: the middle of the shipped
scenarios' 36-month horizon; lowered to the horizon when that is shorter)."""

MAX_POINTS = 2_000
"""Limit on the number of variants of one sweep (bounds run time and output size)."""

STUDY_COLUMNS = frozenset(
    {
        # Which variant and replication a row belongs to (summary, series, points.csv), and the
        # columns the report adds when it reads the tables back (group, scenario).
        *("sweep", "point", "label", "varied", "level", "replication", "month"),
        *("group", "scenario", "horizon_months"),
        # aggregates.csv (botsim.stats.aggregate) and the sweep table of the report
        *("metric", "n", "mean", "sd", "median", "p10", "p90", "ci_low", "ci_high", "censored"),
        *("km_median", "km_median_ci_low", "km_median_ci_high", "p_by", "p_by_ci_low"),
        "p_by_ci_high",
        # contrasts.csv (botsim.stats.compare_summaries)
        *COMPARISON_COLUMNS,
    }
)
"""Columns a sweep writes beside its parameters, in some table where the parameters are columns
too; a parameter may not be named like one (tests/badinput/test_study_checks.py checks that this
list covers every such table)."""
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"


class SweepError(ScenarioError):
    """A sweep file could not be loaded; carries every problem with its field path."""

    def __str__(self) -> str:
        lines = [f"{self.source}: invalid sweep ({len(self.problems)} problem(s))"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class SweepParameter(BaseModel):
    """One scenario path to vary, with its grid values or its one-at-a-time range."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=NAME_PATTERN)] | None = Field(
        default=None, description="Column name in the result table (default: from the path)."
    )
    path: Annotated[str, Field(min_length=1, max_length=300)] = Field(
        description="Scenario field path, as in --set (e.g. locations[0].recruiting.recruiters)."
    )
    values: Annotated[list[Any], Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Grid mode: the values to try."
    )
    relative: Annotated[float, Field(gt=0, le=10)] | None = Field(
        default=None, description="One-at-a-time: vary by +/- this share of the base value."
    )
    delta: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="One-at-a-time: vary by +/- this absolute amount."
    )
    low: Any = Field(default=None, description="One-at-a-time: explicit low value.")
    high: Any = Field(default=None, description="One-at-a-time: explicit high value.")

    @model_validator(mode="after")
    def _path_parses(self) -> SweepParameter:
        try:
            parse_path(self.path)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        return self

    @property
    def column(self) -> str:
        if self.name:
            return self.name
        last = [p for p in parse_path(self.path) if isinstance(p, str)]
        return last[-1] if last else "value"


class Sweep(BaseModel):
    """A validated sweep file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][\w.\- ]*$")]
    description: str = Field(default="", max_length=10_000)
    base: str | dict[str, Any] = Field(
        description="Base scenario: a file path (relative to the sweep file) or a mapping."
    )
    mode: Literal["grid", "one_at_a_time"] = "grid"
    parameters: Annotated[list[SweepParameter], Field(min_length=1, max_length=20)]
    replications: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        default=None, description="Replications per variant (default: the base scenario's)."
    )
    seed: Annotated[int, Field(ge=0, lt=2**63)] | None = Field(
        default=None, description="Root seed shared by every variant (default: the base's)."
    )
    key_metric: str = Field(
        default="time_to_stable_team", description="Metric of the tornado chart and heatmaps."
    )
    months: Annotated[
        list[Annotated[float, Field(gt=0, allow_inf_nan=False)]], Field(max_length=12)
    ] = Field(
        default_factory=lambda: [6.0, 12.0, 18.0, 24.0],
        description="Months m at which P(event by m) is reported with Wilson intervals.",
    )
    heatmap_month: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        default=None,
        description=(
            "Month m of P(event by m) in the grid's sweep table, console summary and "
            f"two-parameter heatmaps (default: {DEFAULT_GRID_MONTH:g}, or the horizon if "
            "shorter). A month beyond "
            "the shortest horizon of the variants is lowered to that horizon, with a note."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Sweep:
        columns = [p.column for p in self.parameters]
        dup = sorted({c for c in columns if columns.count(c) > 1})
        if dup:
            raise ValueError(f"parameter names must be unique (set `name`), repeated: {dup}")
        for i, p in enumerate(self.parameters):
            if self.mode == "grid":
                if p.values is None:
                    raise ValueError(f"parameters[{i}].values: required in grid mode")
                if any(x is not None for x in (p.relative, p.delta, p.low, p.high)):
                    raise ValueError(
                        f"parameters[{i}]: relative/delta/low/high belong to one_at_a_time mode"
                    )
            else:
                given = [p.relative is not None, p.delta is not None]
                given.append(p.low is not None or p.high is not None)
                if sum(given) != 1:
                    raise ValueError(
                        f"parameters[{i}]: give exactly one of relative, delta or low+high "
                        "in one_at_a_time mode"
                    )
                if given[2] and (p.low is None or p.high is None):
                    raise ValueError(f"parameters[{i}]: give both low and high")
                if p.values is not None:
                    raise ValueError(f"parameters[{i}].values: belongs to grid mode")
        return self


@dataclass(frozen=True)
class SweepPoint:
    """One variant of the base scenario."""

    index: int
    label: str
    params: dict[str, Any]
    scenario: Scenario
    varied: str = ""  # one-at-a-time: the parameter moved ("" for the base / grid points)
    level: str = ""  # one-at-a-time: "low", "base" or "high"


@dataclass(frozen=True)
class SweepPlan:
    """A loaded sweep with every variant built and validated."""

    sweep: Sweep
    source: str
    base: Scenario
    points: list[SweepPoint]

    @property
    def columns(self) -> list[str]:
        return [p.column for p in self.sweep.parameters]

    def replications(self, override: int | None = None) -> int:
        """Replications per variant: ``override``, else the sweep file's, else the base's."""
        return override or self.sweep.replications or self.base.replications

    def root_seed(self, override: int | None = None) -> int:
        """The seed every variant shares: ``override``, else the sweep file's, else the base's."""
        if override is not None:
            return override
        return self.sweep.seed if self.sweep.seed is not None else self.base.seed

    def series_tags(self) -> list[dict[str, Any]]:
        """The columns each variant's monthly series rows get in a sweep's
        ``timeseries.parquet``: point and parameters."""
        return [
            {"point": pt.index, **{k: _cell(v) for k, v in pt.params.items()}} for pt in self.points
        ]

    def points_table(self) -> Any:
        import pandas as pd

        rows = []
        for pt in self.points:
            row = {"point": pt.index, "label": pt.label}
            row.update({k: _cell(v) for k, v in pt.params.items()})
            if self.sweep.mode == "one_at_a_time":
                row.update(varied=pt.varied, level=pt.level)
            row["horizon_months"] = pt.scenario.horizon_months
            rows.append(row)
        return pd.DataFrame(rows)


def _get(doc: Any, parts: list[str | int]) -> Any:
    node = doc
    for part in parts:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                raise KeyError(format_path(parts))
        elif not isinstance(node, dict) or part not in node:
            raise KeyError(format_path(parts))
        node = node[part]
    return node


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _cell(value: Any) -> Any:
    """A parameter value as a table cell (mappings and lists as JSON text)."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def _override(path: str, value: Any) -> str:
    # JSON is valid YAML 1.2 flow syntax, so any plain value round-trips through --set parsing.
    return f"{path}={json.dumps(value)}"


def _perturb(base: Any, p: SweepParameter, sign: int) -> Any:
    if p.low is not None:
        return p.low if sign < 0 else p.high
    if isinstance(base, bool) or not isinstance(base, (int, float)):
        raise ValueError(f"base value is not a number ({base!r}); give explicit low and high")
    value = base * (1 + sign * p.relative) if p.relative is not None else base + sign * p.delta
    if isinstance(base, int):
        value = round(value)
        if value == base:
            value = base + sign
    return value


def _load_base(sweep: Sweep, sweep_path: Path) -> tuple[dict[str, Any], str, Path]:
    if isinstance(sweep.base, str):
        path = Path(sweep.base)
        if not path.is_absolute():
            path = sweep_path.parent / path
        try:
            return read_document(path), str(path), path.parent
        except ScenarioError as exc:
            raise SweepError(
                str(sweep_path), [Problem("base", f"{exc.source}: {p}") for p in exc.problems]
            ) from None
    return copy.deepcopy(sweep.base), f"{sweep_path} (base)", sweep_path.parent


def _other_name(p: SweepParameter, taken: set[str]) -> str:
    """A column name to suggest instead of a clashing one: the path's last two fields."""
    fields = [part for part in parse_path(p.path) if isinstance(part, str)]
    for candidate in ("_".join(fields[-2:]), f"{p.column}_value", f"swept_{p.column}"):
        if candidate not in taken and candidate != p.column:
            return candidate[:64]
    return f"swept_{p.column}"[:64]  # pragma: no cover - every candidate taken


def column_clashes(
    sweep: Sweep, tables: Mapping[str, Iterable[str]] | None = None
) -> list[Problem]:
    """Parameters whose column name is already a column of a table they are written into.

    Every parameter becomes a column of the summary and series tables, ``points.csv``,
    ``aggregates.csv``, the contrasts and the report's sweep table; a name one of those already
    uses would make the sweep fail after running every variant. ``tables`` maps a description
    of a result table to its column names (from a pilot replication, see
    :func:`check_columns`); the columns the sweep itself adds (:data:`STUDY_COLUMNS`) are
    always checked. A clash is refused, never renamed silently: the message suggests a
    ``name:``.
    """
    sources = [("a column the sweep adds to its tables", STUDY_COLUMNS)]
    sources += [
        (f"a column of the {what}", frozenset(names)) for what, names in (tables or {}).items()
    ]
    taken = set().union(*(names for _, names in sources))
    problems = []
    for i, p in enumerate(sweep.parameters):
        hits = [what for what, names in sources if p.column in names]
        if not hits:
            continue
        where = f"parameters[{i}].name" if p.name else f"parameters[{i}].path"
        named = f"its name {p.column!r}"
        if not p.name:
            named = f"its column name {p.column!r} (the last field of its path)"
        problems.append(
            Problem(
                where,
                f"{named} is already " + " and ".join(hits) + "; give the parameter another "
                f"`name:`, e.g. name: {_other_name(p, taken)}",
            )
        )
    return problems


def check_columns(plan: SweepPlan) -> None:
    """Refuse (:class:`SweepError`) a parameter named like a column of the variants' results.

    The result columns are those the metric catalogue declares for each variant
    (:func:`botsim.experiment.memory.result_column_names`), so this runs before anything else and
    :func:`run_sweep` calls it first: a clash is reported before any variant runs.
    """
    from botsim.experiment.memory import result_column_names

    summary: set[str] = set()
    series: set[str] = set()
    for pt in plan.points:
        names = result_column_names(pt.scenario)
        summary.update(names[0])
        series.update(names[1])
    problems = column_clashes(
        plan.sweep,
        {
            "summary table (summary.parquet)": summary,
            "monthly series (timeseries.parquet)": series,
        },
    )
    if problems:
        raise SweepError(plan.source, problems)


def plan_sweep(sweep: Sweep, sweep_path: str | Path = "<sweep>") -> SweepPlan:
    """Expand a sweep into validated scenario variants (grid or one-at-a-time)."""
    sweep_path = Path(sweep_path)
    source = str(sweep_path)
    clashes = column_clashes(sweep)  # the model's own columns: check_columns
    if clashes:
        raise SweepError(source, clashes)
    base_doc, base_source, base_dir = _load_base(sweep, sweep_path)
    try:
        base = scenario_from_dict(base_doc, base_source, (), base_dir=base_dir)
    except ScenarioError as exc:
        problems = [
            Problem(f"base.{p.path}" if p.path else "base", p.message, p.value, p.has_value)
            for p in exc.problems
        ]
        raise SweepError(source, problems) from None
    resolved = scenario_to_dict(base)
    params = sweep.parameters

    def build(assignments: list[tuple[int, Any, str]]) -> Scenario:
        overrides = [_override(params[i].path, value) for i, value, _ in assignments]
        try:
            return scenario_from_dict(base_doc, base_source, overrides, base_dir=base_dir)
        except ScenarioError as exc:
            where = ", ".join(w for _, _, w in assignments) or "base"
            raise SweepError(
                source,
                [Problem(where, f"makes an invalid scenario: {p}") for p in exc.problems],
            ) from None

    base_values: dict[str, Any] = {}
    for i, p in enumerate(params):
        try:
            base_values[p.column] = _get(resolved, parse_path(p.path))
        except KeyError:
            if sweep.mode == "one_at_a_time" and p.low is None:
                problem = Problem(
                    f"parameters[{i}].path", "not found in the base scenario", p.path, True
                )
                raise SweepError(source, [problem]) from None
            base_values[p.column] = None

    points: list[SweepPoint] = []
    if sweep.mode == "grid":
        count = math.prod(len(p.values or []) for p in params)
        if count > MAX_POINTS:
            raise SweepError(
                source,
                [Problem("parameters", f"grid has {count:,} variants, above {MAX_POINTS:,}")],
            )
        for combo in itertools.product(*(enumerate(p.values or []) for p in params)):
            assignments = [
                (i, value, f"parameters[{i}].values[{j}]") for i, (j, value) in enumerate(combo)
            ]
            values = {params[i].column: value for i, value, _ in assignments}
            label = ", ".join(f"{k}={_fmt(v)}" for k, v in values.items())
            points.append(SweepPoint(len(points), label, values, build(assignments)))
    else:
        points.append(SweepPoint(0, "base", dict(base_values), base, "", "base"))
        for i, p in enumerate(params):
            for sign, level in ((-1, "low"), (1, "high")):
                try:
                    value = _perturb(base_values[p.column], p, sign)
                except ValueError as exc:
                    raise SweepError(
                        source, [Problem(f"parameters[{i}]", str(exc), p.path, True)]
                    ) from None
                values = {**base_values, p.column: value}
                scenario = build([(i, value, f"parameters[{i}].{level}")])
                label = f"{p.column} {level} ({_fmt(value)})"
                points.append(SweepPoint(len(points), label, values, scenario, p.column, level))
    return SweepPlan(sweep, source, base, points)


def load_sweep(path: str | Path) -> SweepPlan:
    """Read, validate and expand a sweep file. Raises :class:`SweepError` naming the field."""
    path = Path(path)
    try:
        doc = read_document(path)
    except ScenarioError as exc:
        raise SweepError(exc.source, exc.problems) from None
    return sweep_from_dict(doc, path)


def sweep_from_dict(doc: Mapping[str, Any], path: str | Path = "<sweep>") -> SweepPlan:
    try:
        sweep = Sweep.model_validate(dict(doc))
    except ValidationError as exc:
        raise SweepError(str(path), _problems(exc)) from None
    return plan_sweep(sweep, path)


@dataclass
class SweepResult:
    """Every variant's replications in tidy tables with the parameters on every row.

    ``summary`` is in memory; the monthly series are read from each variant's result only when
    asked for: ``series_parts()`` yields them variant by variant and chunk by chunk (what the
    folder writer streams to ``timeseries.parquet``), ``timeseries`` stacks them in one
    DataFrame (library use, small sweeps).
    """

    plan: SweepPlan
    seed: int
    replications: int
    # point, label, <params...>, [varied, level], replication, metrics... (a loader once the
    # folder is written: read back from its summary.parquet when asked for)
    summary: Any = _LazyFrame()  # noqa: RUF009 (a descriptor, as ExperimentResult.timeseries)
    failures: list[dict[str, Any]] = field(default_factory=list)
    wall_time: float = 0.0
    executor: str = "serial"
    # one ExperimentResult per variant, for its series; its summary rows are in ``summary``
    # (its own is dropped: one copy in memory)
    results: list[Any] = field(default_factory=list)

    def summary_from(self, load: Callable[[], Any]) -> None:
        """Read the summary lazily with ``load()`` from now on (drops the copy in memory)."""
        self.summary = _Loader(load)

    def series_sources(self) -> list[tuple[dict[str, Any], Any]]:
        """(columns the variant's series rows get: point and parameters, its result) per
        variant, in order (:func:`botsim.experiment.outputs.stacked_series`)."""
        return list(zip(self.plan.series_tags(), self.results))

    @property
    def timeseries(self) -> Any:
        """point, <params...>, replication, month, ...: every variant's series in one frame."""
        from botsim.experiment.outputs import stacked_series

        return stacked_series(self.series_sources())


def share_backend(run_options: dict[str, Any], stack: contextlib.ExitStack) -> dict[str, Any]:
    """Open one executor (process pool, Dask client) for every variant instead of one each."""
    if "workers" not in run_options and "scheduler" not in run_options:
        return run_options
    from botsim.experiment.executors import open_backend

    options = dict(run_options)
    backend = open_backend(options.pop("workers", None), options.pop("scheduler", None))
    options["backend"] = stack.enter_context(backend)
    return options


def run_sweep(
    plan: SweepPlan,
    replications: int | None = None,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    chunks: Path | None = None,
    stream: Any = None,
    **run_options: Any,
) -> SweepResult:
    """Run every variant with the same seed (CRN) and stack the results into tidy tables.

    ``run_options`` are passed to :func:`botsim.experiment.runner.run_experiment` (e.g. executors).
    ``chunks``: a folder where each variant's replications are saved as they finish, so their
    monthly series stay on disk (see :func:`botsim.experiment.comparison.run_comparison`, also
    for ``stream``).
    Raises :class:`SweepError` before running anything if a parameter's column name is taken
    (:func:`check_columns`).
    """
    import pandas as pd

    from botsim.experiment.comparison import chunk_stores
    from botsim.experiment.runner import run_experiments

    check_columns(plan)  # before anything runs: a clash would only show when stacking
    sweep = plan.sweep
    n = plan.replications(replications)
    seed = plan.root_seed(seed)
    started = time.perf_counter()
    summaries, results, failures = [], [], []
    executor = "serial"
    # One store per experiment in ``chunks``; else a store given (the same for every one).
    given = run_options.pop("store", None)
    count = len(plan.points)
    stores = chunk_stores(chunks, count, stream) if chunks is not None else [given] * count
    with contextlib.ExitStack() as stack:
        run_options = share_backend(run_options, stack)
        # pipelined: the next variant's chunks start while the last ones of the previous run
        found = run_experiments(
            [pt.scenario for pt in plan.points],
            n,
            seed,
            progress=progress,
            stores=stores,
            **run_options,
        )
        for pt, res in zip(plan.points, found):
            executor = str(getattr(res, "executor", executor))
            cells = {k: _cell(v) for k, v in pt.params.items()}
            tags = {"sweep": sweep.name, "point": pt.index, "label": pt.label, **cells}
            if sweep.mode == "one_at_a_time":
                tags.update(varied=pt.varied, level=pt.level)
            s = res.summary.copy(deep=False)  # copy-on-write: the columns are not copied
            for i, (k, v) in enumerate(tags.items()):
                s.insert(i, k, [v] * len(s))
            summaries.append(s)
            res.summary = None  # its rows live on in the stacked summary (one copy)
            results.append(res)
            failures += [{"point": pt.index, **f.__dict__} for f in res.failures]
    return SweepResult(
        plan=plan,
        seed=seed,
        replications=n,
        summary=pd.concat(summaries, ignore_index=True),
        failures=failures,
        wall_time=time.perf_counter() - started,
        results=results,
        executor=executor,
    )
