"""The course secret at the command line: read once, refused in one line, never echoed."""

import pytest
from click.testing import CliRunner

from grader import cli

from ..conftest import REPO, SOLUTIONS

SAY_NO_ZYGOTE = "the sandbox must not start with an unusable secret"


@pytest.fixture
def no_zygote(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(SAY_NO_ZYGOTE)

    monkeypatch.setattr("grader.sandbox.pool.Zygote.__init__", refuse)


@pytest.mark.parametrize("env, says", [
    ({"GRADER_SECRET": "tiny-key-9"}, "shorter than 32 bytes"),
    ({"GRADER_SECRET": "k" * 40, "GRADER_SECRET_FILE": "/x"}, "set only one"),
    ({"GRADER_SECRET_FILE": "/nonexistent/secret"}, "cannot read the secret file"),
])
def test_an_unusable_secret_is_one_line_and_exit_2_before_the_sandbox_starts(no_zygote, monkeypatch, env, says):
    monkeypatch.chdir(REPO)
    for name in ("GRADER_SECRET", "GRADER_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli.main, ["exercise1", str(SOLUTIONS / "exercise1.py")], env=env)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0] and SAY_NO_ZYGOTE not in lines[0]
    assert "tiny-key-9" not in result.output


def test_seed_help_says_how_it_combines_with_the_secret():
    result = CliRunner().invoke(cli.main, ["exercise1", "--help"])
    assert "GRADER_SECRET" in " ".join(result.output.split())
