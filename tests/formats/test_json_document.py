"""The JSON view is the report itself: valid against our schema, and valid JSON whatever it holds."""

from __future__ import annotations

import json

import pytest

from grader.formats import json_document
from grader.formats.output import Settings
from grader.report import model

from .conftest import HOSTILE, hostile_report, report


# whether a report may hold a lone surrogate at all is the report model's rule (text from the child
# is cleaned where it is decoded); the views that sanitise are tested with them
@pytest.mark.parametrize("name", [name for name in HOSTILE if name != "lone surrogates"])
def test_hostile_text_is_data_in_a_valid_document(name):
    data = json_document.render([hostile_report(HOSTILE[name][:5000])], {}, False, Settings()).text
    document = json.loads(data.decode("utf-8"))  # UTF-8 whatever the terminal, one document
    model.validate(document)
    assert document["tests"][1]["message"] == HOSTILE[name][:5000]  # the report, unaltered: JSON escapes it


def test_several_reports_make_a_bundle():
    document = json.loads(json_document.render([report(), report(path="b.py")], {"grader": "0.1.0", "python": "3"},
                                               False, Settings()).text)
    model.validate(document)
    assert document["kind"] == "bundle" and len(document["reports"]) == 2
