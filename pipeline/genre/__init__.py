"""genre: the taxonomy (a data file), the tagger (title cues, the body model, their
combination, with the decision's source), the model's features, and its training."""
