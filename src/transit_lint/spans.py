"""Source spans: where a value sits in its file (1-based lines and columns, end inclusive of line)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, init=False)
class Span:
    """A region of one file. Lines and columns are 1-based, as editors and SARIF count them."""

    line: int
    column: int
    end_line: int
    end_column: int

    def __init__(self, line: int, column: int, end_line: int, end_column: int) -> None:
        # a frozen dataclass's own __init__ goes through object.__setattr__ per field (1.4 us; a
        # run makes ~150,000 spans); the slots' descriptors set the same fields in half the time
        _SET_LINE(self, line)
        _SET_COLUMN(self, column)
        _SET_END_LINE(self, end_line)
        _SET_END_COLUMN(self, end_column)

    @staticmethod
    def point(line: int, column: int = 1) -> Span:
        return Span(line, column, line, column)

    def contains_line(self, line: int) -> bool:
        return self.line <= line <= self.end_line

    def to_tuple(self) -> tuple[int, int, int, int]:
        return (self.line, self.column, self.end_line, self.end_column)

    def __reduce__(self) -> tuple[type[Span], tuple[int, int, int, int]]:
        # workers ship findings back pickled: the constructor's four ints, not the frozen
        # dataclass's state dict set back field by field (a third of the time)
        return (Span, (self.line, self.column, self.end_line, self.end_column))


_SET_LINE, _SET_COLUMN, _SET_END_LINE, _SET_END_COLUMN = (
    getattr(Span, f).__set__ for f in ("line", "column", "end_line", "end_column"))

NO_SPAN = Span(1, 1, 1, 1)
