"""The front-end bundle and WebAssembly module shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from ._errors import RunQLError

STATIC = Path(__file__).parent / "static"
ESM = STATIC / "widget.js"
CSS = STATIC / "widget.css"
WASM = STATIC / "runql_wasm_bg.wasm"
LOADER_WASM = STATIC / "runql_load_bg.wasm"

_BUILD_HINT = (
    "the runql package was installed without its front end; build it from the repository "
    "with scripts/build-widget.sh, then reinstall (pip install ./python)"
)


def require_bundle() -> None:
    """Raises :class:`RunQLError` (kind ``"assets"``) saying how to build the front end when
    the package was installed without its ES module bundle."""
    if not ESM.is_file():
        raise RunQLError("assets", f"{ESM} is missing: {_BUILD_HINT}")


def module_bytes(what: str) -> bytes:
    """One of runql's two WebAssembly modules, sent to the browser when a front end asks for
    it: ``"wasm"`` is the query module (SQL, charts), ``"loader"`` the loader module (the
    readers)."""
    path = {"wasm": WASM, "loader": LOADER_WASM}.get(what)
    if path is None:
        raise RunQLError("assets", f"no WebAssembly module named {what!r}")
    if not path.is_file():
        raise RunQLError("assets", f"{path} is missing: {_BUILD_HINT}")
    return path.read_bytes()
