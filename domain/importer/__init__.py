"""Plan import: a plan document read into tasks, units, timeframes and the reporting regime.

The pipeline, one module per stage (each usable and tested alone):

- `readers.read_document(bytes, filename)` -> `Document` of paragraphs and tables in document
  order (.docx, .doc through LibreOffice, .xlsx, .csv, .txt/.md, .pdf with a text layer, ruled
  PDF tables through pdfplumber, scans through Tesseract's Vietnamese model);
- `normalise.normalise_text` (for text copied from web pages and PDFs): hard wraps undone,
  markup and site boilerplate dropped, tables written one cell per line or as pipe rows rebuilt;
- `outline.build_outline`: Roman sections, numbered and lettered items;
- structure detectors: `tables` (task tables whatever their wording), `outline.find_tasks`
  (items with "Đơn vị chủ trì" lines, duties by body, prose assignments);
- fields: `unitnames.split_units`, `domain.timeframes` (timeframes, the reporting regime);
- `parse.parse_document(doc, known, year)` assembles the draft `ParsedPlan` (metadata,
  coordinator, units) and `confidence.assess` marks how sure each part is;
- `service.prepare` / `service.apply_plan` save it (a re-import of a registered plan updates
  it: `service.find_registered`); `output` gives the `--json` object and the human summary,
  doubtful items first; `export.export_xlsx` writes the canonical task sheet.
"""
