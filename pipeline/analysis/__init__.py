"""analysis: what is read out of the documents and across them: measures and problems
(``extract``), recurring problems (``recurring``), near-duplicates (``dedup``), topic models
(``topics``) and comparisons by genre, year and region (``compare``)."""
