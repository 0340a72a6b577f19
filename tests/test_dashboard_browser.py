"""The planner dashboard in a real browser: headless Chromium driven by Playwright on localhost.

Skipped cleanly when Chromium or Playwright is missing (``scripts/install-browser.sh`` installs
Debian's chromium); CI installs it and sets ``MATURASI_REQUIRE_BROWSER=1``, so there it cannot
skip. Set ``MATURASI_SCREENSHOTS=DIR`` to keep the screenshots (the README's pictures are made
this way).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from analysis.demo import DEMO_DIR
from analysis.scenario import baseline_from_run, load_scenario, run_scenario

CHROMIUM = os.environ.get("MATURASI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if os.environ.get("MATURASI_REQUIRE_BROWSER"):        # CI: a missing browser is a failure, not a skip
    assert CHROMIUM, "MATURASI_REQUIRE_BROWSER is set but Chromium is not installed"
    import playwright.sync_api  # noqa: F401
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (run scripts/install-browser.sh)")

#: how long to wait for anything the browser or the server does. Generous on purpose: a loaded CI machine
#: (a clean-clone ``.ci/run`` beside other work) once took longer than playwright's 5 s default. Only
#: waiting gets longer; every expectation is the same, and a quick machine does not wait any longer.
WAIT_S = float(os.environ.get("MATURASI_BROWSER_WAIT", "240"))
playwright.expect.set_options(timeout=WAIT_S * 1000)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    run = runs / "demo-index"
    subprocess.run([sys.executable, "-m", "analysis.cli", "build", "--framework", "kominfo_gm100sc", "--data",
                    str(DEMO_DIR / "smartcity_panel.csv"), "--spec", str(DEMO_DIR / "spec.yaml"), "--out", str(run)],
                   check=True, capture_output=True)
    port = _free_port()
    log = open(runs / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "analysis.cli", "dashboard", "--runs", str(runs), "--unit",
                             "73.71", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            if urllib.request.urlopen(url, timeout=30).status == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("dashboard server did not start:\n" + (runs / "server.log").read_text())
        time.sleep(0.5)
    yield url, run
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def page(server):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=WAIT_S * 1000)
        # a 1,366 × 768 laptop screen, the most common at the ministries' desks: the layout must fit it
        ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        pg = ctx.new_page()
        pg.set_default_timeout(WAIT_S * 1000)
        pg.set_default_navigation_timeout(WAIT_S * 1000)
        pg.goto(server[0])
        pg.locator("#mtr-rank").wait_for()
        yield pg
        browser.close()


def _shot(page, name, tmp_path):
    keep = os.environ.get("MATURASI_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_moving_a_slider_shows_the_engines_rank(server, page, tmp_path):
    expect = playwright.expect
    url, run = server
    b = baseline_from_run(run)
    base_rank = int(b.ranks["73.71"])
    expect(page.locator("#mtr-rank")).to_have_text(str(base_rank))
    # the demo is synthetic: the page says so, above everything else
    expect(page.locator("#mtr-synthetic")).to_contain_text("Synthetic demonstration data")
    expect(page.locator("#mtr-ascn")).to_contain_text("ASEAN Smart Cities Network")
    _shot(page, "dashboard_baseline", tmp_path)
    # nothing sticks out of a 1,366 px window (no horizontal scrolling)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert inner == 1366 and width <= inner

    handle = page.locator(".mtr-slider-GOV_EGOV .noUi-handle").first
    handle.focus()
    handle.press("End")                    # the slider's maximum: a large, certain improvement

    # the scenario the page exports, recomputed by the engine from the run folder; the page must
    # show the engine's rank, score and level (waiting for them, not reading whatever is drawn first:
    # on a loaded machine the rank can be redrawn before the score)
    expect(page.locator("#mtr-yaml")).to_contain_text("GOV_EGOV")
    text = page.locator("#mtr-yaml").text_content()
    sc = load_scenario(yaml.safe_load(text))
    assert [it.indicators for it in sc.interventions] == [["GOV_EGOV"]]
    r = run_scenario(b, sc)
    new_rank = int(r.table.at["73.71", "scenario_rank"])
    assert new_rank < base_rank
    expect(page.locator("#mtr-rank")).to_have_text(str(new_rank))
    expect(page.locator("#mtr-score")).to_have_text(f"{r.table.at['73.71', 'scenario_score']:.2f}")
    expect(page.locator("#mtr-level")).to_have_text(str(r.table.at["73.71", "scenario_level"]))
    _shot(page, "dashboard_scenario", tmp_path)

    # the download button gives the same YAML
    with page.expect_download() as dl:
        page.get_by_role("button", name="Export scenario (YAML)").click()
    assert Path(dl.value.path()).read_text(encoding="utf-8") == text
    assert dl.value.suggested_filename == "scenario_73.71.yaml"

    # and the Excel button a scenario workbook with the same changes (what `maturasi scenario` reads)
    from analysis.schemas.scenario import read_scenario_xlsx

    with page.expect_download() as dl:
        page.get_by_role("button", name="Export scenario (Excel)").click()
    assert dl.value.suggested_filename == "scenario_73.71.xlsx"
    xlsx = tmp_path / "scenario.xlsx"
    dl.value.save_as(xlsx)
    from_xlsx = load_scenario(read_scenario_xlsx(xlsx))
    assert [(it.indicators, it.amount) for it in from_xlsx.interventions] == \
        [(it.indicators, it.amount) for it in sc.interventions]


def test_path_button_and_bahasa_indonesia(server, page, tmp_path):
    expect = playwright.expect
    page.get_by_role("button", name="Apply path to sliders").click()
    expect(page.locator("#mtr-level")).to_have_text("L5 Leading")
    score = page.locator("#mtr-score").text_content()
    assert re.fullmatch(r"\d+\.\d{2}", score)
    page.get_by_text("Bahasa Indonesia").click()
    # Indonesian: the banner, the labels, decimal commas (CLDR id), Indonesian units on the sliders
    expect(page.locator("#mtr-synthetic")).to_contain_text("Data demonstrasi sintetis")
    expect(page.locator("#mtr-score")).to_have_text(score.replace(".", ","))
    expect(page.get_by_text("Peringkat", exact=True).first).to_be_visible()
    expect(page.locator(".mtr-slider-GOV_EGOV").first).to_contain_text("% layanan")
    expect(page.locator(".mtr-slider-GOV_EGOV").first).to_contain_text(",")
    expect(page.locator("#mtr-level")).to_have_text("L5 Unggul")
    _shot(page, "dashboard_id", tmp_path)
