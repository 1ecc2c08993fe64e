"""The module the button of ``backoffice_controle.xlsm`` runs (xlwings classic, Windows).

xlwings' quickstart macro ``SampleCall`` imports the module named after the workbook and calls its
``main()``; xlwings puts the workbook's folder on the Python path, so this file must stay beside
the workbook (under the workbook's name).
"""

from __future__ import annotations


def main() -> None:
    """Check every workbook in the folder named on the sheet Instellingen of the calling workbook."""
    from addin.scripts import controleer_map

    controleer_map()
