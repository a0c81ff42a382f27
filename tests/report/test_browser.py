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
