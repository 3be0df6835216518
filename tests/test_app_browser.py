"""The Streamlit page end to end: a real server, headless Chromium, a real upload.

Needs Chromium at /usr/bin/chromium (Debian's ``chromium`` package) and the
``playwright`` Python package (its own browser downloads are not used); skips without.
Screenshots go to the test's tmp folder; the desktop one also to docs/images/app.png.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_videos" / "overstride_heel_strike.mp4"
ANALYSIS_TIMEOUT_MS = 180_000

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``streamlit run streamlit_app.py`` on a free port; always terminated."""
    pytest.importorskip("streamlit", reason="streamlit is not installed (.[app])")
    port = _free_port()
    log = open(tmp_path_factory.mktemp("streamlit") / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "streamlit_app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start (see {log.name})")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _open(browser, url: str, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.get_by_text("Upload a running video").wait_for(timeout=60_000)
    return page


def _screenshot(page, path: Path, width: int) -> None:
    """The whole page: Streamlit scrolls inside its main block, not the document, so
    the viewport is made as tall as that block first."""
    height = 0
    for _ in range(4):  # the chart and the table grow the page as they draw
        page.wait_for_timeout(1000)
        now = page.evaluate(
            "Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
            "[data-testid=stAppViewContainer], section')].map(e => e.scrollHeight))"
        )
        if now == height:
            break
        height = now
        page.set_viewport_size({"width": width, "height": max(int(height), 600)})
    page.screenshot(path=str(path), full_page=True)


def _upload(page, path: Path) -> None:
    page.locator("input[type=file]").set_input_files(str(path))


def test_upload_shows_findings_video_and_screenshots(browser, server, tmp_path):
    page = _open(browser, server, 1280, 900)
    _upload(page, SAMPLE)
    page.get_by_text("1. Overstriding").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    assert page.get_by_text("Cue:").first.is_visible()
    video = page.locator("video")
    video.first.wait_for(timeout=30_000)
    assert video.count() >= 1
    assert page.get_by_text("Traceback").count() == 0
    desktop = tmp_path / "app_desktop.png"
    _screenshot(page, desktop, 1280)
    docs = ROOT / "docs" / "images" / "app.png"
    docs.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(desktop, docs)

    # Phone width: the same result (cached, so no second analysis) stacked in a column.
    phone = _open(browser, server, 400, 860)
    _upload(phone, SAMPLE)
    phone.get_by_text("1. Overstriding").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    _screenshot(phone, tmp_path / "app_phone.png", 400)
    print(f"screenshots: {desktop}, {tmp_path / 'app_phone.png'}, {docs}")
    page.close()
    phone.close()


def test_text_file_renamed_mp4_shows_friendly_error(browser, server, tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("these are my training notes, not a video\n" * 50)
    page = _open(browser, server, 1280, 900)
    _upload(page, fake)
    alert = page.get_by_text("is not a video file")
    alert.wait_for(timeout=60_000)
    assert "notes.mp4" in alert.inner_text()
    assert page.get_by_text("Traceback").count() == 0
    assert page.locator("video").count() == 0
    page.close()
