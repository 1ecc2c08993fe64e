"""Excel shell around the calculation core: xlwings custom functions (`addin.functions`).

Classic xlwings (Windows, "UDF Modules" = `addin.functions`), xlwings Server (mount the module)
and xlwings Lite (paste the code that `python -m addin.lite` generates) all load the same
functions. Each function only converts cells, calls `jeugdhulp`, and converts results and errors.
"""
