"""The panel: one agency over the years (`agencies.py`) and the checks that tie one year's
report to the next (`crossyear.py`). Both read the committed dataset's tables."""
