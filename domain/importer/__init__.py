"""Plan import: a plan document read into tasks, units, timeframes and the reporting regime.

Pipeline (each step usable alone):

- `readers.read_document(bytes, filename)` -> `Document` of paragraphs and tables in document
  order (.docx, .xlsx, .csv, .txt/.md, .pdf with a text layer; a scan gets a clear DomainError);
- `parse.parse_document(doc, known, year)` -> `ParsedPlan` (neutral dataclasses in `model`):
  appendix tables whatever their header wording, numbered sections with "Đơn vị chủ trì:" lines,
  prose "X chủ trì, phối hợp Y …", the "Tổ chức thực hiện" duties, the reporting clause and the
  metadata; unit lists split by `unitnames.split_units`, timeframes read by `domain.timeframes`;
- `service.prepare(session, bytes, name, year)` parses against the database's units and marks
  which are new; `service.apply_plan(session, parsed, now, target=None)` writes it through
  `domain.registry` inside the caller's transaction (a re-import into `target` matches tasks by
  reference, retires the ones gone and keeps every report);
- `output` gives the `--dry-run --json` object and the human summary; `export.export_xlsx` writes
  the canonical task sheet that comes back through the same path.
"""
