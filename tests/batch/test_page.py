"""The class summary page as markup (no browser, no sandbox): every student's string is text, the
markup is the page builder's own, the plots are real images, and the page stands without
matplotlib. ``test_page_browser.py`` opens a real batch's page in Chromium."""

from __future__ import annotations

import base64
import io
import sys
from html.parser import HTMLParser

import pytest

from grader.batch import page, summary

HOSTILE_ID = "<img src=x onerror=alert(1)>"
HOSTILE_MESSAGE = "boom <script>alert(2)</script></style><h1>pwned</h1> \"quoted\" 'single' &amp;"
HOSTILE_PATH = "tests/<svg onload=alert(3)>.py"
CONTEXT = {"made by": "grade batch", "grader": "0.1.0", "generated": "2026-12-02 08:00 UTC"}


def report(exercise_id: str, score: int, *, digest: str | None = "ab" * 32, error: dict | None = None,
           hint: str | None = None, message: str = "", flags: list[str] | None = None,
           level: str = "strong") -> dict:
    failed = hint or message or score == 0
    status = "error" if (error or {}).get("kind") == "grader" else "graded"
    return {"exercise": {"id": exercise_id}, "score": score, "error": error, "status": status,
            "flags": flags or [], "isolation": {"level": level},
            "submission": {"path": "x", "files": {"f.py": digest}},
            "tests": [{"status": "failed" if failed else "passed", "hint": hint, "message": message}]}


def missing(exercise_id: str, file: str = "f.py") -> dict:
    return report(exercise_id, 0, digest=None, level="none",
                  error={"kind": "submission", "message": f"{file} is missing"})


class Markup(HTMLParser):
    """The elements, attributes and text of a page, as a browser's parser reads them."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text, self.images, self.first_in_head = [], set(), [], [], None
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes |= {name for name, _ in attrs}
        if self.first_in_head is None and self.tags[-2:-1] == ["head"]:
            self.first_in_head = (tag, dict(attrs))
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def class_rows():
    return [
        ("right", {"reports": [report("exercise1", 7), report("exercise8", 100)]}),
        (HOSTILE_ID, {"reports": [report("exercise1", 0, message=HOSTILE_MESSAGE, hint="accumulates\nsecond"),
                                  missing("exercise8", "train.py")]}),
        ("wrong", {"reports": [report("exercise1", 3, hint="accumulates", flags=[HOSTILE_MESSAGE]),
                               report("exercise8", 0, error={"kind": "grader", "message": "the worker died"})]}),
        ("tampered", {"reports": [report("exercise1", 7), report("exercise8", 50)],
                      "tampering": {"template": "0" * 64, "changes": [
                          {"path": HOSTILE_PATH, "change": "modified"},
                          {"path": ".github/workflows/classroom.yml", "change": "deleted"}]}}),
        ("nothing", {"reports": [missing("exercise1"), missing("exercise8", "train.py")]}),
    ]


def test_every_students_string_is_text_and_every_element_the_builders(course, class_rows):
    exercises = [course.resolve("exercise1"), course.resolve("exercise8")]
    source = page.render(exercises, class_rows, CONTEXT)
    markup = Markup(source)
    assert set(markup.tags) <= page.TAGS and markup.attributes <= page.ATTRIBUTES
    assert markup.tags.count("h1") == 1 and "script" not in markup.tags and "svg" not in markup.tags
    assert markup.first_in_head == ("meta", {"http-equiv": "Content-Security-Policy", "content": page.CSP})
    text = "".join(markup.text)
    for hostile in (HOSTILE_ID, HOSTILE_PATH, "<script>alert(2)</script></style><h1>pwned</h1>"):
        assert hostile in text
    assert "<script" not in source and "<h1>pwned" not in source


def test_the_page_names_who_needs_attention_and_the_shares_of_hints(course, class_rows):
    exercises = [course.resolve("exercise1"), course.resolve("exercise8")]
    text = "".join(Markup(page.render(exercises, class_rows, CONTEXT)).text)
    assert "40% (2 of 5)" in text  # "accumulates": two of five students
    assert "train.py is missing" in text and "the worker died" in text
    assert ".github/workflows/classroom.yml" in text and "deleted" in text
    assert "no file for any of the 2 exercises" in text
    assert "grader: 0.1.0" in text and "strong" in text


def test_with_a_template_the_page_counts_changed_and_uncompared_submissions(course, class_rows):
    exercises = [course.resolve("exercise1"), course.resolve("exercise8")]
    for _, document in class_rows[:2]:
        document["tampering"] = {"template": "0" * 64, "changes": []}
    class_rows[2][1]["tampering"] = {"template": "0" * 64, "changes": [], "problem": "no root"}
    many = [{"path": f"tests/test_{i}.py", "change": "added"} for i in range(page.MAX_CHANGES + 3)]
    class_rows[3][1]["tampering"] = {"template": "0" * 64, "changes": many, "unlisted": 7}
    text = " ".join(Markup(page.render(exercises, class_rows, CONTEXT)).text)
    assert "1 of 5 submissions changed protected files" in text
    assert "1 could not be compared" in text
    assert f"{page.MAX_CHANGES + 3 + 7} protected file(s) changed" in text and "and 10 more" in text


def test_one_real_image_per_exercise_and_the_same_page_for_the_same_class(course, class_rows):
    image = pytest.importorskip("PIL.Image")
    exercises = [course.resolve("exercise1"), course.resolve("exercise8")]
    source = page.render(exercises, class_rows, CONTEXT)
    images = Markup(source).images
    assert len(images) == len(exercises)
    for src in images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        picture = image.open(io.BytesIO(base64.b64decode(src[len(prefix):], validate=True)))
        assert picture.size == (page.png_width(), page.png_height())
    assert page.render(exercises, class_rows, CONTEXT) == source


def test_long_strings_are_cut_so_the_page_stays_small(course):
    exercises = [course.resolve("exercise1")]
    rows = [("x" * 50_000, {"reports": [report("exercise1", 0, message="m" * 100_000, hint="h" * 100_000)],
                            "tampering": {"template": "0" * 64,
                                          "changes": [{"path": f"p{i}" * 1000, "change": "added"} for i in range(500)]}})]
    source = page.render(exercises, rows, CONTEXT)
    assert len(source.encode()) < 120_000
    assert "and 480 more" in "".join(Markup(source).text)


def test_without_matplotlib_the_page_is_written_with_a_note_instead_of_plots(course, class_rows, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails as if not installed
    assert not page.plotting_available()
    path = page.write(tmp_path, [course.resolve("exercise1")], class_rows, CONTEXT)
    markup = Markup(path.read_text(encoding="utf-8"))
    assert not markup.images and page.PLOTS_MISSING in "".join(markup.text)
    assert "Scores" in "".join(markup.text)


def test_attention_gives_each_reason_once_with_its_exercise(course, class_rows):
    exercises = [course.resolve("exercise1"), course.resolve("exercise8")]
    facts = summary.summarise(exercises, [d for _, d in class_rows], [i for i, _ in class_rows])
    why = {entry["submission"]: [(r["kind"], r["exercise"]) for r in entry["reasons"]] for entry in facts["attention"]}
    assert why == {
        HOSTILE_ID: [("zero", "exercise1"), ("missing", "exercise8")],
        "wrong": [("review", "exercise1"), ("error", "exercise8")],
        "tampered": [("tampering", None)],
        "nothing": [("missing", None)],
    }
    tampering = facts["attention"][2]["reasons"][0]
    assert [c["path"] for c in tampering["changes"]] == [HOSTILE_PATH, ".github/workflows/classroom.yml"]
    assert HOSTILE_MESSAGE in facts["attention"][0]["reasons"][0]["detail"]


def test_a_bundle_without_tampering_and_the_flag_of_a_students_own_run_need_no_attention(course):
    rows = [{"reports": [report("exercise1", 7, flags=["public checks only: hidden checks worth 3 more points"])]}]
    assert summary.summarise([course.resolve("exercise1")], rows)["attention"] == []


def test_the_summary_counts_isolation_levels_where_student_code_ran_and_hints_per_exercise(course, class_rows):
    exercises = [course.resolve("exercise1"), course.resolve("exercise8")]
    facts = summary.summarise(exercises, [d for _, d in class_rows])
    assert facts["isolation"] == {"levels": {"strong": 6}, "not_run": 4}
    hints = {row["exercise"]: row["hints"] for row in facts["exercises"]}
    assert hints == {"exercise1": [{"hint": "accumulates", "submissions": 2}], "exercise8": []}
    assert facts["attention"][0]["submission"] == "x"  # without ids: the report's submission path
