"""A student's exception or warning as plain text, without running any of the student's code.

Runs on the untrusted side, in the sandboxed child, after the call (and after ``integrity.check``):
nothing here may call a method the student could have written. An exception class may define
``__str__``, ``__repr__`` or a metaclass whose ``__name__`` is a property; its arguments may be
objects with their own ``__str__``; a warning's message is an instance of a class the student
chose. So the text is built from what the interpreter itself stores:

- the class name through ``type``'s own ``__name__`` descriptor (a metaclass cannot lie to it);
- the arguments through ``BaseException``'s own ``args`` descriptor, formatted here when each is
  plain (exactly str, int, float, bool, bytes or None, or a tuple or list of those) and shown as
  ``<TypeName>`` otherwise; ``KeyError`` shows its key with ``repr``, as Python does;
- ``OSError`` and ``SyntaxError`` (exact classes, as the interpreter raises them) read their own
  fields through their own descriptors, plain values only;
- the traceback from the frames' code objects (file, line, function), without source lines.

This module imports nothing of the grader.
"""

from __future__ import annotations

import builtins
import warnings

MAX_TEXT = 4000
MAX_WARNINGS = 20
MAX_FRAMES = 64
NONE = type(None)

_type_name = type.__dict__["__name__"].__get__
_type_mro = type.__dict__["__mro__"].__get__
_exception_args = BaseException.__dict__["args"].__get__
_exception_traceback = BaseException.__dict__["__traceback__"].__get__
_WarningMessage = warnings.WarningMessage
_warning_fields = _WarningMessage.__dict__["__dict__"].__get__
_os_error_fields = tuple(OSError.__dict__[name].__get__ for name in ("errno", "strerror", "filename"))
_syntax_error_fields = tuple(SyntaxError.__dict__[name].__get__ for name in ("msg", "filename", "lineno"))
SYNTAX_ERRORS = (SyntaxError, IndentationError, TabError)
OS_ERRORS = tuple(c for c in vars(builtins).values() if isinstance(c, type) and issubclass(c, OSError))


def one_of(cls, classes) -> bool:
    """``cls in classes`` by identity only (``in`` would call a metaclass's ``__eq__``)."""
    for candidate in classes:
        if candidate is cls:
            return True
    return False


def inherits(cls, base) -> bool:
    return one_of(base, _type_mro(cls))


def type_name(cls) -> str:
    name = _type_name(cls)
    return name if type(name) is str else "?"


def plain(value, depth: int = 0) -> bool:
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or kind is bytes or kind is NONE:
        return True
    return depth == 0 and (kind is tuple or kind is list) and all(plain(v, 1) for v in value)


def shown(value) -> str:
    """``str`` of a plain value (safe: only the interpreter's own types), else ``<TypeName>``."""
    return str(value) if plain(value) else f"<{type_name(type(value))}>"


def message_of(exc: BaseException) -> str:
    """What ``str(exc)`` would say for the interpreter's own exceptions, built without calling it."""
    cls = type(exc)
    if one_of(cls, OS_ERRORS):
        errno, strerror, filename = (field(exc) for field in _os_error_fields)
        if type(errno) is int and type(strerror) is str:
            text = f"[Errno {errno}] {strerror}"
            return text + (f": {filename!r}" if type(filename) is str else "")
    if one_of(cls, SYNTAX_ERRORS):
        msg, filename, lineno = (field(exc) for field in _syntax_error_fields)
        if type(msg) is str:
            where = [filename.rpartition("/")[2]] if type(filename) is str else []
            where += [f"line {lineno}"] if type(lineno) is int else []
            return msg + (f" ({', '.join(where)})" if where else "")
    args = _exception_args(exc)
    if type(args) is not tuple:
        return ""
    if len(args) == 1:
        if inherits(cls, KeyError) and plain(args[0]):
            return repr(args[0])
        return shown(args[0])
    if not args:
        return ""
    return repr(args) if all(plain(a, 1) for a in args) else "(" + ", ".join(shown(a) for a in args) + ")"


def where_in(exc: BaseException, module_path: str) -> dict | None:
    """The student's last line on the way to the exception, or the syntax error's own line."""
    where = None
    for code, lineno in frames(exc):
        if type(code.co_filename) is str and code.co_filename == module_path:
            where = {"line": lineno, "function": code.co_name if type(code.co_name) is str else "?"}
    if one_of(type(exc), SYNTAX_ERRORS):
        _, filename, lineno = (field(exc) for field in _syntax_error_fields)
        if type(filename) is str and filename == module_path:
            where = {"line": lineno if type(lineno) is int else 0, "function": "<module>"}
    return where


def frames(exc: BaseException) -> list:
    """(code object, line number) of each traceback entry, oldest first, at most MAX_FRAMES."""
    found, tb = [], _exception_traceback(exc)
    while tb is not None and len(found) < MAX_FRAMES:
        found.append((tb.tb_frame.f_code, tb.tb_lineno))
        tb = tb.tb_next
    return found


def traceback_text(exc: BaseException, name: str, message: str) -> str:
    lines = ["Traceback (most recent call last):"]
    for code, lineno in frames(exc):
        filename = code.co_filename if type(code.co_filename) is str else "?"
        function = code.co_name if type(code.co_name) is str else "?"
        lines.append(f'  File "{filename}", line {lineno}, in {function}')
    lines.append(f"{name}: {message}" if message else name)
    return "\n".join(lines)


def describe_exception(exc: BaseException, module_path: str, harness_error=None) -> dict:
    """Type, message, the student's line where it happened, and a traceback for staff.

    ``harness_error``: the harness API's class for "returned something that is not plain data".
    """
    name = type_name(type(exc))
    message = message_of(exc)[:MAX_TEXT]
    return {
        "type": name,
        "message": message,
        "where": where_in(exc, module_path),
        "traceback": traceback_text(exc, name, message)[-MAX_TEXT * 2 :],
        "harness": harness_error is not None and inherits(type(exc), harness_error),
    }


def describe_unsendable(cls) -> dict:
    """What the encoder would have said of a value of class ``cls`` (phase encode), safely named."""
    return {"type": "ProtocolError", "message": f"cannot send a value of type {type_name(cls)}",
            "where": None, "traceback": "", "harness": False}


def describe_warnings(records) -> list[str]:
    """Each recorded warning as ``Category: message`` (records of another kind are skipped)."""
    described = []
    for record in records[:MAX_WARNINGS] if type(records) is list else ():
        if type(record) is not _WarningMessage:
            continue
        fields = _warning_fields(record)
        message, category = fields.get("message"), fields.get("category")
        name = type_name(category) if inherits(type(category), type) else "Warning"
        if inherits(type(message), BaseException):
            text = message_of(message)
        else:
            text = shown(message)
        described.append(f"{name}: {text}"[:MAX_TEXT])
    return described
