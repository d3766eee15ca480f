"""The machine view: one exercise report as JSON, or a bundle when a run produced several."""

from __future__ import annotations

from grader.report.model import ExerciseReport, bundle, to_json


def render(reports: list[ExerciseReport], versions: dict, as_bundle: bool) -> str:
    """Validated JSON text (never NaN or Infinity); a bundle when ``as_bundle`` or several reports."""
    if as_bundle or len(reports) != 1:
        return to_json(bundle(reports, versions))
    return to_json(reports[0].to_dict())
