"""``runql.Widget``: SQL and charts over ML run data, computed in the notebook's browser."""

from __future__ import annotations

import sys
import threading
import traceback
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import anywidget
import traitlets

from . import _assets
from ._errors import RunQLError
from ._result import to_dataframe
from ._sources import DEFAULT_MAX_BYTES, Collected, collect, groups
from ._spec import Smoothing, XAxis, check_chart, curves_spec

#: The query a widget runs first: the runs, newest first.
DEFAULT_SQL = (
    "SELECT run_id, name, status, created_at, duration_s FROM runs ORDER BY created_at DESC LIMIT 100"
)

#: About how many bytes of files one comm message carries.
MESSAGE_BYTES = 32 * 1024 * 1024

#: Unreadable files listed in ``Widget.sent`` (all are counted).
LISTED_UNREADABLE = 100

#: How many result ids a widget remembers to recognise resends (pages answering at once).
RECENT_RESULT_IDS = 16

#: The Jupyter server refuses browser→kernel messages over 10 MiB by default (tornado's
#: ``websocket_max_message_size``); results are kept under that.
DEFAULT_MAX_RESULT_BYTES = 8 * 1024 * 1024


class Widget(anywidget.AnyWidget):
    """runql in a notebook cell: a SQL box, the result table and a chart of ML runs.

    The run data is sent to the browser as binary comm buffers (the raw files, or Arrow
    IPC for DataFrames) and loaded there by runql's WebAssembly module; queries and charts
    run in the browser, and each query result comes back to Python as Arrow IPC.

    Parameters
    ----------
    source
        A path to an ``mlruns/`` or ``wandb/`` folder, a TensorBoard log directory, a run
        table (CSV, JSON lines, Parquet, Arrow IPC) or any folder of these; a list of paths;
        ``bytes`` (e.g. a zip of a folder); a ``{path: bytes}`` mapping; or a pandas/polars
        DataFrame in long (``run_id, key, step, timestamp, value``) or wide (``run_id``,
        ``params.*``, ``metrics.*``, ``tags.*``) form.
    sql
        The first query (editable in the widget, or by setting ``w.sql``).
    chart
        A chart spec (``{"kind": ..., "data": ..., "options": ...}``, as in the
        repository's ``examples/charts/``); ``{}`` shows no chart. See also :meth:`plot`.
    max_bytes
        Refuse sources larger than this (WebAssembly has 4 GiB in all).

    Notes
    -----
    Everything the browser computes arrives **asynchronously**: ``w.sql = "..."``
    followed by ``w.result`` in the same cell still shows the previous result, because
    the browser has not answered yet. Read ``w.result`` in a later cell, or react with
    :meth:`on_result` or ``w.observe(fn, "result")``. JupyterLab 4.6 and Notebook 7.6
    with ipykernel 7 hand widget messages to a kernel subshell (a thread of its own), so a
    result can also arrive while another cell runs, and callbacks may run on that thread.
    Without a front end showing the notebook
    (a script, a headless run), nothing is computed and ``w.result`` stays ``None``.

    Examples
    --------
    >>> import runql
    >>> w = runql.Widget("mlruns/")                         # doctest: +SKIP
    >>> w.plot(metric="val/loss", smoothing=0.6, group_by="params.lr")  # doctest: +SKIP
    >>> w.sql = "SELECT name, status FROM runs"             # doctest: +SKIP
    >>> w                                                   # doctest: +SKIP
    >>> w.result                                            # doctest: +SKIP
    """

    _esm = _assets.ESM
    _css = _assets.CSS

    # Lets the front end find a model's runql instance from any of its views.
    _uid = traitlets.Unicode().tag(sync=True)

    sql = traitlets.Unicode(DEFAULT_SQL).tag(sync=True)
    chart = traitlets.Dict().tag(sync=True)
    status = traitlets.Unicode("waiting").tag(sync=True)
    """``waiting`` (no front end yet), ``loading``, ``ready`` or ``error`` (see ``error``)."""
    report = traitlets.Dict().tag(sync=True)
    """runql's load report: rows per table, formats, skipped files and lines, ``text``."""
    error = traitlets.Dict().tag(sync=True)
    """The last error in the browser: ``{stage, kind, message}`` (stage ``load``, ``sql``,
    ``result`` or ``chart``), or ``{}``."""
    sent = traitlets.Dict().tag(sync=True)
    """What goes to the browser: ``files`` and ``bytes`` (as read at the last delivery,
    or as found on disk before one), ``roots``, what could not be read (``unreadable``,
    ``unreadable_count``) and ``deliveries`` (how many times a front end fetched them)."""
    max_result_bytes = traitlets.Int(DEFAULT_MAX_RESULT_BYTES).tag(sync=True)
    """Results larger than this (as Arrow IPC) are shown in the cell but not sent back."""

    result = traitlets.Any(None, allow_none=True)
    """The last query result as a pandas DataFrame (``None`` until one arrives)."""
    result_sql = traitlets.Unicode("")
    """The SQL that produced ``result``."""

    def __init__(
        self,
        source: Any,
        *,
        sql: str = DEFAULT_SQL,
        chart: Mapping[str, Any] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        **kwargs: Any,
    ) -> None:
        _assets.require_bundle()
        collected = collect(source, max_bytes)
        self._collected: Collected = collected
        self._result_callbacks: list[Callable[[Any], None]] = []
        # Ids of the last results received, to recognise a page's resends.
        self._recent_result_ids: deque[str] = deque(maxlen=RECENT_RESULT_IDS)
        # Results can arrive on two threads at once (see _on_result); they are numbered in
        # the order they arrive, and a result older than the one shown is not shown.
        self._result_lock = threading.RLock()
        self._results_arrived = 0
        self._result_shown = 0
        super().__init__(sql=sql, chart=check_chart(chart or {}), _uid=uuid.uuid4().hex, **kwargs)
        self._deliveries = 0
        self.sent = self._sent_summary(collected.total_bytes, len(collected.items), collected.unreadable)
        if collected.unreadable:
            warnings.warn(
                f"runql: {len(collected.unreadable)} files or folders could not be read "
                f"(see Widget.sent['unreadable']), e.g. {collected.unreadable[0]['path']}",
                stacklevel=2,
            )
        self.on_msg(self._on_msg)

    @traitlets.validate("chart")
    def _valid_chart(self, proposal: Any) -> dict[str, Any]:
        return check_chart(proposal["value"])

    def plot(
        self,
        metric: str,
        *,
        smoothing: float | None = None,
        smoothing_kind: Smoothing = "tb_ema",
        group_by: str | None = None,
        runs: str | None = None,
        x: XAxis = "step",
        log_y: bool = False,
        ignore_outliers: bool = False,
        title: str | None = None,
    ) -> None:
        """Shows curves of one metric, one per run (or one mean line and band per
        ``group_by`` value, e.g. ``"params.lr"``), smoothed TensorBoard-style by default.

        Examples
        --------
        >>> w.plot(metric="val/loss", smoothing=0.6, group_by="params.lr")  # doctest: +SKIP
        """
        self.chart = curves_spec(
            metric,
            smoothing=smoothing,
            smoothing_kind=smoothing_kind,
            group_by=group_by,
            runs=runs,
            x=x,
            log_y=log_y,
            ignore_outliers=ignore_outliers,
            title=title,
        )

    def on_result(self, callback: Callable[[Any], None], remove: bool = False) -> None:
        """Calls ``callback(df)`` with each query result as it arrives from the browser
        (asynchronously: not within the cell that set ``sql``).

        Examples
        --------
        >>> w.on_result(lambda df: print(len(df), "rows"))  # doctest: +SKIP
        """
        if remove:
            self._result_callbacks = [c for c in self._result_callbacks if c is not callback]
        else:
            self._result_callbacks.append(callback)

    # --- the comm protocol (see python/js/transport.js) ----------------------------------

    def _on_msg(self, _widget: Any, content: Any, buffers: list[bytes]) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "fetch" and content.get("what") in ("wasm", "loader"):
            self._send_module(content["what"])
        elif kind == "fetch" and content.get("what") == "data":
            self._send_data()
        elif kind == "result":
            self._on_result(content, buffers)

    def _on_result(self, content: dict[str, Any], buffers: list[bytes]) -> None:
        result_id = content.get("id")
        sql = content.get("sql")
        with self._result_lock:
            # The page sends a result again until it is acknowledged (a comm message can be
            # lost), so each one is acknowledged, and a repeat is not used twice.
            if isinstance(result_id, str):
                self.send({"type": "result_ack", "id": result_id})
                if result_id in self._recent_result_ids:
                    return
                self._recent_result_ids.append(result_id)
            # A page can answer a query the kernel has since replaced (a slower second view
            # of the widget, or a result still on its way when `w.sql` changed): `result` is
            # always the answer to the current `sql`, so such a result is dropped.
            if not buffers or sql != self.sql:
                return
            self._results_arrived += 1
            arrival = self._results_arrived
        try:
            df = to_dataframe(buffers[0])
        except RunQLError as e:
            self.error = {"stage": "result", "kind": e.kind, "message": str(e)}
            return
        with self._result_lock:
            # JupyterLab hands widget messages to a kernel subshell, a thread of its own: while
            # this result was converted, a cell may have changed `sql`, and a result that
            # arrived later may already be in place.
            if sql != self.sql or arrival < self._result_shown:
                return
            self._result_shown = arrival
            self.result_sql = sql
            self.result = df
            callbacks = list(self._result_callbacks)
        for callback in callbacks:
            try:
                callback(df)
            except Exception:  # noqa: BLE001 - a user's callback must not break the comm
                traceback.print_exc(file=sys.stderr)

    def _send_module(self, what: str) -> None:
        """Answers a front end's request for a WebAssembly module (``"wasm"`` or ``"loader"``)
        with its bytes, or with ``<what>_error`` saying how to build it."""
        try:
            module = _assets.module_bytes(what)
        except RunQLError as e:
            self.send({"type": f"{what}_error", "kind": "load", "message": str(e)})
            return
        self.send({"type": what}, [module])

    def _send_data(self) -> None:
        unreadable = list(self._collected.unreadable)
        files = 0
        size = 0
        parts = list(groups(self._collected.items, MESSAGE_BYTES))
        for seq, group in enumerate(parts):
            paths: list[str] = []
            buffers: list[bytes] = []
            for item in group:
                try:
                    data = item.read()
                except OSError as e:
                    unreadable.append({"path": item.origin, "error": e.strerror or str(e)})
                    continue
                paths.append(item.path)
                buffers.append(data)
                size += len(data)
            files += len(paths)
            last = seq == len(parts) - 1
            if last and files == 0:
                self.send(
                    {"type": "data_error", "kind": "load", "message": "none of the files could be read"}
                )
            else:
                self.send({"type": "data", "seq": seq, "paths": paths, "last": last}, buffers)
        self._deliveries += 1
        self.sent = self._sent_summary(size, files, unreadable)

    def _sent_summary(self, size: int, files: int, unreadable: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "files": files,
            "bytes": size,
            "roots": self._collected.roots,
            "unreadable": unreadable[:LISTED_UNREADABLE],
            "unreadable_count": len(unreadable),
            "deliveries": self._deliveries,
        }
