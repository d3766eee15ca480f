"""The machine view (``--format json``, or ``--json``): one exercise report as JSON, or a bundle
when a run produced several.

The document is the report itself, validated against ``grader/schemas/report.schema.json``: its
readers are programs, for which JSON's own escaping makes any text harmless (no NaN or Infinity,
every control character escaped). It is written as UTF-8 bytes whatever the terminal's encoding.
"""

from __future__ import annotations

from grader.formats.output import Output, Settings
from grader.report.model import ExerciseReport, bundle, to_json

DESCRIPTION = "the report as JSON (validated against the shipped schema); a bundle for several"
EXIT_ZERO_WHEN_WRITTEN = False


def render(reports: list[ExerciseReport], versions: dict, as_bundle: bool, settings: Settings | None = None) -> Output:
    """Validated JSON (never NaN or Infinity); a bundle when ``as_bundle`` or several reports."""
    # a lone surrogate (which UTF-8 cannot encode) can only sit inside a JSON string, where its
    # backslash spelling \udXXX is JSON's own escape for it: the document stays valid JSON
    return Output(document(reports, versions, as_bundle).encode("utf-8", "backslashreplace") + b"\n")


def document(reports: list[ExerciseReport], versions: dict, as_bundle: bool) -> str:
    if as_bundle or len(reports) != 1:
        return to_json(bundle(reports, versions))
    return to_json(reports[0].to_dict())


def render_failure(error, settings: Settings) -> None:
    return None
