"""Every level label the engine can put in an explanation is in the catalogues."""

from __future__ import annotations

from vinculo.i18n import gettext
from vinculo.resolve.comparisons import COMPARISON_COLUMNS, build_comparisons
from vinculo.resolve.labels import LEVEL_LABELS
from vinculo.resolve.views import FEATURE_LABELS


def engine_levels() -> set[str]:
    found = set()
    for comparison in build_comparisons(list(COMPARISON_COLUMNS)):
        for level in comparison.get_comparison("duckdb").as_dict()["comparison_levels"]:
            found.add(level["label_for_charts"])
    return found


def test_every_engine_level_has_a_label_in_both_languages() -> None:
    missing = engine_levels() - set(LEVEL_LABELS)
    assert not missing, f"add these to resolve/labels.py and translate them: {sorted(missing)}"
    untranslated = [label for label in LEVEL_LABELS if gettext("es", label) == label]
    assert not untranslated


def test_every_comparison_has_a_name_in_both_languages() -> None:
    assert set(COMPARISON_COLUMNS) <= set(FEATURE_LABELS)
    assert gettext("es", FEATURE_LABELS["birth_date"]) == "Fecha de nacimiento"
