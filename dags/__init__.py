"""DAG files and their shared helpers (`dags/support.py`); a package so `dags.support` imports by name."""
