"""The calibration report as a self-contained HTML page (issue: calibrate from your own data).

Shows what ``botsim calibrate`` printed (sample sizes, fits with intervals, warnings), the
Kaplan-Meier retention curve with its 95 % band against the retention implied by the fitted
profile, the fitted attrition bands, and the profile written. Reads only the ``Calibration``
object; matplotlib is imported here, when a report is made.
"""

from __future__ import annotations

import html
import io
import math
from pathlib import Path
from typing import Any

import numpy as np

from botsim import __version__
from botsim.report.html import CSS


def _retention_png(cal: Any) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from botsim.calibrate import model_retention

    km = cal.retention
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=110)
    times = np.concatenate([[0.0], km["time"].to_numpy()])
    surv = np.concatenate([[1.0], km["survival"].to_numpy()])
    low = np.concatenate([[1.0], km["low"].to_numpy()])
    high = np.concatenate([[1.0], km["high"].to_numpy()])
    ax.step(times, surv, where="post", color="#1f5fa8", label="Kaplan-Meier (records)")
    ax.fill_between(times, low, high, step="post", color="#1f5fa8", alpha=0.18, label="95% band")
    horizon = float(times.max()) if len(times) else 24.0
    grid = np.linspace(0, max(horizon, 1.0), 200)
    values = cal.document["values"]
    ax.plot(
        grid,
        [model_retention(values, m) for m in grid],
        color="#c0392b",
        ls="--",
        label="fitted profile",
    )
    ax.set_xlabel("tenure (months)")
    ax.set_ylabel("share still employed")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _band_rows(cal: Any) -> str:
    rows = []
    for b in cal.bands:
        span = (
            f"{b.from_month:g}+" if math.isinf(b.to_month) else f"{b.from_month:g}-{b.to_month:g}"
        )
        cells = [
            span,
            f"{b.person_years:.1f}",
            f"{b.voluntary.value:.3f} [{b.voluntary.low:.3f}, {b.voluntary.high:.3f}]",
            f"{b.involuntary.value:.3f} [{b.involuntary.low:.3f}, {b.involuntary.high:.3f}]",
            "fitted" if b.fitted else "from base",
            html.escape(b.warning or ""),
        ]
        rows.append("<tr>" + "".join(f"<td class='text'>{c}</td>" for c in cells) + "</tr>")
    head = (
        "tenure band (months)",
        "person-years",
        "voluntary / year [95% CI]",
        "involuntary / year [95% CI]",
        "value",
        "warning",
    )
    return (
        "<table><tr>"
        + "".join(f"<th class='text'>{h}</th>" for h in head)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def calibration_html(cal: Any) -> str:
    """The whole page as a string (figures embedded as base64 PNG, no external resources)."""
    import base64

    from botsim.calibrate import format_report, profile_text

    png = base64.b64encode(_retention_png(cal)).decode("ascii")
    title = f"Calibration of profile {html.escape(cal.name)}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{CSS}</style></head>
<body>
<h1>{title}</h1>
<p class="meta">records as of {cal.as_of} · base profile {html.escape(cal.base)} ·
employees: {html.escape(cal.employees_file)} ({cal.employees}) · requisitions:
{html.escape(cal.requisitions_file or "none")} ({cal.requisitions}) · botsim {__version__}</p>
<h2>Retention</h2>
<figure><img alt="retention curve" src="data:image/png;base64,{png}">
<figcaption>Kaplan-Meier retention of the employee records (right-censored for current staff,
Greenwood log-log 95% band) against the retention implied by the fitted profile (attrition
hazards and probation).</figcaption></figure>
<h2>Attrition by tenure band</h2>
<p class="note">Exits / person-time per band (piecewise-exponential maximum likelihood), exact
Poisson intervals; written as annual turnover-ratio hazards.</p>
{_band_rows(cal)}
<h2>Calibration report</h2>
<pre>{html.escape(format_report(cal))}</pre>
<h2>Profile written</h2>
<pre>{html.escape(profile_text(cal))}</pre>
</body></html>
"""


def write_calibration_report(cal: Any, path: str | Path, force: bool = False) -> Path:
    """Write the page atomically next to the profile (never overwrites unless ``force``)."""
    from botsim.calibrate import write_text_atomic

    return write_text_atomic(path, calibration_html(cal), force)
