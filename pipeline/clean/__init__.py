"""clean: every line of a page is chrome, a site intro, a page title, a report title or body.
Site profiles and cue words (certain), the learned line model, and templates learned across a
site's pages; text normalised, masked placeholders and garbled text flagged. ``cleaner.run``."""
