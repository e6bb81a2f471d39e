"""What runql.Widget accepts as a source, and how it becomes files for the browser."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from runql import RunQLError
from runql._sources import arrow_ipc, collect, groups, sniff_name


def read_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def test_folder_sends_every_file_with_its_relative_path(mlruns: Path) -> None:
    on_disk = {p.relative_to(mlruns).as_posix(): p for p in mlruns.rglob("*") if p.is_file()}
    c = collect(mlruns)
    assert {i.path for i in c.items} == {f"mlruns/{rel}" for rel in on_disk}
    assert c.total_bytes == sum(p.stat().st_size for p in on_disk.values())
    assert c.unreadable == []
    # Hidden folders matter (MLflow moves deleted experiments to .trash/).
    assert any(i.path.startswith("mlruns/.trash/") for i in c.items) == any(
        rel.startswith(".trash/") for rel in on_disk
    )
    item = next(i for i in c.items if i.path.endswith("meta.yaml"))
    assert item.read() == on_disk[item.path.removeprefix("mlruns/")].read_bytes()


def test_single_file_keeps_its_name(tmp_path: Path) -> None:
    f = tmp_path / "metrics.csv"
    f.write_text("run_id,key,step,value\nr1,loss,0,0.5\n")
    c = collect(str(f))
    assert [(i.path, i.size, i.read()) for i in c.items] == [
        ("metrics.csv", f.stat().st_size, f.read_bytes())
    ]


def test_list_of_folders_with_the_same_name_gets_distinct_roots(tmp_path: Path) -> None:
    for part in ("a", "b"):
        (tmp_path / part / "runs").mkdir(parents=True)
        (tmp_path / part / "runs" / "x.csv").write_text(part)
    c = collect([tmp_path / "a" / "runs", tmp_path / "b" / "runs"])
    assert sorted((i.path, i.read()) for i in c.items) == [("runs-2/x.csv", b"b"), ("runs/x.csv", b"a")]


def test_missing_path_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-mlruns"
    with pytest.raises(RunQLError, match="no such file or folder") as e:
        collect(missing)
    assert e.value.kind == "source"
    assert str(missing) in str(e.value)


def test_missing_path_inside_a_list_is_named(mlruns: Path, tmp_path: Path) -> None:
    with pytest.raises(RunQLError, match="wandb-typo"):
        collect([mlruns, tmp_path / "wandb-typo"])


def test_empty_folder_and_empty_list_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunQLError, match="no files to load"):
        collect(tmp_path / "empty")
    with pytest.raises(RunQLError, match="list of sources is empty"):
        collect([])


def test_unreadable_entries_are_reported_not_dropped(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    root.mkdir()
    (root / "ok.csv").write_text("run_id,key,value\nr,loss,1\n")
    (root / "dangling").symlink_to(tmp_path / "gone")
    (root / "loop").symlink_to(root)
    os.mkfifo(root / "pipe")
    c = collect(root)
    assert [i.path for i in c.items] == ["logs/ok.csv"]
    problems = {Path(u["path"]).name: u["error"] for u in c.unreadable}
    assert set(problems) == {"dangling", "loop", "pipe"}
    assert "regular file" in problems["pipe"]
    assert "loop" in problems["loop"]


def test_too_much_data_is_refused_before_sending(tmp_path: Path) -> None:
    (tmp_path / "big.csv").write_bytes(b"x" * 2048)
    with pytest.raises(RunQLError, match="max_bytes=1,000") as e:
        collect(tmp_path, max_bytes=1000)
    assert e.value.kind == "size"
    assert len(collect(tmp_path, max_bytes=2048).items) == 1


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mlruns/0/meta.yaml", "name: Default\n")
    return buf.getvalue()


def _parquet_bytes() -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"run_id": ["r"]}), buf)
    return buf.getvalue()


def _arrow_file_bytes() -> bytes:
    buf = io.BytesIO()
    with pa.ipc.new_file(buf, pa.schema([("run_id", pa.string())])) as w:
        w.write_table(pa.table({"run_id": ["r"]}))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (_zip_bytes(), "data.zip"),
        (_parquet_bytes(), "data.parquet"),
        (_arrow_file_bytes(), "data.arrow"),
        (arrow_ipc(pa.table({"run_id": ["r"]})), "data.arrow"),
        (b'\n{"run_id": "r", "key": "loss", "value": 1}\n', "data.jsonl"),
        (b"run_id,key,value\nr,loss,1\n", "data.csv"),
    ],
)
def test_bytes_are_named_by_content(data: bytes, name: str) -> None:
    assert sniff_name(data) == name
    c = collect(bytearray(data))
    assert [(i.path, i.read()) for i in c.items] == [(name, data)]


def test_several_byte_sources_keep_their_extensions() -> None:
    c = collect([b"run_id,key,value\n", b"run_id,key,value\n", b"PAR1"])
    assert [i.path for i in c.items] == ["data.csv", "data-2.csv", "data.parquet"]


def test_mapping_of_in_memory_files() -> None:
    c = collect({"exp/a.csv": b"run_id,key,value\n", "/b.jsonl": memoryview(b"{}")})
    assert sorted((i.path, i.read()) for i in c.items) == [
        ("b.jsonl", b"{}"),
        ("exp/a.csv", b"run_id,key,value\n"),
    ]
    with pytest.raises(RunQLError, match="relative path"):
        collect({"../etc/passwd": b""})
    with pytest.raises(RunQLError, match="must be bytes, not str"):
        collect({"a.csv": "text"})


def test_long_pandas_frame_is_sent_as_arrow_ipc(long_rows: dict) -> None:
    df = pd.DataFrame(long_rows)
    c = collect(df)
    assert [i.path for i in c.items] == ["dataframe.arrow"]
    back = read_ipc(c.items[0].read()).to_pandas()
    pd.testing.assert_frame_equal(back, df)


def test_wide_frame_with_run_id_as_index_is_accepted() -> None:
    df = pd.DataFrame({"run_id": ["a", "b"], "params.lr": [0.1, 0.01], "metrics.loss": [1.0, 2.0]})
    c = collect(df.set_index("run_id"))
    table = read_ipc(c.items[0].read())
    assert table.column("run_id").to_pylist() == ["a", "b"]
    assert table.column("params.lr").to_pylist() == [0.1, 0.01]


def test_polars_frames_and_several_frames(long_rows: dict) -> None:
    c = collect([pl.DataFrame(long_rows), pd.DataFrame(long_rows)])
    # Each keeps the .arrow extension runql's readers look for.
    assert [i.path for i in c.items] == ["dataframe.arrow", "dataframe-2.arrow"]
    assert read_ipc(c.items[0].read()).column("value").to_pylist()[:3] == [1.0, 0.5, 2.0]
    with pytest.raises(RunQLError, match="collect"):
        collect(pl.DataFrame(long_rows).lazy())


def test_frame_without_run_id_names_its_columns() -> None:
    with pytest.raises(RunQLError, match="no run-id column.*its columns are step, loss"):
        collect(pd.DataFrame({"step": [0], "loss": [1.0]}))
    # Header names are read as runql reads them: case and spaces do not matter.
    assert collect(pd.DataFrame({"Run ID": ["r"], "metrics.loss": [1.0]})).items


def test_unsupported_source_type() -> None:
    with pytest.raises(RunQLError, match="unsupported source of type int"):
        collect(42)


def test_groups_split_by_size() -> None:
    items = collect({f"f{i}.csv": b"x" * size for i, size in enumerate([10, 10, 30, 5, 5])}).items
    assert [[i.path for i in g] for g in groups(items, 20)] == [
        ["f0.csv", "f1.csv"],
        ["f2.csv"],
        ["f3.csv", "f4.csv"],
    ]
