"""Age encryption of packages, recipient keys, and the PDF renderer's refusal to fetch."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pyrage
import pytest

from rescue.errors import InputError, PipelineError
from rescue.operation.package_render import render_pdf
from rescue.operation.package_seal import ARCHIVE, decrypt_package, parse_recipients, seal


def test_recipients_parse_and_are_checked() -> None:
    key = str(pyrage.x25519.Identity.generate().to_public())
    assert parse_recipients([f"gb={key}", f"DE = {key}"]) == {"GB": key, "DE": key}
    for spec, message in [
        ("GB", "not COUNTRY=KEY"),
        ("GB=", "not COUNTRY=KEY"),
        (f"UK={key}", "not an ISO 3166-1 country code"),
        ("GB=age1notakey", "not an age public key"),
        ("GB=AGE-SECRET-KEY-1QQQ", "not an age public key"),
    ]:
        with pytest.raises(InputError, match=message):
            parse_recipients([spec])
    with pytest.raises(InputError, match="two recipients for GB"):
        parse_recipients([f"GB={key}", f"gb={key}"])


def test_a_sealed_folder_opens_whole_with_the_identity(tmp_path: Path) -> None:
    folder = tmp_path / "REF-DE-20240501-1"
    (folder / "deep").mkdir(parents=True)
    (folder / "package.json").write_text("{}")
    (folder / "deep" / "x.bin").write_bytes(bytes(range(256)))
    identity = pyrage.x25519.Identity.generate()
    archive = seal(folder, tmp_path / "sealed", str(identity.to_public()), "DE")
    assert archive == tmp_path / "sealed" / ARCHIVE
    assert [p.name for p in (tmp_path / "sealed").iterdir()] == [ARCHIVE]  # no plaintext tar
    assert b"package.json" not in archive.read_bytes()
    opened = decrypt_package(archive, str(identity), tmp_path / "out")
    assert opened == tmp_path / "out" / folder.name
    assert (opened / "deep" / "x.bin").read_bytes() == bytes(range(256))
    with tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(archive.read_bytes(), [identity]))) as tar:
        assert {(m.uid, m.uname) for m in tar.getmembers()} == {(0, "")}
    with pytest.raises(InputError, match="not an age identity"):
        decrypt_package(archive, "AGE-SECRET-KEY-1NOPE", tmp_path / "x")


def test_an_archive_reaching_outside_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    identity = pyrage.x25519.Identity.generate()
    archive = tmp_path / ARCHIVE
    archive.write_bytes(pyrage.encrypt(buffer.getvalue(), [identity.to_public()]))
    with pytest.raises(tarfile.OutsideDestinationError):
        decrypt_package(archive, str(identity), tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


@pytest.mark.parametrize(
    "html",
    [
        '<img src="http://example.org/x.png">',
        '<img src="file:///etc/hostname">',
        '<link rel="stylesheet" href="https://example.org/a.css">',
        "<p style=\"background: url('file:///etc/hostname')\">x</p>",
    ],
)
def test_the_pdf_renderer_fetches_nothing(html: str) -> None:
    with pytest.raises(PipelineError, match="tried to load an outside resource"):
        render_pdf(f"<html><body>{html}</body></html>")


def test_the_pdf_renderer_makes_a_pdf() -> None:
    pdf = render_pdf("<html><body><h1>Synthetic</h1></body></html>")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
