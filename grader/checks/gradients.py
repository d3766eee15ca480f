"""Check one tensor of a dict of gradients against torch.autograd's, for any exercise.

Trusted process only. ``check_gradient`` is the whole sequence a per-tensor check runs: compare
every returned tensor with the reference under the precision policy (``grader.checks.compare``),
pass or flag "looks like finite differences" (once per case, on its first tensor: a flag is
information for a reviewer, never a deduction), or fail with the verdict's message and the
diagnosis an exercise configures (``grader.checks.diagnose.diagnose_gradients``). An exercise
supplies the answer, the references and its diagnosis; nothing here knows what the tensors are.
"""

from __future__ import annotations

from grader.checks.compare import compare_each, policy_for
from grader.checks.failures import fail

FD_FLAG = "{label}: the gradients look like finite differences"


def flag_finite_differences(student, verdicts: dict, label: str) -> None:
    """Flag for review an answer that passes but is too inexact for analytic code (float64)."""
    suspicious = [v.normwise_error for v in verdicts.values() if v.passed and v.finite_differences]
    if suspicious:
        brief = FD_FLAG.format(label=label)
        student.flag(f"{brief} (normwise error up to {max(suspicious):.1e}; analytic gradients stay "
                     f"below 1e-14)", brief=brief)


def check_gradient(student, got: dict, right: dict, right32: dict, name: str, label: str, inputs,
                   diagnose, first: str) -> None:
    """Fail unless ``got[name]`` is right, with the hint ``diagnose`` gives; ``first`` is the
    name of the case's first check, which raises the case's finite-differences flag.

    ``inputs``: the tensors the student received (their precision picks the policy, with the
    dtypes returned). ``diagnose(got, right, right32, verdicts, policy, name)`` returns a
    ``grader.checks.diagnose.Diagnosis``.
    """
    policy = policy_for(*inputs, *got.values())
    verdicts = compare_each(got, right, policy, right32)
    verdict = verdicts[name]
    if verdict.passed:
        if name == first:
            flag_finite_differences(student, verdicts, label)
        return
    diagnosis = diagnose(got, right, right32, verdicts, policy, name)
    message = f"{label}: " + verdict.describe(f"dL/d{name}")
    if verdict.reason in ("shape", "missing") and hasattr(got.get(name), "shape"):
        message += f" ({tuple(got[name].shape)}, expected {tuple(right[name].shape)})"
    if diagnosis.first_wrong and diagnosis.first_wrong != name:
        message += f"; the first wrong gradient walking back from the loss is dL/d{diagnosis.first_wrong}"
    fail(message, hint=diagnosis.hint, **verdict.details(), **({"bug": diagnosis.bug} if diagnosis.bug else {}))
