"""After the background warm-up, a bill never waits for an index to be built."""

from __future__ import annotations

from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.warmup import BILLING_INDEXES, prepare_for_billing
from viveka_pos.store import Store, open_store


def _built(store: Store) -> set[tuple[str, str]]:
    return {(location, name) for location, state in store.engine._states.items()
            for name, index in state.field_indexes.items() if index.built}


def test_billing_builds_no_index_after_the_warm_up(svc: ShopServices, store: Store) -> None:
    customer = svc.customers.create(phone="9000000001", name="Ravi")
    svc.catalog.create_item(name="Carburetor", price=2500, code="CARB", stock=50)
    svc.catalog.create_item(name="Spark plug", price=185, code="PLUG", stock=50)
    path = store.data_dir
    store.close()
    with open_store(path) as fresh:  # a new start: nothing decoded, no index built
        services = ShopServices(ServiceContext(fresh, svc.ctx.device_id, svc.ctx.clock),
                                svc.scope.client_id)
        prepare_for_billing(fresh)
        ready = _built(fresh)
        assert {("vivekaDB." + c, f"{f}_1") for c, fs in BILLING_INDEXES.items()
                for f in fs} <= ready
        cart = services.carts.create(customer=customer["phoneNumber"])
        services.carts.add_item(cart.cart_id, "CARB", 2)
        services.carts.add_item(cart.cart_id, "PLUG", 1)
        services.carts.add_item(cart.cart_id, "CARB", 1)
        invoice = services.invoices.generate(cart.cart_id, paid_amount=2000, method="upi")
        services.payments.record(invoice["_id"], 1000, method="cash")
        assert _built(fresh) == ready
