"""The procedures tile's form engine on the device (docs/procedures.md §1).

Plain Python except `form_views`: the definition (`definition`), visibility, cleaning,
validation and coercion (`engine`), the verified pre-fill (`prefill`), attachment checks and
EXIF stripping (`attachments`), and the field errors (`errors`). The server applies the same
rules with its own code (backend/tiles/procedures/form_check.py).
"""
