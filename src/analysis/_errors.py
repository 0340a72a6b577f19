"""One exception type for every error a user can cause with their inputs."""

from __future__ import annotations

__all__ = ["InputError", "InputWarning"]


class InputError(ValueError):
    """Bad input: names the file, the row/column or node, and what is wrong.

    The command line turns this into one line on stderr and exit code 2.

    Parameters
    ----------
    message : str
        What is wrong, in plain words.
    file : str, optional
        The input file the problem was found in.
    row : int or str, optional
        Row in the file (1-based line number counting the header as line 1) or a unit code.
    column : str, optional
        Column (or indicator) name.
    node : str, optional
        Framework node code.
    """

    def __init__(self, message: str, *, file=None, row=None, column=None, node=None):
        self.message = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.node = node
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.node is not None:
            where.append(f"node '{self.node}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class InputWarning(UserWarning):
    """Something in the inputs is suspicious but can still be computed."""
