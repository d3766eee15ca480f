"""Exception and warning text is built from what the interpreter stores, never by running the
student's methods: each hostile object below would record that it ran."""

from __future__ import annotations

import warnings

import pytest

from grader.sandbox import describe

RAN: list[str] = []


@pytest.fixture(autouse=True)
def nothing_ran():
    RAN.clear()
    yield
    assert RAN == [], f"student code ran: {RAN}"


def raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001
        return caught


class LoudStr(Exception):
    def __str__(self):
        RAN.append("__str__")
        return "lies"

    def __repr__(self):
        RAN.append("__repr__")
        return "lies"


class Arg:
    def __str__(self):
        RAN.append("arg __str__")
        return "arg"

    __repr__ = __format__ = __str__


class Meta(type):
    @property
    def __name__(cls):
        RAN.append("metaclass __name__")
        return "Liar"

    def __eq__(cls, other):
        RAN.append("metaclass __eq__")
        return True

    __hash__ = type.__hash__


class Lying(Exception, metaclass=Meta):
    pass


class LyingSyntax(SyntaxError):
    @property
    def filename(self):
        RAN.append("filename property")
        return "mlp.py"


class LyingArgs(ValueError):
    @property
    def args(self):
        RAN.append("args property")
        return ("forged",)


@pytest.mark.parametrize("exc, name, message", [
    (ValueError("shapes (4, 3) and (5, 2) do not match"), "ValueError", "shapes (4, 3) and (5, 2) do not match"),
    (ValueError("bad", 7), "ValueError", "('bad', 7)"),
    (KeyError("W1"), "KeyError", "'W1'"),
    (RuntimeError(), "RuntimeError", ""),
    (FileNotFoundError(2, "No such file or directory", "x.txt"), "FileNotFoundError",
     "[Errno 2] No such file or directory: 'x.txt'"),
    (LoudStr("x"), "LoudStr", "x"),
    (ValueError(Arg()), "ValueError", "<Arg>"),
    (ValueError(Arg(), 3), "ValueError", "(<Arg>, 3)"),
    (Lying("x"), "Lying", "x"),
    (LyingArgs("real"), "LyingArgs", "real"),
    (LyingSyntax("bad"), "LyingSyntax", "bad"),
])
def test_exceptions_are_described_without_their_methods(exc, name, message):
    described = describe.describe_exception(raised(exc), "/tmp/child/mlp.py")
    assert (described["type"], described["message"]) == (name, message)
    assert described["traceback"].endswith(f"{name}: {message}" if message else name)
    assert described["harness"] is False


def test_a_real_syntax_error_keeps_its_file_and_line():
    try:
        compile("def f(:\n", "/tmp/child/mlp.py", "exec")
    except SyntaxError as exc:
        described = describe.describe_exception(exc, "/tmp/child/mlp.py")
    assert described["type"] == "SyntaxError"
    assert described["message"].endswith("(mlp.py, line 1)")
    assert described["where"] == {"line": 1, "function": "<module>"}


def test_where_is_the_students_last_line():
    source = "def f():\n    raise ValueError('x')\n"
    space: dict = {}
    exec(compile(source, "/tmp/child/mlp.py", "exec"), space)
    exc = raised_from(space["f"])
    assert describe.describe_exception(exc, "/tmp/child/mlp.py")["where"] == {"line": 2, "function": "f"}


def raised_from(function):
    try:
        function()
    except BaseException as exc:  # noqa: BLE001
        return exc
    raise AssertionError("did not raise")


def test_the_harness_flag_follows_the_class_not_the_name():
    class NotPlainData(Exception):
        pass

    class Student(Exception, metaclass=Meta):
        pass

    assert describe.describe_exception(raised(NotPlainData("x")), "m.py", NotPlainData)["harness"] is True
    assert describe.describe_exception(raised(Student("x")), "m.py", NotPlainData)["harness"] is False


class LoudWarning(UserWarning):
    def __str__(self):
        RAN.append("warning __str__")
        return "lies"


class LyingCategory(UserWarning, metaclass=Meta):
    pass


def test_warnings_are_described_without_their_methods():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("an ordinary warning")
        warnings.warn(LyingCategory("named by a metaclass"))
        RAN.clear()  # warn() itself formats a Warning instance once, inside the call
    caught.append(Arg())  # not a record: skipped
    caught.append(warnings.WarningMessage(LoudWarning("x"), LoudWarning, "f.py", 1))
    assert describe.describe_warnings(caught) == [
        "UserWarning: an ordinary warning", "LyingCategory: named by a metaclass", "LoudWarning: x"]
