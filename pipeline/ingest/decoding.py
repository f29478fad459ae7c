"""decoding: the bytes of a text file → (text with "\\n" line ends, encoding name).

Used by the ingest stage (``pipeline/ingest/reader.py``) and its row reader (``pipeline/ingest/tabular.py``).
``decode_bytes`` tries, in order: BOM → UTF-16 without BOM → binary/NUL checks → strict
UTF-8 (unless it reads like GBK by accident) → the CJK-aware choice between GB18030 and
Big5 (the candidate whose text uses more of the common hanzi wins; a declared HTML charset
only breaks near-ties) → charset-normalizer for anything else → a nearly clean CJK decoding
with a few bad bytes replaced. Traditional characters and full-width forms are kept (clean
converts them). Bad input raises ``Rejected`` with the reason.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# Signatures of binary formats a scrape folder picks up (images, PDFs, archives, executables).
BINARY_MAGIC = {
    b"\x89PNG": "PNG image", b"\xff\xd8\xff": "JPEG image", b"GIF8": "GIF image", b"%PDF": "PDF",
    b"\x1f\x8b": "gzip data", b"\x7fELF": "ELF executable", b"MZ": "Windows executable",
    b"BZh": "bzip2 data", b"7z\xbc\xaf": "7z archive", b"Rar!": "RAR archive", b"\xd0\xcf\x11\xe0": "OLE (old Office) file",
    b"RIFF": "RIFF media", b"OggS": "Ogg media", b"\x00\x00\x01\x00": "icon",
}
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
_HANZI = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_PRIVATE = re.compile("[\ue000-\uf8ff]")
SCORE_SAMPLE_CHARS = 100_000
# Chinese text (GB18030/GBK, UTF-8) with up to this share of bad bytes is read with them
# replaced (and counted): stray bytes from a broken scrape, not another encoding
MAX_REPLACED_SHARE = 0.02
_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]")
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


class Rejected(Exception):
    """Raised inside ingest (never out of it): the page is rejected with this reason."""


def decode_bytes(data: bytes, html: bool = False) -> tuple[str, str]:
    """Bytes → (text with "\\n" line ends, encoding name). Raises Rejected on bad input.

    Order: empty → BOM → UTF-16 without BOM → binary/NUL checks → strict UTF-8 (a sequence cut at the very end is
    "truncated") → GB18030 vs Big5 by common-hanzi share (a declared HTML charset breaks
    near-ties only) → Chinese text with a few stray bytes (≤ 2 %) replaced (counted) →
    charset-normalizer → any nearly clean decoding (≤ 0.1 % replaced) → undecodable."""
    if not data.strip():
        raise Rejected("empty file" if not data else "empty: whitespace only")
    for bom, enc in BOMS:
        if data.startswith(bom):
            try:
                return normalise_newlines(data.decode(enc).lstrip("\ufeff")), enc
            except UnicodeDecodeError as exc:
                if exc.end >= len(data) - 1 and exc.reason in ("truncated data", "unexpected end of data"):
                    raise Rejected(f"truncated multibyte sequence at the end ({enc})") from None
                raise Rejected(f"undecodable as {enc} despite its byte-order mark: {exc.reason} at byte {exc.start}") from None
    bomless = bomless_utf16(data) if b"\x00" in data or not _valid_utf8(data) else None
    if bomless:
        return bomless
    screen_binary(data)
    try:
        text = data.decode("utf-8")
        if utf8_is_plausible(text, data):
            return normalise_newlines(text), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and _valid_utf8(data[:exc.start]) and exc.start > 0 \
                and _has_multibyte(data[:exc.start]):
            raise Rejected(f"truncated multibyte sequence at the end (UTF-8, byte {exc.start})") from None
    hint = _normalise_charset(declared_charset_of(data)) if html else None
    choice = choose_cjk_decoding(data, hint)
    if choice and _HANZI.search(choice[0][:SCORE_SAMPLE_CHARS]) and hanzi_score(choice[0]) < 0.6:
        # neither GB18030 nor Big5 reads like Chinese: another codec (Shift-JIS, EUC-KR,
        # a Western code page) may fit better; charset-normalizer judges those
        guess = charset_normalizer_guess(data)
        if guess and guess[1].replace("_", "").lower() not in ("gb18030", "gbk", "gb2312", "big5", "cp950"):
            return normalise_newlines(guess[0]), guess[1]
    if choice:
        return normalise_newlines(choice[0]), choice[1]
    if _ends_with_cut_gbk(data):
        raise Rejected("truncated multibyte sequence at the end (GBK)")
    lenient = lenient_cjk_decoding(data, MAX_REPLACED_SHARE, min_hanzi_score=0.8)
    if lenient:      # Chinese text with stray bytes: before charset-normalizer, which may pick a stranger codec
        return normalise_newlines(lenient[0]), lenient[1]
    guess = charset_normalizer_guess(data)
    if guess:
        return normalise_newlines(guess[0]), guess[1]
    lenient = lenient_cjk_decoding(data)
    if lenient:
        return normalise_newlines(lenient[0]), lenient[1]
    raise Rejected("undecodable: not UTF-8, GB18030, Big5 or any encoding charset-normalizer knows")


def utf8_is_plausible(text: str, data: bytes) -> bool:
    """Strict UTF-8 is taken unless its non-ASCII characters hold no CJK at all while the same
    bytes read as GB18030 give common hanzi (short GBK text can be valid UTF-8 by accident:
    "一" in GBK is "һ" in UTF-8)."""
    if text.isascii() or _CJK.search(text):
        return True
    non_ascii = [c for c in text if ord(c) > 127]
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        return True
    return not (hanzi_score(gb) >= 0.9 and sum("\u4e00" <= c <= "\u9fff" for c in gb) >= len(non_ascii) / 2)


def bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark: (text, encoding) when the bytes decode as UTF-16
    and read as text — ASCII-heavy text shows NULs on one side of every pair, CJK text
    gives common hanzi. None otherwise (then the NUL and binary checks apply)."""
    if len(data) % 2 or len(data) < 4:
        return None
    for enc, nul_side in (("utf-16-le", 1), ("utf-16-be", 0)):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        nuls = data[nul_side::2].count(0)
        other = data[1 - nul_side::2].count(0)
        if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\n\r\t" for c in text[:20000]):
            continue
        ascii_heavy = nuls > 0 and nuls >= len(data) // 4 and other == 0
        if ascii_heavy or (hanzi_score(text) >= 0.8 and len(_HANZI.findall(text[:2000])) >= 4):
            return normalise_newlines(text), enc
    return None


def screen_binary(data: bytes) -> None:
    """Raise Rejected for binary data (known signatures or many control bytes) and NUL bytes."""
    for magic, what in BINARY_MAGIC.items():
        if data.startswith(magic):
            raise Rejected(f"binary: {what}")
    sample = data[:65536]
    controls = len(sample) - len(sample.translate(None, _CONTROL))     # one pass, not one per byte value
    if controls / max(len(sample), 1) > 0.05:
        raise Rejected(f"binary: {controls} control bytes in the first {len(sample)}")
    if b"\x00" in data:
        raise Rejected(f"NUL bytes: {data.count(0)} NUL byte(s) in a text file")


def choose_cjk_decoding(data: bytes, hint: str | None) -> tuple[str, str] | None:
    """The better strict decoding among GB18030 (reported as gbk when GBK suffices) and Big5.

    Each candidate is scored by the share of its hanzi that are among the common ones
    (simplified and traditional): real text scores high, the wrong codec's hanzi are
    scattered over rare characters. A declared charset adds a small bonus (a hint only)."""
    candidates = []
    for enc in ("gb18030", "big5", "cp950", "big5hkscs"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc != "gb18030" and any(c[1] in ("big5", "cp950", "big5hkscs") for c in candidates):
            continue   # one Big5 family member is enough
        score = hanzi_score(text)
        family = "gb18030" if enc == "gb18030" else "big5"
        if hint and hint == family:
            score += 0.03
        candidates.append((score, enc, text))
    if not candidates:
        return None
    score, enc, text = max(candidates, key=lambda c: c[0])
    if enc == "gb18030":
        try:
            data.decode("gbk")
            enc = "gbk"
        except UnicodeDecodeError:
            pass
    return text, enc


def hanzi_score(text: str) -> float:
    """Share of the hanzi in ``text`` that are common characters (0..1); texts with no hanzi
    score by their share of printable characters (so plain ASCII/Latin text is not punished)."""
    common = common_hanzi()
    text = text[:SCORE_SAMPLE_CHARS]     # a sample decides as well as the whole, and fast
    hanzi = _HANZI.findall(text)
    private = len(_PRIVATE.findall(text))
    if not hanzi:
        printable = sum(c.isprintable() or c in "\n\r\t" for c in text)
        return 0.5 * printable / max(len(text), 1) - private / max(len(text), 1)
    return sum(c in common for c in hanzi) / len(hanzi) - private / max(len(hanzi), 1)


@lru_cache(maxsize=1)
def common_hanzi() -> frozenset[str]:
    """The ~2,500 most frequent simplified hanzi (by jieba's dictionary word frequencies) and
    their traditional forms (OpenCC s2t): the set that real Chinese text mostly draws from."""
    from collections import Counter

    import jieba
    import opencc

    counts: Counter = Counter()
    dict_path = Path(jieba.__file__).with_name("dict.txt")
    with open(dict_path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) >= 2 and parts[1].isdigit():
                weight = int(parts[1])
                for ch in parts[0]:
                    counts[ch] += weight
    top = "".join(ch for ch, _ in counts.most_common(3000) if "\u4e00" <= ch <= "\u9fff")[:2500]
    return frozenset(top) | frozenset(opencc.OpenCC("s2t").convert(top))


def charset_normalizer_guess(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's best guess, if it finds one with little mess."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:2_000_000]).best()
    if best is None or best.chaos > 0.3:
        return None
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError):
        return None


def lenient_cjk_decoding(data: bytes, max_share: float = 0.001, min_hanzi_score: float | None = None
                         ) -> tuple[str, str] | None:
    """UTF-8 or GB18030 with replacement characters, when bad bytes are few (at most
    ``max_share`` of the characters) and, with ``min_hanzi_score``, the text reads as Chinese
    (scraped GB2312/GBK files often hold stray broken bytes in otherwise good text). The
    encoding name says how many were replaced (``replaced_count`` reads it back)."""
    best = None
    for enc in ("utf-8", "gb18030"):
        text = data.decode(enc, errors="replace")
        bad = text.count("\ufffd")
        if bad > max(1, int(len(text) * max_share)) or (best is not None and bad >= best[2]):
            continue
        if min_hanzi_score is not None and not (_HANZI.search(text[:SCORE_SAMPLE_CHARS])
                                                and hanzi_score(text) >= min_hanzi_score):
            continue
        best = (text, f"{enc} (with {bad} undecodable byte(s) replaced)", bad)
    return (best[0], best[1]) if best else None


_REPLACED = re.compile(r"\(with (\d+) undecodable byte\(s\) replaced\)")


def replaced_count(encoding: str | None) -> int:
    """How many bad bytes the decoding named ``encoding`` (as ``decode_bytes`` reports it) replaced."""
    m = _REPLACED.search(encoding or "")
    return int(m.group(1)) if m else 0


def declared_charset_of(data: bytes) -> str | None:
    from pipeline.ingest.htmltext import declared_charset

    return declared_charset(data)


def _normalise_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.lower().replace("_", "-")
    if name in ("gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"):
        return "gb18030"
    if name in ("big5", "big5-hkscs", "cp950", "x-big5"):
        return "big5"
    return name


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _has_multibyte(data: bytes) -> bool:
    return any(b >= 0x80 for b in data[-4096:]) or any(b >= 0x80 for b in data[:4096])


def _ends_with_cut_gbk(data: bytes) -> bool:
    """True when all but the last byte is GB18030 and the last byte is a dangling lead byte."""
    try:
        data[:-1].decode("gb18030")
    except UnicodeDecodeError:
        return False
    return 0x81 <= data[-1] <= 0xFE


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(value):
    """``value`` (a parsed JSON value) with every lone surrogate ("\\ud83d" in a JSON string,
    which no UTF-8 writer accepts) replaced by U+FFFD, in strings, lists and keys."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR → "\\n"; a leading BOM dropped."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
