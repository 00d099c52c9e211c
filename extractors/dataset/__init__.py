"""The Parquet dataset: the crash-safe incremental store (`store`), reading it back
(`query`), a batch of documents extracted and staged by a worker (`batch`) and the summary
of a run (`summary`)."""
