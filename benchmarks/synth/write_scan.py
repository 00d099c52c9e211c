"""Scans made from generated reports: a rendered PDF rasterised with `pdftoppm`, then what
real scans show (a slight rotation, blur, noise, grey paper, JPEG artefacts, a red seal
over the text of a table page, a page turned by 90°), reassembled as an image-only PDF or
as page images. The ground truth stays the source report's.

Also old Word files: a generated .docx converted to .doc by LibreOffice.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

# Degradations, each applied with its share of the pages (the list of what real
# scans show); `clean` documents get none.
DEGRADATIONS = ("rotate", "blur", "noise", "grey", "jpeg", "seal", "turn")
# Skew of a crooked scan: up to ±2° (the issue).
MAX_SKEW_DEG = 2.0
SECONDS_PER_PDF = 60  # pdftoppm on a 6-page report takes ~1 s at 300 dpi
SEAL_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def rasterise(pdf: Path, dpi: int) -> list[Image.Image]:
    """The pages of a PDF as RGB images at `dpi` (pdftoppm, poppler-utils)."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise RuntimeError("pdftoppm not found: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory(prefix="ogi-scan-") as tmp:
        subprocess.run([exe, "-r", str(dpi), "-png", str(pdf), f"{tmp}/p"], check=True, timeout=SECONDS_PER_PDF,
                       capture_output=True)
        return [Image.open(p).convert("RGB") for p in sorted(Path(tmp).glob("p-*.png"),
                                                               key=lambda p: int(p.stem.split("-")[-1]))]


def red_seal(img: Image.Image, rng: random.Random, dpi: int) -> Image.Image:
    """A round red seal stamped over the middle of the page (over text or table rows). Stamp
    ink absorbs like a filter (multiplied into the page): the print under it stays dark."""
    w, h = img.size
    r = int(dpi * 0.8)  # a 4 cm seal
    cx, cy = int(w * rng.uniform(0.35, 0.65)), int(h * rng.uniform(0.3, 0.7))
    layer = Image.new("RGB", img.size, (255, 255, 255))
    d = ImageDraw.Draw(layer)
    red = (225, 60, 60)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(3, dpi // 30))
    try:
        font = ImageFont.truetype(SEAL_FONT, max(12, dpi // 5))
        d.text((cx, cy - r // 2), "信息公开专用章", fill=red, font=font, anchor="mm")
    except OSError:
        pass
    d.regular_polygon((cx, cy, r // 4), 5, fill=red)
    return ImageChops.multiply(img.convert("RGB"), layer)


def degrade(img: Image.Image, kinds: set[str], rng: random.Random, dpi: int) -> Image.Image:
    """`img` with the degradations in `kinds` applied, in the order a scanner adds them."""
    if "seal" in kinds:
        img = red_seal(img, rng, dpi)
    if "grey" in kinds:
        arr = np.asarray(img).astype(np.float32)
        tint = np.array([rng.uniform(205, 230), rng.uniform(200, 225), rng.uniform(185, 215)], np.float32)
        img = Image.fromarray((arr / 255.0 * tint).clip(0, 255).astype(np.uint8))
    if "rotate" in kinds:
        angle = rng.uniform(0.5, MAX_SKEW_DEG) * rng.choice((-1, 1))
        img = img.rotate(angle, resample=Image.BILINEAR, expand=False, fillcolor=(255, 255, 255))
    if "blur" in kinds:
        img = img.filter(ImageFilter.GaussianBlur(radius=dpi / 200.0))
    if "noise" in kinds:
        arr = np.asarray(img).astype(np.int16)
        noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 12, arr.shape[:2])[..., None]
        img = Image.fromarray((arr + noise).clip(0, 255).astype(np.uint8))
    if "jpeg" in kinds:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=rng.randint(35, 60))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    if "turn" in kinds:
        img = img.transpose(rng.choice((Image.ROTATE_90, Image.ROTATE_270)))
    return img


def scan_pages(pdf: Path, dpi: int, rng: random.Random, share: float) -> tuple[list[Image.Image], list[list[str]]]:
    """The pages of `pdf` scanned at `dpi`; each degradation applied to about `share` of them
    (one page turned by 90° at most). Returns the images and what each page got."""
    pages = rasterise(pdf, dpi)
    out, applied = [], []
    turned = False
    for img in pages:
        kinds = {k for k in DEGRADATIONS if rng.random() < share}
        if "turn" in kinds and turned:
            kinds.discard("turn")
        turned = turned or "turn" in kinds
        out.append(degrade(img, kinds, rng, dpi))
        applied.append(sorted(kinds))
    return out, applied


def write_image_pdf(pages: list[Image.Image], out: Path, dpi: int) -> None:
    """An image-only PDF of the pages (JPEG-compressed as scanners save them)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=dpi, quality=85)


def write_tiff(pages: list[Image.Image], out: Path, dpi: int) -> None:
    """A multi-page TIFF of the pages (one image file holding the whole report)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    pages = [Image.fromarray(np.asarray(p)) for p in pages]  # fresh images: no JPEG settings carried over
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], dpi=(dpi, dpi), compression="tiff_lzw")


def docx_to_doc(docx_files: list[Path], outdir: Path) -> list[Path]:
    """Word 97-2003 files made from .docx files by LibreOffice (one soffice call)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None or not docx_files:
        return []
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ogi-doc-") as tmp:
        subprocess.run([exe, f"-env:UserInstallation={Path(tmp).as_uri()}", "--headless", "--norestore",
                        "--convert-to", "doc", "--outdir", str(outdir), *map(str, docx_files)],
                       capture_output=True, timeout=60 + 20 * len(docx_files), check=False)
    return [p for p in (outdir / (f.stem + ".doc") for f in docx_files) if p.exists()]
