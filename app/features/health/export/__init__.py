"""The health tile's export (issue 17): the resident's health records as JSON (complete, to
read back), CSV (a spreadsheet, UTF-8 with BOM) and a FHIR R4 Bundle (for a clinic). Plain
Python building plain dicts and bytes; no UI, no I/O (the caller saves or shares the bytes).
docs/health.md, "Export"."""

from app.features.health.export.csv_export import COLUMNS as CSV_COLUMNS
from app.features.health.export.csv_export import csv_cell, export_csv
from app.features.health.export.fhir_export import export_fhir, fhir_bytes, resource_uuid
from app.features.health.export.json_export import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    FOOD_TABLE_SOURCE,
    Subject,
    export_json,
)

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "FOOD_TABLE_SOURCE",
    "Subject",
    "csv_cell",
    "export_csv",
    "export_fhir",
    "export_json",
    "fhir_bytes",
    "resource_uuid",
]
