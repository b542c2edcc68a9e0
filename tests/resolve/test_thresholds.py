"""Resolution's thresholds live in the settings, one per path (files, the store, screening)."""

from __future__ import annotations

import inspect

import pytest

from vinculo.resolve import screening, service
from vinculo.resolve.cli import _Bar, _engine
from vinculo.resolve.engine import Engine
from vinculo.settings import Settings


def test_the_defaults_are_the_settings_and_have_not_moved() -> None:
    settings = Settings()
    assert (settings.files_match_threshold, settings.files_review_threshold) == (0.9, 0.5)
    assert (settings.store_merge_threshold, settings.store_review_threshold) == (0.95, 0.5)
    assert settings.screening_threshold == 0.5
    engine = Engine()
    assert engine.match_threshold == settings.files_match_threshold
    assert engine.review_threshold == settings.files_review_threshold
    # The store's and screening's functions take no number of their own.
    for function, names in (
        (service.run, ("merge_threshold", "review_threshold")),
        (screening.screen, ("threshold",)),
    ):
        parameters = inspect.signature(function).parameters
        assert all(parameters[name].default is None for name in names)


def test_a_model_without_thresholds_takes_the_settings_defaults() -> None:
    text = Engine.default().to_json().replace('"match_threshold": 0.9, ', "")
    assert '"match_threshold"' not in text
    assert Engine.from_json(text).match_threshold == Settings().files_match_threshold


def test_the_files_command_reads_its_threshold_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VINCULO_FILES_MATCH_THRESHOLD", "0.8")
    monkeypatch.setenv("VINCULO_FILES_REVIEW_THRESHOLD", "0.85")
    engine = _engine(None, "duckdb", None, _Bar("en", 1))
    # The review threshold never passes the match threshold of the run.
    assert (engine.match_threshold, engine.review_threshold) == (0.8, 0.8)
    engine = _engine(None, "duckdb", 0.97, _Bar("en", 1))
    assert (engine.match_threshold, engine.review_threshold) == (0.97, 0.85)


def test_the_store_thresholds_keep_their_old_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VINCULO_MERGE_THRESHOLD", "0.9")
    monkeypatch.setenv("VINCULO_REVIEW_THRESHOLD", "0.4")
    settings = Settings()
    assert (settings.store_merge_threshold, settings.store_review_threshold) == (0.9, 0.4)
    # The new name wins over the old one.
    monkeypatch.setenv("VINCULO_STORE_MERGE_THRESHOLD", "0.99")
    assert Settings().store_merge_threshold == 0.99
    with pytest.raises(ValueError, match="store_merge_threshold"):
        Settings(store_merge_threshold=1.5)
