"""The class summary page of a real batch, opened in a real browser: headless Chromium from the
distribution's packages (``.ci/run`` installs it) renders the page of a class whose submissions
carry hostile text, and the test reads what it rendered (``--dump-dom``) and takes a screenshot
(``SCREENSHOT``, named in the README) for an instructor to look at.

Without Chromium the test is skipped, except under CI (``$CI`` set), where that is a failure.
A batch on a machine without matplotlib still writes its page, and says so once.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import shutil
import subprocess

import pytest

from grader.batch import page
from grader.batch.outputs import file_name

from ..conftest import EXAMPLES, REPO, SOLUTIONS, run_cli
from .test_page import HOSTILE_ID, Markup

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = REPO / "tests" / "artifacts" / "class-summary.png"
HOSTILE_RAISE = 'raise ValueError("<script>alert(2)</script> and </style><h1>pwned</h1>")\n'
HOSTILE_PATH = "tests/<img src=y onerror=alert(4)>.py"
VARIANTS = REPO / "exercises" / "exercise2" / "variants"
# run with the flags a closed network needs: nothing may try to reach out
BROWSER_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--enable-logging=stderr", "--v=0")


@pytest.fixture(scope="module")
def chromium():
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"no {CHROMIUM}: install Debian's chromium package (apt-get install -y chromium), as .ci/run does"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run this test")
    pytest.skip(reason)


def browse(chromium: str, profile, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium, *BROWSER_FLAGS, f"--user-data-dir={profile}", *arguments],
                          capture_output=True, text=True, timeout=120)


def make_class(root):
    """Five students: one whose id is markup, one whose file raises hostile text at import, one
    with wrong answers (hints), one right, one who hands in nothing."""
    files = {
        HOSTILE_ID: {"dydx.py": SOLUTIONS / "exercise1.py", "vjp.py": VARIANTS / "mutates_caller_x_correct.py"},
        "boom": {"dydx.py": HOSTILE_RAISE, "vjp.py": VARIANTS / "backward_without_gradient.py"},
        "wrong": {"dydx.py": EXAMPLES / "exercise1" / "reused-leaf.py", "vjp.py": VARIANTS / "ignored_v.py"},
        "right": {"dydx.py": SOLUTIONS / "exercise1.py", "vjp.py": SOLUTIONS / "exercise2.py"},
        "nothing": {"README.md": "nothing here\n"},
    }
    for student, handed_in in files.items():
        (root / student).mkdir(parents=True)
        for name, content in handed_in.items():
            (root / student / name).write_text(content if isinstance(content, str) else content.read_text())
    return list(files)


def test_the_page_of_a_hostile_class_renders_its_table_and_plots_and_only_the_builders_markup(
        tmp_path, course, chromium):
    students, out = make_class(tmp_path / "class"), tmp_path / "out"
    result = run_cli("batch", str(tmp_path / "class"), "--course", str(REPO), "--exercises", "1,2", "--out",
                     str(out), "--progress", "bar", "--seed", "5", "--jobs", "2", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "summary.html" in result.stdout  # the summary's last line names the page

    # The batch knows no template yet: a tampered report as `grade batch --template` writes one,
    # and the page rebuilt from the reports as the batch builds it.
    exercises = [course.resolve("exercise1"), course.resolve("exercise2")]
    rows = [(s, json.loads((out / "reports" / f"{file_name(s)}.json").read_text())) for s in students]
    rows[0][1]["tampering"] = {"template": "0" * 64, "changes": [{"path": HOSTILE_PATH, "change": "modified"}]}
    path = page.write(out, exercises, rows, {"made by": "grade batch", "grader": "test"})

    dom = browse(chromium, tmp_path / "profile", "--dump-dom", path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Content Security Policy" not in dom.stderr  # the policy blocked nothing of the page's own
    rendered = Markup(dom.stdout)
    assert set(rendered.tags) <= page.TAGS, set(rendered.tags) - page.TAGS
    assert rendered.attributes <= page.ATTRIBUTES, rendered.attributes - page.ATTRIBUTES
    assert rendered.tags.count("h1") == 1 and "script" not in rendered.tags
    text = "".join(rendered.text)
    for hostile in (HOSTILE_ID, "<script>alert(2)</script> and </style><h1>pwned</h1>", HOSTILE_PATH):
        assert hostile in text
    for shown in ("Scores", "median", "exercise1", "exercise2", "Needs attention", "Isolation", "1 of 5"):
        assert shown in text

    image = pytest.importorskip("PIL.Image")
    assert len(rendered.images) == len(exercises)
    for src in rendered.images:
        kind, data = src.split(",", 1)
        assert kind == "data:image/png;base64"
        assert image.open(io.BytesIO(base64.b64decode(data, validate=True))).size == (page.png_width(), page.png_height())

    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    shot = browse(chromium, tmp_path / "profile", f"--screenshot={SCREENSHOT}", "--window-size=1280,2000",
                  path.as_uri())
    assert shot.returncode == 0 and SCREENSHOT.exists(), shot.stderr[-2000:]
    picture = image.open(SCREENSHOT).convert("L")
    assert picture.size == (1280, 2000)
    assert picture.getextrema()[0] < 100  # something dark was drawn: text and bars, not a blank page
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def test_without_matplotlib_a_batch_still_writes_its_page_and_says_how_to_get_the_plots(tmp_path):
    blocked = tmp_path / "blocked" / "matplotlib"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('matplotlib is not installed here')\n")
    (tmp_path / "class" / "right").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "exercise1.py", tmp_path / "class" / "right" / "dydx.py")
    env = {**os.environ, "PYTHONPATH": str(blocked.parent)}
    result = run_cli("batch", str(tmp_path / "class"), "--course", str(REPO), "--exercises", "1", "--out",
                     str(tmp_path / "out"), "--quiet", "--jobs", "1", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("pip install 'autograd-grader[instructor]'") == 1
    source = (tmp_path / "out" / page.PAGE_NAME).read_text(encoding="utf-8")
    assert html.escape(page.PLOTS_MISSING) in source and "<img" not in source and "exercise1" in source
