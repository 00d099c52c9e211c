"""From a reader's rows to canonical values: cell conventions, the table walker, placement."""
