"""The report's charts for a date: each chart's numbers come from a data function of their own (tested
without drawing), then matplotlib's Agg backend draws them to PNG bytes, with no display and no
global pyplot state, so the same data gives the same bytes on every run.
"""

import io
import math
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow.dataset as ds
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from flowpipe.lib.lake import Lake
from flowpipe.lib.report_format import named, port_label
from flowpipe.lib.report_traffic import read_daily
from flowpipe.lib.windows import DAY, DAY_STARTS_AT_HOUR, NIGHT

HOURLY_FILE = "bytes_by_hour.png"
TOP_PAIRS_FILE = "top_pairs.png"
CROSS_AZ_FILE = "cross_az.png"
GRAPH_FILE = "who_talks_to_whom.png"
TOP_PAIRS = 10
GRAPH_PAIRS = 15
GB = 2**30
WINDOWS = (DAY, NIGHT)
_COLORS = {DAY: "#f2a93b", NIGHT: "#34495e"}
_DPI = 100


@dataclass(frozen=True)
class Chart:
    file: str
    title: str
    png: bytes


def hourly_bytes(lake: Lake, date: str, timezone: str = "UTC") -> pd.DataFrame:
    """Bytes of the date's OK records (accepted and rejected) per local hour of their `start` and window:
    (window, hour, bytes), in the date's order (06:00 to 06:00).

    From raw_flow_logs, so an exchange logged at two ENIs counts twice (both views); the chart says so.
    A window that has not landed has no rows."""
    frames = []
    with duckdb.connect(":memory:") as conn:
        for window in WINDOWS:
            files = lake.partition_files("raw_flow_logs", {"date": date, "window": window})
            if not files:
                continue
            conn.register("raw", ds.dataset(files, filesystem=lake.filesystem, format="parquet"))
            hours = conn.execute(
                "select hour(timezone(?, to_timestamp(start))) as hour, cast(sum(bytes) as bigint) as bytes "
                "from raw where log_status = 'OK' and bytes is not null group by all",
                [timezone],
            ).df()
            frames.append(hours.assign(window=window))
            conn.unregister("raw")
    if not frames:
        return pd.DataFrame({"window": [], "hour": [], "bytes": []})
    hourly = pd.concat(frames, ignore_index=True)[["window", "hour", "bytes"]]
    hourly = hourly.astype({"hour": int, "bytes": "int64"})
    order = (hourly.hour - DAY_STARTS_AT_HOUR) % 24
    return (
        hourly.assign(_order=order)
        .sort_values(["_order", "window"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _pair_label(row: pd.Series) -> str:
    client = named(row.client_name, row.client_count, row.client_type)
    server = named(row.server_name, row.server_count, row.server_type)
    return f"{client} → {server} {port_label(row.server_port, row.service, row.protocol)}"


def top_pairs(lake: Lake, date: str, limit: int = TOP_PAIRS) -> pd.DataFrame:
    """The date's top pairs by rank, from daily_top_talkers: (label, bytes)."""
    talkers = read_daily(lake, "daily_top_talkers", date)
    if talkers.empty:
        return pd.DataFrame({"label": [], "bytes": []})
    talkers = talkers.sort_values("rank").head(limit)
    return pd.DataFrame({"label": talkers.apply(_pair_label, axis=1), "bytes": talkers.bytes}).reset_index(
        drop=True
    )


def cross_az_matrix(lake: Lake, date: str) -> pd.DataFrame:
    """Cross-AZ bytes of the date, client AZ (rows) by server AZ (columns), every AZ on both axes."""
    cross = read_daily(lake, "daily_cross_az_traffic", date)
    if cross.empty:
        return pd.DataFrame()
    zones = sorted(set(cross.client_az.dropna()) | set(cross.server_az.dropna()))
    matrix = cross.pivot_table(index="client_az", columns="server_az", values="bytes", aggfunc="sum")
    matrix = matrix.reindex(index=zones, columns=zones).fillna(0).astype("int64")
    matrix.index.name, matrix.columns.name = "client_az", "server_az"
    return matrix


def talk_graph(lake: Lake, date: str, limit: int = GRAPH_PAIRS) -> pd.DataFrame:
    """Edges of the who-talks-to-whom graph: the date's top `limit` pairs and ports, ports merged into
    one edge per (client, server): (client, server, bytes), largest first."""
    talkers = read_daily(lake, "daily_top_talkers", date)
    if talkers.empty:
        return pd.DataFrame({"client": [], "server": [], "bytes": []})
    talkers = talkers.sort_values("rank").head(limit)
    edges = pd.DataFrame(
        {
            "client": [named(r.client_name, r.client_count, r.client_type) for r in talkers.itertuples()],
            "server": [named(r.server_name, r.server_count, r.server_type) for r in talkers.itertuples()],
            "bytes": talkers.bytes.to_numpy(),
        }
    )
    edges = edges.groupby(["client", "server"], as_index=False).bytes.sum()
    return edges.sort_values(["bytes", "client", "server"], ascending=[False, True, True]).reset_index(
        drop=True
    )


def circle_layout(names: list[str]) -> dict[str, tuple[float, float]]:
    """Nodes evenly on the unit circle, the first at the top, clockwise."""
    count = len(names)
    return {
        name: (math.sin(2 * math.pi * i / count), math.cos(2 * math.pi * i / count))
        for i, name in enumerate(names)
    }


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _no_data(axes: Axes, what: str) -> None:
    axes.text(0.5, 0.5, f"no {what} for this date", ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()


def _draw_hourly(hourly: pd.DataFrame, title: str) -> Figure:
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title)
    if hourly.empty:
        _no_data(axes, "flow log records")
        return figure
    hours = [(DAY_STARTS_AT_HOUR + i) % 24 for i in range(24)]
    positions = range(len(hours))
    for window in WINDOWS:
        values = hourly[hourly.window == window].set_index("hour").bytes.reindex(hours, fill_value=0) / GB
        axes.bar(positions, values.to_numpy(), color=_COLORS[window], label=window)
    axes.set_xticks(list(positions), [f"{hour:02d}" for hour in hours])
    axes.set_xlabel("hour of the day (window timezone)")
    axes.set_ylabel("GB (2^30 bytes)")
    axes.legend(title="window")
    return figure


def _draw_top_pairs(pairs: pd.DataFrame, title: str) -> Figure:
    figure = Figure(figsize=(10, 5), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title)
    if pairs.empty:
        _no_data(axes, "top talkers")
        return figure
    positions = list(range(len(pairs)))
    axes.barh(positions, (pairs.bytes / GB).to_numpy(), color="#2e86c1")
    axes.set_yticks(positions, pairs.label.tolist())
    axes.invert_yaxis()
    axes.set_xlabel("GB (2^30 bytes)")
    return figure


def _draw_cross_az(matrix: pd.DataFrame, title: str) -> Figure:
    figure = Figure(figsize=(6.5, 5.5), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title)
    if matrix.empty:
        _no_data(axes, "cross-AZ traffic")
        return figure
    values = matrix.to_numpy() / GB
    image = axes.imshow(values, cmap="Oranges")
    figure.colorbar(image, ax=axes, label="GB (2^30 bytes)")
    axes.set_xticks(range(len(matrix.columns)), matrix.columns.tolist())
    axes.set_yticks(range(len(matrix.index)), matrix.index.tolist())
    axes.set_xlabel("server AZ")
    axes.set_ylabel("client AZ")
    middle = values.max() / 2
    for row, column in ((r, c) for r in range(values.shape[0]) for c in range(values.shape[1])):
        color = "white" if values[row, column] > middle else "black"
        axes.text(column, row, f"{values[row, column]:.2f}", ha="center", va="center", color=color)
    return figure


def _draw_graph(edges: pd.DataFrame, title: str) -> Figure:
    figure = Figure(figsize=(9, 9), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title)
    if edges.empty:
        _no_data(axes, "top talkers")
        return figure
    names = sorted(set(edges.client) | set(edges.server))
    layout = circle_layout(names)
    widest = edges.bytes.max()
    for edge in edges.itertuples():
        if edge.client == edge.server:  # a name talking to itself (instances sharing a Name tag)
            x, y = layout[edge.client]
            axes.add_patch(_loop(x, y, 0.5 + 7.5 * edge.bytes / widest))
            continue
        axes.annotate(
            "",
            xy=layout[edge.server],
            xytext=layout[edge.client],
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#2e86c1",
                "alpha": 0.7,
                "linewidth": 0.5 + 7.5 * edge.bytes / widest,
                "connectionstyle": "arc3,rad=0.12",
                "shrinkA": 8,
                "shrinkB": 8,
            },
        )
    for name, (x, y) in layout.items():
        axes.plot([x], [y], "o", color="#34495e", markersize=10)
        axes.text(
            1.12 * x,
            1.12 * y,
            name,
            ha="left" if x > 0.01 else "right" if x < -0.01 else "center",
            va="center",
        )
    axes.set_xlim(-1.9, 1.9)
    axes.set_ylim(-1.25, 1.25)
    axes.set_aspect("equal")
    axes.set_axis_off()
    return figure


def _loop(x: float, y: float, width: float) -> Circle:
    """A small ring just outside a node: traffic between resources that share its name."""
    return Circle((1.08 * x, 1.08 * y), 0.06, fill=False, color="#2e86c1", alpha=0.7, linewidth=width)


def render_charts(lake: Lake, date: str, timezone: str = "UTC") -> list[Chart]:
    """Every chart of the date's report as PNG bytes, in the order the report shows them."""
    titles = {
        TOP_PAIRS_FILE: f"Top {TOP_PAIRS} pairs on {date} (accepted bytes)",
        HOURLY_FILE: f"Bytes logged per hour on {date} (both ENI views: internal traffic counts twice)",
        CROSS_AZ_FILE: f"Cross-AZ bytes on {date}, client AZ by server AZ",
        GRAPH_FILE: f"Who talks to whom on {date} (top {GRAPH_PAIRS} pairs, width by bytes)",
    }
    figures = {
        TOP_PAIRS_FILE: _draw_top_pairs(top_pairs(lake, date), titles[TOP_PAIRS_FILE]),
        HOURLY_FILE: _draw_hourly(hourly_bytes(lake, date, timezone), titles[HOURLY_FILE]),
        CROSS_AZ_FILE: _draw_cross_az(cross_az_matrix(lake, date), titles[CROSS_AZ_FILE]),
        GRAPH_FILE: _draw_graph(talk_graph(lake, date), titles[GRAPH_FILE]),
    }
    return [Chart(file, titles[file], _png(figure)) for file, figure in figures.items()]
