"""Customer lookup is served by the store's index and answers what a scan of every
customer answers: phone containing the digits typed, or name containing the text, by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.older_store import as_version_3
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.customers import CustomerService
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService
from viveka_pos.store import Store, open_store

PEOPLE = [
    ("9891112222", "Bob Smith"),
    ("9845012345", "Asha Kulkarni"),
    ("9000012345", "asha rao"),
    ("9123400000", ""),
    ("9876543210", "Ravi_50% Off"),
    ("9988776655", "Zubin"),
    ("9445566778", "Ābha Deshpande"),
    ("9345678912", "कमल शर्मा"),
]
QUERIES = [
    "",
    "9",
    "98",
    "984",
    "12345",
    "0000",
    "asha",
    "as",
    "a",
    "sh",
    "RAO",
    "50%",
    "_",
    "x",
    "ābh",
    "कमल",
    "+91 98450 12345",
    "zz",
    "smith 2",
    "bob",
]


@pytest.fixture
def people(svc: ShopServices) -> ShopServices:
    for phone, name in PEOPLE:
        svc.customers.create(phone, name=name)
    return svc


def _scanned(customers: CustomerService, query: str, limit: int = 50) -> list[str]:
    """The phones the lookup must give, found by reading every customer of the shop."""
    text = query.strip().casefold()
    digits = "".join(ch for ch in text if ch.isdigit())
    found = [
        doc
        for doc in customers.scope.store.iter_docs("clientCustomers")
        if doc.get("clientId") == customers.scope.client_id
        and (
            not text
            or (digits and digits in doc.get("phoneNumber", ""))
            or (not digits and text in str(doc.get("name", "")).casefold())
        )
    ]
    found.sort(key=lambda d: (str(d.get("name", "")).casefold(), d.get("phoneNumber", "")))
    return [d["phoneNumber"] for d in found[:limit]]


def _phones(customers: CustomerService, query: str, limit: int = 50) -> list[str]:
    return [d.phone_number for d in customers.search(query, limit)]


def test_the_index_answers_as_the_scan_does(people: ShopServices) -> None:
    customers = people.customers
    for query in QUERIES:
        assert _phones(customers, query) == _scanned(customers, query), query
    assert _phones(customers, "12345") == ["9845012345", "9000012345"]  # Asha K., asha r.
    assert _phones(customers, "asha") == ["9845012345", "9000012345"]
    assert _phones(customers, "", limit=3) == _scanned(customers, "", 3)
    assert len(_phones(customers, "", limit=3)) == 3


def test_the_index_follows_edits_and_keeps_shops_apart(
    people: ShopServices, ctx: ServiceContext
) -> None:
    customers = people.customers
    bob = customers.by_phone("9891112222")
    customers.update(bob.id, name="Robert Smith")
    assert _phones(customers, "bob") == []
    assert _phones(customers, "robert") == ["9891112222"]
    other = ShopService(ctx).register(
        phone="9890000001", owner_name="Meena Rao", business_name="Meena Motors", state="Kerala"
    )
    theirs = ShopServices(ctx, other.id).customers
    theirs.create("9845012345", name="Asha elsewhere")
    assert _phones(theirs, "asha") == ["9845012345"]
    assert [d.name for d in theirs.search("asha")] == ["Asha elsewhere"]
    assert _phones(customers, "asha") == ["9845012345", "9000012345"]
    for query in QUERIES:
        assert _phones(customers, query) == _scanned(customers, query), query


def test_a_store_from_before_the_index_gets_it_at_its_upgrade(
    people: ShopServices, store: Store, tmp_path: Path
) -> None:
    copy = tmp_path / "older"
    store.backup(copy)
    as_version_3(
        copy,
        "DROP TABLE search_customer_grams",
        "DROP TABLE search_customers",
    )
    for read_only in (False, True):  # upgraded, then read as it is
        older = open_store(copy, read_only=read_only)
        try:
            ctx = ServiceContext(older, "pc-test")
            customers = ShopServices(ctx, ShopService(ctx).local_shop().id).customers
            for query in QUERIES:
                assert _phones(customers, query) == _scanned(customers, query), query
        finally:
            older.close()
    rebuilt = open_store(copy)
    try:
        rebuilt.rebuild_derived()
        ctx = ServiceContext(rebuilt, "pc-test")
        customers = ShopServices(ctx, ShopService(ctx).local_shop().id).customers
        assert _phones(customers, "asha") == ["9845012345", "9000012345"]
    finally:
        rebuilt.close()
