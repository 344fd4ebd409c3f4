"""A plain progress bar on stderr (no dependency): ``[#####.....]  50 % texte``."""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    def __init__(self, total: int, label: str = "", stream: TextIO | None = None, width: int = 30):
        self.total, self.label, self.width = max(total, 1), label, width
        self.stream = stream or sys.stderr
        self.done = 0

    def advance(self, step: int = 1) -> None:
        self.done = min(self.done + step, self.total)
        filled = self.width * self.done // self.total
        percent = 100 * self.done // self.total
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d} % {self.label}"
        )
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()
