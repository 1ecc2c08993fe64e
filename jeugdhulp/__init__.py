"""Rules of Dutch youth-care (jeugdhulp) finance: the pure calculation core.

Every calculation and check lives here exactly once. The Excel functions (`addin`), the batch
reader, annotator and CLI (`batch`) are thin shells around it. Apart from `jeugdhulp.checks`
(which uses polars), the package is pure Python so that it runs inside xlwings Lite (Pyodide).
"""

__version__ = "0.1.0"
