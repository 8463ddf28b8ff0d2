"""Every table of a report in one Excel workbook, one sheet per CSV: analysts work in Excel.

Written last in the report folder, from the CSV files the sections wrote, so the workbook
and the CSVs can never disagree. Numbers stay numbers (openpyxl writes floats and ints as
such), the header row is frozen and bold, and each column is as wide as its header.
"""

from __future__ import annotations

import csv
from pathlib import Path

from lca.reporting.run_summary import TABLES_XLSX

MAX_SHEET_NAME = 31  # Excel's limit


def _cell(text: str):
    if text in ("True", "False"):
        return text == "True"
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if text.lstrip("-").isdigit() else number


def write_tables_xlsx(folder: Path) -> str | None:
    """``tables.xlsx`` from the folder's ``*.csv`` files (results first); None when there is none."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    files = sorted(folder.glob("*.csv"), key=lambda p: (p.stem != "results", p.stem))
    if not files:
        return None
    book = Workbook()
    book.remove(book.active)
    for path in files:
        sheet = book.create_sheet(path.stem[:MAX_SHEET_NAME])
        with path.open(newline="", encoding="utf-8") as fh:
            for i, row in enumerate(csv.reader(fh)):
                sheet.append(row if i == 0 else [_cell(v) for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            sheet.column_dimensions[cell.column_letter].width = max(10, min(40, len(str(cell.value or "")) + 2))
        sheet.freeze_panes = "A2"
    book.save(folder / TABLES_XLSX)
    return TABLES_XLSX
