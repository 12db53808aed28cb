"""Is a phone number real? Google's numbering plans (``phonenumbers``), not a digit count.

A shop's phone is its login (the OTP goes to it by SMS) and a customer's phone is the key
that finds them again, so ``0000000000`` or ``1234567890`` must not get in. Indian numbers
are checked against India's plan; ``mobile_only`` asks for a number that can take an SMS
(dealers may give an office landline). A number written with another country code is
checked against that country's plan.
"""

from __future__ import annotations

from functools import lru_cache

INDIA = "91"
MOBILE_RULE = "must be an Indian mobile number (10 digits starting with 6, 7, 8 or 9)"
INDIAN_RULE = "is not a valid Indian phone number"
FOREIGN_RULE = (
    "is not a valid phone number (write a number from abroad with + and its country code)"
)


@lru_cache(maxsize=2048)
def phone_problem(digits: str, *, indian: bool, mobile_only: bool) -> str:
    """Why ``digits`` (an Indian number's 10 when ``indian``, else country code and number)
    is no real phone number, or '' when it is one."""
    import phonenumbers  # 20 ms to import: only when a phone is checked
    from phonenumbers import PhoneNumberType

    try:
        number = phonenumbers.parse(f"+{INDIA}{digits}" if indian else f"+{digits}")
    except phonenumbers.NumberParseException:
        return INDIAN_RULE if indian else FOREIGN_RULE
    if not phonenumbers.is_valid_number(number):
        if indian:
            return MOBILE_RULE if mobile_only else INDIAN_RULE
        return FOREIGN_RULE
    if (
        mobile_only
        and indian
        and phonenumbers.number_type(number)
        not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    ):
        return MOBILE_RULE
    return ""


def prepare() -> None:
    """Load the library and India's plan now (~80 ms the first time), not in the middle of
    typing: a form that checks phones as they are typed calls this when it opens."""
    phone_problem("9845012345", indian=True, mobile_only=True)
