"""Derived values of invoices on the remote: ``paidAmount``/``isFinalized`` from *all* the
invoice's payments there, whoever recorded them (a PC, another PC, the backend).

A PC never writes a paid amount it computed from its own payments alone: after its payments
land, it sums the remote's payments of those invoices and sets the invoice to that, on the
condition that the invoice is still the version it read (a payment the backend records
meanwhile makes the write miss, and the sum is taken again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Final

from pymongo.errors import PyMongoError

from ..domain.stored import paise_of, rupees
from ..gateways.remote import remote_failure
from .fields import stamped_doc, versioned_replace
from .link import LinkedPart
from .rules import shop_filter
from .stamps import HLC_FIELD

ROUNDS: Final = 4


class RemoteInvoices(LinkedPart):
    def settle(self, invoice_ids: Iterable[Any]) -> int:
        """Bring the remote invoices' paid amounts level with their remote payments.
        Returns how many were written."""
        todo = sorted({i for i in invoice_ids if i is not None}, key=str)
        written = 0
        for _ in range(ROUNDS):
            if not todo:
                break
            todo, count = self._round(todo)
            written += count
        return written

    def _round(self, ids: list[Any]) -> tuple[list[Any], int]:
        scope = shop_filter("invoices", self.client_id)
        try:
            invoices = self.by_ids("invoices", ids)
            paid: dict[Any, int] = defaultdict(int)
            for payment in self.remote.collection("payments").find(
                {"invoiceId": {"$in": ids}, **scope}, {"invoiceId": 1, "amount": 1}
            ):
                paid[payment.get("invoiceId")] += paise_of(payment.get("amount"))
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        ops, stamps, bodies = [], {}, {}
        for invoice in invoices:
            total = paid[invoice["_id"]]
            # nothing is due on a cancelled bill
            finalized = total >= paise_of(invoice.get("totalAmount")) or bool(
                invoice.get("isCancelled")
            )
            if (
                paise_of(invoice.get("paidAmount")) == total
                and bool(invoice.get("isFinalized")) == finalized
            ):
                continue
            stamp = self.link.stamp()
            stamps[invoice["_id"]] = stamp
            changes = {"paidAmount": rupees(total), "isFinalized": finalized}
            ops.append(versioned_replace(invoice, changes, stamp))
            bodies[invoice["_id"]] = stamped_doc(invoice, changes, stamp)
        if not ops:
            return [], 0
        try:
            self.remote.collection("invoices").bulk_write(ops, ordered=False)
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        written = self.by_ids("invoices", stamps, {HLC_FIELD: 1})
        landed = {d["_id"]: d.get(HLC_FIELD) for d in written}
        missed = [i for i, stamp in stamps.items() if landed.get(i) != stamp]
        for invoice_id in set(stamps) - set(missed):
            self.state.record_written("invoices", bodies[invoice_id])
        return missed, len(stamps) - len(missed)
