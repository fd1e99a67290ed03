"""What a person sees: the dashboard served by Streamlit, opened in headless Chromium.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``;
never ``playwright install``). Without it the test skips, except in CI where
that is a failure. Screenshots go to ``test-artifacts/`` (gitignored); with
``AIMETRICS_UPDATE_SCREENSHOTS=1`` they are also copied to ``docs/screenshots/``
for the README (tests never change the source tree otherwise).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_dashboard_apptest import KPI_LABELS

from aimetrics.tagging.rules import shipped_config

from samples import DEMO_END, build_demo_store
from served import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RENDER_TIMEOUT_MS,
    require_chromium,
    serve_dashboard,
    settled,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
UPDATE_SCREENSHOTS = "AIMETRICS_UPDATE_SCREENSHOTS"  # =1: refresh the README's screenshots


def _keep_screenshot(shot: Path) -> None:
    """Copy a screenshot from test-artifacts/ to docs/screenshots/ when asked to."""
    if os.environ.get(UPDATE_SCREENSHOTS) == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / shot.name)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on a populated store, served as `aimetrics dashboard` serves it."""
    require_chromium()
    workdir = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{workdir / 'store.db'}"
    # The full demo as `aimetrics demo --end-date 2025-06-30` builds and serves it, with its
    # own configuration (the payments team's label rule, budgets): these go in the README.
    build_demo_store(url, scale=1.0, end_date=DEMO_END)
    config = {"AIMETRICS_CONFIG": str(shipped_config("demo.yaml"))}
    with serve_dashboard(url, workdir, config) as base:
        yield base


def test_overview_renders_in_chromium(served: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # As tall as the page: Streamlit scrolls an inner container.
            page = browser.new_page(viewport={"width": 1440, "height": OVERVIEW_HEIGHT})
            page.goto(served, wait_until="domcontentloaded")
            metrics = page.locator('[data-testid="stMetric"]')
            expect(metrics).to_have_count(len(KPI_LABELS), timeout=RENDER_TIMEOUT_MS)
            labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
            assert [label.strip() for label in labels] == KPI_LABELS
            values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
            assert all(v.strip() and v.strip() != "—" for v in values), values

            chart = page.locator('[data-testid="stPlotlyChart"] .main-svg').first
            expect(chart).to_be_visible(timeout=RENDER_TIMEOUT_MS)
            expect(page.get_by_text("Data last collected:")).to_be_visible()
            # The signature chart, with its points drawn.
            expect(page.get_by_text("Which teams get value for their AI spend")).to_be_visible()
            expect(page.get_by_role("button", name="Download report (HTML)")).to_be_visible()
            # Wait for the script run to finish before judging the page.
            expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(
                0, timeout=RENDER_TIMEOUT_MS
            )
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator('[data-testid="stAlertContentError"]').count() == 0

            page.wait_for_timeout(1000)  # the charts' entry transitions
            shot = ARTIFACTS / "overview.png"
            page.screenshot(path=str(shot), full_page=True)
            _keep_screenshot(shot)

            # The period is in the URL: the same link reproduces the view.
            first, last = "2025-01-01", "2025-01-31"
            page.goto(f"{served}/?period={first}&period={last}", wait_until="domcontentloaded")
            expect(page.get_by_text(f"{first} – {last}")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
            expect(chart).to_be_visible(timeout=RENDER_TIMEOUT_MS)
            assert page.locator('[data-testid="stException"]').count() == 0
            page.screenshot(path=str(ARTIFACTS / "overview-january.png"), full_page=True)
        finally:
            browser.close()


# Every page but the Overview: its address, its title, and a viewport as tall as the page on
# the demo (Streamlit scrolls an inner container, so a full-page screenshot needs the height).
PAGES = {
    "adoption": ("Adoption", 3400),
    "seats": ("Seats & usage", 2600),
    "delivery": ("Delivery", 4300),
    "quality": ("Quality", 4300),
    "cost_roi": ("Cost & ROI", 4600),
    "data": ("Data", 2300),
}
OVERVIEW_HEIGHT = 3500


def test_every_page_renders_and_downloads_a_csv(served: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1300}, accept_downloads=True)
            for path, (title, height) in PAGES.items():
                page.set_viewport_size({"width": 1440, "height": height})
                page.goto(f"{served}/{path}", wait_until="domcontentloaded")
                expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(
                    timeout=RENDER_TIMEOUT_MS
                )
                expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible(
                    timeout=RENDER_TIMEOUT_MS
                )
                settled(page)
                assert page.locator('[data-testid="stException"]').count() == 0, path
                assert page.locator('[data-testid="stAlertContentError"]').count() == 0, path
                page.wait_for_timeout(1000)  # the charts' entry transitions
                shot = ARTIFACTS / f"{path}.png"
                page.screenshot(path=str(shot), full_page=True)
                _keep_screenshot(shot)

            # One CSV, as a manager downloads it: the merged PRs with their GitHub links.
            page.goto(f"{served}/delivery", wait_until="domcontentloaded")
            button = page.get_by_role("button", name="Download CSV").last
            expect(button).to_be_visible(timeout=RENDER_TIMEOUT_MS)
            settled(page)
            with page.expect_download(timeout=RENDER_TIMEOUT_MS) as info:
                button.click()
            download = info.value
            # The default period, no filter: aimetrics-merged-prs_FROM_TO.csv
            name = download.suggested_filename
            assert re.fullmatch(r"aimetrics-merged-prs_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.csv", name)
            target = ARTIFACTS / "merged-prs.csv"
            download.save_as(target)
            lines = target.read_text().splitlines()
            assert lines[0].startswith("Merged (UTC),Repository,PR,Title,")
            assert len(lines) > 100
            assert "https://github.com/acme-demo/" in lines[1]
        finally:
            browser.close()
