"""The one exception type of the runql package."""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal["source", "size", "spec", "assets", "result"]


class RunQLError(Exception):
    """An error of the runql widget, with a ``kind`` to tell errors apart.

    Kinds: ``"source"`` (a path that does not exist or cannot be read, an input of
    an unsupported type, a table without a run-id column), ``"size"`` (more data than
    fits in the browser's WebAssembly memory), ``"spec"`` (an invalid chart request),
    ``"assets"`` (the package was installed without its WebAssembly module or bundle),
    ``"result"`` (a query result that cannot be read back).

    Errors of the query and of the load in the browser are not raised (the browser
    answers asynchronously, not within the cell); they are in ``Widget.error``.

    Examples
    --------
    >>> try:
    ...     raise RunQLError("source", "no such file or folder: 'mlruns/'")
    ... except RunQLError as e:
    ...     print(e.kind, "-", e)
    source - no such file or folder: 'mlruns/'
    """

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
