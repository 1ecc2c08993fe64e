"""Environment for the xlwings custom-function tests; must run before xlwings is imported.

`XLWINGS_ON_SERVER=true` makes `xw.func`/`xw.arg` the xlwings Server (Office.js) decorators on
Linux, so `addin.functions` registers its functions; the noncommercial key unlocks xlwings PRO's
`xlwings.server` for these tests. The test modules set the same variables themselves before
importing xlwings; pytest also imports this module early when it collects doctests in tests/.
"""

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
