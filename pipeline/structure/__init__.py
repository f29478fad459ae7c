"""structure: a page's documents and their outline: split multi-report pages and title
each document (``split``), numbered headings and items as a tree of sections with roles
(``outline``, with the marker rules of ``item_rules``), and each document's year and place
(``metadata``)."""
