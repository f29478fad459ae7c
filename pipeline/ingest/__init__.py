"""ingest: files → pages. The content decides the format (``sniffing``); text encodings
(``decoding``); HTML, PDF, .doc/.docx/.wps, MHT, CSV/JSON/XLSX rows, archives; page metadata from
the page's own header lines. ``reader`` is the entry point (``discover_files``, ``ingest_file``)."""
