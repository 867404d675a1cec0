"""Uploads from the browser: check a file (or a .zip of files), then ingest it exactly as `rag ingest` does.

Checks, each with a message that says what to do: uploads switched off (`uploads_enabled`), empty
file, file type, size (`upload_max_mb`, also for a .zip's unpacked contents), a per-collection
total (`upload_collection_cap_mb`), and for a .zip: too many members, links, absolute or `../`
paths, archives inside archives, and zip bombs (a member that unpacks to more than its header
says, or compresses suspiciously well). Files are unpacked only under `$RAG_HOME/uploads` and
removed after the ingest; nothing is written outside `RAG_HOME`.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from rag.corpus import LoadReport, load_papers
from rag.corpus.common import CorpusError
from rag.settings import Settings, get_settings, normalise_corpus_name

FILE_TYPES = (".bib", ".ris", ".json", ".jsonl", ".csv", ".xml")
UPLOAD_TYPES = (*FILE_TYPES, ".zip")
MAX_ZIP_MEMBERS = 1000
MAX_RATIO = 200  # a text corpus compresses 3-10x; 200x and more is a bomb
MB = 1024 * 1024


class UploadError(CorpusError):
    """An upload that was refused; the message says why and what to do."""


@dataclass
class UploadResult:
    collection: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)  # per-record reasons ("x.bib#key: no abstract")
    files: list[str] = field(default_factory=list)  # files ingested
    ignored: list[str] = field(default_factory=list)  # files not ingested, with the reason
    bytes: int = 0
    seconds: float = 0.0
    new_collection: bool = False

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        return (f"{self.collection}: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.skipped} skipped ({len(self.files)} file(s), {self.seconds:.1f}s)")

    def reasons(self) -> list[str]:
        """The skipped records grouped by reason: ['12 entries: no abstract', ...]."""
        groups: dict[str, int] = {}
        for p in self.problems:
            why = p.split(": ", 1)[1] if ": " in p else p
            groups[why] = groups.get(why, 0) + 1
        return [f"{n} {'entry' if n == 1 else 'entries'}: {why}" for why, n in
                sorted(groups.items(), key=lambda kv: -kv[1])]


def upload_root(settings: Settings) -> Path:
    return settings.home / "uploads"


def _usage_file(settings: Settings) -> Path:
    return upload_root(settings) / "usage.json"


def uploaded_bytes(settings: Settings, collection: str) -> int:
    """Bytes that UI uploads have added to `collection` so far."""
    try:
        return int(json.loads(_usage_file(settings).read_text()).get(collection, 0))
    except (OSError, ValueError, AttributeError):
        return 0


def _add_usage(settings: Settings, collection: str, n: int) -> None:
    from filelock import FileLock

    f = _usage_file(settings)
    f.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(f) + ".lock"):
        try:
            usage = json.loads(f.read_text())
        except (OSError, ValueError):
            usage = {}
        usage[collection] = int(usage.get(collection, 0)) + n
        tmp = f.with_suffix(".tmp")
        tmp.write_text(json.dumps(usage))
        tmp.replace(f)


def safe_name(name: str) -> str:
    """A plain file name (no directories, no odd characters) for a file we write."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .") or "upload"
    stem, dot, suffix = base.rpartition(".")
    return (stem[:80] + dot + suffix[:10]) if dot else base[:90]


def _mb(n: float) -> str:
    return f"{n / MB:.1f} MB" if n >= MB / 10 else f"{n / 1024:.1f} KB"


def _check_member(info: zipfile.ZipInfo, archive: str) -> None:
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise UploadError(f"{archive}: refused, the entry {name!r} points outside the archive (absolute or ../ "
                          "path). Zip the files themselves and upload again.")
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        raise UploadError(f"{archive}: refused, the entry {name!r} is a symbolic link")
    if info.flag_bits & 0x1:
        raise UploadError(f"{archive}: refused, the entry {name!r} is encrypted")


def extract_zip(path: Path, dest: Path, limit: int, display: str, result: UploadResult) -> list[Path]:
    """Unpack the corpus files of a .zip into `dest` (flat, one folder per member), enforcing the limits."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadError(f"{display}: not a readable .zip file ({exc})") from None
    out: list[Path] = []
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadError(f"{display}: {len(members):,} entries; at most {MAX_ZIP_MEMBERS:,} are accepted")
        for info in members:
            _check_member(info, display)
        declared = sum(i.file_size for i in members if not i.is_dir())
        if declared > limit:
            raise UploadError(f"{display}: unpacks to {_mb(declared)}, over the {_mb(limit)} limit "
                              "(setting upload_max_mb)")
        written = 0
        for i, info in enumerate(members):
            name = info.filename
            base = PurePosixPath(name).name
            if info.is_dir():
                continue
            if base.startswith(".") or name.startswith("__MACOSX/"):
                result.ignored.append(f"{name}: hidden or system file")
                continue
            suffix = PurePosixPath(base).suffix.lower()
            if suffix == ".zip":
                result.ignored.append(f"{name}: archives inside archives are not opened")
                continue
            if suffix not in FILE_TYPES:
                result.ignored.append(f"{name}: unknown file type {suffix or '(none)'!r}")
                continue
            if info.file_size > MB and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UploadError(f"{display}: refused as a zip bomb ({name!r} claims {_mb(info.file_size)} from "
                                  f"{_mb(info.compress_size)})")
            target = dest / str(i) / safe_name(base)
            target.parent.mkdir(parents=True)
            size = 0
            with zf.open(info) as src, open(target, "wb") as fh:
                while chunk := src.read(1 << 16):
                    size += len(chunk)
                    written += len(chunk)
                    if size > info.file_size or written > limit:  # the header lied: stop before the disk fills
                        raise UploadError(f"{display}: refused as a zip bomb ({name!r} unpacks to more than its "
                                          "header says)")
                    fh.write(chunk)
            out.append(target)
    return out


def ingest_upload(
    path: str | Path,
    collection: str,
    new: bool = False,
    filename: str | None = None,
    settings: Settings | None = None,
    on_step: Callable[[str], None] | None = None,
    progress: bool | None = None,
) -> UploadResult:
    """Check an uploaded file and ingest it into `collection` with `rag.ingest` (the same idempotent upsert).

    `new=True` requires `collection` not to exist yet; `new=False` requires it to exist. `filename` is the
    name the user gave the file (the upload's temporary path may differ). Raises `UploadError` with a
    message meant for the user."""
    import rag

    settings = settings or get_settings()
    t0 = time.perf_counter()
    path = Path(path)
    display = safe_name(filename or path.name)
    if not settings.uploads_enabled:
        raise UploadError("uploads are switched off on this server (setting uploads_enabled)")
    try:
        name = normalise_corpus_name(collection or "")
    except Exception:
        raise UploadError(f"invalid collection name {collection!r}: use letters, digits, '-' or '_'") from None
    existing = rag.corpora()
    if new and name in existing:
        raise UploadError(f"a collection named {name!r} already exists: pick another name, or add to it")
    if not new and name not in existing:
        raise UploadError(f"no collection named {name!r} to add to; create it as a new collection")
    suffix = Path(display).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise UploadError(f"{display}: unknown file type {suffix or '(none)'!r}; upload one of "
                          f"{', '.join(UPLOAD_TYPES)}")
    if not path.is_file():
        raise UploadError(f"{display}: the upload did not arrive; try again")
    size = path.stat().st_size
    limit = int(settings.upload_max_mb * MB)
    if size == 0:
        raise UploadError(f"{display} is empty")
    if size > limit:
        raise UploadError(f"{display} is {_mb(size)}, over the {_mb(limit)} limit (setting upload_max_mb)")
    used = uploaded_bytes(settings, name)
    cap = int(settings.upload_collection_cap_mb * MB)
    room = cap - used
    if size > room:
        raise UploadError(f"{display}: the collection {name!r} already holds {_mb(used)} of uploads; the cap is "
                          f"{_mb(cap)} per collection (setting upload_collection_cap_mb)")
    result = UploadResult(collection=name, new_collection=new)
    staging = upload_root(settings) / "staging" / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        if suffix == ".zip":
            files = extract_zip(path, staging, min(limit, room), display, result)
            if not files:
                raise UploadError(f"{display}: no {', '.join(FILE_TYPES)} files inside"
                                  + (f" ({'; '.join(result.ignored[:5])})" if result.ignored else ""))
        else:
            target = staging / "0" / display
            target.parent.mkdir()
            shutil.copyfile(path, target)
            files = [target]
        result.bytes = sum(f.stat().st_size for f in files)
        if result.bytes > room:
            raise UploadError(f"{display}: unpacks to {_mb(result.bytes)}; the collection {name!r} has "
                              f"{_mb(max(room, 0))} of its {_mb(cap)} upload cap left")
        errors = []
        for i, f in enumerate(files, 1):
            if on_step:
                on_step(f"indexing {f.name} ({i}/{len(files)})")
            try:
                # Parsed once up front, so a file with no usable record is refused before it can create
                # an empty collection (parsing is ~1% of an ingest; embedding is the rest).
                report = LoadReport()
                if not load_papers(f, report=report):
                    why = "; ".join(report.problems[:3]) or f"is it really a {f.suffix} export?"
                    raise UploadError(f"{f.name}: no papers with an abstract found ({why})")
                res = rag.ingest(str(f), collection=name, settings=settings, progress=progress)
            except CorpusError as exc:
                errors.append(str(exc))
                result.ignored.append(str(exc))
                continue
            result.files.append(f.name)
            result.added += res.added
            result.updated += res.updated
            result.unchanged += res.unchanged
            result.skipped += res.skipped
            result.problems += res.problems
        if not result.files:
            raise UploadError("; ".join(errors) or f"{display}: nothing to index")
        _add_usage(settings, name, result.bytes)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.seconds = time.perf_counter() - t0
    return result
