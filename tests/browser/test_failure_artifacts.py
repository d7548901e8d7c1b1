"""A browser test that fails leaves what its page showed: a screenshot, the HTML and the console, and the failure
report names them (issue 12: a failure on a busy machine must say what the page showed, not only "timed out")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

FAILING_TEST = '''
def test_the_page_is_not_what_was_expected(page):
    page.set_content("<p>What the page showed</p><script>console.error('boom from the page')</script>")
    page.wait_for_selector("text=What the page showed")
    assert page.locator("#email").count() == 1, "no log-in form"
'''


def test_a_failing_browser_test_leaves_its_screenshot_html_and_console(browser, tmp_path):
    # `browser` (the session's, launched once) only skips this where Chromium is missing, as every browser test.
    # The real conftest, run on a test made to fail, in a folder of its own.
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_made_to_fail.py").write_text(FAILING_TEST)
    artifacts = tmp_path / "artifacts"
    env = {**os.environ, "SEAMLINE_ARTIFACTS": str(artifacts),
           "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_made_to_fail.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr  # failed, not skipped or crashed
    folder = artifacts / "failures" / "test_the_page_is_not_what_was_expected"
    assert (folder / "page-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "What the page showed" in (folder / "page-1.html").read_text()
    console = (folder / "page-1.console.log").read_text()
    assert "[error] boom from the page" in console
    assert "what the pages showed" in run.stdout and str(folder / "page-1.console.log") in run.stdout
