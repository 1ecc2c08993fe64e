"""Batch shell: read workbooks, run the checks, report and annotate."""
