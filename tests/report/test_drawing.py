"""The report's figures drawn by two processes (``report.build._Drawer``): the same bytes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from botsim.experiment import executors
from botsim.report import build, units


def _figures(money_axis: bool = True, lambda_axis: bool = False) -> list[SimpleNamespace]:
    """Four small figures; ``money_axis`` puts the report's money formatter on one, and
    ``lambda_axis`` a formatter no pickle can carry on another."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    specs = []
    for k in range(4):
        fig = Figure(figsize=(3, 2), layout="constrained")
        ax = fig.add_subplot()
        ax.plot([0, 1, 2], [k * 1e5, 2e6, 3e6 - k])
        ax.set_title(f"figure {k}")
        if k == 1 and money_axis:
            units.money_axis(ax, "USD")
        if k == 2 and lambda_axis:
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"<{v:g}>"))
        specs.append(SimpleNamespace(name=f"f{k}", figure=fig))
    return specs


@pytest.mark.parametrize("lambda_axis", [False, True])
def test_figures_drawn_by_the_helper_are_the_bytes_drawn_here(lambda_axis, monkeypatch) -> None:
    """Every figure comes back in order, as PNG and SVG bytes equal to drawing it in this
    process; one that cannot be pickled is drawn here. The helper is made ready first so that
    it draws some of them."""
    monkeypatch.setattr(executors, "default_workers", lambda: 2)  # even on one core
    expected = [build._render(spec) for spec in _figures(lambda_axis=lambda_axis)]
    drawer = build._Drawer()
    try:
        assert drawer._pool is not None
        drawer._ready.result(timeout=60)
        done: list[int] = []
        drawn = drawer.render(_figures(lambda_axis=lambda_axis), done.append)
    finally:
        drawer.close()
    assert sorted(done) == [0, 1, 2, 3]
    assert drawn == expected


def test_a_money_axis_figure_can_be_pickled() -> None:
    """The report's money tick formatter is a module-level function, not a lambda, so its
    figures can be drawn by the helper process."""
    import pickle

    spec = _figures()[1]
    copy = SimpleNamespace(name="copy", figure=pickle.loads(pickle.dumps(spec.figure)))
    assert build._render(copy) == build._render(spec)
