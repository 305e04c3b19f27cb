"""The dependencies every service call and flow receives (built once by the composition root)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from db.database import Database
from domain.clock import Clock


@dataclass
class Deps:
    """Database, clock and deployment facts; no chat library in sight."""

    db: Database
    clock: Clock
    tz: zoneinfo.ZoneInfo
    data_dir: Path
    default_locale: str = "vi"
    invite_ttl: dt.timedelta = dt.timedelta(days=14)
    # channel -> join-link template with "{code}", e.g. "https://t.me/dondoc_bot?start={code}"
    join_links: dict[str, str] = field(default_factory=dict)

    def now(self) -> dt.datetime:
        """The current instant from the injected clock."""
        return self.clock.now()

    def today(self) -> dt.date:
        """Today's date in the deployment's time zone."""
        return self.clock.now().astimezone(self.tz).date()
