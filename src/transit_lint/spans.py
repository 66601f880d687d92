"""Source spans: where a value sits in its file (1-based lines and columns, end inclusive of line)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A region of one file. Lines and columns are 1-based, as editors and SARIF count them."""

    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def point(line: int, column: int = 1) -> Span:
        return Span(line, column, line, column)

    def contains_line(self, line: int) -> bool:
        return self.line <= line <= self.end_line

    def to_tuple(self) -> tuple[int, int, int, int]:
        return (self.line, self.column, self.end_line, self.end_column)


NO_SPAN = Span(1, 1, 1, 1)
