"""output: the tables' schemas and Parquet options (``tables``), a document's rows of each
table (``export``), and the R export (``export_r``)."""
