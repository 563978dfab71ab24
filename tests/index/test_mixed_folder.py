"""A folder mixing .txt, .pdf and .docx reports with broken ones: the good ones are indexed with their metadata,
each bad one gets its own message, through the real CLI, real parsers and the real embedder (cache warm)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from lawsearch.engine import LawSearch
from lawsearch.read import parse_report

from ..conftest import SEED_FILES
from ..documents import make_docx, make_encrypted_pdf, make_pdf

LAWSEARCH = str(Path(sys.executable).parent / "lawsearch")


def _paragraphs(seed: Path) -> list[str]:
    return [line.strip() for line in seed.read_text(encoding="utf-8").split("\n") if line.strip()]


def test_a_mixed_folder_reads_every_format_and_names_each_bad_file(seeds_index: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(SEED_FILES[0], folder / SEED_FILES[0].name)
    make_pdf(folder / "wuhan.pdf", _paragraphs(SEED_FILES[1]), pages_header="武汉市人力资源和社会保障局")
    blocks = [
        ("paragraph", line) if not line.startswith(("一、", "二、", "三、", "四、")) else ("heading", line, 1)
        for line in _paragraphs(SEED_FILES[4])
    ]
    make_docx(folder / "nanchang.docx", blocks)
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    make_encrypted_pdf(folder / "locked.pdf")
    (folder / "fake.docx").write_bytes(b"PK\x03\x04" + b"not really a zip" * 10)
    index = tmp_path / "idx"
    index.mkdir()
    shutil.copy(seeds_index / "embeddings.sqlite", index / "embeddings.sqlite")

    result = subprocess.run([LAWSEARCH, "index", str(folder), "--index", str(index), "-q"], capture_output=True, timeout=300)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1 and "Traceback" not in err, err
    failed = [line for line in err.splitlines() if line.startswith("failed:")]
    for name, reason in (("corrupt.pdf", "not a readable PDF"), ("locked.pdf", "encrypted"), ("fake.docx", "not a readable Word document")):
        assert any(name in line and reason in line for line in failed), (name, err)
    with LawSearch.open(index) as engine:
        reports = engine.manifest.reports
        assert set(reports) == {SEED_FILES[0].stem, "wuhan", "nanchang"}
        assert (reports["wuhan"].meta["region"], reports["wuhan"].meta["published"]) == ("武汉市", "2023-03-09")
        assert reports["nanchang"].meta["region"] == "南昌县"
        hit = engine.search("劳动人事争议仲裁", top_k=20, mode="lexical").hits
        assert {h.report_id for h in hit} >= {"wuhan", "nanchang"}


def test_a_docx_report_keeps_its_heading_styles_as_headings(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "r.docx",
        [
            ("heading", "某某县司法局2023年法治政府建设年度报告", 1),
            ("paragraph", "2023年，我局坚持以习近平法治思想为指导，全面推进依法行政，法治政府建设取得新成效。"),
            ("heading", "主要举措和成效", 1),
            ("heading", "深化行政执法改革", 2),
            ("paragraph", "全面推行行政执法三项制度，执法案卷评查合格率达到百分之百，群众满意度持续提升。"),
        ],
    )
    parsed = parse_report(path)
    body = next(c for c in parsed.chunks if "三项制度" in c.text)
    assert body.heading_path == ("主要举措和成效", "深化行政执法改革")
    assert parsed.meta.kind == "法治政府建设年度报告" and parsed.meta.year == 2023
