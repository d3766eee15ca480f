"""JUnit XML, validated as CI reads it: a validating parser and the published Jenkins schema."""

from __future__ import annotations

import pytest
from lxml import etree

from grader.errors import CourseError
from grader.formats import junit
from grader.formats.output import Settings

from .conftest import ALL_HOSTILE, HOSTILE, SCHEMAS, check, hostile_report, report


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd")))


def parsed(data: bytes, schema) -> etree._Element:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    schema.assertValid(root)
    return root


def test_one_testcase_per_check_and_points_in_properties(schema):
    reports = [report([check("a", "a", points=2, max_points=2),
                       check("b", "b", "failed", 0, 3, message="wrong sign", hint="check the sign"),
                       check("c", "c", "error", 0, 1, message="dydx raised"),
                       check("h", "h", "failed", 0, 1, visibility="hidden")])]
    root = parsed(junit.render(reports, {}, False, Settings()).text, schema)
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "1")
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert properties["score"] == "2" and properties["max_score"] == "7"
    assert [properties[f"points[{name}]"] for name in "abch"] == ["2/2", "0/3", "0/1", "0/1"]
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["a", "b", "c", "h (hidden)"]
    assert cases[1].find("failure").text == "wrong sign\nhint: check the sign"
    assert cases[1].find("failure").get("message") == "wrong sign"
    assert cases[2].find("error") is not None
    assert cases[0].get("time") == "0.250" and cases[3].get("time") is None  # no hidden time


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_keeps_the_document_well_formed_and_valid(name, schema):
    root = parsed(junit.render([hostile_report(HOSTILE[name], path=HOSTILE[name][:300])], {}, False, Settings()).text,
                  schema)
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and len(failure.text) <= 2000
    text = etree.tostring(root, encoding="unicode")
    assert "\x1b" not in text and "<script>" not in text
    assert all(not line.lstrip().startswith("::") and "##[" not in line for line in failure.text.split("\n"))


def test_every_hostile_text_at_once_in_a_big_class(schema):
    many = [report([check(f"t{i}", f"c{i}", "failed", 0, 1, message=ALL_HOSTILE + HOSTILE["long"],
                          output=ALL_HOSTILE)], path=f"s{i}.py") for i in range(50)]
    data = junit.render(many, {}, False, Settings()).text
    assert len(data) <= junit.MAX_BYTES
    assert len(parsed(data, schema).findall("testsuite")) == 50


def test_a_run_that_graded_nothing_is_a_valid_document(schema):
    root = parsed(junit.render_failure(CourseError("broken ]]> <course>"), Settings()).text, schema)
    assert root.find("testsuite/testcase/error").text == "broken ]]> <course>"
    failed = report([], status="error", error={"kind": "course", "message": "no checks"}, max_score=7)
    assert parsed(junit.render([failed], {}, False, Settings()).text, schema).find("testsuite").get("errors") == "1"
