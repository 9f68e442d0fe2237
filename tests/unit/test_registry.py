import pytest

from app.shell.feature_spec import ALL_MODES, FeatureSpec, Mode
from app.shell.registry import FEATURE_MODULES, FeatureRegistry

JAPANESE = ["整理券", "手続き", "予約", "交通", "ポイント", "健康", "学校", "ごみ", "観光",
            "お知らせ"]
ENGLISH = ["Take a number", "Procedures", "Reservations", "Transit", "Points", "Health",
           "School", "Waste", "Tourism", "Notices"]


def test_registry_loads_one_feature_per_folder_in_home_order():
    registry = FeatureRegistry.load()
    assert len(registry) == len(FEATURE_MODULES) == 10
    assert [spec.title for spec in registry] == ENGLISH
    for spec, module in zip(registry, FEATURE_MODULES, strict=True):
        assert module == f"app.features.{spec.id}"
        assert spec.route == f"/{spec.id}"


def test_every_feature_folder_is_registered(tmp_path):
    from pathlib import Path

    import app.features

    folders = {
        p.name for p in Path(app.features.__file__).parent.iterdir()
        if p.is_dir() and (p / "__init__.py").exists()
    }
    assert {m.rsplit(".", 1)[1] for m in FEATURE_MODULES} == folders


def test_mode_tile_sets():
    registry = FeatureRegistry.load()
    assert [s.id for s in registry.for_mode(Mode.VISITOR)] == ["transit", "tourism", "notices"]
    assert len(registry.for_mode(Mode.RESIDENT)) == 9
    kiosk = [s.id for s in registry.for_mode(Mode.KIOSK)]
    assert len(kiosk) == 10 and kiosk[0] == "numbers"  # 整理券 first, on the kiosk only


def test_duplicate_and_bad_ids_are_refused():
    spec = FeatureSpec(id="waste", title="Waste", icon="RECYCLING", modes=ALL_MODES, order=1)
    with pytest.raises(ValueError, match="twice"):
        FeatureRegistry([spec, spec])
    bad = FeatureSpec(id="bad/id", title="X", icon="APPS", modes=ALL_MODES, order=1)
    with pytest.raises(ValueError, match="identifier"):
        FeatureRegistry([bad])


def test_route_lookup():
    registry = FeatureRegistry.load()
    assert registry.by_route("/waste").id == "waste"
    assert registry.by_route("/waste/booking/3").id == "waste"
    assert registry.by_route("/nothing") is None
