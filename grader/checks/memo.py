"""What the trusted side computes from a drawn case, computed once and kept with the case.

Trusted process only. A case (its inputs exactly as the student receives them) lives as long as
one submission's run (the ``case`` fixture draws it once per submission); its references and the
known-bug mutants' answers on it are kept on it through ``Memo.memo``, so the checks that share
the case compute them once.
"""

from __future__ import annotations


class Memo:
    """Mixed into a case class: ``memo(key, compute)`` is ``compute()``, run once per key."""

    def memo(self, key, compute):
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]
