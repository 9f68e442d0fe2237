"""Refusal codes of the procedures tile (sync rejections and route details)."""

from __future__ import annotations

from backend.sync.refusals import Refused as Refused  # the tile raises it

UNKNOWN_PROCEDURE = "unknown_procedure"
UNKNOWN_VERSION = "unknown_version"
NOT_SUBMITTABLE = "not_submittable"  # a "link" procedure has no form
NOT_ELIGIBLE = "not_eligible"
NOT_FOR_WHOM = "not_for_whom"  # the procedure is not for that person, or may not act for them
INVALID_FORM = "invalid_form"
INVALID_ATTACHMENTS = "invalid_attachments"
INVALID_FEE_METHOD = "invalid_fee_method"
WRONG_STATUS = "wrong_status"
DRAFT_TOO_LARGE = "draft_too_large"
TOO_MANY_DRAFTS = "too_many_drafts"


