"""The dbt-like SQL models: one `.sql` file a model, `{{ ref('model') }}` and `{{ source('lake', 'table') }}`
between them, rendered with Jinja and run by DuckDB.

The rendered SQL names every input as a plain relation (`ref('x')` -> `x`), so the same text runs on any
engine that can register the inputs as views (DuckDB here; Spark SQL registers temp views the same way).
Models under `staging/` and `intermediate/` are views, inlined into whatever reads them; `marts/` are
tables written to the lake. A model may override that with `{{ config(materialized='table') }}`.

Grains: a model is built per window by default. A mart that reads only other tables (a rollup of
conversations) is also built per date, by the same SQL over both windows' rows: `daily_top_talkers` is
`top_talkers` over a whole date. A model written for dates only says `{{ config(grain='date') }}`; the
rows it reads carry the `date` and `window` they came from, and with `lookback_days=N` they include the
windows of up to N earlier dates that the lake holds (`var('partition_date')` is the date being built).
"""

import graphlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

# flowpipe/dbt_like_sql links to the repository's dbt_like_sql/, so a built wheel carries the models too.
SQL_ROOT = Path(__file__).resolve().parents[1] / "dbt_like_sql"
LAYERS = ("staging", "intermediate", "marts")
WINDOW_GRAIN = "window"
DATE_GRAIN = "date"
DAILY_PREFIX = "daily_"
SEEDS_FOLDER = "seeds"
MACROS_FOLDER = "macros"
DIALECTS = ("duckdb", "spark", "trino")
DEFAULT_DIALECT = "duckdb"
_PREFIX_FOR_LAYER = {"staging": "stg_", "intermediate": "int_", "marts": ""}
_DEFAULT_MATERIALIZATION = {"staging": "view", "intermediate": "view", "marts": "table"}


@dataclass(frozen=True)
class SqlModel:
    name: str
    layer: str
    path: Path
    template: str
    macros: str
    refs: tuple[str, ...]
    sources: tuple[str, ...]
    materialized: str
    description: str = ""
    grain: str = WINDOW_GRAIN
    lookback_days: int = 0  # a date model may also read this many earlier dates, where the lake has them

    @property
    def is_table(self) -> bool:
        return self.materialized == "table"


@dataclass
class _Recorder:
    """Collects what a template refers to while it is rendered once at discovery."""

    refs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)

    def ref(self, name: str) -> str:
        self.refs.append(name)
        return name

    def source(self, schema: str, name: str) -> str:
        self.sources.append(name)
        return source_relation(name)

    def set_config(self, **values: Any) -> str:
        self.config.update(values)
        return ""


def source_relation(table: str) -> str:
    """The relation name under which a lake table is registered for the SQL: `lake__raw_flow_logs`."""
    return f"lake__{table}"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


def _render(template: str, macros: str, dialect: str, **functions: Any) -> str:
    """Renders a model with the macros of macros/ (engine differences) in scope."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}; known: {DIALECTS}")
    environment = _environment()
    context = {"dialect": dialect, **functions}
    macro_module = environment.from_string(macros).make_module(context)
    exported = {
        name: getattr(macro_module, name) for name in macro_module.__dict__ if not name.startswith("_")
    }
    return environment.from_string(template).render(**context, **exported)


def _macros(root: Path) -> str:
    return "\n".join(path.read_text() for path in sorted((root / MACROS_FOLDER).glob("*.sql")))


def _description(template: str) -> str:
    first = template.lstrip().splitlines()[0] if template.strip() else ""
    return first.removeprefix("--").strip()


def discover_models(root: Path) -> dict[str, SqlModel]:
    """Every model under root/{staging,intermediate,marts}, checked: unique names, refs resolve, no cycles."""
    models: dict[str, SqlModel] = {}
    seeds = discover_seeds(root)
    macros = _macros(root)
    for layer in LAYERS:
        for path in sorted((root / layer).glob("*.sql")):
            template = path.read_text()
            recorder = _Recorder()
            _render(
                template,
                macros,
                DEFAULT_DIALECT,
                ref=recorder.ref,
                source=recorder.source,
                config=recorder.set_config,
                var=_any_var,
            )
            if path.stem in models or path.stem in seeds:
                raise ValueError(f"model name {path.stem!r} is used twice")
            if not path.stem.startswith(_PREFIX_FOR_LAYER[layer]):
                raise ValueError(f"{path}: models in {layer}/ are named {_PREFIX_FOR_LAYER[layer]}*")
            models[path.stem] = SqlModel(
                name=path.stem,
                layer=layer,
                path=path,
                template=template,
                macros=macros,
                refs=tuple(dict.fromkeys(recorder.refs)),
                sources=tuple(dict.fromkeys(recorder.sources)),
                materialized=recorder.config.get("materialized", _DEFAULT_MATERIALIZATION[layer]),
                description=_description(template),
                grain=recorder.config.get("grain", WINDOW_GRAIN),
                lookback_days=int(recorder.config.get("lookback_days", 0)),
            )
    for model in models.values():
        unknown = [name for name in model.refs if name not in models and name not in seeds]
        if unknown:
            raise ValueError(f"{model.path}: ref() to unknown model(s) {unknown}")
    execution_order(models)
    return models


def discover_seeds(root: Path) -> dict[str, Path]:
    """Small reference tables kept as CSV beside the models (service names of ports, protocol numbers)."""
    return {path.stem: path for path in sorted((root / SEEDS_FOLDER).glob("*.csv"))}


def _any_var(name: str, default: Any = None) -> Any:
    """At discovery a var's value does not matter, only that the template renders."""
    return default if default is not None else 0


def execution_order(models: Mapping[str, SqlModel]) -> list[str]:
    """Models in dependency order; raises graphlib.CycleError on a cycle."""
    graph = {name: {ref for ref in model.refs if ref in models} for name, model in models.items()}
    return list(graphlib.TopologicalSorter(graph).static_order())


def render(
    model: SqlModel, variables: Mapping[str, Any] | None = None, dialect: str = DEFAULT_DIALECT
) -> str:
    """The model's SQL with ref()/source() replaced by relation names, var() by its value, macros expanded."""
    values = dict(variables or {})

    def var(name: str, default: Any = None) -> Any:
        if name in values:
            return values[name]
        if default is None:
            raise KeyError(f"{model.path}: var({name!r}) has no value and no default")
        return default

    return _render(
        model.template,
        model.macros,
        dialect,
        ref=lambda name: name,
        source=lambda schema, name: source_relation(name),
        config=lambda **_: "",
        var=var,
    )


def upstream_views(models: Mapping[str, SqlModel], name: str) -> list[str]:
    """The view models a model reads through (transitively), in dependency order, stopping at tables."""
    needed: list[str] = []

    def visit(current: str) -> None:
        for ref in models[current].refs:
            if ref in models and not models[ref].is_table and ref not in needed:
                visit(ref)
                needed.append(ref)

    visit(name)
    return needed


def lake_inputs(models: Mapping[str, SqlModel], name: str) -> tuple[set[str], set[str]]:
    """What must exist in the lake before a model runs: (source tables, upstream table models)."""
    sources, tables = set(models[name].sources), set()
    for view in upstream_views(models, name):
        sources.update(models[view].sources)
        tables.update(ref for ref in models[view].refs if ref in models and models[ref].is_table)
    tables.update(ref for ref in models[name].refs if ref in models and models[ref].is_table)
    return sources, tables


def has_daily_twin(models: Mapping[str, SqlModel], name: str) -> bool:
    """A window mart that reads only lake tables of flowpipe's (no sources) is built per date too."""
    model = models[name]
    sources, _ = lake_inputs(models, name)
    return model.layer == "marts" and model.is_table and model.grain == WINDOW_GRAIN and not sources


def daily_table(name: str) -> str:
    return f"{DAILY_PREFIX}{name}"
