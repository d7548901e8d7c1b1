"""The inspection report as a PDF: fpdf2 with HarfBuzz text shaping (uharfbuzz) and Debian's
Noto fonts, so Vietnamese, Chinese and Bengali notes and names print as written, complex
scripts shaped (conjuncts, reordered vowel signs).

Fonts come from Debian's fonts-noto-core and fonts-noto-cjk packages (.ci/run installs them).
The CJK font is large and slow to load, so it is added only when the report holds CJK text.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from PIL import Image

from server.errors import ApiError

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
# family -> (regular file, bold file, collection index): index 2 of Noto Sans CJK is Simplified Chinese.
FONTS = {
    "NotoSans": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", 0),
    "NotoSansBengali": ("NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf", 0),
    "NotoSansCJK": ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", 2),
}
SCRIPTS = {
    "NotoSansBengali": re.compile(r"[\u0980-\u09ff]"),
    "NotoSansCJK": re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]"),
}
PASS_COLOUR, FAIL_COLOUR, INK, MUTED = (6, 118, 71), (180, 35, 24), (29, 36, 51), (91, 100, 116)


def font_path(name: str) -> Path:
    for directory in FONT_DIRS:
        if (directory / name).exists():
            return directory / name
    raise ApiError(503, "fonts_missing", f"The report font {name} is not installed (apt-get install fonts-noto-core "
                                         "fonts-noto-cjk).")


class ReportPDF(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=18)

    def footer(self):
        self.set_y(-14)
        self.set_font("NotoSans", size=7)
        self.set_text_color(*MUTED)
        self.multi_cell(0, 3.2, f"{self.footer_text} · page {self.page_no()}/{{nb}}", align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)


def _all_text(value) -> str:
    if isinstance(value, dict):
        return " ".join(_all_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return " ".join(_all_text(v) for v in value)
    return value if isinstance(value, str) else ""


def _setup_fonts(pdf: FPDF, text: str) -> None:
    fallbacks = []
    for family, (regular, bold, index) in FONTS.items():
        if family != "NotoSans" and not SCRIPTS[family].search(text):
            continue
        pdf.add_font(family, "", str(font_path(regular)), collection_font_number=index)
        pdf.add_font(family, "B", str(font_path(bold)), collection_font_number=index)
        if family != "NotoSans":
            fallbacks.append(family)
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks)
    pdf.set_text_shaping(True)


def render(data: dict, photo_bytes, labels: dict) -> bytes:
    """The PDF. ``photo_bytes(sha256)`` gives a stored photo's display JPEG or None; ``labels``
    has the footer and verify texts."""
    inspection = data["inspection"]
    pdf = ReportPDF(labels["footer"])
    texts = _all_text({k: v for k, v in data.items() if k != "inspection"}) + (inspection.notes or "")
    _setup_fonts(pdf, texts)
    pdf.alias_nb_pages()
    pdf.add_page()
    _title(pdf, inspection, labels)
    _header(pdf, data, inspection)
    if inspection.inspection_type == "final" or inspection.packed_quantity is not None:
        _quantity(pdf, inspection)
    _plan(pdf, data["classes"])
    _defects(pdf, data["defect_groups"])
    if data["measurements"]:
        _measurements(pdf, data["measurements"])
    if data["checklist"]:
        _checklist(pdf, data["checklist"])
    _disposition(pdf, inspection)
    _photos(pdf, [p for p in data["photos"] if p["kind"] == "signature"], photo_bytes, "Signatures", width=60)
    _photos(pdf, [p for p in data["photos"] if p["kind"] != "signature"], photo_bytes, "Photos", width=88)
    _hash(pdf, inspection, labels)
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str, keep_with: float = 30) -> None:
    """A section title, moved to the next page with its first ``keep_with`` mm rather than left alone."""
    if pdf.get_y() + 10 + keep_with > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("NotoSans", "B", 11)
    pdf.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("NotoSans", size=9)


def _title(pdf: FPDF, i, labels) -> None:
    pdf.set_font("NotoSans", "B", 16)
    pdf.cell(130, 9, labels["title"])
    verdict = (i.verdict or "open").upper()
    pdf.set_text_color(*(PASS_COLOUR if i.verdict == "pass" else FAIL_COLOUR if i.verdict == "fail" else MUTED))
    pdf.cell(0, 9, verdict if i.status == "finalized" else f"{i.status.upper()} (not finalized)", align="R",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def _rows(pdf: FPDF, rows, widths, header=None, highlight=None) -> None:
    pdf.set_font("NotoSans", size=8.5)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.6, padding=1,
                   first_row_as_headings=header is not None) as table:
        if header:
            table.row(header)
        for n, row in enumerate(rows):
            cells = table.row()
            for value in row:
                style = FontFace(emphasis="BOLD", color=FAIL_COLOUR) if highlight and highlight(n, value) else None
                cells.cell("" if value is None else str(value), style=style)


def _header(pdf: FPDF, data, i) -> None:
    h = data["header"]
    dates = " · ".join(f"{k} {v.strftime('%Y-%m-%d %H:%M UTC') if hasattr(v, 'strftime') else v}"
                       for k, v in (("planned", i.planned_date), ("started", i.started_at), ("finished", i.finished_at))
                       if v)
    rows = [("Factory", h["factory"]), ("Purchase order", h["purchase_order"] or "–"),
            ("Production order", h["production_order"] or "–"), ("Styles", ", ".join(h["styles"]) or "–"),
            ("Tech pack", h["tech_pack"] or "–"), ("Inspection type", i.inspection_type.replace("_", " ")),
            ("Dates", dates or "–"), ("Inspector", h["inspector"] or "–"),
            ("Lot size", f"{i.lot_size} units, level {i.inspection_level}, counting {i.count_basis}"),
            ("Inspection id", str(i.id))]
    if i.reinspection_of_id:
        rows.append(("Re-inspection of", str(i.reinspection_of_id)))
    _rows(pdf, rows, (38, 148))


def _quantity(pdf: FPDF, i) -> None:
    _heading(pdf, "Quantity check")
    packed = (f"{i.packed_quantity} of {i.ordered_quantity} ordered "
              f"({100 * i.packed_quantity / i.ordered_quantity:.1f} %)"
              if i.packed_quantity is not None and i.ordered_quantity else (i.packed_quantity or "–"))
    opened = ", ".join(str(c) for c in (i.cartons_opened or [])) or "–"
    _rows(pdf, [("Packed", packed), ("Cartons", i.carton_count if i.carton_count is not None else "–"),
                ("Cartons drawn and opened", opened)], (50, 136))


def _plan(pdf: FPDF, classes) -> None:
    _heading(pdf, "Sampling plan (ISO 2859-1) and verdict per class")
    rows = [(c["class"].capitalize(), c["aql"], c["switching"], c["code_letter"] or "–", c["sample_size"] or "–",
             c["accept"] if c["accept"] is not None else "–", c["reject"] if c["reject"] is not None else "–",
             c["found"], (c["verdict"] or "–").upper()) for c in classes]
    _rows(pdf, rows, (20, 14, 24, 16, 18, 12, 12, 18, 20),
          header=("Class", "AQL", "Switching", "Code", "Sample", "Ac", "Re", "Found", "Verdict"),
          highlight=lambda n, v: v == "FAIL")


def _defects(pdf: FPDF, groups) -> None:
    _heading(pdf, "Defects by type")
    if not groups:
        pdf.cell(0, 6, "No defects found.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    rows = []
    for g in groups:
        names = " / ".join([g["name"], *g["translations"]])
        details = "; ".join(_defect_detail(d) for d in g["details"])
        rows.append((f"{g['code']} {names}", g["counts"]["critical"], g["counts"]["major"], g["counts"]["minor"],
                     details or ""))
    _rows(pdf, rows, (62, 16, 14, 14, 80), header=("Defect", "Critical", "Major", "Minor", "Where and notes"))


def _defect_detail(detail: dict) -> str:
    unit = f" (unit {detail['unit']})" if detail["unit"] else ""
    text = f": {detail['text']}" if detail["text"] else ""
    return f"{detail['severity']}{unit}{text}"


def _measurements(pdf: FPDF, measurements) -> None:
    _heading(pdf, "Measurements")
    rows = [(m["size"], m["point"], f"{m['spec']} {m['unit']}", m["tolerance"], m["sample_unit"], m["measured"],
             f"{m['deviation']:+}", "OUT OF TOLERANCE" if m["out"] else "ok") for m in measurements]
    _rows(pdf, rows, (12, 54, 22, 22, 12, 20, 16, 28),
          header=("Size", "Point", "Spec", "Tolerance", "Unit", "Measured", "Dev.", "Result"),
          highlight=lambda n, v: v == "OUT OF TOLERANCE")


def _checklist(pdf: FPDF, checklist) -> None:
    _heading(pdf, "Checklist")
    rows = [(c["code"], c["text"], c["result"].upper(), c["note"] or "") for c in checklist]
    _rows(pdf, rows, (20, 96, 16, 54), header=("Item", "Check", "Result", "Note"),
          highlight=lambda n, v: v == "FAIL")


def _disposition(pdf: FPDF, i) -> None:
    _heading(pdf, "Disposition")
    text = {"release": "Release", "rework_reinspect": "Rework and re-inspect", "reject": "Reject"}.get(
        i.disposition or "", "Not decided")
    _rows(pdf, [("Lot disposition", text), ("Notes", i.notes or "–")], (38, 148))


def _photos(pdf: FPDF, photos, photo_bytes, title: str, width: float) -> None:
    if not photos:
        return
    _heading(pdf, title, keep_with=width * 0.75 + 9)
    per_row = max(1, int((pdf.w - pdf.l_margin - pdf.r_margin + 4) // (width + 4)))
    x0 = pdf.l_margin
    column, row_top, row_height = 0, pdf.get_y(), 0.0
    for photo in photos:
        data = photo_bytes(photo["sha256"])
        height = width * 0.75
        if data is not None:
            with Image.open(io.BytesIO(data)) as image:
                height = width * image.height / image.width
        block = height + 9
        if column == 0 and row_top + block > pdf.h - 20:
            pdf.add_page()
            row_top = pdf.get_y()
        x = x0 + column * (width + 4)
        if data is not None:
            pdf.image(io.BytesIO(data), x=x, y=row_top, w=width, h=height)
        else:
            pdf.set_xy(x, row_top)
            pdf.set_fill_color(228, 231, 236)
            pdf.cell(width, height, "photo not yet received", border=0, align="C", fill=True)
        pdf.set_xy(x, row_top + height + 0.5)
        pdf.set_font("NotoSans", size=7.5)
        pdf.multi_cell(width, 3.6, photo["caption"] or photo["sha256"][:12], align="L",
                       new_x=XPos.RIGHT, new_y=YPos.TOP)
        row_height = max(row_height, block)
        column += 1
        if column == per_row:
            column, row_top, row_height = 0, row_top + row_height, 0.0
    pdf.set_xy(x0, row_top + row_height)


def _hash(pdf: FPDF, i, labels) -> None:
    _heading(pdf, "Content hash")
    pdf.set_font("NotoSans", size=8.5)
    pdf.multi_cell(0, 4.5, labels["hash"], align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

