"""Each document's ``quality`` and ``truncated`` flags, set by split once the page's
documents and their removals are known."""
from __future__ import annotations

from pipeline.records import Document, Removal


def mark_quality(documents: list[Document], page_removed: list[Removal], page_quality: str, clean_rules) -> None:
    """Each document's ``quality`` (the page's, ``pinyin_repaired`` only where its own lines
    were repaired, ``mojibake`` where its text is garbled, ``junk`` where anti-copy junk or
    synonym-swapped text is found) and ``truncated`` (a truncation notice inside it, or on
    the page after it when it is the last document)."""
    from pipeline.clean.quality import _GARBLE, REPAIR_PINYIN, is_junk

    notice = [c for c in clean_rules.generic.line if c.rule == "cue:truncation_notice"]
    for k, doc in enumerate(documents):
        after = [r for r in page_removed if r.line > (doc.lines[-1].no if doc.lines else 0)] \
            if k == len(documents) - 1 else []
        doc.truncated = any(cue.search(r.text) for r in doc.removed + after for cue in notice)
        text = doc.text
        if len(_GARBLE.findall(text)) >= 2 or "\ufffd" in text:
            doc.quality = "mojibake"
        elif is_junk(text):
            doc.quality = "junk"
        elif page_quality == "pinyin_repaired":
            doc.quality = "pinyin_repaired" if any(r.rule == REPAIR_PINYIN for r in doc.removed) else "clean"
        else:
            doc.quality = page_quality if page_quality != "mojibake" else "clean"
