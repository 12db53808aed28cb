"""A demo shop with realistic data, made in one click (or `viveka-pos demo`).

The demo is an auto-spares and hardware shop in Bengaluru. It uses mock OTP mode (the OTP
is 1234 and no SMS is sent), which the login screens show as a banner.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from ..domain.clock import FixedClock, shop_zone
from ..domain.entities.customer import Customer
from ..domain.entities.item import Item
from ..domain.entities.shop import Shop
from ..domain.validation import gstin_check_char
from .context import ServiceContext
from .device import DeviceSettings
from .facade import ShopServices
from .shop import ShopService

if TYPE_CHECKING:
    from .auth import Session

DEMO_PHONE = "9876500001"


def _gstin(state: str, pan: str) -> str:
    first14 = f"{state}{pan}1Z"
    return first14 + gstin_check_char(first14)


# group -> [(name, code, price, gst rate, hsn, unit, stock)]; rates as of GST 2.0 (22 Sep 2025):
# motor-vehicle parts, tyres, tubes and batteries moved from 28 % to 18 %.
CATALOG: dict[str, list[tuple[str, str, str, int, str, str, str]]] = {
    "Engine Parts": [
        ("Carburetor assembly (Pulsar 150)", "8901001", "2500", 18, "84099199", "nos", "40"),
        ("Spark plug NGK CR8E", "8901002", "185", 18, "85111000", "nos", "120"),
        ("Piston kit std (Splendor)", "8901003", "1450", 18, "84099199", "nos", "15"),
        ("Air filter element (Activa)", "8901004", "240", 18, "84213100", "nos", "60"),
        ("Engine oil 20W40 1 L", "8901005", "390", 18, "27101980", "litre", "80"),
        ("Clutch plate set (Apache)", "8901006", "980", 18, "87089300", "nos", "22"),
        ("Timing chain kit (Pulsar)", "8901007", "1320", 18, "84099199", "nos", "4"),
    ],
    "Brake Parts": [
        ("Brake pad set front (Pulsar)", "8902001", "420", 18, "87083000", "nos", "55"),
        ("Brake shoe rear (Splendor)", "8902002", "260", 18, "87083000", "nos", "70"),
        ("Disc brake rotor 240 mm", "8902003", "1650", 18, "87083000", "nos", "9"),
        ("Brake cable rear (Activa)", "8902004", "145", 18, "87083000", "nos", "3"),
        ("DOT 4 brake fluid 250 ml", "8902005", "210", 18, "38190010", "nos", "40"),
    ],
    "Electricals": [
        ("Battery 12V 5Ah (Exide)", "8903001", "1850", 18, "85071000", "nos", "12"),
        ("Headlight bulb 12V 35/35W", "8903002", "95", 18, "85392190", "nos", "150"),
        ("Indicator assembly (universal)", "8903003", "175", 18, "85122010", "nos", "45"),
        ("Copper wire 1.5 sq mm", "8903004", "28", 18, "85444999", "meter", "500"),
        ("Horn 12V dual tone", "8903005", "540", 18, "85123010", "nos", "18"),
        ("LED tail lamp (universal)", "8903006", "310", 18, "85122020", "nos", "2"),
    ],
    "Hardware": [
        ("Hex bolt M8 x 40 (pack of 10)", "8904001", "60", 18, "73181500", "pcs", "200"),
        ("Chain lubricant spray 150 ml", "8904002", "275", 18, "34031900", "nos", "35"),
        ("Grease (lithium) 500 g", "8904003", "160", 18, "34039900", "kg", "25"),
        ("Cable ties 200 mm (100)", "8904004", "85", 18, "39269099", "pcs", "90"),
        ("Insulation tape black", "8904005", "20", 18, "39191000", "nos", "300"),
    ],
    "Tyres & Tubes": [
        ("Tyre 2.75-18 rear (MRF)", "8905001", "1780", 18, "40114090", "nos", "14"),
        ("Tube 3.00-18 (Ceat)", "8905002", "320", 18, "40131020", "nos", "30"),
        ("Tubeless puncture kit", "8905003", "199", 18, "40169990", "nos", "25"),
    ],
}

CUSTOMERS = [
    ("9845012345", "Ravi Kumar", "12, 4th Cross, Jayanagar, Bengaluru", "", ""),
    ("9880123456", "Sri Ganesh Motors", "45 MG Road, Mysuru", "29", "AABFS1234C"),
    ("9742233445", "Lakshmi Auto Works", "Near Bus Stand, Hosur", "33", "AAGFL5678D"),
    ("9900112233", "Mohammed Irfan", "7 Frazer Town, Bengaluru", "", ""),
    ("9611445566", "Deepa Enterprises", "Industrial Area, Tumakuru", "29", "AAHFD4321K"),
    ("9538877665", "Suresh", "", "", ""),
    ("9008765432", "Anand Two Wheelers", "Ring Road, Hubballi", "29", "AAKFA9876Q"),
    ("9731234567", "Kavya Rao", "Whitefield, Bengaluru", "", ""),
]


def create_demo_shop(ctx: ServiceContext, *, empty: bool = False, seed: int = 2025) -> Shop:
    """Create (or return the existing) demo shop; ``empty`` makes the shop only."""
    shops = ShopService(ctx)
    existing = shops.find_by_phone(DEMO_PHONE)
    DeviceSettings(ctx.store).update(otpMode="mock")
    if existing is not None:
        return existing
    shop = shops.register(
        phone=DEMO_PHONE,
        owner_name="Prakash Hegde",
        business_name="Hegde Auto Spares & Hardware",
        shop_name="Hegde Auto Spares",
        location="No. 18, 2nd Main, Chamrajpet, Bengaluru 560018",
        city="Bengaluru",
        state="Karnataka",
        gstin=_gstin("29", "AAFPH4521M"),
        settings={
            "customerFields": {"address": True, "gstNo": True, "emailId": True},
            "defaultGstRate": 18,
            "upiId": "hegdeauto@okaxis",
            "termsText": "Goods once sold will be exchanged only with the bill within 7 days. "
            "Subject to Bengaluru jurisdiction.",
        },
    )
    if not empty:
        _fill(ctx, shop, random.Random(seed))
    return shops.get(shop.id)


def log_in_demo(ctx: ServiceContext, shop: Shop) -> Session | None:
    """Log this PC in to the demo shop with the demo OTP (no SMS), as the app and
    ``viveka-pos demo`` both do right after making it; a valid saved login is kept.
    None when real SMS are configured (``VIVEKA_OTP_MODE=sms``): no OTP is sent unasked."""
    from .auth import AuthService
    from .otp import MOCK_OTP, OtpService

    otp = OtpService(ctx)
    auth = AuthService(ctx, otp)
    session = auth.current_session()
    if session is not None and session.client_id == shop.id:
        return session
    if not otp.is_mock():
        return None
    auth.start_login(shop.phone_number)
    return auth.login(shop.phone_number, MOCK_OTP)


def _fill(ctx: ServiceContext, shop: Shop, rng: random.Random) -> None:
    services = ShopServices(ctx, shop.id)
    items = []
    for group_name, rows in CATALOG.items():
        group = services.catalog.create_group(group_name)
        for name, code, price, rate, hsn, unit, stock in rows:
            items.append(
                services.catalog.create_item(
                    name=name,
                    code=code,
                    price=price,
                    gst_rate=rate,
                    hsn_code=hsn,
                    unit=unit,
                    stock=stock,
                    group_id=group.id,
                    low_stock_quantity=5,
                )
            )
    customers = []
    for phone, name, address, state, pan in CUSTOMERS:
        gst_no = _gstin(state, pan) if pan else ""
        customers.append(
            services.customers.create(phone, name=name, address=address, gst_no=gst_no)
        )
    _past_bills(ctx, shop, items, customers, rng)
    _dealers(ctx, shop, items)


DEALERS = [
    (
        "Bharath Auto Distributors",
        "Manjunath S",
        "9844012345",
        "orders@bharathauto.in",
        "Kalasipalya, Bengaluru",
    ),
    ("Sri Sai Electricals", "Ramesh", "9880567890", "", "SP Road, Bengaluru"),
    ("Deccan Tyres", "Imran Pasha", "9741122334", "sales@deccantyres.in", "Mysore Road, Bengaluru"),
]


def _dealers(ctx: ServiceContext, shop: Shop, items: list[Item]) -> None:
    """Three suppliers: one order delivered and billed (part paid), one urgent order open."""
    zone = shop_zone()
    week_ago = datetime.combine(ctx.today() - timedelta(days=7), time(11, 0), zone)
    past = ShopServices(ServiceContext(ctx.store, ctx.device_id, FixedClock(week_ago)), shop.id)
    dealers = [
        past.dealers.create(name, contact_person=person, phone=phone, email=email, address=address)
        for name, person, phone, email, address in DEALERS
    ]
    by_code = {item.code: item for item in items}
    delivered = past.dealers.create_order(
        dealers[0],
        [(by_code["8902001"].id, 20), (by_code["8901002"].id, 50)],
        delivery_instructions="Deliver before 10 am",
        notes="Monthly brake and plug stock",
    )
    past.dealers.mark_delivered(delivered, received_by="Prakash", note="All boxes sealed")
    past.dealers.set_order_bill(delivered, "17650", "")
    past.dealers.pay_dealer(
        dealers[0], "10000", method="bank", note="NEFT part payment", order=delivered
    )
    today = ShopServices(ctx, shop.id)
    today.dealers.create_order(
        dealers[1],
        [(by_code["8903006"].id, 10), (by_code["8902004"].id, 15)],
        is_urgent=True,
        notes="Running out of tail lamps and brake cables",
    )


def _past_bills(
    ctx: ServiceContext,
    shop: Shop,
    items: list[Item],
    customers: list[Customer],
    rng: random.Random,
) -> None:
    """About a month of bills, dated in the past, with cash, UPI and credit sales."""
    zone = shop_zone()
    today = ctx.today()
    for days_ago in range(27, -1, -1):
        day = today - timedelta(days=days_ago)
        for bill in range(rng.randint(0, 3)):
            hour = 10 + bill * 2 + rng.randint(0, 1)
            moment = datetime.combine(day, time(hour, rng.randint(0, 59)), zone)
            if moment > ctx.clock.now():
                continue
            past = ServiceContext(ctx.store, ctx.device_id, FixedClock(moment))
            services = ShopServices(past, shop.id)
            customer = rng.choice([None, *customers])
            cart = services.carts.create(customer=customer.id if customer else None)
            for item in rng.sample(items, rng.randint(1, 4)):
                quantity = "1.5" if item.unit in ("kg", "litre") else rng.randint(1, 3)
                if item.unit == "meter":
                    quantity = rng.choice([5, 10, 15])
                if float(services.catalog.item(item.id).stock) < float(quantity):
                    continue
                services.carts.add_item(cart.cart_id, item.id, quantity)
            view = services.carts.view(cart.cart_id)
            if view.is_empty:
                services.carts.discard(cart.cart_id)
                continue
            total = view.totals.total_amount
            if customer is None:
                paid = total
            else:
                paid = rng.choice([total, total, total // 2 // 100 * 100, 0])
            method = rng.choice(["cash", "cash", "upi", "card"])
            invoice = services.invoices.generate(
                cart.cart_id, paid_amount=paid / 100, method=method
            )
            if customer is not None and paid < total and rng.random() < 0.4:
                later = ServiceContext(
                    ctx.store, ctx.device_id, FixedClock(moment + timedelta(days=1))
                )
                balance = (total - paid) / 100
                ShopServices(later, shop.id).payments.record(
                    invoice.id, balance, method="upi", note="balance by UPI"
                )
