"""The Parquet dataset: the crash-safe incremental store, and reading it back."""
