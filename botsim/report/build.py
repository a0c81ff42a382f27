"""Assemble a report: tables and figures from a Study, written atomically into its folder.

Writes ``report.html`` (figures embedded as base64 PNG) and ``figures/<name>.png`` and
``.svg``. The new figures are written to a hidden staging folder first and swapped in, and
``report.html`` is replaced in one rename, so an interrupted rebuild leaves the old report.
A run folder is complete before its report is made: its manifest carries ``report_pending``
until the report is written, and the staging folders a killed report leaves behind
(``.figures-new-<pid>``, ``.figures-old-<pid>``) are removed by the next rebuild.
"""

from __future__ import annotations

import html
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botsim.metrics import catalogue
from botsim.report import tables, units
from botsim.report.study import NoReplicationsError, ReportError, Study, load_study

PNG_DPI = 150
GRID_COLUMNS = [
    "km_median",
    "km_median_ci_low",
    "km_median_ci_high",
    "censored",
    "p_by",
    "p_by_ci_low",
    "p_by_ci_high",
    "mean",
    "ci_low",
    "ci_high",
]

P_BY_GRID = ("p_by", "p_by_ci_low", "p_by_ci_high")
"""The sweep table's P(event by the grid month) columns, headed with the month in the report."""

PAIRED_COLUMNS = (
    "mean_a",
    "mean_b",
    "diff",
    "ci_low",
    "ci_high",
    "p_value",
    "better",
    "significant",
    "censored_a",
    "censored_b",
    "status",
)
"""Columns shown for every paired difference (compare and sweep contrasts)."""


def _render(spec: Any) -> tuple[bytes, bytes]:
    """PNG and SVG bytes of a figure, without timestamps so rebuilds are byte-stable."""
    import matplotlib as mpl

    png, svg = io.BytesIO(), io.BytesIO()
    fig = spec.figure
    engine = fig.get_layout_engine()
    if engine is not None:  # lay out once, not once per file format
        engine.execute(fig)
        fig.set_layout_engine("none")
    with mpl.rc_context({"svg.hashsalt": "botsim", "svg.fonttype": "none"}):
        spec.figure.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
        spec.figure.savefig(svg, format="svg", metadata={"Date": None})
    return png.getvalue(), svg.getvalue()


def _render_pickled(blob: bytes) -> tuple[bytes, bytes]:
    """:func:`_render` of a pickled figure (run by the drawing helper process)."""
    import pickle
    from types import SimpleNamespace

    return _render(SimpleNamespace(figure=pickle.loads(blob)))


def _import_matplotlib() -> None:
    """The drawing helper's first task: import matplotlib (and the tick formatters figures
    refer to) while the figures are built."""
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_svg
    import matplotlib.figure  # noqa: F401

    import botsim.report.units  # noqa: F401


class _Drawer:
    """A second process that draws figures while this one draws others (``write_report``).

    A report's figures are drawn one after another, each to PNG and SVG: about half of the
    report's time, on one core. With a second core free (after the replications nothing else
    runs) a helper process, started when the report starts so that its imports overlap with
    building the tables and figures, draws figures from the front of the list (each pickled,
    laid out and drawn there: the same bytes, tested) while this process draws them from the
    back; whatever cannot be pickled or is left when the helper fails is drawn here. Figures
    go to the helper only once its imports are done (until then this process draws), two at a
    time, so that it always has the next one and this process waits at most for one figure at
    the end. With one core, or if the helper cannot start, everything is drawn here.
    """

    def __init__(self) -> None:
        self._pool = self._owned = None
        from botsim.experiment.executors import default_workers, process_context

        if default_workers() < 2:
            return
        try:
            import concurrent.futures as cf

            self._pool = cf.ProcessPoolExecutor(1, mp_context=process_context())
            self._ready = self._pool.submit(_import_matplotlib)
            self._owned = self._pool
        except (OSError, RuntimeError, ValueError):  # no processes here: draw in this one
            self._pool = None

    def render(self, specs: list[Any], done: Callable[[int], None]) -> list[tuple[bytes, bytes]]:
        """PNG and SVG bytes of every figure, in order; ``done(k)`` once figure k is drawn."""
        import pickle
        from concurrent.futures import FIRST_COMPLETED, wait

        out: list[Any] = [None] * len(specs)
        front, back = 0, len(specs)  # the helper takes figures from the front, we from the back
        inflight: dict[Any, int] = {}

        def collect(block: bool) -> None:
            finished, _ = wait(inflight, timeout=None if block else 0, return_when=FIRST_COMPLETED)
            for future in finished:
                k = inflight.pop(future)
                try:
                    out[k] = future.result()
                except Exception:  # the helper failed (killed, broken): draw it here
                    self._pool = None
                    out[k] = _render(specs[k])
                specs[k].figure = None
                done(k)

        while front < back:
            while self._helping() and len(inflight) < 2 and front < back:
                try:
                    blob = pickle.dumps(specs[front].figure, protocol=pickle.HIGHEST_PROTOCOL)
                    inflight[self._pool.submit(_render_pickled, blob)] = front
                except Exception:  # not picklable, or the helper is gone: draw it here
                    out[front] = _render(specs[front])
                    specs[front].figure = None
                    done(front)
                front += 1
            if front >= back:
                break
            back -= 1
            out[back] = _render(specs[back])
            specs[back].figure = None  # drawn: let the next figure reuse its memory
            done(back)
            if inflight:
                collect(block=False)
        while inflight:
            collect(block=True)
        return out

    def _helping(self) -> bool:
        if self._pool is None or not self._ready.done():
            return False
        if self._ready.exception() is not None:  # the helper could not start
            self._pool = None
        return self._pool is not None

    def close(self) -> None:
        if self._owned is not None:
            self._owned.shutdown(wait=True, cancel_futures=True)
            self._pool = self._owned = None


def _criteria_section(study: Study) -> list[tuple[str, str]]:
    """The readiness criteria holding the team back at the decision months (issue 15), with
    the thresholds the run used when its manifest has them."""
    from botsim.report.html import table_html

    table = tables.criteria_by_month(study)
    if not len(table):
        return []
    used = study.manifest.get("resolved_assumptions") or {}
    said = "; ".join(f"{k} = {v}" for k, v in used.items() if not k.endswith("_source"))
    note = (
        '<p class="note">Share of replications in which each criterion is not met at the '
        "month-end; in brackets, the share in which it is the only one not met (meeting it "
        "alone would make the team ready)."
        + (f" Thresholds used: {html.escape(said)}." if said else "")
        + (f" {html.escape(study.series_note)}" if study.series_note else "")
        + "</p>"
    )
    words = {"money": units.currency(study), "names": units.group_names(study)}
    return [
        (
            "Readiness criteria at the decision months",
            note + table_html(table, "criteria", **words),
        )
    ]


def build_sections(study: Study) -> tuple[list[tuple[str, str]], Any, Any]:
    """The report's table sections, plus the time-to and comparison tables for the findings."""
    from botsim.report.html import table_html

    sections: list[tuple[str, str]] = []
    h = study.horizon
    words = {"money": units.currency(study), "names": units.group_names(study)}
    time_to = tables.time_to_by_group(study)
    comparisons = None
    if study.kind == "compare":
        comparisons = tables.comparisons(study)
        cols = ["metric", "scenario_a", "scenario_b", "n_pairs", *PAIRED_COLUMNS, "confidence"]
        note = (
            '<p class="note">Paired differences A &minus; B under common random numbers, '
            "with their confidence interval [CI]; highlighted rows are significant (the "
            "interval excludes 0), and only those name a better scenario. Time-to metrics are "
            "compared as restricted mean times (to the horizon), censored A/B being the share "
            "never reached; P(event by month m) differences are in comparisons.csv.</p>"
        )
        sections.append(
            (
                "Paired comparison",
                note + table_html(comparisons, "comparisons", cols, h, "significant", **words),
            )
        )
    if study.kind == "sweep" and study.mode == "one_at_a_time":
        torn = tables.tornado(study)
        sections.append(("Sensitivity (one at a time)", table_html(torn, "tornado-table", **words)))
    if study.kind == "sweep" and study.mode == "grid":
        month = study.grid_month
        grid = tables.sweep_grid(study, study.key_metric, month)
        # P(event by the month) headed with its month: "P(by month 18)".
        by_month = {c: c.replace("p_by", f"p_by_{month:g}", 1) for c in P_BY_GRID}
        grid = grid.rename(columns=by_month)
        clamped = f" {html.escape(study.grid_month_note)}" if study.grid_month_note else ""
        sections.append(
            (
                f"Sweep: {catalogue.label(study.key_metric)} by variant",
                f'<p class="note">Median months to {html.escape(catalogue.event(study.key_metric))}'
                " (Kaplan&ndash;Meier) with its confidence interval [CI]; P(event by month "
                f"{month:g}) = share of replications that reached it by then, with Wilson "
                f"interval.{clamped}</p>"
                + table_html(
                    grid,
                    "sweep-table",
                    [*study.params, *(by_month.get(c, c) for c in GRID_COLUMNS)],
                    horizon=h,
                    **words,
                ),
            )
        )
    if study.kind == "sweep" and study.mode == "grid":
        contrasts = tables.sweep_contrasts(study)
        if len(contrasts):
            first, rest = study.params[0], study.params[1:]
            where = f" at each {', '.join(map(units.param_label, rest))}" if rest else ""
            cols = [*rest, "metric", "scenario_a", "scenario_b", *PAIRED_COLUMNS]
            note = (
                f'<p class="note">Paired differences A &minus; B between '
                f"{html.escape(units.param_label(first))} values{where}, under common random "
                "numbers (every variant ran with the same seed), with their confidence interval "
                "[CI]; highlighted rows are significant. Time-to metrics restricted to the "
                "horizon.</p>"
            )
            sections.append(
                (
                    f"Paired contrasts of {units.param_label(first)}{where}",
                    note
                    + table_html(contrasts, "sweep-contrasts", cols, h, "significant", **words),
                )
            )
    if len(time_to):
        sections.append(
            (
                "Time to events (censored at the horizon)",
                '<p class="note">Median months (Kaplan&ndash;Meier) with its confidence '
                "interval [CI]; never reached = replications that did not reach the event "
                "within the horizon (censored); P(by month m) = share of replications with the "
                "event by month m, with Wilson interval.</p>"
                + table_html(time_to, "time-to", horizon=h, **words),
            )
        )
    ledger = tables.cost_ledger_by_line(study)
    if len(ledger):
        sections.append(
            (
                "Cost ledger by line and phase",
                '<p class="note">Mean amount per replication of each line of the BOT ledger '
                f"over the horizon, by the phase at each month-end, in {words['money']}; "
                "share = share of the BOT total (docs/model.md, Costs).</p>"
                + table_html(ledger, "cost-ledger", **words),
            )
        )
    pv = tables.present_values(study)
    if len(pv):
        sections.append(
            (
                "Present values",
                '<p class="note">Costs and savings discounted to the start at the scenario\'s '
                f"discount rate (month m weighs (1 + rate)^(-m/12)), in {words['money']}: "
                "mean over replications with P10 and P90 (docs/model.md, Costs).</p>"
                + table_html(pv, "present-values", **words),
            )
        )
    sections.extend(_criteria_section(study))
    aggs = tables.key_aggregates(study)
    cols = [
        "group",
        "metric",
        "n",
        "mean",
        "ci_low",
        "ci_high",
        "sd",
        "median",
        "p10",
        "p90",
        "censored",
    ]
    sections.append(
        (
            "Metrics across replications",
            '<p class="note">Mean with t-interval over replications; time-to means are over the '
            "replications that reached the event only (see the censored count and the "
            "Kaplan&ndash;Meier table above). Key metrics only; every metric is in aggregates.csv."
            "</p>" + table_html(aggs, "aggregates", cols, h, **words),
        )
    )
    return sections, time_to, comparisons


FIGURE_STAGING = (".figures-new-", ".figures-old-")
"""Name prefixes (followed by the writer's process id) of a report's figure staging folders."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    except OSError:
        return False
    return True


def remove_stale_figures(folder: Path) -> list[Path]:
    """Remove figure staging folders left by a report writer that is gone (killed); those of
    a live writer (another ``botsim report`` of the same folder) are left alone."""
    removed = []
    for path in folder.iterdir():
        prefix = next((p for p in FIGURE_STAGING if path.name.startswith(p)), None)
        if prefix is None or not path.is_dir():
            continue
        pid = path.name[len(prefix) :]
        if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


Progress = Callable[[int, int], None]
"""``progress(done, total)``: called after each step of building a report (reading the tables,
the statistics tables, each figure built, each figure drawn, the page written); ``total`` is
refined once the number of figures is known."""


def write_report(
    folder: str | Path,
    manifest: dict[str, Any] | None = None,
    progress: Progress | None = None,
    study: Study | None = None,
) -> Path:
    """(Re)build ``report.html`` and ``figures/`` in ``folder`` from its saved tables.

    Refuses a folder that is not complete (interrupted or not a run folder) with ReportError,
    and one where no replication completed with its subclass NoReplicationsError (there is
    nothing to report: the failures are in failures.json). ``progress`` (optional) is told
    how far the building is (:data:`Progress`). ``study`` is the folder's :class:`Study` when
    the caller has read it already (a sweep's writer, for its derived tables; with
    ``manifest``); else it is read here.
    Returns the path of ``report.html``.
    """
    from botsim.report.figures import BUILDERS

    folder = Path(folder)
    steps = {"done": 0, "total": 3 + 2 * len(BUILDERS)}  # an estimate until figures are built

    def step(n: int = 1) -> None:
        steps["done"] += n
        if progress is not None:
            progress(steps["done"], max(steps["total"], steps["done"]))

    drawer = _Drawer()  # started now: its imports overlap with building the figures
    try:
        return _write_report(folder, manifest, drawer, step, steps, study)
    finally:
        drawer.close()


def _write_report(
    folder: Path,
    manifest: dict[str, Any] | None,
    drawer: _Drawer,
    step: Callable[..., None],
    steps: dict[str, int],
    study: Study | None = None,
) -> Path:
    from botsim.experiment.outputs import REPORT_PENDING, _write_atomic, mark_report_written
    from botsim.report.decision import from_study, render_html
    from botsim.report.drivers import cost_decision_html, cost_drivers_section, drivers_section
    from botsim.report.figures import BUILDERS, build_figures
    from botsim.report.html import findings_html, render

    if study is None:
        study = load_study(folder, manifest=manifest)
    step()
    if not len(study.summary):
        raise NoReplicationsError(
            f"no replication completed in {folder}: nothing to report (the errors are in "
            f"{folder / 'failures.json'})"
        )
    pending = bool(study.manifest.pop(REPORT_PENDING, False))  # not shown in the report
    try:
        remove_stale_figures(folder)
    except OSError as exc:
        raise ReportError(f"cannot write the report in {folder}: {exc.strerror or exc}") from None
    sections, time_to, comparisons = build_sections(study)
    step()
    specs = build_figures(study, progress=step)
    steps["total"] = 3 + len(BUILDERS) + len(specs)
    staging = folder / f".figures-new-{os.getpid()}"
    old = folder / f".figures-old-{os.getpid()}"
    try:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        drawn = drawer.render(specs, lambda _k: step())
        rendered = []
        for spec, (png, svg) in zip(specs, drawn):
            (staging / f"{spec.name}.png").write_bytes(png)
            (staging / f"{spec.name}.svg").write_bytes(svg)
            rendered.append((spec, png))
        drivers = drivers_section(folder, study, staging)  # "What drives this answer"
        sections = [drivers, *sections] if drivers else sections
        decision = render_html(from_study(study, comparisons))  # the first section
        if study.kind == "compare":  # which cost terms decide its answer (issue 16)
            cost = cost_drivers_section(folder, study, staging)
            sections = [cost, *sections] if cost else sections
            end = decision.rindex("</section>")
            decision = decision[:end] + cost_decision_html(folder, study) + decision[end:]
        page = render(
            study, rendered, sections, decision + findings_html(study, time_to, comparisons)
        )
        target = folder / "figures"
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
        _write_atomic(folder / "report.html", page.encode("utf-8"))
        if pending and manifest is None:
            mark_report_written(folder)
        step()
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ReportError(f"cannot write the report in {folder}: {exc.strerror or exc}") from None
    return folder / "report.html"
