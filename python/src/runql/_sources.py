"""What ``runql.Widget`` accepts as run data, turned into files for the browser.

Every source becomes a list of :class:`Item` — a path inside the tree the browser loads and
a way to read its bytes — so that folders, in-memory bytes and DataFrames all reach runql's
WebAssembly readers the same way: as ``{path, data}`` files, detected by content.

- a path (``str`` or ``os.PathLike``) to a folder (``mlruns/``, ``wandb/``, a TensorBoard
  log directory, a folder of CSV/Parquet tables) or to one file;
- ``bytes`` (a zip of a folder, a Parquet/Arrow IPC file, a CSV or JSON-lines table);
- a mapping ``{path: bytes}`` of in-memory files;
- a pandas or polars DataFrame, a pyarrow Table or anything exposing
  ``__arrow_c_stream__``, in long form (``run_id, key, step, timestamp, value``) or wide
  form (``run_id`` plus ``params.*``/``metrics.*``/``tags.*`` columns), sent as Arrow IPC;
- a list of any of these.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import RunQLError

#: Column names runql reads as the run id of a long or wide table (after lower-casing and
#: turning spaces into ``_``), as runql-readers' table reader does.
RUN_ID_COLUMNS = ("run_id", "run_uuid", "runid", "run", "name")

#: The default cap on what one widget sends: WebAssembly has 4 GiB, and the tables built
#: from the files need room next to them.
DEFAULT_MAX_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class Item:
    """One file of the tree the browser loads.

    ``path`` is ``/``-separated and relative; ``origin`` names what the user gave (a file
    on disk, or ``<bytes>``/``<DataFrame>``), for messages.
    """

    path: str
    size: int
    read: Callable[[], bytes]
    origin: str


@dataclass
class Collected:
    """The files of all sources, and what could not be read while walking folders."""

    items: list[Item] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        """The bytes of all items."""
        return sum(i.size for i in self.items)


def collect(source: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> Collected:
    """Turns a widget source into the files the browser loads.

    Raises :class:`RunQLError` (kind ``"source"``) naming the bad path or input when a
    path does not exist, a source has an unsupported type, a table has no run-id column or
    there are no files at all; kind ``"size"`` when the files add up to more than
    ``max_bytes``.

    Examples
    --------
    >>> c = collect({"runs.csv": b"run_id,key,step,value\\nr1,loss,0,0.5\\n"})
    >>> [(i.path, i.size) for i in c.items]
    [('runs.csv', 36)]
    """
    out = Collected()
    names: dict[str, int] = {}

    def unique(name: str) -> str:
        # The suffix goes before the extension: readers pick files by it (`.arrow`, `.csv`).
        n = names.get(name, 0) + 1
        names[name] = n
        stem, dot, ext = name.rpartition(".")
        if n == 1:
            return name
        return f"{stem}-{n}.{ext}" if dot and stem else f"{name}-{n}"

    sources = source if isinstance(source, (list, tuple)) else [source]
    if not sources:
        raise RunQLError("source", "no run data given: the list of sources is empty")
    for s in sources:
        _add(s, out, unique)
    if not out.items:
        where = ", ".join(repr(r) for r in out.roots) or "the sources"
        raise RunQLError("source", f"no files to load in {where}")
    total = out.total_bytes
    if total > max_bytes:
        raise RunQLError(
            "size",
            f"the sources hold {total:,} bytes in {len(out.items):,} files, more than "
            f"max_bytes={max_bytes:,} (WebAssembly has 4 GiB for the files and the tables); "
            "load a part of them (one experiment folder, or a DataFrame of the metrics you "
            "need), or pass a larger max_bytes",
        )
    return out


def _add(s: Any, out: Collected, unique: Callable[[str], str]) -> None:
    if isinstance(s, (str, os.PathLike)):
        _add_path(Path(os.fspath(s)), out, unique)
    elif isinstance(s, (bytes, bytearray, memoryview)):
        data = bytes(s)
        _add_bytes(unique(sniff_name(data)), data, "<bytes>", out)
    elif isinstance(s, Mapping):
        for name, data in s.items():
            if not isinstance(name, str) or not name.strip("/") or ".." in name.split("/"):
                raise RunQLError("source", f"in-memory file name {name!r} must be a relative path")
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise RunQLError(
                    "source", f"in-memory file {name!r} must be bytes, not {type(data).__name__}"
                )
            _add_bytes(name.strip("/"), bytes(data), f"<bytes {name}>", out)
    else:
        table = to_arrow(s)
        _add_bytes(unique("dataframe.arrow"), arrow_ipc(table), f"<{type(s).__name__}>", out)


def _add_bytes(path: str, data: bytes, origin: str, out: Collected) -> None:
    out.roots.append(path)
    out.items.append(Item(path, len(data), lambda: data, origin))


def _add_path(p: Path, out: Collected, unique: Callable[[str], str]) -> None:
    try:
        info = p.stat()
    except FileNotFoundError:
        raise RunQLError("source", f"no such file or folder: {str(p)!r}") from None
    except OSError as e:
        raise RunQLError("source", f"cannot read {str(p)!r}: {e.strerror or e}") from None
    name = p.resolve().name or "data"
    root = unique(name)
    out.roots.append(str(p))
    if stat.S_ISDIR(info.st_mode):
        _walk(p, root, out)
    elif stat.S_ISREG(info.st_mode):
        if not os.access(p, os.R_OK):
            raise RunQLError("source", f"cannot read {str(p)!r}: permission denied")
        out.items.append(Item(root, info.st_size, _reader(p), str(p)))
    else:
        raise RunQLError("source", f"{str(p)!r} is neither a file nor a folder")


def _walk(top: Path, root: str, out: Collected) -> None:
    """Adds every file under ``top``: hidden files and folders too (MLflow's ``.trash/``),
    symlinked folders once each; what cannot be read is recorded, never dropped silently."""
    seen: set[str] = set()

    def on_error(e: OSError) -> None:
        out.unreadable.append({"path": str(e.filename), "error": e.strerror or str(e)})

    for dirpath, dirnames, filenames in os.walk(top, onerror=on_error, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            out.unreadable.append({"path": dirpath, "error": "symlink loop, folder already read"})
            dirnames.clear()
            continue
        seen.add(real)
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(top).as_posix()
        for name in sorted(filenames):
            full = Path(dirpath, name)
            try:
                info = full.stat()
            except OSError as e:
                out.unreadable.append({"path": str(full), "error": e.strerror or str(e)})
                continue
            if not stat.S_ISREG(info.st_mode):
                out.unreadable.append({"path": str(full), "error": "not a regular file"})
                continue
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            out.items.append(Item(f"{root}/{rel}", info.st_size, _reader(full), str(full)))


def _reader(p: Path) -> Callable[[], bytes]:
    return p.read_bytes


def sniff_name(data: bytes) -> str:
    """A file name for anonymous bytes, by their content, so that runql's readers take them
    for what they are.

    Examples
    --------
    >>> sniff_name(b"PK\\x03\\x04...")
    'data.zip'
    >>> sniff_name(b'{"run_id": "r1", "key": "loss", "value": 1}')
    'data.jsonl'
    >>> sniff_name(b"run_id,key,value\\n")
    'data.csv'
    """
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "data.zip"
    if data.startswith(b"PAR1"):
        return "data.parquet"
    if data.startswith(b"ARROW1") or data.startswith(b"\xff\xff\xff\xff"):
        return "data.arrow"
    if data.lstrip()[:1] == b"{":
        return "data.jsonl"
    return "data.csv"


def to_arrow(obj: Any) -> Any:
    """A pyarrow Table of a pandas/polars DataFrame, a pyarrow Table or RecordBatch, or an
    object with ``__arrow_c_stream__``; :class:`RunQLError` for anything else or a table
    without a run-id column."""
    import pyarrow as pa

    pd = sys.modules.get("pandas")
    pl = sys.modules.get("polars")
    if isinstance(obj, pa.Table):
        table = obj
    elif isinstance(obj, pa.RecordBatch):
        table = pa.Table.from_batches([obj])
    elif pd is not None and isinstance(obj, pd.DataFrame):
        # Named indexes (e.g. run_id after a groupby) become columns; a RangeIndex does not.
        table = pa.Table.from_pandas(obj)
    elif pl is not None and isinstance(obj, pl.LazyFrame):
        raise RunQLError("source", "a polars LazyFrame must be collected first: pass lf.collect()")
    elif pl is not None and isinstance(obj, pl.DataFrame):
        table = obj.to_arrow()
    elif hasattr(obj, "__arrow_c_stream__"):
        table = pa.table(obj)
    else:
        raise RunQLError(
            "source",
            f"unsupported source of type {type(obj).__name__}: give a path, a list of paths, "
            "bytes, a {path: bytes} mapping, or a pandas/polars DataFrame",
        )
    names = [_normalize(n) for n in table.column_names]
    if not any(n in RUN_ID_COLUMNS for n in names):
        raise RunQLError(
            "source",
            f"the {type(obj).__name__} has no run-id column (one of {', '.join(RUN_ID_COLUMNS)}); "
            f"its columns are {', '.join(table.column_names[:20])}" + (" …" if len(names) > 20 else ""),
        )
    return table


def _normalize(name: str) -> str:
    return name.lstrip("\ufeff").strip().lower().replace(" ", "_")


def arrow_ipc(table: Any) -> bytes:
    """The table as Arrow IPC stream bytes."""
    import pyarrow as pa

    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def groups(items: list[Item], group_bytes: int) -> Iterator[list[Item]]:
    """The items in consecutive groups of at most ``group_bytes`` (an item larger than
    that is a group of its own), so that no comm message holds the whole tree.

    Examples
    --------
    >>> items = [Item(f"f{i}", 4, bytes, "<bytes>") for i in range(5)]
    >>> [[i.path for i in g] for g in groups(items, 8)]
    [['f0', 'f1'], ['f2', 'f3'], ['f4']]
    """
    group: list[Item] = []
    size = 0
    for item in items:
        if group and size + item.size > group_bytes:
            yield group
            group, size = [], 0
        group.append(item)
        size += item.size
    if group:
        yield group
