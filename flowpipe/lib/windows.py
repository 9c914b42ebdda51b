"""Window partition keys <-> the lake's partition columns (`date`, `window`) and time ranges."""

from dataclasses import dataclass
from datetime import datetime

DAY = "day"
NIGHT = "night"
DAY_STARTS_AT_HOUR = 6
NIGHT_STARTS_AT_HOUR = 18
WINDOW_KEY_FORMAT = "%Y-%m-%d-%H:%M"  # a window partition's key: its local start


@dataclass(frozen=True)
class Window:
    """One 12-hour window: its bounds (timezone-aware) and the lake partition it is written to."""

    start: datetime
    end: datetime

    @property
    def name(self) -> str:
        return NIGHT if self.start.hour >= NIGHT_STARTS_AT_HOUR else DAY

    @property
    def date(self) -> str:
        """The date the window belongs to: a night belongs to the date on which it starts."""
        return self.start.strftime("%Y-%m-%d")

    @property
    def partition(self) -> dict[str, str]:
        return {"date": self.date, "window": self.name}

    @property
    def start_epoch(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_epoch(self) -> int:
        return int(self.end.timestamp())


def window_for(time_window: "object") -> Window:
    """The Window of a Dagster partition time window (anything with aware `start` and `end`)."""
    return Window(start=time_window.start, end=time_window.end)
