"""runql.Widget without a browser: traits, the comm protocol and errors.

The front end is played by calling the widget's message handler with what the JavaScript
side sends (see python/js/transport.js) and recording what the widget sends back.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import runql
from runql import RunQLError, _assets, _widget
from runql._sources import arrow_ipc


class Recorder:
    """Stands in for the comm: keeps (content, buffers) of every message the widget sends."""

    def __init__(self, widget: runql.Widget, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[tuple[dict[str, Any], list[bytes]]] = []
        monkeypatch.setattr(
            widget, "send", lambda content, buffers=None: self.sent.append((content, list(buffers or [])))
        )


def front_end(widget: runql.Widget, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
    widget._on_msg(widget, content, buffers or [])


def test_traits_after_construction(mlruns: Path) -> None:
    w = runql.Widget(mlruns, sql="SELECT 1")
    files = [p for p in mlruns.rglob("*") if p.is_file()]
    assert w.sql == "SELECT 1"
    assert w.status == "waiting"
    assert w.chart == {}
    assert w.result is None
    assert w.sent["files"] == len(files)
    assert w.sent["bytes"] == sum(p.stat().st_size for p in files)
    assert w.sent["roots"] == [str(mlruns)]
    assert w.sent["deliveries"] == 0
    assert w.max_result_bytes < 10 * 1024 * 1024  # under the Jupyter server's message limit


def test_bad_path_fails_in_the_constructor(tmp_path: Path) -> None:
    with pytest.raises(RunQLError, match=r"no such file or folder: '.*/mlrnus'"):
        runql.Widget(tmp_path / "mlrnus")


def test_plot_sets_a_curves_chart(mlruns: Path) -> None:
    w = runql.Widget(mlruns)
    w.plot(metric="val/loss", smoothing=0.6, group_by="params.lr", log_y=True)
    assert w.chart == {
        "kind": "line",
        "data": {"preset": "curves", "metric": "val/loss", "x": "step", "group_by": "params.lr"},
        "options": {"smoothing": {"kind": "tb_ema", "param": 0.6}, "y_scale": "log"},
    }
    with pytest.raises(RunQLError, match=r"weight in \[0, 1\)"):
        w.plot(metric="val/loss", smoothing=1.5)
    with pytest.raises(RunQLError, match="metric key"):
        w.plot(metric="")
    with pytest.raises(RunQLError, match="x must be"):
        w.plot(metric="val/loss", x="epoch")  # type: ignore[arg-type]


def test_chart_specs_are_checked(mlruns: Path) -> None:
    spec = {"kind": "bar", "data": {"preset": "ranking", "metric": "val/loss"}}
    w = runql.Widget(mlruns, chart=spec)
    assert w.chart == spec
    with pytest.raises(RunQLError, match="chart kind 'pie'"):
        w.chart = {"kind": "pie", "data": {"sql": "SELECT 1"}}
    with pytest.raises(RunQLError, match='needs "data"'):
        w.chart = {"kind": "line"}
    assert w.chart == spec
    w.chart = {}
    assert w.chart == {}


def test_data_is_sent_as_binary_buffers_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "tables"
    root.mkdir()
    contents = {f"t{i}.csv": f"run_id,key,value\nr{i},loss,{i}\n".encode() * (i + 1) for i in range(5)}
    for name, data in contents.items():
        (root / name).write_bytes(data)
    monkeypatch.setattr(_widget, "MESSAGE_BYTES", 60)
    w = runql.Widget(root)
    rec = Recorder(w, monkeypatch)
    front_end(w, {"type": "fetch", "what": "data"})
    assert len(rec.sent) > 1, "small MESSAGE_BYTES must split the files over several messages"
    got: dict[str, bytes] = {}
    for seq, (content, buffers) in enumerate(rec.sent):
        assert content["type"] == "data"
        assert content["seq"] == seq
        assert content["last"] == (seq == len(rec.sent) - 1)
        assert len(content["paths"]) == len(buffers)
        got.update(zip(content["paths"], buffers, strict=True))
    assert got == {f"tables/{name}": data for name, data in contents.items()}
    assert w.sent["files"] == 5
    assert w.sent["bytes"] == sum(map(len, contents.values()))
    assert w.sent["deliveries"] == 1


def test_file_gone_before_sending_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.csv").write_text("run_id,key,value\nr,loss,1\n")
    (tmp_path / "b.csv").write_text("run_id,key,value\nr,loss,2\n")
    w = runql.Widget(tmp_path)
    (tmp_path / "b.csv").unlink()
    rec = Recorder(w, monkeypatch)
    front_end(w, {"type": "fetch", "what": "data"})
    [(content, buffers)] = rec.sent
    assert content["paths"] == [f"{tmp_path.name}/a.csv"]
    assert w.sent["files"] == 1
    assert w.sent["unreadable_count"] == 1
    assert w.sent["unreadable"][0]["path"] == str(tmp_path / "b.csv")


def test_no_readable_file_is_a_data_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.csv").write_text("x")
    w = runql.Widget(tmp_path)
    (tmp_path / "a.csv").unlink()
    rec = Recorder(w, monkeypatch)
    front_end(w, {"type": "fetch", "what": "data"})
    assert [c["type"] for c, _ in rec.sent] == ["data_error"]


def test_dataframe_source_arrives_as_arrow_ipc(long_rows: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    df = pd.DataFrame(long_rows)
    w = runql.Widget(df)
    rec = Recorder(w, monkeypatch)
    front_end(w, {"type": "fetch", "what": "data"})
    [(content, [buffer])] = rec.sent
    assert content["paths"] == ["dataframe.arrow"]
    pd.testing.assert_frame_equal(pa.ipc.open_stream(buffer).read_all().to_pandas(), df)


@pytest.mark.parametrize(
    ("what", "attribute", "filename"),
    [
        ("wasm", "WASM", "runql_wasm_bg.wasm"),
        ("loader", "LOADER_WASM", "runql_load_bg.wasm"),
    ],
)
def test_each_module_is_sent_on_request(
    tmp_path: Path, mlruns: Path, monkeypatch: pytest.MonkeyPatch, what: str, attribute: str, filename: str
) -> None:
    fake = tmp_path / filename
    fake.write_bytes(b"\0asm\x01\0\0\0" + what.encode())
    monkeypatch.setattr(_assets, attribute, fake)
    w = runql.Widget(mlruns)
    rec = Recorder(w, monkeypatch)
    front_end(w, {"type": "fetch", "what": what})
    assert rec.sent == [({"type": what}, [fake.read_bytes()])]
    fake.unlink()
    front_end(w, {"type": "fetch", "what": what})
    content, buffers = rec.sent[1]
    assert content["type"] == f"{what}_error"
    assert filename in content["message"]
    assert "build-widget.sh" in content["message"]
    assert buffers == []


def test_an_unknown_module_is_not_answered(mlruns: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w = runql.Widget(mlruns)
    rec = Recorder(w, monkeypatch)
    front_end(w, {"type": "fetch", "what": "../../etc/passwd"})
    assert rec.sent == []


def test_package_without_bundle_says_how_to_build(
    mlruns: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_assets, "ESM", tmp_path / "widget.js")
    with pytest.raises(RunQLError, match="build-widget.sh") as e:
        runql.Widget(mlruns)
    assert e.value.kind == "assets"


def test_result_comes_back_as_a_dataframe(mlruns: Path) -> None:
    w = runql.Widget(mlruns, sql="SELECT 2")
    seen: list[pd.DataFrame] = []
    observed: list[Any] = []
    w.on_result(lambda df: seen.append(df))
    w.on_result(lambda df: 1 / 0)  # a broken callback must not stop the others
    w.observe(lambda change: observed.append(change["new"]), names="result")
    table = pa.table({"name": ["sweep-child-a", "sweep-child-b"], "final_val_loss": [0.11, 0.76]})
    front_end(
        w,
        {"type": "result", "sql": "SELECT 2", "rows": 2, "columns": ["name", "final_val_loss"]},
        [memoryview(arrow_ipc(table))],
    )
    assert w.result_sql == "SELECT 2"
    pd.testing.assert_frame_equal(w.result, table.to_pandas())
    assert len(seen) == 1 and seen[0] is w.result
    assert len(observed) == 1 and observed[0] is w.result


def test_a_result_for_an_older_query_is_dropped(mlruns: Path) -> None:
    w = runql.Widget(mlruns, sql="SELECT 1")
    table = pa.table({"n": [1]})
    front_end(w, {"type": "result", "sql": "SELECT 1"}, [memoryview(arrow_ipc(table))])
    w.sql = "SELECT 2"
    front_end(w, {"type": "result", "sql": "SELECT 1"}, [memoryview(arrow_ipc(pa.table({"n": [9]})))])
    assert w.result_sql == "SELECT 1"
    assert w.result["n"].tolist() == [1]


def test_results_are_acknowledged_and_resends_used_once(
    mlruns: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = runql.Widget(mlruns, sql="SELECT 1")
    rec = Recorder(w, monkeypatch)
    seen: list[pd.DataFrame] = []
    w.on_result(seen.append)
    first = {"type": "result", "id": "page-1", "sql": "SELECT 1"}
    front_end(w, first, [memoryview(arrow_ipc(pa.table({"n": [1]})))])
    # The page did not get the acknowledgement in time and sent the same result again.
    front_end(w, first, [memoryview(arrow_ipc(pa.table({"n": [1]})))])
    assert [c for c, _ in rec.sent] == [{"type": "result_ack", "id": "page-1"}] * 2
    assert len(seen) == 1
    # A stale result is acknowledged too (so the page stops resending it), but not used.
    w.sql = "SELECT 2"
    front_end(
        w,
        {"type": "result", "id": "page-2", "sql": "SELECT 1"},
        [memoryview(arrow_ipc(pa.table({"n": [9]})))],
    )
    assert rec.sent[-1] == ({"type": "result_ack", "id": "page-2"}, [])
    assert w.result["n"].tolist() == [1]
    front_end(
        w,
        {"type": "result", "id": "page-3", "sql": "SELECT 2"},
        [memoryview(arrow_ipc(pa.table({"n": [2]})))],
    )
    assert w.result_sql == "SELECT 2"
    assert w.result["n"].tolist() == [2]
    assert len(seen) == 2


def test_a_slow_older_result_never_replaces_a_newer_one(
    mlruns: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # JupyterLab hands widget messages to a kernel subshell thread: the first query's result
    # can still be converting when the cell changing `sql` has run and the answer to the new
    # query has been shown.
    w = runql.Widget(mlruns, sql="SELECT 1")
    Recorder(w, monkeypatch)
    converting, release = threading.Event(), threading.Event()
    convert = _widget.to_dataframe

    def slow_for_the_first(buffer: Any) -> pd.DataFrame:
        df = convert(buffer)
        if df["n"].tolist() == [1]:
            converting.set()
            assert release.wait(10)
        return df

    monkeypatch.setattr(_widget, "to_dataframe", slow_for_the_first)
    old = threading.Thread(
        target=front_end,
        args=(
            w,
            {"type": "result", "id": "p-1", "sql": "SELECT 1"},
            [memoryview(arrow_ipc(pa.table({"n": [1]})))],
        ),
    )
    old.start()
    assert converting.wait(10)
    w.sql = "SELECT 2"
    front_end(
        w, {"type": "result", "id": "p-2", "sql": "SELECT 2"}, [memoryview(arrow_ipc(pa.table({"n": [2]})))]
    )
    release.set()
    old.join(10)
    assert not old.is_alive()
    assert w.result_sql == "SELECT 2"
    assert w.result["n"].tolist() == [2]


def test_unreadable_result_becomes_an_error_trait(mlruns: Path) -> None:
    w = runql.Widget(mlruns, sql="SELECT 1")
    front_end(w, {"type": "result", "sql": "SELECT 1"}, [b"not arrow"])
    assert w.result is None
    assert w.error["stage"] == "result"
    assert "not readable Arrow IPC" in w.error["message"]


def test_unknown_messages_are_ignored(mlruns: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w = runql.Widget(mlruns)
    rec = Recorder(w, monkeypatch)
    for msg in ({"type": "fetch", "what": "secrets"}, {"type": "nope"}):
        front_end(w, msg)
    w._on_msg(w, "a string", [])
    assert rec.sent == []
    assert w.result is None


def test_unreadable_entries_warn_and_show_in_sent(tmp_path: Path) -> None:
    (tmp_path / "ok.csv").write_text("run_id,key,value\nr,loss,1\n")
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.warns(UserWarning, match="1 files or folders could not be read"):
        w = runql.Widget(tmp_path)
    assert w.sent["files"] == 1
    assert w.sent["unreadable_count"] == 1
    assert w.sent["unreadable"][0]["path"].endswith("dangling.csv")
