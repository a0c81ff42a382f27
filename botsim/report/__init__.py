"""Reports: figures (seaborn/matplotlib, headless) and a self-contained ``report.html``.

A report is built from the saved tables of a run, compare or sweep folder only, so
``botsim report FOLDER`` rebuilds it without re-running anything. Importing this package does
not import matplotlib or seaborn; they are loaded when a report is actually made.

Library use::

    from botsim.report import write_report, write_compare, write_sweep
    from botsim.report import compare_to_folder, sweep_to_folder  # run straight to a folder
    write_report("outputs/manila-finance-20-20261125T101500")   # (re)build report.html
"""

from __future__ import annotations

from botsim.report.build import write_report
from botsim.report.folders import compare_to_folder, sweep_to_folder, write_compare, write_sweep
from botsim.report.study import NoReplicationsError, ReportError, Study, load_study

__all__ = [
    "NoReplicationsError",
    "ReportError",
    "Study",
    "compare_to_folder",
    "load_study",
    "sweep_to_folder",
    "write_compare",
    "write_report",
    "write_sweep",
]
