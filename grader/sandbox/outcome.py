"""What happened to one call in a sandboxed child, as the trusted side records it.

``Limits`` says what a child may use; ``CallOutcome`` is what came of the call; ``interpret``
turns the frames a child wrote into an outcome, failing closed on anything off the protocol, and
caps and cleans every string in it (``clean``): nothing the child wrote reaches a check unbounded.
Shared by the zygote (``pool``) and the no-fork fallback (``fallback``).
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field

from grader.sandbox import clean


@dataclass(frozen=True)
class Limits:
    """What a child may use. Units are in the names."""

    wall_seconds: float = 10.0
    cpu_seconds: int = 5
    memory_mb: int = 1024
    file_size_mb: int = 16
    open_files: int = 256
    output_kb: int = 64
    result_mb: int = 64
    # The child's writable space (its folder, and where the kernel allows, its /tmp, /var/tmp and
    # /dev/shm): total size and number of files and folders, per child.
    scratch_mb: int = 64
    scratch_files: int = 4096

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class CallOutcome:
    """What happened to one call in one child, as plain data for the checks and the report.

    status: ``ok`` (value holds the decoded result), ``raised`` (the student's code or the
    harness raised, or left something running after the call; ``error`` describes it, ``phase``
    says import, call, after or encode), ``timeout``,
    ``crashed`` (the child died or exited without a result), ``protocol`` (the child wrote
    something that is not a valid frame), ``too_large`` (the result exceeded its cap), or
    ``unavailable`` (no child ran: the submission cannot be run at all, ``detail`` says why).
    """

    status: str
    value: object = None
    phase: str | None = None
    error: dict | None = None
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    duration: float = 0.0
    exit: dict = field(default_factory=dict)
    layers: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def interpret(messages: list, pending: bool, failure) -> CallOutcome:
    """Turn the child's frames into an outcome; anything off the protocol fails closed.

    The outcome's layers, value, warnings and error are capped and cleaned (``clean``).
    """
    stages = [m.get("stage") if isinstance(m, dict) else None for m in messages]
    if failure is not None:  # a child cut short still ran with the layers it reported
        return CallOutcome(status=failure[0], detail=failure[1], layers=ready_layers(messages),
                           phase=unfinished_phase(stages))
    if pending:
        return CallOutcome(status="protocol", detail="its result was cut off mid-message")
    if stages[:1] != ["ready"]:
        return CallOutcome(status="crashed", detail="" if not stages else "; it wrote an unexpected message")
    layers = ready_layers(messages)
    if stages in (["ready"], ["ready", "imported"]):
        return CallOutcome(status="crashed", layers=layers, detail=" before returning a result",
                           phase=unfinished_phase(stages))
    if "imported" in stages:
        stages.remove("imported")
        messages = [m for m in messages if not (isinstance(m, dict) and m.get("stage") == "imported")]
    if stages != ["ready", "result"]:
        return CallOutcome(status="protocol", layers=layers, detail="it wrote more than one result")
    result = messages[1]
    warnings = result.get("warnings")
    if not (isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)):
        return CallOutcome(status="protocol", layers=layers, detail="its result message is malformed")
    warnings = clean.warnings(warnings)
    if result.get("ok") is True and set(result) == {"stage", "ok", "value", "warnings"}:
        return CallOutcome(status="ok", value=clean.value(result["value"]), layers=layers, warnings=warnings)
    if result.get("ok") is False and valid_error(result.get("error")) and result.get("phase") in PHASES:
        return CallOutcome(status="raised", phase=result["phase"], error=clean.error(result["error"]),
                           layers=layers, warnings=warnings)
    return CallOutcome(status="protocol", layers=layers, detail="its result message is malformed")


def unfinished_phase(stages: list) -> str | None:
    """Where a child that never sent its result stopped: ``import`` if it started (``ready``) but
    never finished importing the student's file, ``call`` after that, None if it never started."""
    if stages[:1] != ["ready"]:
        return None
    return "call" if "imported" in stages else "import"


def ready_layers(messages: list) -> dict:
    first = messages[0] if messages else None
    if isinstance(first, dict) and first.get("stage") == "ready" and isinstance(first.get("layers"), dict):
        return clean.value(first["layers"])
    return {}


PHASES = ("import", "call", "after", "encode")
ERROR_FIELDS = {"type": str, "message": str, "traceback": str, "harness": bool}


def valid_error(error) -> bool:
    """An error description from the child has exactly the fields, of the types, we expect."""
    if not isinstance(error, dict) or set(error) != {*ERROR_FIELDS, "where"}:
        return False
    where = error["where"]
    if where is not None and not (isinstance(where, dict) and isinstance(where.get("line"), int)
                                  and isinstance(where.get("function"), str)):
        return False
    return all(isinstance(error[name], kind) for name, kind in ERROR_FIELDS.items())


def describe_exit(exit_info: dict, limits: Limits) -> str:
    sig = exit_info.get("signal")
    if exit_info.get("lost"):
        return "the sandbox lost track of it"
    if exit_info.get("reason") == "scratch":
        return (f"it wrote more than its scratch space allows ({limits.scratch_mb} MB in "
                f"{limits.scratch_files} files and folders)")
    if sig == signal.SIGXCPU:
        return f"it used more than {limits.cpu_seconds} s of CPU time"
    if sig is not None:
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return f"it was killed by {name}"
    return f"it exited with status {exit_info.get('code')}"
