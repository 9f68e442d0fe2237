"""The waste tile's content on the backend: parsers for the municipal standard ゴミの分別方法一覧
and the 5374 calendar files, the import report, and publishing as public change-log rows.
See docs/waste-data.md."""
