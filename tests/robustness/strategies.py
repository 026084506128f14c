"""Hypothesis strategies for malformed import files and a check that messages are Swedish, not parser English."""

import io
import re
import zipfile
from pathlib import Path

from hypothesis import strategies as st

SAMPLES = Path(__file__).resolve().parent / "samples"  # the first rows of /work/shared/samples

# Phrases pandas, openpyxl, zipfile and Python itself put into exception texts. A user-facing message that
# contains one of them is an exception leaking through untranslated.
ENGLISH = re.compile(
    r"\b(error|expected|tokeniz\w*|fields? in line|saw \d|codec|can't|cannot|could not|not a zip|"
    r"file is not|unsupported|traceback|no columns|workbook|worksheet|invalid|this field|enter a (valid|whole)|"
    r"ensure this|select a valid|required|is not|must be|exception)\b",
    re.IGNORECASE,
)


def english_in(messages) -> list[str]:
    """The messages that read as English (parser/exception text), for an assertion message."""
    return [m for m in messages if ENGLISH.search(str(m))]


def sample_lines(name: str, max_rows: int = 6) -> list[list[str]]:
    """Header and the first rows of a sample file, split into cells."""
    lines = (SAMPLES / name).read_text(encoding="utf-8-sig").splitlines()
    return [line.split(";") for line in lines[: max_rows + 1]]


NASTY_CELLS = st.sampled_from(
    [
        "",
        " ",
        "-1",
        "-99999",
        "0",
        "9" * 40,
        "1e308",
        "-1e308",
        "NaN",
        "inf",
        "abc",
        "tolv",
        "12,5,3",
        "1 000 000",
        '"',
        '""x"',
        "2026-13-45",
        "31/12/2026",
        "<5",
        "SE2321000180-FALU01",
        "00",
        "99",
        "Ö" * 300,
        '=HYPERLINK("http://x")',
        "\t",
        "a;b",
    ]
)


@st.composite
def mutated_table(draw, name: str) -> list[list[str]]:
    """A sample file with some cells, headers or rows changed."""
    rows = [list(r) for r in sample_lines(name)]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["cell", "cell_text", "drop_col", "dup_col", "rename_col", "drop_row", "dup_row"]))
        if kind in {"cell", "cell_text"} and len(rows) > 1:
            r = draw(st.integers(1, len(rows) - 1))
            c = draw(st.integers(0, len(rows[r]) - 1))
            rows[r][c] = draw(NASTY_CELLS) if kind == "cell" else draw(st.text(max_size=20))
        elif kind == "drop_col" and len(rows[0]) > 1:
            c = draw(st.integers(0, len(rows[0]) - 1))
            rows = [r[:c] + r[c + 1 :] for r in rows]
        elif kind == "dup_col":
            c = draw(st.integers(0, len(rows[0]) - 1))
            rows = [[*r, r[c]] if c < len(r) else r for r in rows]
        elif kind == "rename_col":
            c = draw(st.integers(0, len(rows[0]) - 1))
            rows[0][c] = draw(st.sampled_from(["", "X", rows[0][c].upper(), rows[0][c] + " ", "kolumn"]))
        elif kind == "drop_row" and len(rows) > 1:
            del rows[draw(st.integers(1, len(rows) - 1))]
        elif kind == "dup_row" and len(rows) > 1:
            rows.append(list(rows[draw(st.integers(1, len(rows) - 1))]))
    return rows


def _encode(draw, rows: list[list[str]]) -> bytes:
    sep = draw(st.sampled_from([";", ";", ";", ",", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(sep.join(r) for r in rows) + draw(st.sampled_from(["", newline, newline * 3]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    if draw(st.booleans()) and data:
        data = data[: len(data) * draw(st.integers(0, 99)) // 100]  # a truncated delivery, maybe mid-character
    return data


@st.composite
def malformed_csv(draw, name: str) -> bytes:
    """Anything from random bytes to a nearly valid file of the sample's format."""
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "random", "empty", "header_only", "bom"]))
    if kind == "random":
        return draw(st.binary(max_size=400))
    if kind == "empty":
        return draw(st.sampled_from([b"", b"\n", b"\xef\xbb\xbf", b" \r\n", b"\x00"]))
    rows = draw(mutated_table(name))
    if kind == "header_only":
        rows = rows[:1]
    data = _encode(draw, rows)
    if kind == "bom":
        data = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf"])) + data
    return data


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in r])  # openpyxl refuses control characters
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, b in files.items():
            zf.writestr(n, b)
    return buf.getvalue()


@st.composite
def malformed_xlsx(draw, name: str) -> bytes:
    """Random bytes named .xlsx, zips that are not workbooks, broken workbooks, and workbooks with bad cells."""
    kind = draw(st.sampled_from(["random", "pk_random", "zip", "fake_workbook", "truncated", "real"]))
    if kind == "random":
        return draw(st.binary(max_size=300))
    if kind == "pk_random":
        return b"PK\x03\x04" + draw(st.binary(max_size=300))
    if kind == "zip":
        return _zip({"hej.txt": draw(st.binary(max_size=100))})
    if kind == "fake_workbook":
        return _zip({"xl/workbook.xml": draw(st.binary(max_size=100)), "[Content_Types].xml": b"<x/>"})
    data = xlsx_bytes(draw(mutated_table(name)))
    if kind == "truncated":
        # openpyxl stamps the time into the file, so its length varies: cut at a drawn fraction instead
        return data[: max(4, len(data) * draw(st.integers(1, 99)) // 100)]
    return data
