"""JUnit XML (``--format junit``), for CI systems that render test reports (GitLab, Jenkins,
GitHub actions that read JUnit).

Valid against the Jenkins JUnit schema ``junit-10.xsd`` (jenkinsci/xunit-plugin; the tests
validate every document against a copy of it):

    testsuites(name, tests, failures, errors, time)
      testsuite(name, tests, failures, errors, skipped, time)     one per report
        properties > property(name, value)                        score, max_score, points
        testcase(name, classname, time?)                          one per check
          failure(message, type) | error(message, type)           when it did not pass
          system-out                                              a visible check's printed output

JUnit has no points: they go in the suite's properties (``score``, ``max_score``, and one
``points[<check>]`` = ``"k/n"`` per check), which this schema allows on a testsuite and not on a
testcase. A check's failure carries what the student may see: its message and hint (a hidden
check's fixed brief). A hidden check has no ``time``. Every string passes ``sanitize.xml``, so the
document stays well-formed and valid whatever a message holds; the serializer escapes markup and
writes no CDATA. Messages are cut to keep the document under ``MAX_BYTES``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from grader.errors import ReportInvalid
from grader.formats import sanitize
from grader.formats.output import Output, Settings
from grader.report.model import ExerciseReport

DESCRIPTION = "JUnit XML (Jenkins junit-10 schema), points in each suite's properties"
EXIT_ZERO_WHEN_WRITTEN = False
MAX_BYTES = 4 << 20
ATTRIBUTE_CHARS = 500  # a failure's message attribute: its first line; the whole text is the element's


def render(reports: list[ExerciseReport], versions: dict, bundle: bool, settings: Settings) -> Output:
    return Output(fitted(lambda limit: document(reports, limit)))


def render_failure(error, settings: Settings) -> Output:
    """A report for a run that graded nothing: one suite, one errored case that says why."""
    def build(limit: int) -> ET.Element:
        root = ET.Element("testsuites", name="autograd-grader", tests="1", failures="0", errors="1")
        suite = ET.SubElement(root, "testsuite", name="grading", tests="1", failures="0", errors="1", skipped="0")
        case = ET.SubElement(suite, "testcase", name="grading", classname="grading")
        text = sanitize.xml(str(error), limit)
        ET.SubElement(case, "error", message=first_line(text), type="grading failed").text = text
        return root
    return Output(fitted(build))


def document(reports: list[ExerciseReport], limit: int) -> ET.Element:
    several = len({r.submission["path"] for r in reports}) > 1
    root = ET.Element("testsuites", name="autograd-grader")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    time = 0.0
    for report in reports:
        suite = suite_element(root, report, several, limit)
        for key in totals:
            totals[key] += int(suite.get(key))
        time += report.duration
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("time", f"{time:.3f}")
    return root


def suite_element(root: ET.Element, report: ExerciseReport, several: bool, limit: int) -> ET.Element:
    exercise = sanitize.xml(report.exercise["id"], sanitize.NAME_CHARS, None)
    path = sanitize.xml(report.submission["path"], sanitize.NAME_CHARS, None)
    name = f"{path}: {exercise}" if several else exercise
    suite = ET.SubElement(root, "testsuite", name=name)
    properties = ET.SubElement(suite, "properties")
    record = {"score": str(report.score), "max_score": str(report.max_score), "status": report.status,
              "submission": sanitize.xml(report.submission["path"], sanitize.NAME_CHARS, None),
              "isolation": report.isolation["level"], "seed": str(report.seed)}
    for key, value in record.items():
        ET.SubElement(properties, "property", name=key, value=value)
    failures = errors = 0
    for check in report.tests:
        ET.SubElement(properties, "property", name=f"points[{sanitize.xml(check.name, sanitize.NAME_CHARS, None)}]",
                      value=f"{check.points}/{check.max_points}")
        case = ET.SubElement(suite, "testcase", name=sanitize.xml(check.title, sanitize.NAME_CHARS, None)
                             + (" (hidden)" if check.visibility == "hidden" else ""), classname=exercise)
        if check.visibility == "visible" and check.duration is not None:
            case.set("time", f"{check.duration:.3f}")
        if check.status != "passed":
            text = feedback(check, limit)
            tag = "error" if check.status == "error" else "failure"
            failures += tag == "failure"
            errors += tag == "error"
            ET.SubElement(case, tag, message=first_line(text), type=check.status).text = text
        if check.visibility == "visible" and check.output:
            ET.SubElement(case, "system-out").text = sanitize.xml(check.output, min(limit, sanitize.OUTPUT_CHARS))
    if not report.tests:
        case = ET.SubElement(suite, "testcase", name="grading", classname=exercise)
        text = sanitize.xml(report.error["message"] if report.error else "no checks ran", limit)
        ET.SubElement(case, "error", message=first_line(text), type="grading failed").text = text
        errors += 1
    suite.set("tests", str(max(len(report.tests), 1)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    suite.set("time", f"{report.duration:.3f}")
    return suite


def feedback(check, limit: int) -> str:
    parts = [check.message] if check.message else []
    parts += [f"hint: {check.hint}"] if check.hint else []
    return sanitize.xml("\n".join(parts) or check.status, limit)


def first_line(text: str) -> str:
    line = text.split("\n", 1)[0]
    return line if len(line) <= ATTRIBUTE_CHARS else sanitize.cap(line, ATTRIBUTE_CHARS)


def serialise(root: ET.Element) -> bytes:
    ET.indent(root)  # whitespace between elements only: a leaf's text (a message) is untouched
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def fitted(build) -> bytes:
    try:
        return sanitize.fit(lambda limit: serialise(build(limit)), MAX_BYTES)
    except ValueError as error:
        raise ReportInvalid(f"the JUnit document cannot be kept under {MAX_BYTES} bytes: {error}") from None
