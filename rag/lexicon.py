"""English glosses for the words of a French or German question, from bilingual dictionaries.

The embedding model and nearly all abstracts are English, so a question typed in French or German finds
its paper poorly: on the seen question sets v1-v13, one in five such answerable questions was refused.
When the FreeDict dictionaries are installed (the Debian packages dict-freedict-fra-eng and
dict-freedict-deu-eng, `make dictionaries`; GPL data, read where the system installed it and never copied
into this repository), each content word of such a question gets up to two English translations, which
`rag.query.analyse` adds to the text that retrieval and the relevance model read. Inflected forms find
their headword, and a German compound the dictionary lacks is read as its parts.

FreeDict's French dictionary is small and lacks much of the field's vocabulary ('traduction', 'syntaxique',
'plongements'), so French words are first looked up in a table learned from the ACL Anthology's bilingual
JEP-TALN-RECITAL titles (rag/data/lexicon_fra_titles.json, `python -m benchmarks.build_title_lexicon`); it
ships with the package and glosses French questions even where the dictionaries are not installed.

A word neither source knows may be a cognate with a regular ending ('dyslexie' -> 'dyslexia', 'stochastique'
-> 'stochastic', 'Proportionalität' -> 'proportionality'): its English form is used when it is a word of the
dictionaries' English side and the word is not English itself ('kernel' in a French question).

The dictd files (an index of headword, offset and length in base 64, and a dictzip body) are parsed once
into a JSON cache under the model cache directory, keyed on the recipe and the files' sizes and times.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path

from rag.text import strip_accents

__all__ = ["DICTIONARIES", "Lexicon", "build", "language", "load"]

log = logging.getLogger(__name__)

# language -> the dictd base name of its FreeDict dictionary into English
DICTIONARIES = {"fra": "freedict-fra-eng", "deu": "freedict-deu-eng"}
RECIPE = "lexicon-v5: single-word headwords; two plain phrases of each entry, sixteen at most, '|'-joined"
PHRASE_COST = 2.0  # reference IDF added per extra word of a translation when ranking senses by use (`_by_use`)
SENSES = 16  # translations kept per headword, in the dictionary's order (ranked by `_by_use` when read)
PER_WORD = 2  # translations added per question word
TITLES_FILE = Path(__file__).parent / "data" / "lexicon_fra_titles.json"  # French words learned from titles
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# A word that is not a headword itself is tried without an inflectional ending ('gehörlosen' ->
# 'gehörlos', 'annotées' -> 'annot' + 'er'), then with a dictionary form's ending put back.
_SUFFIXES = ("", "en", "n", "e", "er", "es", "em", "s", "t", "et", "ten", "te", "x", "ées", "ée", "és", "é")
_ENDINGS = ("", "en", "e", "er")
# Regular endings of French and German learned words and their English ones, most specific first (a word's
# first ending that gives an English word of the dictionaries wins).
COGNATES = {
    "fra": (("iques", "ic"), ("ique", "ic"), ("ies", "ias"), ("ie", "ia"), ("ie", "y"), ("ités", "ities"),
            ("ité", "ity"), ("ismes", "isms"), ("isme", "ism"), ("istes", "ists"), ("iste", "ist"), ("eurs", "ors"),
            ("eur", "or"), ("aires", "ary"), ("aire", "ary"), ("elles", "al"), ("elle", "al"), ("els", "al"),
            ("el", "al"), ("aux", "al"), ("ales", "al"), ("ale", "al"), ("ifs", "ive"), ("if", "ive"), ("ives", "ive"), ("ées", "ed"), ("ée", "ed"), ("és", "ed"),
            ("é", "ed"), ("iennes", "ean"), ("ienne", "ean"), ("iens", "ean"), ("ien", "ean"), ("iennes", "ian"),
            ("ienne", "ian"), ("iens", "ian"), ("ien", "ian"), ("phes", "phs"), ("phe", "ph"), ("antes", "ant"),
            ("ante", "ant"), ("ants", "ant"), ("antes", "ent"), ("ante", "ent"), ("ants", "ent"), ("ant", "ent"),
            ("ées", "ated"), ("ée", "ated"), ("és", "ated"), ("é", "ated"), ("eurs", "ers"), ("eur", "er")),
    "deu": (("ierbarkeit", "ability"), ("ierbar", "able"), ("isierungen", "izations"), ("isierung", "ization"),
            ("ierungen", "ations"), ("ierung", "ation"), ("ischen", "ic"), ("isches", "ic"), ("ische", "ic"),
            ("isch", "ic"), ("itäten", "ities"), ("ität", "ity"), ("ien", "ies"), ("ie", "y"), ("ik", "ics"),
            ("iert", "ed"), ("ionen", "ions"), ("alen", "al"), ("aler", "al"), ("ales", "al"), ("alem", "al"),
            ("ale", "al"), ("iven", "ive"), ("iver", "ive"), ("ives", "ive"), ("ivem", "ive"), ("ive", "ive"),
            ("iv", "ive"), ("ellen", "al"), ("eller", "al"), ("elles", "al"), ("ellem", "al"), ("elle", "al"),
            ("ell", "al"), ("ären", "ary"), ("äre", "ary"), ("är", "ary"), ("ikatoren", "iers"), ("ikator", "ier")),
}
# The field's terms that the dictionaries gloss word by word or in another sense ('jeu de données' -> 'game data give',
# 'Datensatz' -> 'record', 'Schätzung' -> 'evaluation', 'suivi' -> nothing): glossed whole, in the sense research
# abstracts use, and their words not one by one (session 30). A key ending in '*' takes any ending ('unüberwacht*').
TERMS = {
    "fra": {"jeu* de données": "dataset", "apprentissage par renforcement": "reinforcement learning",
            "analyse de sentiments": "sentiment analysis", "suivi": "tracking", "arête*": "edges", "étiquette*": "labels",
            "caractéristiques": "features", "échantillon*": "samples", "entraînement": "training",
            "estimation de pose": "pose estimation", "non supervisé*": "unsupervised", "non-supervisé*": "unsupervised"},
    "deu": {"datensatz*": "dataset", "datensätze*": "datasets", "sprachmodell*": "language models",
            "stimmungsanalyse": "sentiment analysis", "bestärkende* lernen": "reinforcement learning",
            "schätzung*": "estimation", "posenschätzung*": "pose estimation", "verfolgung": "tracking",
            "unüberwacht*": "unsupervised", "überwachung": "supervision", "spracherkennung": "speech recognition",
            "verteilung*": "distribution"},
}
_TERM_RES = {lang: [(re.compile(r"(?<![\w-])" + r"\s+".join(re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "")
                                                         for w in key.split()) + r"(?![\w-])", re.I), english)
                    for key, english in sorted(terms.items(), key=lambda kv: -len(kv[0]))]
             for lang, terms in TERMS.items()}


def _terms(text: str, lang: str) -> tuple[list[str], str]:
    """The field's terms in the text (TERMS) glossed, in order, and the text without them."""
    found: list[tuple[int, str]] = []

    def blank(m: re.Match, english: str) -> str:  # each term found is noted and blanked, positions kept for the order
        found.append((m.start(), english))
        return " " * len(m.group(0))

    for rx, english in _TERM_RES.get(lang, ()):
        text = rx.sub(lambda m, e=english: blank(m, e), text)
    return [e for _, e in sorted(found)], text


_lock = threading.Lock()


def _by_use(translations: list[str]) -> list[str]:
    """The translation research abstracts use most first, the others in the dictionary's order: the dictionaries list
    a word's senses in no useful order ('Unsicherheit': 'self-consciousness', 'sheepishness', …, 'uncertainty';
    'Mehrdeutigkeit': 'equivocation', …, 'ambiguity'), and a question about papers means the sense papers use. A
    translation's rarity is the reference IDF (`rag.relevance`) of its rarest word, plus PHRASE_COST for each word
    after its first ('multiple meanings' comes after 'ambiguity'); the first of the least rare wins. (Sorting every
    translation this way was tried in session 27 and lost more of the seen non-English questions.)"""
    if len(translations) < 2:
        return translations
    from rag.lexical import query_tokens
    from rag.relevance import reference_idf

    idf, unseen = reference_idf()

    def rarity(t: str) -> float:
        return max((idf.get(x, unseen) for x in query_tokens(t)), default=unseen) + PHRASE_COST * (len(t.split()) - 1)

    best = min(translations, key=rarity)
    return [best, *(t for t in translations if t != best)]


def _modifier_stems(left: str) -> list[str]:
    """The forms a compound's modifier may take before its head: as written, or without a linking 's', 'es', 'n' or
    'en' ('Abhängigkeit-s-länge'); four letters at least ('Sen' of 'Sentiment' is no word of the compound)."""
    stems = [left[: len(left) - len(link)] if link else left
             for link in ("", "s", "es", "n", "en") if not link or left.endswith(link)]
    return [stem for stem in stems if len(stem) >= 4]


_WOMAN = re.compile(r"wom[ae]n$", re.I)  # 'Frenchwoman', 'Italian woman'


def _names_person(translation: str, others: list[str]) -> bool:
    """'Frenchwoman', or 'Frenchman' beside 'French' (not 'German', which holds no other translation + 'man')."""
    m = re.fullmatch(r"(.+?)\s?m[ae]n", translation, re.I)
    return bool(_WOMAN.search(translation)) or (m is not None and any(o.lower() == m.group(1).lower() for o in others))


def _masculine(word: str) -> list[str]:
    """The masculine forms a French feminine adjective may have: 'française' -> 'français', 'italienne' ->
    'italien', 'espagnoles' -> 'espagnol'."""
    out = []
    for ending, strip in (("nnes", 3), ("nne", 2), ("es", 2), ("e", 1)):
        if word.endswith(ending) and len(word) - strip >= 3:
            out.append(word[: len(word) - strip])
    return out


def _b64(s: str) -> int:
    n = 0
    for c in s:
        n = n * 64 + _B64.index(c)
    return n


def _phrases(line: str) -> list[str]:
    """The translations on an entry's first line, without grammar, domain and sense marks."""
    # (an abbreviation glued to a grammar mark is the word's short form: 'language <n>lang.')
    line = re.sub(r"<[^>]*>(?:[A-Za-z]+\.)?|\[[^\]]*\]|\([^)]*\)|…|\b\d+\.\s", " ", line)
    phrases = (re.sub(r"\s+", " ", x).strip(" .;:") for x in re.split(r"[,;]", line))
    # plain English words only: no pronunciation ('/ˈpiːpl/'), exclamations or abbreviations' marks
    return [p for p in phrases if re.fullmatch(r"[A-Za-z][A-Za-z' -]*", p) and len(p.split()) <= 3]


def build(index: Path, body: Path) -> dict[str, str]:
    """headword (lower case) -> up to SENSES English translations joined by '|' (one string per word keeps
    the 280,000 German headwords in about half the memory of lists), from one dictd dictionary."""
    data = gzip.open(body).read()  # dictzip is gzip with a random-access table
    out: dict[str, list[str]] = {}
    with open(index, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0].startswith("00") or " " in parts[0]:
                continue  # dictd's own '00-database-…' entries; multi-word headwords
            word = parts[0].lower()
            have = out.setdefault(word, [])
            if len(have) >= SENSES:
                continue
            entry = data[_b64(parts[1]) : _b64(parts[1]) + _b64(parts[2])].decode("utf-8", "replace").split("\n")
            for p in _phrases(entry[1] if len(entry) > 1 else "")[:2]:
                if p not in have and len(have) < SENSES:
                    have.append(p)
    return {w: "|".join(t) for w, t in out.items() if t}


@lru_cache(maxsize=1)
def _function_words() -> dict[str, frozenset[str]]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH, STOPWORDS_GERMAN

    english = frozenset(STOPWORDS_EN)
    return {"fra": frozenset(STOPWORDS_FRENCH) - english, "deu": frozenset(STOPWORDS_GERMAN) - english,
            "eng": english}


def language(text: str) -> str | None:
    """'fra' or 'deu': whose function words the text uses more (None: neither)."""
    words = _function_words()
    found = re.findall(r"[^\W\d_]+", text.lower())
    fra, deu = (sum(w in words[lang] for w in found) for lang in ("fra", "deu"))
    return None if not (fra or deu) else "fra" if fra > deu else "deu"


class Lexicon:
    """French and German words to English translations."""

    def __init__(self, tables: dict[str, dict[str, str]], learned: dict[str, dict[str, str]] | None = None):
        self.tables = tables
        self.learned = learned or {}  # language -> word as written -> translations learned from titles

    def translations(self, word: str, lang: str, known: Callable[[str], bool] | None = None) -> list[str]:
        """The word's translations: those learned from bilingual titles first, then its own headword's, an
        inflected form's, or, for a German compound the dictionary lacks, one per part
        ('Abhängigkeitslänge' -> 'dependency', 'length'). With `known` (does the collection hold this English
        word?), a word the dictionaries lack is glossed by the English word a regular ending turns it into where
        the collection holds it ('annotateurs' -> 'annotators'): the dictionaries are small, and the
        collection's own words are what the question can match. (Putting such a word before the dictionaries'
        translations, 'facteurs' -> 'factors' before 'postman', was tried in session 26 and lost more
        non-English questions of the seen sets than it won.)"""
        if (lang == "deu" and known is not None and "-" not in word and not self._learned(word, lang)
                and not self._headword(word, lang)):
            cognate = self._cognate(word, lang, known)  # 'adversarialen' -> 'adversarial', not 'adverb' + 'ale'
            if cognate:
                return cognate
        found = self._translations(word, lang)
        if found or known is None:
            return found
        return (self._cognate(word, lang, known) or (self._english_head(word.lower(), known) if lang == "deu" else [])
                or self._unaccented(word, known))

    def _unaccented(self, word: str, known: Callable[[str], bool]) -> list[str]:
        """A word written with accents that, without them, is an English word (one of the dictionaries' English
        side, or its plural) the collection holds: 'molécules' -> 'molecules', 'catégories' -> 'categories'; the
        French side lacks many learned words. ('réfutent' or 'au-delà' without accents are French words of the
        collection's French abstracts, which the index also holds without accents: no English word.)"""
        low = word.lower()
        plain = strip_accents(low)
        english = plain in self.english or (plain.endswith("s") and plain[:-1] in self.english)
        return [plain] if plain != low and english and known(plain) else []

    def _english_head(self, word: str, known: Callable[[str], bool]) -> list[str]:
        """A German compound of a German modifier and an English word the collection holds ('Diskursparser' ->
        'discourse', 'parser'; the field borrows its nouns): the longest such head."""
        for i in range(4, len(word) - 3):
            head = word[i:]
            if not known(head):
                continue
            for stem in _modifier_stems(word[:i]):
                mod = self._headword(stem, "deu")
                if mod:
                    return [mod[0], head]
        return []

    def _translations(self, word: str, lang: str) -> list[str]:
        learned = self._learned(word, lang)
        found = self._headword(word, lang)
        if learned:
            return list(dict.fromkeys(learned + found))
        if found and lang == "fra" and all(_WOMAN.search(t) for t in found):
            # a feminine adjective read as a person ('française' -> 'Frenchwoman', 'italienne' -> 'Italian woman'):
            # the masculine's translations that name no person ('français' -> 'French', 'French language')
            for masc in _masculine(word.lower()):
                got = self._headword(masc, lang)
                adjective = [t for t in got if not _names_person(t, got)]
                if adjective:
                    return adjective
        if found:
            return found
        if lang == "deu":
            parts = [p for p in word.split("-") if p]
            if len(parts) > 1:
                return [t for p in parts for t in self.translations(p, lang)[:1]]
            found = self._compound(word.lower(), lang, depth=2)
        return found or self._cognate(word, lang)

    @cached_property
    def english(self) -> frozenset[str]:
        """The English words of every translation (the dictionaries' English side)."""
        words: set[str] = set()
        for table in (*self.tables.values(), *self.learned.values()):
            for value in table.values():
                words.update(re.findall(r"[a-z]+(?:-[a-z]+)*", value.lower()))
        return frozenset(words)

    def _cognate(self, word: str, lang: str, known: Callable[[str], bool] | None = None) -> list[str]:
        """The English word a French or German one turns into by a regular ending ('dyslexie' -> 'dyslexia'),
        when the dictionaries' English side has it (or, with `known`, the collection does) and the word is not
        English already."""
        low = word.lower()
        if low in self.english or (low.endswith("s") and low[:-1] in self.english):
            return []  # 'kernel', 'survives': an English word in the question
        english_words = self.english if known is None else None
        for ending, english in COGNATES.get(lang, ()):
            if low.endswith(ending) and len(low) > len(ending) + 2:
                stem = strip_accents(low[: len(low) - len(ending)])
                # German writes k for a Latin c ('Klassifikator' -> 'classifier', 'konzeptuell' -> 'conceptual')
                for form in dict.fromkeys((stem + english, *((stem.replace("k", "c") + english,) if lang == "deu" else ()))):
                    if english_words is not None and (form in english_words or
                                                      (form.endswith("s") and form[:-1] in english_words)):
                        return [form]
                    if known is not None and known(form):
                        return [form]
        return []

    def _compound(self, word: str, lang: str, depth: int) -> list[str]:
        """A compound as a known head (the longest that leaves a known modifier) and its modifier, which
        may drop a linking 's', 'es', 'n' or 'en' ('Abhängigkeit-s-länge') or be a compound itself."""
        for i in range(4, len(word) - 3):
            head = self._headword(word[i:], lang)
            if not head:
                continue
            for stem in _modifier_stems(word[:i]):
                mod = self._headword(stem, lang) or (self._compound(stem, lang, depth - 1) if depth > 1 else [])
                if mod:
                    return mod[:1] + head[:1]
        return []

    def _learned(self, word: str, lang: str) -> list[str]:
        table = self.learned.get(lang, {})
        word = word.lower().replace("’", "'")
        for form in (word, word[:-1] if word.endswith(("s", "x")) else None, word + "s"):
            if form and form in table:
                return table[form].split("|")
        return []

    def _headword(self, word: str, lang: str) -> list[str]:
        """A headword's translations (of the word, or of a form without an inflectional ending), those used most
        in research abstracts first (`_by_use`)."""
        return _by_use(self._entry(word, lang))

    def _entry(self, word: str, lang: str) -> list[str]:
        table = self.tables.get(lang, {})
        word = word.lower()
        for suffix in _SUFFIXES:
            if suffix and not word.endswith(suffix):
                continue
            stem = word[: len(word) - len(suffix)] if suffix else word
            if len(stem) < 3:
                continue
            for ending in _ENDINGS:
                if stem + ending in table:
                    return table[stem + ending].split("|")
        return []

    def gloss(self, text: str, known: Callable[[str], bool] | None = None, skip: frozenset[str] = frozenset()) -> str:
        """English translations of the text's content words, in order, each once ('' for English text); `known`
        as `translations` takes it. Words in `skip` (lower case: a question's request words, 'Beiträge') are
        not glossed."""
        lang = language(text)
        if lang is None:
            return ""
        words = _function_words()
        stop, english = words[lang], words["eng"]
        out, text = _terms(text, lang)
        for w in re.findall(r"[^\W\d_][\w-]*", text):
            if len(w) < 3 or w.lower() in stop or w.lower() in skip:
                continue
            found = self.translations(w, lang, known)
            out.extend(t for t in found[:PER_WORD] if not set(t.lower().split()) <= english)
        return " ".join(dict.fromkeys(out))


def _paths(directory: Path) -> dict[str, tuple[Path, Path]]:
    found = {}
    for lang, base in DICTIONARIES.items():
        index, body = directory / f"{base}.index", directory / f"{base}.dict.dz"
        if index.is_file() and body.is_file():
            found[lang] = (index, body)
    return found


def _cache_file(paths: dict[str, tuple[Path, Path]], cache_dir: Path) -> Path:
    h = hashlib.sha256(RECIPE.encode())
    for lang, files in sorted(paths.items()):
        for p in files:
            st = p.stat()
            h.update(f"{lang}:{p.name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return cache_dir / f"lexicon-{h.hexdigest()[:12]}.json"


_loaded: dict[tuple[str, str], Lexicon | None] = {}


def load(directory: str | Path | None, cache_dir: Path | None = None) -> Lexicon | None:
    """The lexicon of the dictionaries in `directory` and of the French words learned from titles (None
    when `directory` is empty or 'off': glossing is off). Built once into the model cache, then read from it."""
    if not directory or str(directory).strip().lower() in ("off", "none"):
        return None
    from rag.embed_onnx import model_cache_dir

    cache_dir = cache_dir or model_cache_dir()
    key = (str(directory), str(cache_dir))
    with _lock:
        if key in _loaded:
            return _loaded[key]
        paths = _paths(Path(directory))
        tables: dict[str, dict[str, str]] = {}
        if paths:
            cache = _cache_file(paths, cache_dir)
            try:
                tables = json.loads(cache.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.info("building the French/German lexicon from %s (once)", directory)
                tables = {lang: build(*files) for lang, files in paths.items()}
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
                tmp.write_text(json.dumps(tables, ensure_ascii=False), encoding="utf-8")
                os.replace(tmp, cache)
        learned = {"fra": _title_words()}
        lexicon = Lexicon(tables, learned) if tables or learned["fra"] else None
        if lexicon is not None:
            _ = lexicon.english  # the cognates' vocabulary (0.5 s), here rather than on a first question
        _loaded[key] = lexicon
        return lexicon


@lru_cache(maxsize=1)
def _title_words() -> dict[str, str]:
    try:
        return json.loads(TITLES_FILE.read_text(encoding="utf-8"))["words"]
    except (OSError, ValueError, KeyError):
        return {}
