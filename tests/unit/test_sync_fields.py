"""Per-field merge of master documents (sync/fields.py): pure rules, no store, no server."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from viveka_pos.sync.fields import (
    applied,
    flat,
    merge,
    restore_app_settings,
    stamp_time,
    stamped_doc,
    unflat,
    update_of,
    version,
    writer_stamp,
)
from viveka_pos.sync.stamps import format_stamp

T0 = datetime(2026, 3, 1, 10, 0, 0)
MICROS = int((T0 - datetime(1970, 1, 1)).total_seconds() * 1_000_000)


def pc_version(doc: dict[str, Any], at: int, device: str = "pc-b") -> dict[str, Any]:
    """``doc`` as a PC writes it at ``at`` microseconds."""
    return stamped_doc(doc, {}, format_stamp(at, device))


def backend_save(doc: dict[str, Any], at: datetime, **changes: Any) -> dict[str, Any]:
    return {**doc, **changes, "updatedAt": at}


CUSTOMER = {
    "_id": ObjectId(),
    "clientId": ObjectId(),
    "phoneNumber": "9811122233",
    "name": "Meena",
    "address": "",
    "lastPurchaseAt": None,
}


def test_flat_spreads_client_settings_and_leaves_out_what_is_not_a_field() -> None:
    shop = {
        "_id": ObjectId(),
        "city": "Pune",
        "updatedAt": T0,
        "__v": 0,
        "_hlc": "x",
        "clientSettings": {"customerFields": {"gstNo": True}, "upiId": "a@upi"},
    }
    fields = flat("clients", shop)
    assert fields == {
        "city": "Pune",
        "clientSettings.customerFields": {"gstNo": True},
        "clientSettings.upiId": "a@upi",
    }
    back = unflat("clients", fields, shop)
    assert back == {k: v for k, v in shop.items() if k != "_hlc"}
    assert "stock" not in flat("items", {"_id": 1, "stock": 5, "price": 10})


def test_the_remote_keeps_what_this_pc_did_not_change_and_the_pc_keeps_its_edit() -> None:
    base = pc_version(CUSTOMER, MICROS)
    local = {**CUSTOMER, "address": "12 MG Road", "lastPurchaseAt": T0}
    remote = backend_save(base, T0 + timedelta(minutes=5), name="Meena Kulkarni")
    merged = merge(
        "clientCustomers", base, local, remote, format_stamp(MICROS + 10_000_000, "pc-a")
    )
    assert merged["name"] == "Meena Kulkarni"
    assert merged["address"] == "12 MG Road" and merged["lastPurchaseAt"] == T0


def test_a_field_both_changed_goes_to_the_later_write() -> None:
    base = pc_version(CUSTOMER, MICROS)
    local = {**CUSTOMER, "name": "Meena (PC)"}
    saved = T0 + timedelta(minutes=5)
    remote = backend_save(base, saved, name="Meena (web)")
    earlier = format_stamp(MICROS + 60_000_000, "pc-a")  # 1 minute after T0
    later = format_stamp(MICROS + 600_000_000, "pc-a")  # 10 minutes after T0
    assert merge("clientCustomers", base, local, remote, earlier)["name"] == "Meena (web)"
    assert merge("clientCustomers", base, local, remote, later)["name"] == "Meena (PC)"


def test_a_pc_version_is_timed_by_its_stamp_a_backend_save_by_updated_at() -> None:
    stamp = format_stamp(MICROS, "pc-b")
    by_pc = stamped_doc(CUSTOMER, {}, stamp)
    assert writer_stamp(by_pc) == stamp
    saved = T0 + timedelta(seconds=3)
    by_backend = backend_save(by_pc, saved, name="x")
    assert writer_stamp(by_backend) == format_stamp(MICROS + 3_000_000, "")
    assert version(by_backend) != version(by_pc)
    assert stamp_time(MICROS + 1234) == T0 + timedelta(microseconds=1000)


def test_never_seen_a_version_every_differing_field_counts_as_ours() -> None:
    remote = backend_save(CUSTOMER, T0, name="Web name", address="Web street")
    local = {**CUSTOMER, "name": "PC name"}
    merged = merge("clientCustomers", None, local, remote, format_stamp(MICROS, "pc-a"))
    assert merged["name"] == "PC name" and merged["address"] == ""


def test_app_settings_the_backend_dropped_come_back_its_own_keys_do_not() -> None:
    local = flat(
        "clients",
        {
            "clientSettings": {
                "customerFields": {"gstNo": False},
                "upiId": "a@upi",
                "termsText": "No returns",
            }
        },
    )
    remote = flat("clients", {"clientSettings": {"customerFields": {"gstNo": True}}})
    restored = restore_app_settings("clients", remote, local)
    assert restored == {
        "clientSettings.customerFields": {"gstNo": True},
        "clientSettings.upiId": "a@upi",
        "clientSettings.termsText": "No returns",
    }
    assert restore_app_settings("items", {"a": 1}, {"b": 2}) == {"a": 1}


def test_an_update_sets_what_differs_and_removes_what_is_gone() -> None:
    remote = {"_id": 1, "name": "a", "gone": 1, "same": True, "stock": 7, "_stockSum": 7}
    target = {"name": "b", "same": True, "new": 0}
    sets, unsets = update_of(target, flat("items", remote))
    assert sets == {"name": "b", "new": 0} and unsets == ["gone"]
    after = applied(remote, "items", sets, unsets, {"updatedAt": T0})
    assert after == {
        "_id": 1,
        "name": "b",
        "same": True,
        "new": 0,
        "stock": 7,
        "_stockSum": 7,
        "updatedAt": T0,
    }
    assert update_of({"flag": True}, {"flag": 1}) == ({"flag": True}, [])
