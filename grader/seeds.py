"""Which seed each check draws its inputs from. Trusted process only.

The rule, exactly:

1. **The base seed B** (the report's ``seed``): ``--seed N`` gives B = N (source ``option``).
   Otherwise B is the exercise's ``seed`` from ``exercise.json`` (source ``default``), except in a
   run that has hidden checks for the exercise and no course secret: there B is drawn at random
   for each graded submission (source ``random``), so an instructor's copy run without its secret
   hands out nothing reproducible. A student's checkout has no hidden checks: its runs keep the
   default. ``--seed B`` with the recorded B reproduces any of these runs.

2. **Streams.** A check draws from a ``torch.Generator`` seeded with the seed of a named stream:
   the test's own name (the ``rng`` fixture) or a case that several checks share (the
   ``case_seed`` fixture, e.g. exercise6's ``"small"``).

   - Public checks, and hidden checks when no secret is set::

         stream seed = B * 1_000_003 + crc32(UTF-8 stream name)

   - Hidden checks when a course secret K is set (the instructor's run)::

         stream seed = int(HMAC-SHA256(K, M)[:8], big-endian) >> 1          (63 bits)
         M = UTF-8 of json.dumps([DOMAIN, exercise id, B, submission id, stream name])

     where the submission id is the SHA-256 (hex) of ``json.dumps(files, sort_keys=True)`` over
     the graded files' ``{name: SHA-256 hex of the content, or null when missing}``: the digests
     the report records under ``submission.files``.

So hidden inputs are per student and per attempt: any change to a graded file changes every
hidden input, and without K nobody can compute them, so what attempt k leaked says nothing about
attempt k+1. A re-grade with the same K, the same files and ``--seed B`` reproduces them exactly.

3. **The secret** comes from the environment of the instructor's run, never from the course
   files: ``GRADER_SECRET`` (the secret itself, e.g. a CI or Gradescope secret) or
   ``GRADER_SECRET_FILE`` (a file holding it; surrounding whitespace is ignored). It must be at
   least ``MIN_SECRET_BYTES`` long (``python -c "import secrets; print(secrets.token_hex(32))"``):
   the report's key id below would let a short one be guessed offline. The sandbox never sees it:
   the zygote starts with a cleaned environment.

4. **The record** (the report's ``seeding``): B's source, how hidden checks derive (``keyed`` or
   ``base``), and for keyed runs the submission id and the key id, the first 16 hex digits of
   HMAC-SHA256(K, ``KEY_ID_MESSAGE``), which tells a re-grade whether it holds the same secret.
   Never K, never a derived seed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageProblem

SECRET_ENV = "GRADER_SECRET"
SECRET_FILE_ENV = "GRADER_SECRET_FILE"
MIN_SECRET_BYTES = 32
DOMAIN = "autograd-grader hidden inputs v1"
KEY_ID_MESSAGE = b"autograd-grader key id v1"
STREAM_FACTOR = 1_000_003
SEED_LIMIT = 2**31  # base seeds, like --seed, lie in [0, 2**31)


def stream_seed(base: int, stream: str) -> int:
    """The public rule: the seed of ``stream`` drawn from base seed ``base``."""
    return base * STREAM_FACTOR + zlib.crc32(stream.encode())


def keyed_seed(secret: bytes, exercise_id: str, base: int, submission_id: str, stream: str) -> int:
    """The hidden rule: the seed of ``stream`` keyed by the course secret (63 bits)."""
    message = json.dumps([DOMAIN, exercise_id, base, submission_id, stream]).encode()
    return int.from_bytes(hmac.new(secret, message, hashlib.sha256).digest()[:8], "big") >> 1


def submission_id(digests: dict[str, str | None]) -> str:
    """The identity of a submission's graded files (changes whenever any of them does)."""
    return hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()


def key_id(secret: bytes) -> str:
    """A fingerprint of the secret, safe to record: it names the key, it does not reveal it."""
    return hmac.new(secret, KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Seeding:
    """How one submission's checks of one exercise draw their inputs."""

    exercise_id: str
    base: int
    source: str  # option | default | random
    submission: str  # submission_id of the graded files
    secret: bytes | None = field(default=None, repr=False, compare=False)

    def stream(self, name: str, hidden: bool) -> int:
        """The seed of the named stream for a public (``hidden=False``) or a hidden check."""
        if hidden and self.secret is not None:
            return keyed_seed(self.secret, self.exercise_id, self.base, self.submission, name)
        return stream_seed(self.base, name)

    def record(self) -> dict:
        """What the report says about it: enough to reproduce the run with the secret, never it."""
        keyed = self.secret is not None
        return {
            "source": self.source,
            "hidden": "keyed" if keyed else "base",
            "submission": self.submission if keyed else None,
            "key": key_id(self.secret) if keyed else None,
        }


def seeding(exercise_id: str, default_seed: int, has_hidden: bool, digests: dict[str, str | None],
            seed: int | None, secret: bytes | None) -> Seeding:
    """The seeding of one submission for one exercise, by the rule above."""
    if seed is not None:
        base, source = seed, "option"
    elif has_hidden and secret is None:
        base, source = secrets.randbelow(SEED_LIMIT), "random"
    else:
        base, source = default_seed, "default"
    return Seeding(exercise_id, base, source, submission_id(digests), secret)


def read_secret(environ: dict[str, str] = os.environ) -> bytes | None:
    """The course secret from ``GRADER_SECRET`` or the file ``GRADER_SECRET_FILE`` names; None
    when neither is set. A usage problem (exit 2) when both are, or the secret is unusable."""
    value, path = environ.get(SECRET_ENV), environ.get(SECRET_FILE_ENV)
    if value is None and path is None:
        return None
    if value is not None and path is not None:
        raise UsageProblem(f"both ${SECRET_ENV} and ${SECRET_FILE_ENV} are set: set only one")
    if path is not None:
        try:
            secret = Path(path).read_bytes().strip()
        except OSError as exc:
            raise UsageProblem(f"${SECRET_FILE_ENV}: cannot read the secret file: {exc.strerror}") from None
        where = f"the file ${SECRET_FILE_ENV} names"
    else:
        secret, where = value.strip().encode(), f"${SECRET_ENV}"
    if len(secret) < MIN_SECRET_BYTES:
        raise UsageProblem(f"the course secret in {where} is shorter than {MIN_SECRET_BYTES} bytes; "
                           f"make one with: python -c \"import secrets; print(secrets.token_hex(32))\"")
    return secret
