"""Workbooks made by several writers, to prove the annotator keeps everything it does not own."""
