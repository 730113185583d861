"""Password expiry as the procedures describe it (seed 000): 3 years of validity, an alert
from 60 days before, and no access once expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class ExpiryStatus:
    expires_on: date
    """The last valid day."""
    today: date
    warning_days: int = 60

    @property
    def days_left(self) -> int:
        """Days until the last valid day: 0 on that day, negative once expired."""
        return (self.expires_on - self.today).days

    @property
    def days_before_blocking(self) -> int:
        """Days on which access still works, today included (1 on the last valid day)."""
        return max(0, self.days_left + 1)

    @property
    def blocked_on(self) -> date:
        return self.expires_on + timedelta(days=1)

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def expiring_soon(self) -> bool:
        """Within the warning period (60 days or less), not yet expired."""
        return 0 <= self.days_left <= self.warning_days

    def days_expired(self) -> int:
        return max(0, -self.days_left)
