"""The monthly chain report (月度报告): built once (service), laid out as a printable page or as
a workbook (xlsx), with its page, JSON API and CLI command."""
