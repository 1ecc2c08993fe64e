"""Generate the code for xlwings Lite: one self-contained ``main.py`` and its ``requirements.txt``.

xlwings Lite runs Python in the browser (Pyodide) with the code stored in the workbook; our
packages are not installed there. The generated ``main.py`` carries the source of every module
the Excel functions need (`addin.functions`, `addin._cells` and the `jeugdhulp` modules they
import, found by reading their imports) and the shipped region profiles (``*.toml``), and serves
them to Python's import system from memory, so the very same code runs as on a server, unchanged.
``importlib.resources`` works on the embedded files too, so `jeugdhulp.profile.load_profile`
finds the shipped profiles without a change. ``requirements.txt`` lists the third-party packages
those modules import (pure Python wheels), with the version bounds of ``pyproject.toml``.

Usage::

    python -m addin.lite OUTDIR      # writes OUTDIR/main.py and OUTDIR/requirements.txt

Then, in Excel: open the xlwings Lite task pane, replace the content of ``main.py`` with the
generated file and that of ``requirements.txt`` with the generated one, and restart xlwings
Lite (menu > Restart) so it installs the packages. The functions (=TARIEFPERMINUUT(...), ...)
are then available in that workbook. Regenerate after every change to `addin` or `jeugdhulp`.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
from collections.abc import Sequence
from pathlib import Path

ENTRY = "addin.functions"
#: The in-Excel check (`python -m addin.lite OUT --met-controle`): the script `controleer`.
SCRIPTS = "addin.scripts"
SCRIPT_NAMES = ("controleer",)
FIRST_PARTY = ("addin", "jeugdhulp")
#: Packages only the backoffice script imports (inside a function): they read files, so they
#: are not embedded and their script is not offered in Lite.
NOT_IN_LITE = ("batch",)
#: Pyodide ships its own build of these (xlwings Lite cannot install a newer one from PyPI):
#: no version bound, whatever pyproject.toml asks for.
PYODIDE_BUILT = ("polars",)
DISTRIBUTION = "jeugdhulp"  # whose requirement bounds are used
RESOURCE_PATTERNS = ("*.toml",)


def _source_path(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:  # `from package.module import name`: name is no module
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _is_package(module: str) -> bool:
    path = _source_path(module)
    return path is not None and path.name == "__init__.py"


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module name an import statement in `tree` may refer to (absolute form)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                anchor = parts if is_package else parts[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def collect(
    entry: str | Sequence[str] = ENTRY,
) -> tuple[dict[str, tuple[bool, str]], set[str]]:
    """The first-party modules `entry` needs (name -> (is package, source)) and the top-level
    names of the other modules they import."""
    modules: dict[str, tuple[bool, str]] = {}
    external: set[str] = set()
    todo = [entry] if isinstance(entry, str) else list(entry)
    while todo:
        name = todo.pop()
        if name in modules:
            continue
        path = _source_path(name)
        if path is None:
            raise RuntimeError(f"Cannot find the source of module {name!r}")
        source = path.read_text(encoding="utf-8")
        is_package = path.name == "__init__.py"
        modules[name] = (is_package, source)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages
        for imported in _imported_names(ast.parse(source), name, is_package):
            top = imported.split(".")[0]
            if top in FIRST_PARTY:
                if _source_path(imported) is not None:
                    todo.append(imported)
            elif top in NOT_IN_LITE:
                continue
            elif top and top not in sys.stdlib_module_names and top != "__future__":
                external.add(top)
    return dict(sorted(modules.items())), external


def resources(modules: dict[str, tuple[bool, str]]) -> dict[str, dict[str, str]]:
    """Data files of the embedded packages (the region profiles), by package and relative path."""
    found: dict[str, dict[str, str]] = {}
    for name, (is_package, _) in modules.items():
        path = _source_path(name)
        if not is_package or path is None:
            continue
        folder = path.parent
        files = {
            file.relative_to(folder).as_posix(): file.read_text(encoding="utf-8")
            for pattern in RESOURCE_PATTERNS
            for file in sorted(folder.rglob(pattern))
        }
        if files:
            found[name] = files
    return found


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


#: Bounds that only Lite needs. python-stdnum 2.x imports `ssl` when it loads, which Pyodide
#: does not ship by default (an unvendored module), so Lite stays on the 1.x line; the elfproef
#: is the same. Checked by running the generated code in real Pyodide (tests/test_pyodide.py).
LITE_BOUNDS = {"python-stdnum": "python-stdnum>=1.20,<2"}


def requirements(external: set[str]) -> list[str]:
    """Requirement lines for the distributions that provide the imported top-level names."""
    provided = importlib.metadata.packages_distributions()
    wanted: set[str] = set()
    for top in external:
        if top not in provided:
            raise RuntimeError(f"No installed distribution provides module {top!r}")
        wanted.update(_canonical(dist) for dist in provided[top])
    bounds = {}
    for line in importlib.metadata.requires(DISTRIBUTION) or []:
        if ";" in line:  # extras and markers: not for Lite
            continue
        match = re.match(r"^\s*([A-Za-z0-9._-]+)", line)
        if match:
            bounds[_canonical(match.group(1))] = line.strip()
    bounds.update(LITE_BOUNDS)
    return [dist if dist in PYODIDE_BUILT else bounds.get(dist, dist) for dist in sorted(wanted)]


_LOADER = '''
import importlib.abc
import importlib.util
import io
import sys


class _EmbeddedFile:
    """importlib.resources view (a Traversable) of the embedded data files of one package."""

    def __init__(self, files, path=""):
        self._files = files
        self._path = path

    @property
    def name(self):
        return self._path.rsplit("/", 1)[-1]

    def is_file(self):
        return self._path in self._files

    def is_dir(self):
        prefix = self._path + "/" if self._path else ""
        return any(key.startswith(prefix) for key in self._files) and not self.is_file()

    def iterdir(self):
        prefix = self._path + "/" if self._path else ""
        children = {key[len(prefix):].split("/")[0] for key in self._files if key.startswith(prefix)}
        return iter([_EmbeddedFile(self._files, prefix + child) for child in sorted(children)])

    def joinpath(self, *parts):
        path = "/".join(p for p in [self._path, *(str(x).strip("/") for x in parts)] if p)
        return _EmbeddedFile(self._files, path)

    __truediv__ = joinpath

    def read_text(self, encoding="utf-8", errors="strict"):
        if not self.is_file():
            raise FileNotFoundError(self._path)
        return self._files[self._path]

    def read_bytes(self):
        return self.read_text().encode("utf-8")

    def open(self, mode="r", *args, **kwargs):
        return io.BytesIO(self.read_bytes()) if "b" in mode else io.StringIO(self.read_text())


class _EmbeddedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the embedded modules from memory; `embedded_lite_modules` marks it for reloads."""

    embedded_lite_modules = True

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _SOURCES:
            return None
        is_package = _SOURCES[fullname][0]
        spec = importlib.util.spec_from_loader(fullname, self, origin=f"<lite>/{fullname}", is_package=is_package)
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        source = _SOURCES[module.__name__][1]
        exec(compile(source, module.__spec__.origin, "exec"), module.__dict__)

    def get_resource_reader(self, fullname):
        return _ResourceReader(_RESOURCES.get(fullname, {}))


class _ResourceReader:
    def __init__(self, files):
        self._files = files

    def files(self):
        return _EmbeddedFile(self._files)


# A second run of this file (xlwings Lite reruns it after an edit) replaces the first.
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "embedded_lite_modules", False)]
for _name in _SOURCES:
    sys.modules.pop(_name, None)
sys.meta_path.insert(0, _EmbeddedModules())
'''


def generate(entry: str = ENTRY, *, met_controle: bool = False) -> tuple[str, str]:
    """The text of ``main.py`` and of ``requirements.txt``; `met_controle` adds the script
    that checks the open workbook (`addin.scripts.controleer`)."""
    modules, external = collect([entry, SCRIPTS] if met_controle else entry)
    data = resources(modules)
    entry_module = importlib.import_module(entry)
    exported = sorted(
        name for name in getattr(entry_module, "__all__", []) if hasattr(entry_module, name)
    )
    lines = [
        '"""Jeugdhulp-rekenfuncties voor xlwings Lite (Excel-functies zoals =TARIEFPERMINUUT).',
        "",
        "Gegenereerd met `python -m addin.lite`; niet met de hand wijzigen maar opnieuw genereren.",
        "Bevat de broncode van " + ", ".join(modules) + " en de regioprofielen.",
        '"""',
        "# ruff: noqa",
        "",
        "_SOURCES = {",
    ]
    for name, (is_package, source) in modules.items():
        lines.append(f"    {name!r}: ({is_package!r}, {source!r}),")
    lines += ["}", "", "_RESOURCES = {"]
    for package, files in data.items():
        lines.append(f"    {package!r}: {{")
        lines += [f"        {path!r}: {text!r}," for path, text in files.items()]
        lines.append("    },")
    lines += ["}", _LOADER]
    lines.append(f"from {entry} import (  # the Excel functions")
    lines += [f"    {name}," for name in exported]
    lines += [")", ""]
    if met_controle:
        lines.append(f"from {SCRIPTS} import (  # the script: Controleer werkmap")
        lines += [f"    {name}," for name in SCRIPT_NAMES]
        lines += [")", ""]
    main_py = "\n".join(lines)
    requirements_txt = "\n".join(requirements(external)) + "\n"
    return main_py, requirements_txt


def write(outdir: Path, entry: str = ENTRY, *, met_controle: bool = False) -> list[Path]:
    main_py, requirements_txt = generate(entry, met_controle=met_controle)
    outdir.mkdir(parents=True, exist_ok=True)
    written = [outdir / "main.py", outdir / "requirements.txt"]
    written[0].write_text(main_py, encoding="utf-8")
    written[1].write_text(requirements_txt, encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    # Desktop only (this module is not embedded in main.py): the Dutch argparse of the CLI.
    from batch.dutch_argparse import DutchArgumentParser

    parser = DutchArgumentParser(
        prog="python -m addin.lite",
        description="Schrijf main.py en requirements.txt voor xlwings Lite.",
    )
    parser.add_argument(
        "outdir", type=Path, metavar="MAP", help="map waarin main.py en requirements.txt komen"
    )
    parser.add_argument(
        "--met-controle",
        action="store_true",
        help="neem ook het script 'Controleer werkmap' op (controle van de open werkmap)",
    )
    args = parser.parse_args(argv)
    try:
        written = write(args.outdir, met_controle=args.met_controle)
    except OSError as exc:
        from batch.files import os_reason

        print(
            f"Fout: niet geschreven in {args.outdir}: {os_reason(exc, args.outdir)}",
            file=sys.stderr,
        )
        return 2
    for path in written:
        print(f"geschreven: {path}")
    print("Plak main.py en requirements.txt in de xlwings Lite-editor en herstart xlwings Lite.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
