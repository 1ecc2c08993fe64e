"""The workbooks users start from, and the scripts that build them (`python -m workbooks.build_examples`)."""
