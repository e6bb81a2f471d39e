"""Query results sent back by the browser, as Arrow IPC, into pandas."""

from __future__ import annotations

from typing import Any

from ._errors import RunQLError


def to_dataframe(buffer: Any) -> Any:
    """A pandas DataFrame of Arrow IPC stream bytes (what ``result.toArrow()`` gives).

    Examples
    --------
    >>> import pyarrow as pa
    >>> from runql._sources import arrow_ipc
    >>> to_dataframe(arrow_ipc(pa.table({"name": ["a"], "last": [0.5]}))).to_dict("records")
    [{'name': 'a', 'last': 0.5}]
    """
    import pyarrow as pa

    try:
        table = pa.ipc.open_stream(pa.py_buffer(bytes(buffer))).read_all()
    except (pa.ArrowInvalid, OSError, ValueError) as e:
        raise RunQLError("result", f"the query result is not readable Arrow IPC: {e}") from e
    return table.to_pandas()
