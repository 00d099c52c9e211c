"""Research exports: the labels table (`labels.py`), the wide table and the gb2019/gb2021
crosswalk (`wide.py`), the files researchers open (`writers.py`: CSV, XLSX, Stata, DuckDB),
and the derived tables written beside the dataset after each run (`derived.py`)."""
