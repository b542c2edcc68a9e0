"""`vinculo resolve link` and `vinculo resolve dedupe`: resolution on FtM JSON-lines files.

    vinculo resolve link LEFT.jsonl RIGHT.jsonl --out pairs.csv     # left_id,right_id,score
    vinculo resolve dedupe FILE.jsonl --out clusters.csv            # entity_id,cluster_id

The engine is trained on the files themselves (EM) when they are large enough to learn from,
otherwise the model that ships with Vínculo is used; `--model` loads a saved one and
`--save-model` keeps what was trained. Nothing is written when a file is refused.

Dirty records (an impossible date, a record with no name, an unreadable value) do not stop a
run: they are counted per kind on the console and written one a line, with file, line and
field, to `OUT.warnings.jsonl` beside the CSV. `--strict` stops at the first instead.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vinculo.errors import InvalidInput, VinculoError
from vinculo.i18n import N_, gettext, ngettext, pick_locale
from vinculo.security.command_line import console
from vinculo.settings import Settings

resolve_app = typer.Typer(
    help="Identity resolution: link and dedupe FtM files; resolve the store.",
    no_args_is_help=True,
)

# Below this many records (on the smaller side) EM has too little to learn from.
MIN_TRAIN = 1000
STEPS = {
    "read": N_("Reading"),
    "features": N_("Features"),
    "prepare": N_("Training"),
    "u": N_("Training"),
    "em": N_("Training"),
    "labels": N_("Training"),
    "predict": N_("Scoring pairs"),
    "cluster": N_("Clustering"),
    "write": N_("Writing"),
}

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")]
ThresholdOpt = Annotated[
    float | None,
    typer.Option(help="Match threshold in [0, 1] (VINCULO_FILES_MATCH_THRESHOLD).", min=0, max=1),
]
ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", exists=True, dir_okay=False, help="Use this trained model (JSON)."),
]
SaveOpt = Annotated[
    Path | None, typer.Option("--save-model", help="Write the model used to this file (JSON).")
]
BackendOpt = Annotated[
    str, typer.Option(help="Where Splink runs: duckdb (in process) or spark (local mode).")
]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Language of messages: en or es.")]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Stop at the first impossible date, record with no name or unreadable value.",
    ),
]


def _locale(lang: str | None) -> str:
    if lang:
        return pick_locale(lang)
    return Settings().default_locale


class _Bar:
    """One Rich progress bar over the steps of a run, labelled in the user's language."""

    def __init__(self, locale: str, total: int) -> None:
        self.locale = locale
        self.progress = Progress(
            TextColumn("{task.description:<16}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task(gettext(locale, STEPS["read"]), total=total)

    def step(self, name: str) -> None:
        label = gettext(self.locale, STEPS.get(name, STEPS["prepare"]))
        self.progress.update(self.task, advance=1, description=label)

    def __enter__(self) -> _Bar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)


@contextmanager
def _running(locale: str) -> Iterator[_Bar]:
    """A run's progress bar; a refusal (VinculoError) ends the command with its message, exit 2."""
    try:
        with _Bar(locale, total=10) as bar:
            yield bar
    except VinculoError as error:
        console(stderr=True).print(
            f"[red]{error.render(locale)}[/red]", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=2) from None


def _engine(model: Path | None, backend: str, threshold: float | None, bar: _Bar) -> Any:
    from vinculo.resolve.engine import Engine

    if backend not in ("duckdb", "spark"):
        raise InvalidInput(
            N_("unknown backend {value}: use duckdb or spark"), field="backend", value=backend
        )
    settings = Settings()
    cut = settings.files_match_threshold if threshold is None else threshold
    options: dict[str, Any] = {
        "backend": backend,
        "on_step": bar.step,
        "match_threshold": cut,
        "review_threshold": min(settings.files_review_threshold, cut),
    }
    if model is None:
        return Engine(**options)
    try:
        return Engine.from_json(model.read_text(encoding="utf-8"), **options)
    except (ValueError, KeyError) as error:
        raise InvalidInput(
            N_("not a Vínculo resolution model: {reason}"), file=str(model), reason=str(error)
        ) from None


def _ready(engine: Any, tables: list[Any]) -> None:
    """Train on the data when there is enough of it, else fall back on the shipped model."""
    from vinculo.resolve.engine import Engine

    if engine.trained:
        return
    if min(t.num_rows for t in tables) >= MIN_TRAIN:
        engine.train(*tables)
        return
    shipped = Engine.default()
    engine._model = shipped._model


def _warn(loaded: list[Any], out: Path, locale: str) -> None:
    """Every warning to OUT.warnings.jsonl (empty when there were none: no stale file stays
    beside a new CSV), and how many of each kind on the console."""
    from vinculo.resolve.files import warnings_path, write_warnings

    path = warnings_path(out)
    total = write_warnings(path, loaded, locale)
    if not total:
        return
    counts: dict[str, int] = {}
    for item in loaded:
        for warning in item.warnings:
            label = gettext(locale, warning.label)
            counts[label] = counts.get(label, 0) + 1
    # The heading is printed on its own: as the table's title it would wrap the path.
    heading = ngettext(
        locale,
        "{n} warning: the run went on (each is in {path})",
        "{n} warnings: the run went on (each is in {path})",
        total,
        path=path,
    )
    console(stderr=True).print(heading, style="yellow", highlight=False, soft_wrap=True)
    table = Table()
    table.add_column(gettext(locale, N_("Warning")))
    table.add_column(gettext(locale, N_("Count")), justify="right")
    for label, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        table.add_row(label, str(n))
    console(stderr=True).print(table)


def _save(engine: Any, save_model: Path | None) -> None:
    if save_model is not None:
        save_model.write_text(engine.to_json(), encoding="utf-8")


@resolve_app.command("link")
def link_command(
    left: FileArg,
    right: FileArg,
    out: OutOpt,
    threshold: ThresholdOpt = None,
    model: ModelOpt = None,
    save_model: SaveOpt = None,
    backend: BackendOpt = "duckdb",
    lang: LangOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Pairs of the same person or organisation across two FtM files: left_id,right_id,score."""
    from vinculo.resolve.files import load

    locale = _locale(lang)
    with _running(locale) as bar:
        loaded = [load(left, strict=strict), load(right, strict=strict)]
        bar.step("features")
        tables = [item.features().table for item in loaded]
        engine = _engine(model, backend, threshold, bar)
        _ready(engine, tables)
        frame = engine.link_frame(tables[0], tables[1])
        bar.step("write")
        rows = [
            (a, b, f"{float(s):.6f}")
            for a, b, s in zip(frame["left_id"], frame["right_id"], frame["score"], strict=True)
        ]
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("left_id", "right_id", "score"))
        writer.writerows(rows)
    _warn(loaded, out, locale)
    _save(engine, save_model)
    console(stderr=True).print(
        gettext(
            locale,
            N_("{pairs} pairs at or above {threshold} written to {path}."),
            pairs=len(rows),
            threshold=engine.match_threshold,
            path=out,
        )
    )


@resolve_app.command("dedupe")
def dedupe_command(
    file: FileArg,
    out: OutOpt,
    threshold: ThresholdOpt = None,
    model: ModelOpt = None,
    save_model: SaveOpt = None,
    backend: BackendOpt = "duckdb",
    lang: LangOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Clusters of records of the same person or organisation in one FtM file."""
    from vinculo.resolve.files import load

    locale = _locale(lang)
    with _running(locale) as bar:
        loaded = load(file, strict=strict)
        bar.step("features")
        table = loaded.features().table
        engine = _engine(model, backend, threshold, bar)
        _ready(engine, [table])
        result = engine.dedupe(table)
        bar.step("write")
        ids = table.column("unique_id").to_pylist()
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("entity_id", "cluster_id"))
        writer.writerows((i, result.clusters[str(i)]) for i in ids)
    _warn([loaded], out, locale)
    _save(engine, save_model)
    clusters = len(set(result.clusters.values()))
    console(stderr=True).print(
        gettext(
            locale,
            N_("{records} records in {clusters} clusters written to {path}."),
            records=len(ids),
            clusters=clusters,
            path=out,
        )
    )
