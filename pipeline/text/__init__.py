"""text: the words and sentences of a document: normalisation (traditional → simplified,
widths, pinyin), lost line breaks restored, jieba/rjieba segmentation with POS, sentences, and the
same segmentation as a spaCy Language."""
