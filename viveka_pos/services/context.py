"""What every service needs: the store, a clock, this device, and the current shop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.clock import Clock, SystemClock, shop_today, store_time
from ..domain.entities.shop import ShopSettings, shop_settings_from_stored
from ..domain.errors import ValidationError
from ..store import Store


@dataclass
class ServiceContext:
    store: Store
    device_id: str
    clock: Clock = field(default_factory=SystemClock)

    def now(self) -> datetime:
        """Now, ready to store and to compare with stored datetimes (naive UTC)."""
        return store_time(self.clock.now())

    def today(self, time_zone: str = "Asia/Kolkata") -> date:
        return shop_today(self.clock, time_zone)


@dataclass
class ShopScope:
    """A context bound to one shop (``clientId``); business services take this."""

    ctx: ServiceContext
    client_id: ObjectId

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def db(self) -> Any:
        return self.ctx.store.db

    def now(self) -> datetime:
        return self.ctx.now()

    def shop(self) -> dict[str, Any]:
        doc = self.ctx.store.get("clients", self.client_id)
        if doc is None:
            raise ValidationError("clientId", "this shop does not exist on this computer")
        return doc

    def settings(self) -> dict[str, Any]:
        """The shop's stored ``clientSettings`` (for services; the UI reads
        :meth:`shop_settings`)."""
        return self.shop().get("clientSettings") or {}

    def shop_settings(self) -> ShopSettings:
        """The shop's settings as a typed view, defaults filled in."""
        return shop_settings_from_stored(self.shop().get("clientSettings"))

    def today(self) -> date:
        return self.ctx.today(self.settings().get("timeZone") or "Asia/Kolkata")

    def lookup(
        self, collection: str, ref: Any, *, number_field: str, id_field: str, what: str
    ) -> dict[str, Any]:
        """A document of this shop given as itself, its id, or its number (``A/2526/00042``).

        Raises ValidationError naming ``number_field`` or ``id_field`` when there is none.
        """
        if isinstance(ref, dict):
            ref = ref.get("_id")
        if isinstance(ref, str) and ref.strip() and not ObjectId.is_valid(ref.strip()):
            number = v.optional_text(ref, number_field, max_length=40)
            doc = self.db[collection].find_one({"clientId": self.client_id, number_field: number})
            if doc is None:
                raise ValidationError(number_field, f"no {what} {number!r} in this shop")
            return doc
        doc = self.db[collection].find_one(
            {"_id": v.object_id(ref, id_field), "clientId": self.client_id}
        )
        if doc is None:
            raise ValidationError(id_field, f"no such {what} in this shop")
        return doc

    def require_active(self) -> dict[str, Any]:
        shop = self.shop()
        if not shop.get("isActive", True):
            raise ValidationError("isActive", "this shop is deactivated and cannot bill")
        return shop
