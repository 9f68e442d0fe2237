import ast
from datetime import date
from pathlib import Path

import pytest

from app.account.clock_notice import MESSAGES as CLOCK_MESSAGES
from app.account.sync_status import REJECTION_REASONS
from app.design.tokens import (
    HIGH_CONTRAST_PALETTE,
    KIOSK_MIN_TOUCH_TARGET,
    NORMAL_PALETTE,
    TextSize,
    contrast_ratio,
    metrics_for,
)
from app.i18n import format_date_long, format_yen, load_translator
from app.shell.registry import FeatureRegistry
from app.shell.views.account_view import REMINDER_MESSAGES
from app.shell.views.mydata_view import (
    ACTOR_LABELS,
    ASSURANCE_LABELS,
    CODE_PROBLEM_TEXTS,
    PURPOSE_TITLES,
    RELATION_LABELS,
)
from app.shell.views.settings_view import TEXT_SIZE_LABELS

APP_DIR = Path(__file__).resolve().parents[2] / "app"


def used_message_ids() -> set[str]:
    """Every literal passed to t(...) in the app, plus the registry's titles and descriptions."""
    ids: set[str] = set()
    for path in APP_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "t" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                ids.add(node.args[0].value)
    for spec in FeatureRegistry.load():
        ids.update({spec.title, spec.description})
    ids.update(TEXT_SIZE_LABELS.values())
    ids.update(ASSURANCE_LABELS.values())
    ids.update(PURPOSE_TITLES.values())
    ids.update(ACTOR_LABELS.values())
    ids.update(RELATION_LABELS.values())
    ids.update(CODE_PROBLEM_TEXTS.values())
    ids.update(REMINDER_MESSAGES.values())
    ids.update(CLOCK_MESSAGES)
    ids.update(REJECTION_REASONS.values())
    ids.update(health_message_ids())
    return ids


def health_message_ids() -> set[str]:
    """The health tile's texts held in constants (the views translate them)."""
    from app.features.health.checkups.checklist import default_checklist
    from app.features.health.checkups.thresholds import ERROR_MESSAGES, NEXT_STEP
    from app.features.health.checkups.views import LEVEL_LABELS, STATUS_LABELS
    from app.features.health.staff.state import COLUMN_LABELS
    from app.features.health.staff.views import CATEGORY_NOTE, EXPLANATION
    from app.features.health.state import PHOTO_REFUSALS, STATE_MESSAGES
    from app.features.health.trends.advice import RULES
    from app.features.health.views.charts import (
        NUTRIENT_NAMES,
        PLUS_NOTE,
        SO_FAR,
        STATUS_WORDS,
        UNCONFIRMED,
    )
    from app.features.health.views.meal import MEAL_NAMES

    return {*STATE_MESSAGES, *PHOTO_REFUSALS.values(), *NUTRIENT_NAMES.values(),
            *STATUS_WORDS.values(), UNCONFIRMED, SO_FAR, PLUS_NOTE, *(r.message for r in RULES),
            *MEAL_NAMES.values(), *NEXT_STEP.values(), *ERROR_MESSAGES.values(),
            EXPLANATION, CATEGORY_NOTE, *LEVEL_LABELS.values(), *STATUS_LABELS.values(),
            *COLUMN_LABELS.values(), *(rule.advice for rule in default_checklist().rules)}


def test_japanese_catalog_translates_every_message_the_app_uses():
    t = load_translator("ja")
    missing = sorted(m for m in used_message_ids() if not t.has(m))
    assert missing == []


def test_tile_labels_in_japanese_and_english():
    ja, en = load_translator("ja"), load_translator("en")
    titles = [spec.title for spec in FeatureRegistry.load()]
    assert [ja(x) for x in titles] == ["整理券", "手続き", "予約", "交通", "ポイント", "健康",
                                       "学校", "ごみ", "観光", "お知らせ"]
    assert [en(x) for x in titles] == titles


def test_untranslated_visitor_strings_fall_back_to_english():
    zh, ko = load_translator("zh"), load_translator("ko")
    assert zh("Tourism") == "观光" and ko("Tourism") == "관광"
    # settings labels are translated now (ADR 0028); a message without one falls back
    assert zh("High contrast") == "高对比度" and ko("More services") == "다른 서비스"
    assert zh("A message no catalog has") == "A message no catalog has"
    assert ko("A message no catalog has") == "A message no catalog has"


def test_placeholders_are_filled_per_language():
    assert load_translator("ja")("Screen {current} of {total}", current=1, total=2) == \
        "2画面中 1画面目"
    assert load_translator("en")("Screen {current} of {total}", current=1, total=2) == \
        "Screen 1 of 2"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unsupported"):
        load_translator("fr")


def test_today_is_the_city_date_not_the_server_date():
    from datetime import UTC, datetime

    from app.i18n.formatting import city_today

    # 20:45 UTC on the 24th is already the 25th in Tsuyama.
    assert city_today(datetime(2026, 11, 24, 20, 45, tzinfo=UTC)) == date(2026, 11, 25)
    assert city_today(datetime(2026, 11, 24, 14, 59, tzinfo=UTC)) == date(2026, 11, 24)


def test_babel_formats_dates_and_yen():
    assert format_date_long(date(2026, 11, 24), "ja_JP") == "2026年11月24日(火)"
    assert format_date_long(date(2026, 11, 24), "en_US") == "Tuesday, November 24, 2026"
    assert format_yen(1200, "ja_JP") == "￥1,200"
    assert format_yen(1200, "en_US") == "¥1,200"


def test_text_sizes_grow_and_kiosk_targets_are_at_least_64px():
    sizes = [metrics_for(s, kiosk=False).body_size for s in TextSize]
    assert sizes == sorted(sizes) and len(set(sizes)) == 3
    for size in TextSize:
        assert metrics_for(size, kiosk=True).min_touch_target >= KIOSK_MIN_TOUCH_TARGET
        assert metrics_for(size, kiosk=False).min_touch_target >= 48


def test_palettes_meet_contrast_targets():
    p = NORMAL_PALETTE
    assert contrast_ratio(p.on_surface, p.background) >= 4.5
    assert contrast_ratio(p.on_primary, p.primary) >= 4.5
    assert contrast_ratio(p.on_danger, p.danger) >= 4.5
    assert contrast_ratio(p.danger, p.surface) >= 4.5  # a destructive button's outline
    h = HIGH_CONTRAST_PALETTE
    for fg, bg in [(h.on_surface, h.background), (h.on_primary, h.primary),
                   (h.on_banner, h.banner), (h.on_danger, h.danger), (h.danger, h.surface)]:
        assert contrast_ratio(fg, bg) >= 7.0


def test_bundled_fonts_exist_with_licences():
    from app.design.theme import FONTS, LANGUAGE_NAMES_FONT
    from app.paths import ASSETS_DIR

    for family, path in FONTS.items():
        font = ASSETS_DIR / path
        # A real font, not a Git LFS pointer; the language-names cut holds a few glyphs.
        assert font.stat().st_size > (2_000 if family == LANGUAGE_NAMES_FONT else 1_000_000)
        assert font.read_bytes()[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true")
    assert "OFL" in (ASSETS_DIR / "fonts" / "LICENSE-NotoSansCJK.txt").read_text()
    assert "SIL" in (ASSETS_DIR / "fonts" / "LICENSE-BIZUDGothic.txt").read_text()
    assert "OFL" in (ASSETS_DIR / "fonts" / "LICENSE-NanumGothic.txt").read_text()


def test_icons_fields_and_switch_rows_grow_with_the_text():
    for kiosk in (False, True):
        sizes = [metrics_for(s, kiosk=kiosk) for s in TextSize]
        assert [m.icon_size for m in sizes] == sorted(m.icon_size for m in sizes)
        assert sizes[0].icon_size < sizes[-1].icon_size
        for m in sizes:
            assert m.icon_size >= m.body_size  # never smaller than the text beside it
            assert m.field_label_size == m.body_size
            # Room for the floating label (3/4 of the text) inside the border.
            assert m.field_padding_vertical >= m.body_size * 0.75
        assert sizes[-1].field_padding_vertical > sizes[0].field_padding_vertical


def test_tile_labels_never_need_a_break_inside_a_word():
    from app.design.text_fit import size_to_fit, widest_word_em

    m = metrics_for(TextSize.EXTRA_LARGE, kiosk=False)
    width = m.tile_extent - 2 * m.body_size * 0.4 - 4
    # At 特大, "Reservations" (7.17 em in BIZ UDPGothic) would be 202 px at the tile size:
    # wider than the tile, so Flutter cut it. It shrinks to fit instead.
    assert widest_word_em("Reservations") * m.tile_label_size > width
    size = size_to_fit("Reservations", m.tile_label_size, width)
    assert size < m.tile_label_size and widest_word_em("Reservations") * size * 1.08 <= width
    assert size_to_fit("Waste", m.tile_label_size, width) == m.tile_label_size
    assert widest_word_em("Bulky waste") == widest_word_em("waste")  # wraps at the space
    en = load_translator("en")
    for lang in ("ja", "en", "zh", "ko"):
        t = load_translator(lang)
        for spec in FeatureRegistry.load():
            label = t(spec.title) or en(spec.title)
            fitted = size_to_fit(label, m.tile_label_size, width)
            assert widest_word_em(label) * fitted <= width, (lang, label)
