"""The shop and this PC's settings as the services hand them to the UI and the CLI."""

from __future__ import annotations

import pytest

from viveka_pos.domain.entities.shop import CustomerFields
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService


def test_shop_service_hands_out_views(svc: ShopServices, ctx: ServiceContext) -> None:
    shop = svc.shop.current()
    assert shop.id == svc.client_id and shop.display_name == "Asha Auto"
    assert svc.shop.settings() == shop.settings
    assert svc.shop.settings().customer_fields.gst_no is True
    updated = svc.shop.update_settings(svc.client_id, upiId="asha@okaxis", defaultGstRate=5)
    assert updated.settings.upi_id == "asha@okaxis" and updated.settings.default_gst_rate == 5
    assert svc.scope.shop_settings() == updated.settings
    printed = svc.shop.document_for_print()
    assert printed["clientSettings"]["upiId"] == "asha@okaxis"
    printed["clientSettings"]["upiId"] = "changed@bank"  # a copy: the store is untouched
    assert svc.shop.settings().upi_id == "asha@okaxis"
    with pytest.raises(ValueError, match="not bound"):
        ShopService(ctx).current()


def test_device_settings_read_and_saved_as_a_view(svc: ShopServices) -> None:
    before = svc.device.current()
    assert before.invoice_prefix == "A" and before.backup_every_bills == 50
    after = svc.device.update(invoicePrefix="B2", printerName="Counter printer")
    assert after == svc.device.current()
    assert (after.invoice_prefix, after.printer_name) == ("B2", "Counter printer")
    assert svc.device.get("invoicePrefix") == "B2"  # what the services read


def test_settings_are_saved_by_their_python_names(svc: ShopServices) -> None:
    saved = svc.shop.update_settings(
        svc.client_id,
        upi_id="asha@okaxis",
        paper_size="58mm",
        customer_fields=CustomerFields(address=True, gst_no=False, email_id=True),
    )
    assert saved.settings.paper_size == "58mm"
    assert saved.settings.customer_fields == CustomerFields(address=True, email_id=True)
    assert svc.scope.settings()["customerFields"] == {
        "address": True,
        "gstNo": False,
        "emailId": True,
    }
    with pytest.raises(ValidationError) as err:  # the error names the stored field
        svc.shop.update_settings(svc.client_id, upi_id="not an id")
    assert err.value.field == "upiId"
    assert svc.shop.settings().upi_id == "asha@okaxis"  # nothing changed
    device = svc.device.update(invoice_prefix="C3", backup_every_bills=20)
    assert (device.invoice_prefix, device.backup_every_bills) == ("C3", 20)
    with pytest.raises(ValidationError) as err:
        svc.device.update(invoice_prefix="no spaces")
    assert err.value.field == "invoicePrefix"
    assert svc.device.current().invoice_prefix == "C3"
