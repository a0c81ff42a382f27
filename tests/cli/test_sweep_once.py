"""``botsim sweep`` reads its finished tables once (issue 19, session 7): the study its derived
tables are computed from is the one its report is built from and its console summary printed
from, and the paired contrasts (or the tornado) and the decision are computed once, not once
for each of them; what is printed is what reading the folder back prints."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from botsim import stats
from botsim.cli.main import main
from botsim.report import study as study_module
from tests.report.test_streaming import grid


@pytest.fixture
def counted(monkeypatch) -> dict[str, int]:
    """How often the summary table is read and paired differences are computed; the report's
    figures are left out (drawing them is not what is tested, and takes seconds)."""
    from botsim.report import figures

    calls = {"reads": 0, "pairs": 0}
    read, pairs = study_module._read_summary, stats.compare_summaries

    def reading(path):
        calls["reads"] += 1
        return read(path)

    def pairing(*args, **kwargs):
        calls["pairs"] += 1
        return pairs(*args, **kwargs)

    monkeypatch.setattr(study_module, "_read_summary", reading)
    monkeypatch.setattr(stats, "compare_summaries", pairing)
    monkeypatch.setattr(figures, "build_figures", lambda study, progress=None: [])
    return calls


@pytest.mark.parametrize("report", [True, False])
def test_a_sweep_reads_its_tables_and_pairs_its_variants_once(
    tmp_path, counted, capsys, report
) -> None:
    from botsim.cli.research import _print_sweep

    out = tmp_path / "sweep"
    args = ["sweep", str(grid(tmp_path)), "-n", "6", "--no-progress", "--out", str(out)]
    res = CliRunner().invoke(main, args + ([] if report else ["--no-report"]))
    assert res.exit_code == 0, res.output
    assert (out / "report.html").exists() is report and (out / "contrasts.csv").exists()
    # 2 settings of the other parameters, each a paired comparison of the first one's values
    assert counted == {"reads": 1, "pairs": 2}
    _print_sweep(out, None)  # what reading the finished folder back prints
    printed = capsys.readouterr().out
    assert res.stdout.endswith(printed) and "paired contrasts of recruiters" in printed
