"""Uploads (`rag.ingest_upload`, what the UI's upload calls): the same upsert as `rag ingest`, and every
limit refusing with a clear message while writing nothing and creating no collection."""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from pathlib import Path

import pytest

from rag.upload import UploadError

from .conftest import DATA

MELT = DATA / "upload" / "meltwater.bib"


def _name(prefix: str = "up") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_upload_new_collection_then_again_adds_nothing(rag_home):
    import rag

    name = _name()
    res = rag.ingest_upload(str(MELT), name, new=True)
    assert (res.added, res.updated, res.unchanged, res.skipped) == (3, 0, 0, 1)
    assert res.reasons() == ["1 entry: no abstract"]
    assert rag.corpora()[name] == 3
    again = rag.ingest_upload(str(MELT), name, new=False)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    with pytest.raises(UploadError, match="already exists"):
        rag.ingest_upload(str(MELT), name, new=True)
    assert not (rag_home / "uploads" / "staging").exists() or not any((rag_home / "uploads" / "staging").iterdir())


def test_zip_of_formats_ingests_each_and_ignores_the_rest(tmp_path):
    import rag

    z = tmp_path / "library.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(MELT, "refs/meltwater.bib")
        zf.write(DATA / "import" / "papers.ris", "papers.ris")
        zf.writestr("notes.txt", "not a corpus")
        zf.writestr("inner.zip", b"PK\x05\x06" + b"\x00" * 18)
        zf.writestr("__MACOSX/._meltwater.bib", "junk")
    name = _name()
    res = rag.ingest_upload(str(z), name, new=True)
    assert sorted(res.files) == ["meltwater.bib", "papers.ris"]
    assert res.added == 3 + 2 and rag.corpora()[name] == 5
    ignored = " | ".join(res.ignored)
    assert "notes.txt: unknown file type '.txt'" in ignored and "archives inside archives" in ignored


def _zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in entries.items():
            zf.writestr(k, v)
    return buf.getvalue()


def _symlink_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("link.bib")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


BAD = {
    "empty.bib": (b"", "empty.bib is empty"),
    "binary.bib": (bytes(range(256)) * 40, "looks like a binary file"),
    "paper.pdf": (b"%PDF-1.4 ...", "unknown file type '.pdf'"),
    "nothing.bib": (b"% only a comment, no entries\n", "no papers with an abstract found"),
    "noabstract.ris": (b"TY  - JOUR\nTI  - A title\nER  - \n", r"no papers with an abstract found \(noabstract.ris#1: no"),
    "escape.zip": (_zip_bytes({"../../evil.bib": MELT.read_bytes()}), "points outside the archive"),
    "absolute.zip": (_zip_bytes({"/tmp/evil.bib": MELT.read_bytes()}), "points outside the archive"),
    "link.zip": (_symlink_zip(), "symbolic link"),
    "bomb.zip": (_zip_bytes({"big.jsonl": b" " * (20 * 1024 * 1024)}), "zip bomb"),
    "notzip.zip": (b"this is not a zip at all", "not a readable .zip"),
    "onlyjunk.zip": (_zip_bytes({"a.txt": b"x", "b.exe": b"y"}), "no .bib, .ris"),
}


@pytest.mark.parametrize("filename", sorted(BAD))
def test_bad_uploads_are_refused_clearly_and_leave_nothing(filename, tmp_path, rag_home):
    import rag

    data, message = BAD[filename]
    f = tmp_path / filename
    f.write_bytes(data)
    name = _name("bad")
    before = _files_under(rag_home / "uploads")
    with pytest.raises(UploadError, match=message):
        rag.ingest_upload(str(f), name, new=True)
    assert name not in rag.corpora()
    assert _files_under(rag_home / "uploads") - before <= {"usage.json", "usage.json.lock"}
    assert not (tmp_path.parent / "evil.bib").exists() and not Path("/tmp/evil.bib").exists()


def test_size_limit_cap_and_switch(tmp_path):
    import rag
    from rag.settings import load_settings

    name = _name()
    small = load_settings(upload_max_mb=0.001)  # about 1 KB
    with pytest.raises(UploadError, match=r"over the 1\.0 KB limit \(setting upload_max_mb\)"):
        rag.ingest_upload(str(MELT), name, new=True, settings=small)
    z = tmp_path / "melt.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(MELT, "melt.bib")
    assert z.stat().st_size < MELT.stat().st_size
    with pytest.raises(UploadError, match="unpacks to"):
        rag.ingest_upload(str(z), name, new=True, settings=load_settings(upload_max_mb=z.stat().st_size / 2**20))
    capped = load_settings(upload_collection_cap_mb=1.5 * MELT.stat().st_size / 2**20)
    rag.ingest_upload(str(MELT), name, new=True, settings=capped)
    with pytest.raises(UploadError, match="cap is .* per collection"):
        rag.ingest_upload(str(MELT), name, settings=capped)
    with pytest.raises(UploadError, match="switched off"):
        rag.ingest_upload(str(MELT), name, settings=load_settings(uploads_enabled=False))
    with pytest.raises(UploadError, match="no collection named"):
        rag.ingest_upload(str(MELT), _name("missing"), new=False)


def test_upload_writes_only_under_rag_home(tmp_path, rag_home):
    """The staging copy lives under RAG_HOME/uploads and is removed; the source file is untouched."""
    import rag

    src = tmp_path / "mine.bib"
    src.write_bytes(MELT.read_bytes())
    seen: list[str] = []
    rag.ingest_upload(str(src), _name(), new=True, on_step=seen.append)
    assert seen == ["indexing mine.bib (1/1)"]
    assert sorted(os.listdir(tmp_path)) == ["mine.bib"]
    assert not any((rag_home / "uploads" / "staging").iterdir())
