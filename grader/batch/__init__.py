"""``grade batch``: a whole class in one command (discovery, workers, outputs, progress)."""
