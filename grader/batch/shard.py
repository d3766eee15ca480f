"""``--shard I/N``: which submissions one machine of N grades. Pure: ids in, ids out.

The rule: sort the class's submission ids (``discovery`` already does; plain code-point order, the
same on every machine and locale) and give shard I the ids at positions p with ``p % N == I - 1``.
So every machine that sees the same submissions picks the same slice, the N slices cover each
submission exactly once, and their sizes differ by at most one.

Why position rather than a stable hash of the id: a hash keeps a student on the same shard when
the class list changes, but that buys nothing here, since ``grade merge`` refuses shards built from
different class lists (their manifests' class digests differ), so all N shards are always graded
from one list; and a hash balances only on average (for 30 students in 3 shards, about one split in four has a
slice of 14 or more, against 10 here), while the machines of a matrix wait for the slowest one. Interleaving (rather than
N contiguous blocks) also spreads a run of alike submissions, e.g. one section's, over the shards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence, TypeVar

T = TypeVar("T")
FORM = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


class BadShard(ValueError):
    """A ``--shard`` value that names no shard; ``str()`` says why and what to write."""


@dataclass(frozen=True, order=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based, as written: ``--shard 2/3``)."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = FORM.fullmatch(text)
        if not match:
            raise BadShard(f"{text!r} is not a shard; write I/N, e.g. 2/3 for the second of three")
        index, count = int(match[1]), int(match[2])
        if count < 1 or not 1 <= index <= count:
            example = f"1/{count} to {count}/{count}" if count >= 1 else "1/3 to 3/3"
            raise BadShard(f"{text!r} names no shard: I/N needs 1 <= I <= N (here {example})")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def whole(self) -> bool:
        return self.count == 1

    def select(self, ordered: Sequence[T]) -> list[T]:
        """This shard's part of ``ordered`` (the class's submissions, sorted by id)."""
        return list(ordered[self.index - 1::self.count])

    def as_dict(self) -> dict:
        return {"index": self.index, "count": self.count}
