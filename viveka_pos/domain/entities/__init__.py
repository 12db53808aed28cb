"""What services hand to the UI and the CLI: typed, read-only views of stored documents.

One module per kind (``customer``, ``dealer``, ``dealer_order``, ``item``, ``invoice``,
``payment``, ``cart``, ``shop``...). Each holds the kind's frozen dataclasses and the one
function that builds them from a stored document (``<kind>_from_stored``), so the spec's
field names are spelled in one place per kind: the store and the services read and write
documents, everything above them reads attributes.

Conventions:

- amounts are integer paise (``domain.money.Paise``), quantities ``Decimal``, rates
  ``int | Decimal`` as :mod:`domain.stored` converts them;
- ``invoiceDate``-style days stay ``YYYY-MM-DD`` strings; stored datetimes stay naive UTC;
- ids keep their stored type (``ObjectId`` as a rule);
- optional text is ``""`` when absent, never ``None``; a missing optional number is ``None``
  only where "not set" differs from zero (a low-stock level, for one);
- the dataclasses are ``frozen=True, slots=True``: a view cannot be edited in place, and an
  edit goes through the service that owns the kind.
"""
