"""A report a CFO can read (issue 15, item 6): the catalogue's words instead of code names,
money in the scenario's currency without a 1e6 offset, every sweep variant in every figure,
and tables that fit a printed page."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import numpy as np
import pytest

from botsim.metrics import catalogue
from tests.report.conftest import REPS, ROOT, SEED, small_scenario

SHIPPED_SWEEP = ROOT / "sweeps" / "ph-vs-co-by-size.yaml"


@pytest.fixture(params=["run", "compare", "sweep", "one-at-a-time"])
def folder(request) -> Path:
    fixture = {"run": "run_folder", "compare": "compare_folder", "sweep": "sweep_folder"}
    return request.getfixturevalue(fixture.get(request.param, "oat_folder"))


def visible_text(page: str) -> str:
    """What a reader sees of the report: no style, no embedded YAML/JSON, no file names."""
    for pattern in (
        r"<style>.*?</style>",
        r"<pre[^>]*>.*?</pre>",
        r'<span class="files">.*?</span>',
        r"<summary>.*?</summary>",  # scenario names in the scenario listing
    ):
        page = re.sub(pattern, " ", page, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


def identifiers(study) -> set[str]:
    """Code names a reader must not see: every column of the study's tables and of the
    statistics tables, with underscores (sweep parameters included)."""
    names = set(study.summary.columns) | set(study.timeseries.columns) | set(study.params)
    names |= set(catalogue.STATISTICS) | {m.name for t in catalogue.TABLES.values() for m in t}
    names |= {f"p_by_{m:g}{b}" for m in study.months for b in ("", "_ci_low", "_ci_high")}
    return {n for n in names if "_" in n}


def figure_texts(spec) -> list[str]:
    from matplotlib.text import Text

    for ax in spec.figure.axes:  # format the tick labels and offset texts (no drawing)
        ax.get_xticklabels(), ax.get_yticklabels()
    return [t.get_text() for t in spec.figure.findobj(Text) if t.get_text()]


def test_report_text_and_figures_use_the_catalogue_words_not_code_names(folder) -> None:
    from botsim.report import load_study
    from botsim.report.figures import build_figures

    page = (folder / "report.html").read_text(encoding="utf-8")
    text = visible_text(page)
    study = load_study(folder)
    names = identifiers(study)
    found = sorted(n for n in names if re.search(rf"(?<![\w/.-]){re.escape(n)}(?![\w.])", text))
    assert not found, f"code names in the report text: {found}"
    # Headers are the catalogue's words, not column names with spaces ("km median", "p by").
    headers = {htmllib.unescape(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", page)}
    spaced = {n.replace("_", " ") for n in names} - {catalogue.statistic_label(n) for n in names}
    assert headers and not headers & spaced, headers & spaced
    specs = build_figures(study)
    for spec in specs:
        words = " ".join([*figure_texts(spec), spec.title, spec.caption, spec.conclusion])
        found = sorted(n for n in names if re.search(rf"(?<![\w/.-]){re.escape(n)}\b", words))
        assert not found, f"{spec.name}: code names {found}"
        assert "=" not in " ".join(figure_texts(spec)), f"{spec.name}: 'name=value' labels"


def test_money_is_in_the_scenario_currency_without_offsets(tmp_path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from botsim.experiment.outputs import write_run
    from botsim.experiment.runner import run_experiment
    from botsim.report import load_study, write_report
    from botsim.report.figures import cost_chart

    result = run_experiment(small_scenario("costs.currency=EUR"), REPS // 2, SEED)
    folder = write_run(tmp_path / "eur", result)
    write_report(folder)
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "scenario currency" not in page
    assert "total cost, BOT (EUR)" in visible_text(page)  # the metric's unit in the table
    (spec,) = cost_chart(load_study(folder))
    FigureCanvasAgg(spec.figure).draw()  # sets the offset texts a formatter asks for
    texts = figure_texts(spec)
    for ax in spec.figure.axes:
        if not ax.get_visible():
            continue
        assert "EUR" in ax.get_ylabel()
        assert ax.yaxis.get_offset_text().get_text() == ""  # no "1e6" above the axis
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert ticks and not any(re.search(r"\de[+-]?\d", t) for t in ticks), ticks
    assert not any("1e6" in t or "scenario currency" in t for t in texts)
    assert "EUR" in spec.caption and "EUR" in spec.conclusion


def shown_variants(spec) -> set[tuple[str, int]]:
    """The (location, team size) pairs a figure draws, read from its artists: panel titles
    ("colombia, team size 20"), panel and legend pairs (curves), heatmap cells, box and line
    positions."""
    shown: set[tuple[str, int]] = set()
    pair = re.compile(r"(philippines|colombia), team size (\d+)")
    for ax in spec.figure.axes:
        if not ax.get_visible():
            continue
        title = ax.get_title()
        legend = ax.get_legend()
        labels = [t.get_text() for t in legend.get_texts()] if legend else []
        if m := pair.match(title):  # one panel per variant
            shown.add((m[1], int(m[2])))
        elif title in ("philippines", "colombia"):  # one line per size in a location's panel
            shown |= {(title, int(t.split()[-1])) for t in labels if t.startswith("team size")}
        elif ax.get_ylabel() == "location" and ax.collections:  # heatmap cells
            rows = [t.get_text() for t in ax.get_yticklabels()]
            cols = [int(t.get_text()) for t in ax.get_xticklabels()]
            values = ax.collections[0].get_array().reshape(len(rows), len(cols))
            drawn = ~np.ma.getmaskarray(values)
            shown |= {(r, c) for i, r in enumerate(rows) for j, c in enumerate(cols) if drawn[i, j]}
        elif ax.get_xlabel() == "team size" and legend is not None:  # boxes and median lines
            sizes = {int(float(t.get_text())) for t in ax.get_xticklabels() if t.get_text()}
            if labels and all(label in ("philippines", "colombia") for label in labels):
                lines = [ln for ln in ax.get_lines() if ln.get_label() in labels]
                if lines:  # median lines: each location's points
                    for ln in lines:
                        xs = {int(x) for x in ln.get_xdata()}
                        shown |= {(ln.get_label(), x) for x in xs}
                else:  # boxes: every location at every size on the axis
                    shown |= {(loc, s) for loc in labels for s in sizes}
    return shown


def test_every_variant_of_the_shipped_sweep_is_in_every_figure(tmp_path) -> None:
    """sweeps/ph-vs-co-by-size.yaml (2 locations x 5 sizes, 2 replications): every figure
    draws all 10 variants (the readiness figure used to keep the first 6, the cost figure one
    size per location)."""
    from botsim.experiment.sweep import load_sweep, run_sweep
    from botsim.report import load_study, write_sweep
    from botsim.report.figures import build_figures

    result = run_sweep(load_sweep(SHIPPED_SWEEP), replications=2, seed=SEED)
    study = load_study(write_sweep(tmp_path / "sw", result, report=False))
    variants = {(str(p["location"]), int(p["team_size"])) for _, p in study.points.iterrows()}
    assert len(variants) == 10
    specs = build_figures(study)
    names = [spec.name for spec in specs]
    for expected in ("readiness", "costs", "fan_headcount", "boxplots", "heatmaps"):
        assert expected in names
    for spec in specs:
        assert shown_variants(spec) == variants, f"{spec.name}: variants missing"


def test_print_stylesheet_keeps_every_column(run_folder, sweep_folder) -> None:
    for folder in (run_folder, sweep_folder):
        page = (folder / "report.html").read_text(encoding="utf-8")
        css = re.search(r"@media print\{(.*)\}\s*</style>", page, flags=re.S)
        assert css, "no print stylesheet"
        rules = css.group(1)
        assert "width:100%" in rules and "overflow-wrap:anywhere" in rules
        assert re.search(r"figure img\{max-width:100%", rules)
        # Every table sits in a scrolling box on screen, first column sticky.
        assert page.count('<div class="table-wrap"><table') == page.count("<table")
        assert "position:sticky" in page
