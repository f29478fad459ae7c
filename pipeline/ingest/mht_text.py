"""A saved web archive (.mht/.mhtml, MIME multipart/related) → the HTML of its page.

Used by the ingest stage, which reads the HTML like any page. The first text/html part is
taken, unpacked from its transfer encoding (quoted-printable, base64) and decoded by its
declared charset when that reads clean, else by the usual detection (``decode_bytes``).
"""
from __future__ import annotations

import codecs
import email
import email.policy

from pipeline.ingest.decoding import Rejected, decode_bytes, normalise_newlines

# declared charsets that name a subset of a wider codec (GB2312 pages hold GBK characters)
WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs"}


def mht_html(data: bytes) -> tuple[str, str, str | None]:
    """(HTML text, encoding, the page's URL) of the page in a web archive; raises Rejected
    without one. The URL is the part's Content-Location (Chrome: Snapshot-Content-Location)."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    part = next((p for p in message.walk() if p.get_content_type() == "text/html"), None)
    if part is None:
        raise Rejected("mht without an HTML part (no text/html in the archive)")
    url = (part.get("Content-Location") or message.get("Snapshot-Content-Location") or "").strip() or None
    if url and not url.lower().startswith(("http://", "https://")):
        url = None                         # a cid: or file: name is no page address
    payload = part.get_payload(decode=True)
    if not payload or not payload.strip():
        raise Rejected("empty: the HTML part of the mht is blank")
    charset = (part.get_content_charset() or "").lower()
    if charset:
        try:
            codec = codecs.lookup(WIDER.get(charset, charset)).name
            return normalise_newlines(payload.decode(codec)).lstrip("\ufeff"), charset, url
        except (LookupError, UnicodeDecodeError):
            pass
    return (*decode_bytes(payload, html=True), url)
