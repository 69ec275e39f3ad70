"""Meeting and visit records: the record and the batch of demands filed from it (service), the
leader's board and its XLSX (board), and their pages (pages)."""
