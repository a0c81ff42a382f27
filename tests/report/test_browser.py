"""The report opens in a real browser: headless Chromium loads every figure and the tables.

Skipped, with the reason, only where no Chromium is installed (``.ci/run`` installs the Debian
package ``chromium``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)

# Appended to a copy of the report only: counts images the browser actually decoded.
PROBE = """<script>
window.addEventListener("load", () => {
  const imgs = [...document.querySelectorAll("figure img")];
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = "PROBE" + JSON.stringify({
    images: imgs.length,
    loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    tables: [...document.querySelectorAll("table")].map(t => t.id),
    rows: [...document.querySelectorAll("table")].map(t => t.tBodies[0].rows.length),
    headings: [...document.querySelectorAll("h2")].map(h => h.textContent),
    decision: (document.getElementById("decision") || {innerText: ""}).innerText,
  }) + "END";
  document.body.appendChild(probe);
});
</script>"""


@pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium installed (Debian: apt-get install chromium; .ci/run does this)",
)
def test_report_renders_in_headless_chromium(compare_folder, tmp_path):
    html = (compare_folder / "report.html").read_text(encoding="utf-8")
    page = tmp_path / "report.html"
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    cmd = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    match = re.search(r"PROBE(.*?)END", done.stdout)
    assert match, f"no probe in the rendered page (rc {done.returncode}): {done.stderr[-2000:]}"
    probe = json.loads(match.group(1))
    expected = len(list((compare_folder / "figures").glob("*.png")))
    assert probe["images"] == expected > 0
    assert probe["loaded"] == probe["images"], "some figures did not load"
    # The decision summary renders first, with its answers and the verdicts (issue 15).
    assert probe["headings"][0] == "Decision summary"
    assert "months to stable team" in probe["decision"] and "USD " in probe["decision"]
    for table in ("decision-table", "decision-verdicts", "comparisons", "time-to", "aggregates"):
        assert table in probe["tables"]
        assert probe["rows"][probe["tables"].index(table)] > 0


A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)
"""Width of an A4 page inside the print stylesheet's 12 mm margins, in CSS pixels (96/inch)."""

# Measures, after the print rules are applied on screen, whether any table is wider than the
# page: the table, its scrolling box and the right edge of its last header cell.
PRINT_PROBE = """<script>
window.addEventListener("load", () => {
  const page = document.documentElement.clientWidth;
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = "PROBE" + JSON.stringify({
    page: page,
    tables: [...document.querySelectorAll("table")].map(t => {
      const cells = t.tHead.rows[0].cells;
      return {
        id: t.id,
        columns: cells.length,
        width: t.scrollWidth,
        box: t.parentElement.scrollWidth,
        right: Math.ceil(cells[cells.length - 1].getBoundingClientRect().right),
      };
    }),
  }) + "END";
  document.body.appendChild(probe);
});
</script>"""


def _chromium(page, tmp_path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium installed (Debian: apt-get install chromium; .ci/run does this)",
)
@pytest.mark.parametrize("kind", ["run", "sweep"])
def test_print_to_pdf_keeps_every_column(kind, run_folder, sweep_folder, tmp_path):
    """Print to PDF works, and with the print stylesheet on an A4 page no table is wider than
    the page (every column printed, none cut off at the right edge)."""
    folder = {"run": run_folder, "sweep": sweep_folder}[kind]
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "@media print{" in html
    pdf = tmp_path / "report.pdf"
    done = _chromium(
        folder / "report.html", tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}"
    )
    assert pdf.exists(), f"no PDF (rc {done.returncode}): {done.stderr[-2000:]}"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) >= 2
    # The print rules applied on screen, in a window as wide as the printed page.
    printed = tmp_path / "printed.html"
    printed.write_text(
        html.replace("@media print{", "@media all{").replace("</body>", PRINT_PROBE + "</body>"),
        encoding="utf-8",
    )
    done = _chromium(
        printed,
        tmp_path,
        f"--window-size={A4_PRINTABLE_PX},1100",
        "--virtual-time-budget=10000",
        "--dump-dom",
    )
    match = re.search(r"PROBE(.*?)END", done.stdout)
    assert match, f"no probe in the rendered page (rc {done.returncode}): {done.stderr[-2000:]}"
    probe = json.loads(match.group(1))
    assert probe["page"] <= A4_PRINTABLE_PX
    assert {t["id"] for t in probe["tables"]} >= {"time-to", "aggregates"}
    for table in probe["tables"]:
        for measure in ("width", "box", "right"):
            assert table[measure] <= probe["page"], (table, probe["page"])
