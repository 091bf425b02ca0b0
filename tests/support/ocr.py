"""Reading printouts and screens back with tesseract: where each line of text was drawn, its crop from
the 300 dpi render, the OCR of many crops in one tesseract run, and the error rates of what came back.

The positions come from the layout itself: :class:`RecordingTypesetter` is the printing typesetter
with ``draw_line`` noting the page, baseline, ink height and the x-range of every script run before
drawing it. So each Tibetan stretch and each Chinese stretch of a line is cropped from the render on
its own and read with its own model (``bod`` or ``chi_sim``), with the text the layout meant to draw
as the reference — no alignment of OCR output to the page is needed.

Rates are tibetan-wer's: syllable error rate (``ser``, syllables split at tsheg, shad and spaces) for
Tibetan and character error rate (``cer``, over code points) for Chinese, both as corpus (micro)
rates: the edits of all stretches over the reference units of all stretches.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from printing.text import CJK, TIBETAN, TIBETAN_SCALE, Line, Style, Typesetter, _Shaped

DPI = 300
PT = DPI / 72  # pixels per point at 300 dpi
LANG_OF = {TIBETAN: "bod", CJK: "chi_sim"}


@dataclass(frozen=True)
class Stretch:
    """One stretch of one script on one drawn line: its text and its box in points, y measured down
    from the top of the page (as in the rendered image)."""

    page: int  # 1-based
    script: str  # TIBETAN or CJK (Latin-only stretches are not read back)
    text: str
    left: float
    top: float
    right: float
    bottom: float
    size: float  # font size, points

    def box(self, scale: float, pad: float) -> tuple[int, int, int, int]:
        p = pad * self.size
        return (
            int(max(0.0, self.left - p) * scale),
            int(max(0.0, self.top - 0.05 * self.size) * scale),
            int((self.right + p) * scale) + 1,
            int((self.bottom + 0.05 * self.size) * scale) + 1,
        )


def _stretches_of_line(page: int, page_h: float, x: float, baseline: float, line: Line) -> list[Stretch]:
    """The Tibetan and the Chinese stretches of one line. Latin runs (digits, dates, ``¥``) belong to the
    Chinese stretch they sit in; a stretch of Latin alone is not read back, nor one of spaces."""
    out: list[tuple[str, str, float, float]] = []  # script, text, x0, x1
    pos = x
    for run in line.runs:
        text = run.source or str(run.text)
        script = TIBETAN if run.script == TIBETAN else CJK if run.script == CJK else "latin"
        # the ink starts after leading and ends before trailing spaces (a run keeps the spaces after it)
        space = pdfmetrics.stringWidth(" ", run.font, run.size)
        ink0 = pos + space * (len(text) - len(text.lstrip(" ")))
        ink1 = pos + run.width - space * (len(text) - len(text.rstrip(" ")))
        if out and (out[-1][0] == script or (script == "latin" and out[-1][0] == CJK)):
            s, t, x0, _x1 = out[-1]
            out[-1] = (s, t + text, x0, ink1)
        elif out and out[-1][0] == "latin" and script == CJK:
            _s, t, x0, _x1 = out[-1]
            out[-1] = (CJK, t + text, x0, ink1)
        else:
            out.append((script, text, ink0, ink1))
        pos += run.width
    top = page_h - baseline - line.ascent
    bottom = page_h - baseline + line.descent
    size = max((r.size for r in line.runs), default=10.0)
    return [
        Stretch(page, s, t.strip(), x0, top, x1, bottom, size)
        for s, t, x0, x1 in out
        if s in (TIBETAN, CJK) and any(unicodedata.category(ch)[0] in "LN" for ch in t)
    ]


class RecordingTypesetter(Typesetter):
    """The printing typesetter, noting every Tibetan and Chinese stretch it draws (``stretches``)."""

    def __init__(self) -> None:
        super().__init__()
        self.stretches: list[Stretch] = []

    def draw_line(self, canvas: Canvas, x: float, baseline: float, line: Line, style: Style) -> None:
        page_h = float(canvas._pagesize[1])
        self.stretches.extend(_stretches_of_line(canvas.getPageNumber(), page_h, x, baseline, line))
        super().draw_line(canvas, x, baseline, line, style)


def render_pages(pdf: Path, out_dir: Path, pages: Iterable[int], dpi: int = DPI) -> dict[int, Path]:
    """Pages of ``pdf`` as grey PNGs at ``dpi`` (poppler's pdftoppm)."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("poppler-utils (pdftoppm) is not installed (scripts/setup.sh installs it)")
    out: dict[int, Path] = {}
    for page in sorted(set(pages)):
        stem = out_dir / f"{pdf.stem}-p{page}"
        page_args = ["-f", str(page), "-l", str(page), "-singlefile"]
        subprocess.run(
            ["pdftoppm", "-gray", "-png", "-r", str(dpi), *page_args, str(pdf), str(stem)],
            check=True,
            timeout=120,
        )
        out[page] = stem.with_suffix(".png")
    return out


@dataclass
class Crop:
    """One image to read back, the model to read it with and the text it should give."""

    image: Image.Image
    lang: str  # what is scored: bod (Tibetan syllables) | chi_sim (Chinese characters)
    expected: str
    where: str  # for messages: document, page, …
    model: str = ""  # tesseract's -l, ``lang`` unless given (bod+chi_sim for a bilingual label)
    modes: tuple[int, ...] = ()  # page segmentation modes, ``read_back``'s unless given
    readings: list[str] = field(default_factory=list)  # one text per mode read (and per variant merged in)
    path: Path | None = None

    def units(self) -> tuple[str, str]:
        """(reference, best reading) as compared (``tibetan_units`` / ``chinese_units``)."""
        norm = tibetan_units if self.lang == "bod" else chinese_units
        ref = norm(self.expected)
        hyps = [norm(t) for t in self.readings] or [""]
        return ref, min(hyps, key=lambda h: _distance(self.lang, ref, h))

    @property
    def got(self) -> str:
        return self.units()[1]

    @property
    def exact(self) -> bool:
        """A reading gives the text without an error (no other can score better)."""
        ref, got = self.units()
        return _distance(self.lang, ref, got) == 0


# Tibetan set smaller than 11 pt (A5 and the roll: 6.2-8 pt, 26-33 px a line at 300 dpi) is scaled up to
# 11 pt's 46 px before bod reads it: measured, its syllable error rate on the A5 papers halves (e.g. the
# Lhasa A5 enrollment 7.7 % -> 0.7 %) while A4 does not change. Chinese is read as rendered: scaling did
# not help chi_sim (and made some A4 papers slightly worse).
TIBETAN_EM_PX = 11 * PT


def zoom_for(stretch: Stretch) -> float:
    if stretch.script != TIBETAN:
        return 1.0
    return max(1.0, TIBETAN_EM_PX / (stretch.size * PT))


def crop_stretches(
    stretches: Sequence[Stretch], pages: dict[int, Path], where: str, *, pad: float = 0.08
) -> list[Crop]:
    """Each stretch cut from its page render, small Tibetan scaled up (``zoom_for``), with a white
    border (tesseract wants some margin)."""
    images = {page: Image.open(path).convert("L") for page, path in pages.items()}
    crops = []
    for s in stretches:
        image = images[s.page].crop(s.box(PT, pad))
        zoom = zoom_for(s)
        if zoom > 1:
            size = (round(image.width * zoom), round(image.height * zoom))
            image = image.resize(size, Image.Resampling.LANCZOS)
        crops.append(Crop(bordered(image), LANG_OF[s.script], s.text, f"{where} p{s.page}"))
    return crops


def bordered(image: Image.Image, border: int = 24) -> Image.Image:
    return ImageOps.expand(image.convert("L"), border=border, fill=255)


def tesseract_available() -> None:
    """Skip unless tesseract with the Tibetan and Chinese models is installed (scripts/setup-system.sh)."""
    if shutil.which("tesseract") is None:
        pytest.fail("tesseract-ocr is not installed (scripts/setup.sh installs it)")
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=True).stdout
    missing = [lang for lang in ("bod", "chi_sim") if lang not in langs.split()]
    if missing:
        pytest.fail(
            f"tesseract language data missing: {missing} (tesseract-ocr-bod, tesseract-ocr-chi-sim) (scripts/setup.sh installs it)"
        )


_batches = itertools.count()


def _tesseract_batch(paths: Sequence[Path], lang: str, psm: int, work: Path) -> list[str]:
    """One tesseract process over many images (a list file: the model loads once); the text of
    each image comes back separated by form feeds."""
    listing = work / f"list-{lang}-{psm}-{next(_batches)}.txt"
    listing.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    done = subprocess.run(
        ["tesseract", str(listing), "stdout", "-l", lang, "--psm", str(psm)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=True,
    )
    texts = done.stdout.split("\f")
    if len(texts) == len(paths) + 1 and not texts[-1].strip():
        texts = texts[:-1]
    assert len(texts) == len(paths), (len(texts), len(paths), done.stderr[-500:])
    return [t.strip() for t in texts]


# tesseract's page segmentation modes used: 7 (one text line) and 8 (one word — no line finding). Each
# alone now and then drops or splits a clean line (psm 7 found no line in a clean checklist item;
# both misread a different handful of syllables); a drawing fault shows in both.
MODES = (7, 8)


def read_back(crops: Sequence[Crop], *, modes: Sequence[int] = MODES, workers: int = 2) -> None:
    """OCR every crop in its first mode (``modes`` unless it names its own; fills ``readings``), and
    in its next mode only while no reading so far gives its text exactly: a crop is scored by its
    best reading, and none is better than an exact one (the first mode reads most crops exactly, so
    this halves the reading). The crops of each model and mode go through one tesseract process,
    ``workers`` processes at a time."""
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        work = Path(tmp)
        for i, c in enumerate(crops):
            c.path = work / f"{i}.png"
            c.image.save(c.path)
        pending, rank = list(crops), 0
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while pending:
                _read_round(pending, rank, modes, workers, pool, work)
                rank += 1
                pending = [c for c in pending if len(c.modes or modes) > rank and not c.exact]


def _read_round(
    crops: Sequence[Crop],
    rank: int,
    modes: Sequence[int],
    workers: int,
    pool: ThreadPoolExecutor,
    work: Path,
) -> None:
    """Each crop read in its ``rank``-th mode."""
    groups: dict[tuple[str, int], list[Crop]] = {}
    for c in crops:
        groups.setdefault((c.model or c.lang, (c.modes or tuple(modes))[rank]), []).append(c)
    jobs: list[tuple[list[Crop], str, int]] = []
    for (lang, psm), group in sorted(groups.items()):
        chunks = max(1, min(workers, len(group) // 8))
        jobs.extend((group[k::chunks], lang, psm) for k in range(chunks))

    def run(job: tuple[list[Crop], str, int]) -> None:
        part, lang, psm = job
        texts = _tesseract_batch([c.path for c in part], lang, psm, work)
        for c, text in zip(part, texts, strict=True):
            c.readings.append(text)

    list(pool.map(run, jobs))


_SPACE = re.compile(r"\s+")


def chinese_units(text: str) -> str:
    """Chinese text as compared: NFKC (full-width ``：（）`` and their ASCII forms alike), no spaces
    (chi_sim puts spaces between characters)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def tibetan_units(text: str) -> str:
    """Tibetan text as compared: only the Tibetan block and spaces (chi_sim-free stretches still
    read stray Latin marks off a rule or a stamp edge)."""
    return "".join(ch for ch in text if "\u0f00" <= ch <= "\u0fff" or ch.isspace())


@dataclass(frozen=True)
class Rate:
    """A corpus error rate: edits over reference units."""

    edits: int
    units: int

    @property
    def value(self) -> float:
        return self.edits / self.units if self.units else 0.0


def _units(lang: str, text: str) -> list[str]:
    from tibetan_wer import syllable_segment

    return syllable_segment(text) if lang == "bod" else list(text)


def _distance(lang: str, ref: str, hyp: str) -> int:
    from tibetan_wer import distance

    return int(distance(_units(lang, ref), _units(lang, hyp)))


def rate_of(crops: Sequence[Crop], lang: str) -> Rate:
    """Syllable error rate for ``bod`` crops, character error rate for ``chi_sim`` crops (tibetan-wer's
    ``ser`` and ``cer``), over all of them together, each crop by its better reading."""
    import tibetan_wer

    mine = [c for c in crops if c.lang == lang]
    if not mine:
        return Rate(0, 0)
    pairs = [c.units() for c in mine]
    refs, hyps = [r for r, _h in pairs], [h for _r, h in pairs]
    result = tibetan_wer.ser(hyps, refs) if lang == "bod" else tibetan_wer.cer(hyps, refs)
    scored = [x for x in result["per_sentence"] if x is not None]
    return Rate(sum(x["edits"] for x in scored), sum(x["reference_length"] for x in scored))


def worst(crops: Sequence[Crop], lang: str, n: int = 5) -> list[tuple[float, str, str, str]]:
    """The ``n`` crops of ``lang`` read back worst: (rate, where, expected, got) — for messages."""
    scored = []
    for c in crops:
        if c.lang != lang:
            continue
        r = rate_of([c], lang)
        scored.append((r.value, c.where, c.expected, c.got))
    return sorted(scored, reverse=True)[:n]


# -- deliberately broken typesetting, to prove the thresholds catch a regression on paper --------


class UnshapedTypesetter(RecordingTypesetter):
    """Tibetan drawn without HarfBuzz: one nominal glyph per code point, so subjoined letters and vowel
    signs stand beside their base letter instead of stacking on it (what a font without shaping, or a
    lost ``shapable`` flag, prints). Line breaking and widths stay consistent with what is drawn."""

    def shaped(self, text: str, style: Style) -> _Shaped:
        font, _fake = self.font_for(TIBETAN, style.bold)
        size = style.size * TIBETAN_SCALE
        advances = tuple(pdfmetrics.stringWidth(ch, font, size) for ch in text)
        return _Shaped(text, text, font, size, advances, tuple(range(len(text) + 1)))


class ClippedTypesetter(RecordingTypesetter):
    """Lines whose text ``clips`` selects are cut off above ``keep`` of their ascent (a cell or line
    box too short for Tibetan stacks: the vowel signs and superscribed letters above the head line are
    lost). The stretches are recorded with their full box, as a correct layout would have drawn them."""

    def __init__(self, clips: Callable[[str], bool], keep: float = 0.55) -> None:
        super().__init__()
        self.clips, self.keep = clips, keep

    def draw_line(self, canvas: Canvas, x: float, baseline: float, line: Line, style: Style) -> None:
        if not self.clips(line.text):
            super().draw_line(canvas, x, baseline, line, style)
            return
        canvas.saveState()
        path = canvas.beginPath()
        path.rect(
            x - 1, baseline - line.descent - 1, line.width + 2, line.descent + 1 + self.keep * line.ascent
        )
        canvas.clipPath(path, stroke=0, fill=0)
        super().draw_line(canvas, x, baseline, line, style)
        canvas.restoreState()
