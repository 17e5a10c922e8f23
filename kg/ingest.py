"""Read input files into :class:`~kg.records.Article` records.

Inputs are scraped policy news: plain text, Markdown, HTML (whole pages, or HTML inside a
.txt/.md body), optionally with YAML front matter, and JSONL files holding one article a
line. This stage decodes the bytes, strips markup and page boilerplate (navigation, share
buttons, copyright and reprint notices, contact lines), and fills the metadata
(title, date, source, url, language) from front matter, HTML meta tags or the top lines.

:func:`iter_articles` never raises for a bad input: it yields a :class:`~kg.records.Skipped`
that names the file (and the line of a JSONL file) and says why, and carries on.
:func:`read_article` reads one file and raises :class:`~kg.errors.InputError`.
"""
from __future__ import annotations

import codecs
import errno
import html as htmllib
import json
import os
import re
import stat
from contextlib import contextmanager
from datetime import date as _date, datetime as _datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from .errors import InputError, KnowledgeBaseError
from .normalize import HAN_CLASS, detect_language, fold_width, repair_pinyin_glyphs, to_simplified
from .records import Article, Skipped

__all__ = ["iter_articles", "read_article", "article_from_text", "clean_text", "decode_bytes",
           "is_boilerplate", "parse_date", "TEXT_SUFFIXES", "SUFFIXES", "MAX_FILE_BYTES",
           "MAX_ARTICLE_CHARS", "limits"]

TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")
SUFFIXES = TEXT_SUFFIXES + (".jsonl",)
#: A single article file (or one JSONL line) larger than this is refused unread; JSONL
#: files are streamed and have no limit as a whole. ``kg build --max-bytes`` sets it.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: An article whose text, markup and boilerplate removed, is longer than this is refused:
#: extraction takes about 20 s per million characters of news and needs a spaCy token per
#: character. ``kg build --max-chars`` sets it.
MAX_ARTICLE_CHARS = 500_000
#: Lines longer than this are only tested against boilerplate patterns anchored with ^.
MAX_NOTICE_LINE = 120
#: A line of at most this many characters can be the title when no metadata gives one.
MAX_TITLE_LINE = 60
#: How many non-empty lines at the top are searched for the date and source.
TOP_LINES = 12

_DATA = Path(__file__).parent / "data"
_BOILERPLATE_FILE = _DATA / "boilerplate.txt"
_DECODE_HINT = "pass a file in UTF-8, GB18030 or Big5"


# ======================================================================================
# Walking the inputs
# ======================================================================================

def iter_articles(paths: Iterable[str | Path] | str | Path, *, read=None) -> Iterator[Article | Skipped]:
    """Articles from files and folders, in order; a Skipped for each input that fails.

    Folders are walked recursively in sorted order, following symbolic links but never
    the same folder twice; hidden files and folders (name starting with "."), files of
    other types, and a folder's README/LICENSE/CHANGELOG files are passed over. A file named explicitly with an unsupported type is
    reported as Skipped. A JSONL file yields one Article a line; a broken line yields a
    Skipped with its line number and the other lines still load.

    ``read(path)`` replaces how one file becomes items (default: read it into Articles);
    a parallel build passes one that yields the path itself, for a worker to read.
    """
    read = read or _read_any
    if isinstance(paths, (str, Path)):
        paths = [paths]
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    for p in paths:
        path = Path(p)
        try:
            st = path.stat()
        except FileNotFoundError:
            kind = "broken symbolic link" if path.is_symlink() else "no such file or folder"
            yield Skipped(str(path), kind)
            continue
        except OSError as exc:
            yield Skipped(str(path), f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path, seen_dirs, seen_files, read)
        elif path.suffix.lower() not in SUFFIXES:
            yield Skipped(str(path), f"unsupported file type {path.suffix or '(none)'!r}: "
                                     f"expected {', '.join(SUFFIXES)}")
        elif _first_visit(st, seen_files):
            yield from read(path)


def _first_visit(st: os.stat_result, seen: set[tuple[int, int]]) -> bool:
    key = (st.st_dev, st.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _walk(folder: Path, seen_dirs, seen_files, read=None) -> Iterator[Article | Skipped]:
    read = read or _read_any
    try:
        if not _first_visit(folder.stat(), seen_dirs):
            return                                    # a symlink loop, or listed twice
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield Skipped(str(folder), f"cannot list folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith(".") or _is_project_doc(entry.name):
            continue
        path = Path(entry.path)
        try:
            st = path.stat()                          # follows symbolic links
        except OSError as exc:
            if entry.is_symlink() and path.suffix.lower() in SUFFIXES:
                yield Skipped(str(path), "symbolic link loop" if exc.errno == errno.ELOOP
                              else "broken symbolic link")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path, seen_dirs, seen_files, read)
        elif stat.S_ISREG(st.st_mode) and path.suffix.lower() in SUFFIXES:
            if _first_visit(st, seen_files):
                yield from read(path)


_PROJECT_DOCS = frozenset(("readme", "license", "licence", "changelog", "contributing", "authors",
                           "notice", "copying"))


def _is_project_doc(name: str) -> bool:
    """README.md, LICENSE.txt and the like describe a folder; they are not articles."""
    return name.split(".", 1)[0].lower() in _PROJECT_DOCS


def _read_any(path: Path) -> Iterator[Article | Skipped]:
    try:
        if path.suffix.lower() == ".jsonl":
            yield from _read_jsonl(path)
        else:
            yield read_article(path)
    except InputError as exc:
        yield Skipped(str(path), _reason(exc), exc.line)
    except Exception as exc:  # noqa: BLE001 - a bad file must never stop the corpus
        yield Skipped(str(path), f"unexpected error while reading: {type(exc).__name__}: {exc}")


def _reason(exc: InputError) -> str:
    """The message of an InputError without its "path:line: " prefix."""
    msg = str(exc)
    where = f"{exc.path}:{exc.line}" if exc.line is not None else exc.path
    return msg[len(where) + 2:] if msg.startswith(where + ": ") else msg


# ======================================================================================
# One file
# ======================================================================================

def read_article(path: str | Path) -> Article:
    """Read one .txt, .md, .html or .htm file; raises InputError saying what is wrong."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES:
        hint = "; JSONL files hold many articles: use iter_articles" if suffix == ".jsonl" else ""
        raise InputError(path, f"unsupported file type {suffix or '(none)'!r}: expected "
                               f"{', '.join(TEXT_SUFFIXES)}{hint}")
    data = _read_bytes(path)
    text = decode_bytes(data, path)
    return article_from_text(text, path=str(path), file_name=path.name,
                             kind="html" if suffix in (".html", ".htm") else suffix[1:])


@contextmanager
def limits(max_bytes: int | None = None, max_chars: int | None = None):
    """Within the block, refuse files over ``max_bytes`` and articles over ``max_chars``.

    >>> with limits(max_bytes=1_000_000):                 # doctest: +SKIP
    ...     articles = list(iter_articles(["corpus/"]))
    """
    global MAX_FILE_BYTES, MAX_ARTICLE_CHARS
    saved = MAX_FILE_BYTES, MAX_ARTICLE_CHARS
    if max_bytes is not None:
        MAX_FILE_BYTES = int(max_bytes)
    if max_chars is not None:
        MAX_ARTICLE_CHARS = int(max_chars)
    try:
        yield
    finally:
        MAX_FILE_BYTES, MAX_ARTICLE_CHARS = saved


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n:,} bytes"


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(path, f"file is {_size(size)}, more than the {_size(MAX_FILE_BYTES)} "
                                   "an article may have (kg build --max-bytes); split it, or put "
                                   "many articles in a JSONL file")
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file") from None
    except PermissionError:
        raise InputError(path, "cannot read: permission denied") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_MAGIC = ((b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive or Office document"),
          (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
          (b"\x1f\x8b", "a gzip archive"), (b"\xd0\xcf\x11\xe0", "an old Office document"),
          (b"\x7fELF", "a program"), (b"SQLite format 3", "an SQLite database"))


def decode_bytes(data: bytes, path: str | Path = "<bytes>") -> str:
    """Decode a file's bytes strictly: BOMs first, then UTF-8, then GB18030 or Big5.

    Raises InputError for empty and binary files and for bytes no encoding accepts.
    """
    if not data.strip():
        raise InputError(path, "empty file" if not data else "empty file (only whitespace)")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as exc:
                raise InputError(path, f"cannot decode as {enc} (it starts with a {enc} "
                                       f"byte-order mark) at byte {exc.start}; {_DECODE_HINT}") from None
            return _check_text(text.lstrip("\ufeff"), path)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(path, f"binary file ({what}), not text")
    if b"\x00" in data[:65536]:
        raise InputError(path, "binary file (it contains NUL bytes; UTF-16 text needs a "
                               "byte-order mark)")
    try:
        return _check_text(data.decode("utf-8"), path)
    except UnicodeDecodeError as exc:
        utf8_error = exc
    candidates = {}
    for enc in ("gb18030", "big5"):
        try:
            candidates[enc] = data.decode(enc)
        except UnicodeDecodeError:
            pass
    if not candidates:
        raise InputError(path, f"cannot decode: invalid UTF-8 at byte {utf8_error.start} and "
                               f"not GB18030 or Big5 either; {_DECODE_HINT}")
    if len(candidates) == 1:
        return _check_text(next(iter(candidates.values())), path)
    return _check_text(candidates[_choose_cjk(data, candidates)], path)


def _choose_cjk(data: bytes, candidates: dict[str, str]) -> str:
    """GB18030 or Big5 when both decode: charset-normalizer's guess, checked by how many
    of the characters are common ones (Big5 read as GB18030 gives rare characters)."""
    guess = None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200000], cp_isolation=list(candidates)).best()
        if best is not None and best.encoding in candidates:
            guess = best.encoding
    except Exception:  # noqa: BLE001 - the check below decides alone then
        pass
    scores = {enc: _common_share(text) for enc, text in candidates.items()}
    top = max(scores, key=scores.get)
    if guess is None or scores[top] - scores[guess] > 0.1:
        return top
    return guess


_HAN_RE = re.compile(f"[{HAN_CLASS}]")


def _common_share(text: str) -> float:
    """Share of Han characters whose Simplified form is in GB2312 level 1 (the 3,755
    most common characters), over a sample of the text."""
    han = "".join(_HAN_RE.findall(text[:20000]))[:5000]
    if not han:
        return 0.0
    common = 0
    for ch in to_simplified(han):
        try:
            b = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        if 0xB0 <= b[0] <= 0xD7:
            common += 1
    return common / len(han)


_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _check_text(text: str, path) -> str:
    if not text.strip():
        raise InputError(path, "empty file (only whitespace)")
    sample = text[:65536]
    if len(_CONTROL_RE.findall(sample)) > max(8, len(sample) // 100):
        raise InputError(path, "binary file (too many control characters for text)")
    return text


# ======================================================================================
# JSONL
# ======================================================================================
_JSON_FIELDS = ("title", "date", "url", "source", "language")


def _read_jsonl(path: Path) -> Iterator[Article | Skipped]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    with fh:
        head = fh.read(4096)
        if not head:
            raise InputError(path, "empty file")
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = decode_bytes(head + fh.read(), path)
            lines: Iterable[bytes | str] = text.split("\n")
        else:
            if b"\x00" in head:
                raise InputError(path, "binary file (it contains NUL bytes), not JSON lines")
            fh.seek(0)
            lines = fh
        loaded = 0
        for line_no, raw in enumerate(lines, start=1):
            if isinstance(raw, bytes):
                if line_no == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8):]
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield Skipped(str(path), f"line {line_no}: not valid UTF-8 (byte {exc.start}); "
                                             "JSON lines must be UTF-8", line_no)
                    continue
            else:
                line = raw
            if not line.strip():
                continue
            loaded += 1
            if len(raw) > MAX_FILE_BYTES:
                yield Skipped(str(path), f"line {line_no}: {_size(len(raw))}, more than the "
                                         f"{_size(MAX_FILE_BYTES)} an article may have (kg build --max-bytes)",
                              line_no)
                continue
            item = _jsonl_line(path, line, line_no)
            yield item
        if not loaded:
            raise InputError(path, "empty file (no JSON lines)")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _jsonl_line(path: Path, line: str, line_no: int) -> Article | Skipped:
    where = str(path)
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return Skipped(where, f"line {line_no}: not valid JSON ({exc.msg} at column {exc.colno})", line_no)
    if not isinstance(obj, dict):
        return Skipped(where, f"line {line_no}: expected a JSON object with a \"text\" field, "
                              f"got {type(obj).__name__}", line_no)
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return Skipped(where, f"line {line_no}: no \"text\" field (or it is empty)", line_no)
    meta = {k: _scalar(obj.get(k)) for k in _JSON_FIELDS}
    for key, value in (("text", text), *meta.items()):
        bad = _LONE_SURROGATE.search(value)
        if bad:  # "\ud83d" alone: an emoji cut in half; no UTF-8 file can hold it
            return Skipped(where, f"line {line_no}: \"{key}\" holds an unpaired surrogate "
                                  f"\\u{ord(bad.group()):04x} at character {bad.start()}, which is not "
                                  "text; JSON \\u escapes of surrogates must come in pairs", line_no)
    try:
        return article_from_text(text, path=where, file_name=f"{path.name}#{line_no}",
                                 kind="txt", meta=meta, line=line_no)
    except InputError as exc:
        return Skipped(where, f"line {line_no}: {_reason(exc)}", line_no)
    except Exception as exc:  # noqa: BLE001
        return Skipped(where, f"line {line_no}: unexpected error: {type(exc).__name__}: {exc}", line_no)


def _scalar(value) -> str:
    if value is None or isinstance(value, (list, dict)):
        return ""
    if isinstance(value, (_datetime, _date)):
        return value.isoformat()
    return str(value).strip()


# ======================================================================================
# Text -> Article
# ======================================================================================

def article_from_text(text: str, *, path: str = "", file_name: str = "", kind: str = "txt",
                      meta: dict | None = None, line: int | None = None) -> Article:
    """Build an Article from decoded text.

    ``kind`` is "html" for a whole HTML page, "md" for Markdown, "txt" otherwise (HTML
    inside a txt/md body is detected). ``meta`` holds metadata already known (from JSONL);
    it wins over what the text says. Raises InputError when no article text is left.
    """
    where = path or file_name or "<text>"
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = text.lstrip("\ufeff")
    given = {k: v for k, v in (meta or {}).items() if v}
    front, body = _split_front_matter(text)
    found = {k: v for k, v in front.items() if v}

    is_html = kind == "html" or _looks_like_html(body)
    if is_html:
        html_meta, body = _html_to_text(body, keep_newlines=kind != "html")
        for k, v in html_meta.items():
            found.setdefault(k, v)
    else:
        body = _COMMENT_RE.sub("", body)
        if _ENTITY_RE.search(body):
            body = htmllib.unescape(body)
    body = _markdown_to_text(body, is_md=kind == "md")

    lines = [_clean_line(x) for x in body.split("\n")]
    known_title = given.get("title") or found.get("title") or ""
    keep = _boilerplate_mask(lines, known_title)
    # metadata from the top lines, read before the boilerplate lines go
    top = [x for x in lines if x][:TOP_LINES]
    if not (given.get("date") or found.get("date")):
        d = _find_date(top)
        if d:
            found["date"] = d
    if not (given.get("source") or found.get("source")):
        s = _find_source(top)
        if s:
            found["source"] = s

    kept = [x for x, k in zip(lines, keep) if k]
    title = _clean_line(known_title)
    if not title:
        first = next((x for x in kept if x), "")
        if first and _short_line(first) and not _SENTENCE_END.search(first):
            title = first
    body_text = _assemble(kept, title)
    if not any(kept_line for kept_line in kept):
        raise InputError(where, "no article text left after removing markup and page boilerplate", line)
    if len(body_text) > MAX_ARTICLE_CHARS:
        raise InputError(where, f"article text is {len(body_text):,} characters, more than the "
                                f"{MAX_ARTICLE_CHARS:,} an article may have (kg build --max-chars); "
                                "split it into articles", line)

    values = {**found, **given}
    language = _language_tag(values.get("language", ""), body_text)
    return Article(
        file_name=file_name or Path(where).name,
        text=body_text,
        path=path,
        title=title,
        date=_iso_date(values.get("date", "")),
        url=values.get("url", ""),
        source=values.get("source", ""),
        language=language,
        line=line,
    )


def clean_text(text: str, kind: str = "txt") -> str:
    """Only the cleaned body of ``text`` (markup and page boilerplate removed)."""
    return article_from_text(text, kind=kind).text


def _short_line(line: str) -> bool:
    """Short enough to be a title: 60 characters, or 25 words of a Latin-script headline."""
    if len(line) <= MAX_TITLE_LINE:
        return True
    return len(line) <= 3 * MAX_TITLE_LINE and line.isascii() and len(line.split()) <= 25


def _assemble(lines: list[str], title: str) -> str:
    """The title as the first line, then the body with runs of blank lines collapsed."""
    out: list[str] = []
    if title:
        # copies of the title at the top (page heading, h1, Markdown link) give way to it
        key = _title_key(title)
        rest, seen = [], 0
        for x in lines:
            if x and seen < 6:
                seen += 1
                if _title_key(x) == key:
                    continue
            rest.append(x)
        lines = rest
        out.append(title)
    blank = False
    for x in lines:
        if not x:
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(x)
    return "\n".join(out)


_TITLE_KEY_RE = re.compile(r"[\s\"'“”‘’《》「」:：]+")


def _title_key(s: str) -> str:
    return _TITLE_KEY_RE.sub("", to_simplified(fold_width(repair_pinyin_glyphs(s)))).lower()


_SPACE_RUN = re.compile("[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")


def _clean_line(line: str) -> str:
    return _SPACE_RUN.sub(" ", _ZERO_WIDTH.sub("", line)).strip()


# --------------------------------------------------------------------------------------
# Front matter
# --------------------------------------------------------------------------------------
_FRONT_RE = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_LINE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$", re.M)
_URL_RE = re.compile(r"^(?:https?://|www\.)\S+$", re.I)


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """(metadata, body). Front matter that YAML cannot parse is read line by line."""
    stripped = text.lstrip("\n")
    if not stripped.startswith("---"):
        return {}, text
    m = _FRONT_RE.match(stripped[:65536])
    if not m:
        return {}, text
    block, body = m.group(1), stripped[m.end():]
    raw: dict = {}
    try:
        import yaml

        loaded = yaml.safe_load(block)
        if isinstance(loaded, dict):
            raw = loaded
        else:
            raise ValueError("front matter is not a mapping")
    except Exception:  # noqa: BLE001 - keep the article, read what we can
        raw = {k: v.strip("'\"") for k, v in _FRONT_LINE.findall(block)}
    return _map_front(raw), body


def _map_front(raw: dict) -> dict[str, str]:
    low = {str(k).strip().lower(): _scalar(v) for k, v in raw.items()}
    out: dict[str, str] = {}

    def first(*keys):
        return next((low[k] for k in keys if low.get(k)), "")

    out["title"] = first("title", "headline")
    out["date"] = first("date", "published", "pubdate", "publish_date", "published_at",
                        "date_published", "created", "time", "updated")
    out["url"] = ""
    for k in ("url", "link", "canonical", "permalink", "source_url", "from"):
        v = low.get(k, "")
        if v and _URL_RE.match(v):
            out["url"] = v
            break
    source = first("source", "publisher", "outlet", "site", "site_name", "media")
    if not source:
        author = low.get("author", "") or low.get("authors", "")
        if author and not _URL_RE.match(author):
            source = author
    if not source and low.get("from") and not _URL_RE.match(low["from"]):
        source = low["from"]
    out["source"] = source
    out["language"] = first("language", "lang", "locale")
    return out


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------
_HTML_TAG = re.compile(
    r"<(?:p|div|br|span|a|img|figure|figcaption|section|article|main|h[1-6]|li|ul|ol|table|tr|td"
    r"|th|strong|em|b|i|u|blockquote|pre|script|style|iframe|html|body|head|meta|link|header"
    r"|footer|nav|aside|form|noscript|hr|center|font|time|title|!doctype)\b[^<>]*>"
    r"|</(?:p|div|span|a|figure|figcaption|section|article|main|h[1-6]|li|ul|ol|table|tr|td|th"
    r"|strong|em|b|i|blockquote|pre|script|style|html|body)\s*>", re.I)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_ENTITY_RE = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});")

_DROP_TAGS = frozenset("""script style nav footer aside form iframe noscript img svg video audio
picture source track canvas object embed button input select option textarea template map area
head title meta link label dialog""".split())
_BLOCK_TAGS = frozenset("""p div li h1 h2 h3 h4 h5 h6 figcaption section article main blockquote
pre table tr ul ol dl dt dd figure hr address header center caption details summary""".split())
_CELL_TAGS = frozenset(("td", "th"))
_KEEP_ALWAYS = frozenset(("html", "body", "main", "article"))
_BAD_TOKEN = re.compile(
    r"^(?:ad|ads|adv|advert\w*|adsense|adsbygoogle|adslot|adbox|adunit|adwrap\w*|adv?\d+|ad\d*"
    r"|dfp|gpt|sponsor\w*|promo\w*|share\w*|sharing|social|sns|comment\w*|breadcrumbs?|crumbs?"
    r"|footer\w*|foot|nav|navbar|navigation|nav\w*|menu\w*|related\w*|recommend\w*|paywall\w*"
    r"|subscribe\w*|newsletter|cookie\w*|popup|modal|sidebar|toolbar|qrcode|qr|banner|copyright"
    r"|disclaimer|login|signin|pagination|pager)$", re.I)
_BAD_SUBSTRING = re.compile(r"share|breadcrumb|paywall|advert|comment|qrcode|copyright", re.I)
_TOKEN_SPLIT = re.compile(r"[\s_\-:]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _looks_like_html(text: str) -> bool:
    return _HTML_TAG.search(text[:200000]) is not None


def _is_bad_attr(tag) -> bool:
    attrs = tag.attrs
    if not attrs:
        return False
    values = []
    for key in ("id", "class", "role"):
        v = attrs.get(key)
        if v:
            values.extend(v if isinstance(v, list) else [v])
    for v in values:
        if _BAD_SUBSTRING.search(v):
            return True
        for token in _TOKEN_SPLIT.split(v):
            if token and _BAD_TOKEN.match(token):
                return True
    if attrs.get("role") in ("navigation", "banner", "contentinfo", "complementary"):
        return True
    style = attrs.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    return "hidden" in attrs or attrs.get("aria-hidden") == "true"


def _html_to_text(markup: str, keep_newlines: bool) -> tuple[dict[str, str], str]:
    """(metadata, text) of an HTML document or fragment: one line per block element."""
    from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction
    from bs4.element import Tag

    soup = BeautifulSoup(markup, "lxml")
    meta = _html_meta(soup)
    root = soup.body or soup
    total = len(root.get_text()) or 1
    skip_strings = (Comment, Declaration, Doctype, ProcessingInstruction)
    out: list[str] = []
    end_block = object()
    end_cell = object()
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is end_block:
            out.append("\n")
            continue
        if node is end_cell:
            out.append(" ")
            continue
        if isinstance(node, NavigableString):
            if isinstance(node, skip_strings):
                continue
            s = str(node).replace("\x00", "")
            if keep_newlines:
                out.append(s)
            else:
                out.append(_HTML_WS.sub(_ws_mark, s))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if name in _DROP_TAGS:
            continue
        if name == "br":
            out.append("\n")
            continue
        if name == "header" and node.find_parent("article") is None:
            continue
        if name not in _KEEP_ALWAYS and node is not root and _is_bad_attr(node):
            # a wrapper misnamed "comment-wrap" around the whole story is still the story;
            # so is a box of the story's own paragraphs among them ("box-related-text")
            if (len(node.get_text()) < 0.5 * total or total < 200) and not _prose_among_paragraphs(node):
                continue
        if name in _BLOCK_TAGS:
            out.append("\n")
            stack.append(end_block)
        elif name in _CELL_TAGS:
            stack.append(end_cell)
        stack.extend(reversed(node.contents))
    text = "".join(out)
    if not keep_newlines:
        text = _JOIN_HAN.sub("", text).replace("\x00", " ")
    return meta, text


_HTML_WS = re.compile(r"\s+")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")


def _prose_among_paragraphs(node) -> bool:
    """A block of prose paragraphs (not a list of links) whose parent holds the story's own
    paragraphs: part of the story, whatever its class says."""
    parent = node.parent
    if parent is None or parent.find("p", recursive=False) is None or node.find("p") is None:
        return False
    text = node.get_text()
    links = sum(len(a.get_text()) for a in node.find_all("a"))
    return len(_HAN_CHAR.findall(text)) >= 60 and links <= 0.2 * len(text)


def _ws_mark(m: re.Match) -> str:
    # a wrapped line inside a block: nothing between two Han characters, else a space
    return "\x00" if "\n" in m.group() else " "


_JOIN_HAN = re.compile(f"(?<=[{HAN_CLASS}，。、；：！？”」』）])\x00+(?=[{HAN_CLASS}，。、；：！？“「『（])")


def _html_meta(soup) -> dict[str, str]:
    out: dict[str, str] = {}
    metas: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        content = tag.get("content")
        if not isinstance(content, str) or not content.strip():
            continue
        for attr in ("property", "name", "itemprop"):
            key = tag.get(attr)
            if isinstance(key, str) and key.strip():
                metas.setdefault(key.strip().lower(), _clean_line(content))

    def meta_content(*names):
        return next((metas[n.lower()] for n in names if metas.get(n.lower())), "")

    title = meta_content("og:title", "twitter:title", "headline")
    h1 = soup.find("h1")
    h1_text = _clean_line(h1.get_text(" ")) if h1 else ""
    page_title = _clean_line(soup.title.get_text(" ")) if soup.title else ""
    if not title and h1_text and (not page_title or _title_key(h1_text) in _title_key(page_title)):
        title = h1_text
    if not title and page_title:
        parts = [p.strip() for p in _TITLE_SPLIT.split(page_title) if p.strip()]
        title = max(parts, key=len) if parts else ""
    if not title and h1_text:
        title = h1_text
    out["title"] = title
    out["date"] = meta_content("article:published_time", "pubdate", "publishdate", "publish_date",
                               "PubDate", "datePublished", "date", "dc.date", "DC.date.issued",
                               "og:published_time", "sailthru.date")
    if not out["date"]:
        t = soup.find("time", attrs={"datetime": True})
        if t:
            out["date"] = t["datetime"].strip()
    canon = soup.find("link", attrs={"rel": "canonical"})
    out["url"] = meta_content("og:url") or (canon.get("href", "").strip() if canon else "")
    out["source"] = meta_content("og:site_name", "source", "ContentSource", "publisher",
                                 "article:publisher", "author")
    # <html lang> is not trusted: sites declare zh-CN for Traditional pages too
    return out


_TITLE_SPLIT = re.compile(r"\s+[|\-–—]\s+|\s*[|｜_]\s*|\s*--\s*")


# --------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]+)\]\((?:<[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"\n]*\")?\)")
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.M)
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_QUOTE = re.compile(r"^[ \t]*>[ \t]?", re.M)
_MD_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+", re.M)
_MD_FENCE = re.compile(r"^[ \t]*(?:```|~~~).*$", re.M)


def _markdown_to_text(text: str, is_md: bool) -> str:
    if "](" in text:
        text = _MD_IMAGE.sub("", text)
        text = _MD_LINK.sub(r"\1", text)
    if is_md:
        text = _MD_FENCE.sub("", text)
        text = _MD_HEADING.sub(r"\1", text)
        text = _MD_EMPHASIS.sub(r"\2", text)
        text = _MD_QUOTE.sub("", text)
        text = _MD_BULLET.sub("", text)
    return text


# --------------------------------------------------------------------------------------
# Boilerplate
# --------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _boilerplate_patterns(path: str = str(_BOILERPLATE_FILE)) -> tuple[re.Pattern | None, re.Pattern | None]:
    """(patterns tested on every line, patterns tested on short lines only)."""
    anchored, short = [], []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KnowledgeBaseError(f"{path}: cannot read the boilerplate patterns: {exc}") from None
    for no, line in enumerate(lines, start=1):
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        try:
            re.compile(pattern, re.I)
        except re.error as exc:
            raise KnowledgeBaseError(f"{path}:{no}: bad regular expression {pattern!r}: {exc}") from None
        (anchored if pattern.startswith("^") else short).append(f"(?:{pattern})")

    def join(parts):
        return re.compile("|".join(parts), re.I) if parts else None

    return join(anchored), join(short + anchored)


_SENTENCE_END = re.compile(r"[。！？!?；;]\s*[”」』\"']?$|[.]\s*[\"'”]?$")


def _match_form(line: str) -> str:
    return to_simplified(fold_width(repair_pinyin_glyphs(line)))


def is_boilerplate(line: str) -> bool:
    """Whether one (stripped) line is page boilerplate by the patterns of boilerplate.txt."""
    anchored, short = _boilerplate_patterns()
    form = _match_form(line)
    pat = short if len(form) <= MAX_NOTICE_LINE else anchored
    return pat is not None and pat.search(form) is not None


def _boilerplate_mask(lines: list[str], title: str) -> list[bool]:
    """True for lines to keep. Blank lines are kept (they separate paragraphs)."""
    title_key = _title_key(title) if title else None
    keep = []
    dropped = []
    for x in lines:
        if not x:
            keep.append(True)
            dropped.append(False)
            continue
        bad = is_boilerplate(x) and not (title_key and _title_key(x) == title_key)
        keep.append(not bad)
        dropped.append(bad)
    # a short label stranded between dropped lines (a footer's "联盟服务助手") goes too;
    # the first kept line, the title candidate, stays
    idx = [i for i, x in enumerate(lines) if x]
    first_kept = next((i for i in idx if keep[i]), None)
    for n, i in enumerate(idx):
        if not keep[i] or i == first_kept:
            continue
        x = lines[i]
        if len(x) > 20 or _SENTENCE_END.search(x):
            continue
        if title_key and _title_key(x) == title_key:
            continue
        prev_bad = n > 0 and dropped[idx[n - 1]]
        next_bad = n + 1 < len(idx) and dropped[idx[n + 1]]
        at_edge = n == 0 or n + 1 == len(idx)
        if (prev_bad and next_bad) or (at_edge and (prev_bad or next_bad)):
            keep[i] = False
    return keep


# --------------------------------------------------------------------------------------
# Dates, sources, language
# --------------------------------------------------------------------------------------
_MONTHS = {m: i for i, names in enumerate(
    ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
     "aug august", "sep sept september", "oct october", "nov november", "dec december"), start=1)
    for m in names.split()}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TIME = r"(?:[ T]*(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?)?"
_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?!\d)" + _TIME),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
               r"(?:\s*(?P<H>\d{1,2})[:：时](?P<M>\d{2}))?"),
    re.compile(rf"\b(?P<mon>{_MONTH_ALT})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{{2}})\b"
               r"(?:,?\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<mon>{_MONTH_ALT})\.?,?\s+(?P<y>(?:19|20)\d{{2}})\b"
               r"(?:,?\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?", re.I),
]


def _date_from_match(m: re.Match) -> str:
    g = m.groupdict()
    y = int(g["y"])
    mon = _MONTHS[g["mon"].lower()] if g.get("mon") else int(g["m"])
    d = int(g["d"])
    try:
        _date(y, mon, d)
    except ValueError:
        return ""
    out = f"{y:04d}-{mon:02d}-{d:02d}"
    if g.get("H") is not None and g.get("M") is not None:
        h, mi = int(g["H"]), int(g["M"])
        if h < 24 and mi < 60:
            out += f"T{h:02d}:{mi:02d}"
            if g.get("S") is not None and int(g["S"]) < 60:
                out += f":{int(g['S']):02d}"
    return out


def parse_date(text: str) -> str:
    """The first date in ``text`` in ISO 8601 form (with the time when one follows), or ""."""
    best = None
    for pat in _DATE_PATTERNS:
        for m in pat.finditer(text):
            iso = _date_from_match(m)
            if iso and (best is None or m.start() < best[0]):
                best = (m.start(), iso)
            if iso:
                break
    return best[1] if best else ""


def _find_date(lines: list[str]) -> str:
    for line in lines:
        d = parse_date(fold_width(line))
        if d:
            return d
    return ""


_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")


def _iso_date(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if _ISO_LIKE.match(value):
        return value.replace(" ", "T", 1)
    return parse_date(value) or value


_SOURCE_PATTERNS = [
    re.compile(r"(?:来源|來源|稿源|出处|出處|消息来源|文章来源|文章來源)\s*[:：]\s*([^\s|｜,，;；()（）\[\]【】]{2,30})"),
    re.compile(r"(?:^|\s)(?:source)\s*[:：]\s*([A-Za-z\u4e00-\u9fff][^|,;()\[\]]{1,40}?)\s*(?:$|[|,;])", re.I),
    re.compile(r"(?:作者|author|供稿)\s*[:：]\s*([^\s|｜,，;；()（）\[\]【】\d]{2,30})", re.I),
    # NANJING, July 3 (Xinhua) --
    re.compile(r"^[A-Z][A-Z .'-]+,\s+\w+\.?\s+\d{1,2}\s*\(([A-Z][A-Za-z .&']{1,30})\)\s*[-—–]"),
    # 新华社北京3月5日电
    re.compile(f"^((?:[{HAN_CLASS}]{{1,6}})社)[{HAN_CLASS}]{{2,6}}\\d{{1,2}}月\\d{{1,2}}日电"),
    # "Updated: July 3, 2024 22:55 Xinhua": an outlet named after the date and time
    re.compile(r"(?:\d{4}|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}),?\s+\d{1,2}:\d{2}(?::\d{2})?\s+"
               r"([A-Z][A-Za-z.'&]*(?:\s+[A-Z][A-Za-z.'&]*){0,3})\s*$"),
    re.compile(r"^By\s+([A-Z][A-Za-z.'&-]*(?:\s+[A-Z][A-Za-z.'&-]*){0,4})\s*$"),
]


def _find_source(lines: list[str]) -> str:
    for pat in _SOURCE_PATTERNS:
        for line in lines:
            m = pat.search(line)
            if m:
                s = m.group(1).strip(" :：")
                if s and not parse_date(s):
                    return s
    return ""


def _language_tag(given: str, text: str) -> str:
    g = given.strip().lower().replace("_", "-")
    if g.startswith("en"):
        return "en"
    if g in ("zh-hant", "zh-tw", "zh-hk", "zh-mo", "zh-hant-tw", "zh-hant-hk"):
        return "zh-Hant"
    if g in ("zh-hans", "zh-cn", "zh-sg", "zh-hans-cn"):
        return "zh-Hans"
    return detect_language(text)
