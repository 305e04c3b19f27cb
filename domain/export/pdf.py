"""PDF and page images of the Word draft, through LibreOffice headless and poppler.

LibreOffice (Debian `libreoffice-writer-nogui`) and `pdftoppm` (Debian `poppler-utils`) are
optional: without them the PDF format answers one clear line and the chat sends no preview.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from domain.errors import DomainError

CONVERT_TIMEOUT_S = 120


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdftoppm() -> str | None:
    """poppler's page rasteriser, or None when it is not installed."""
    return shutil.which("pdftoppm")


def docx_to_pdf(docx: bytes) -> bytes:
    """Convert a .docx to PDF in a private LibreOffice profile (safe to run concurrently)."""
    program = soffice()
    if program is None:
        raise DomainError("export.error.no_libreoffice")
    with tempfile.TemporaryDirectory(prefix="dondoc-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "report.docx"
        source.write_bytes(docx)
        try:
            subprocess.run(  # noqa: S603 - a fixed program on a file we wrote
                [
                    program,
                    f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(folder),
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=CONVERT_TIMEOUT_S,
            )
        except (OSError, subprocess.SubprocessError):
            raise DomainError("export.error.pdf_failed") from None
        target = folder / "report.pdf"
        if not target.is_file():
            raise DomainError("export.error.pdf_failed")
        return target.read_bytes()


def pdf_pages_png(
    pdf: bytes, *, dpi: int = 60, first: int = 1, last: int | None = None
) -> list[bytes]:
    """Pages of a PDF as PNG images (all, or first..last); DomainError without pdftoppm."""
    program = pdftoppm()
    if program is None:
        raise DomainError("export.error.no_pdftoppm")
    with tempfile.TemporaryDirectory(prefix="dondoc-png-") as tmp:
        folder = Path(tmp)
        source = folder / "report.pdf"
        source.write_bytes(pdf)
        command = [program, "-r", str(dpi), "-png", "-f", str(first)]
        if last is not None:
            command += ["-l", str(last)]
        try:
            subprocess.run(  # noqa: S603 - a fixed program on a file we wrote
                [*command, str(source), str(folder / "page")],
                check=True,
                capture_output=True,
                timeout=CONVERT_TIMEOUT_S,
            )
        except (OSError, subprocess.SubprocessError):
            raise DomainError("export.error.pdf_failed") from None
        return [p.read_bytes() for p in sorted(folder.glob("page-*.png"))]
