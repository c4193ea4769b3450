"""Personal numbers out of stored text: phone numbers, 身份证 and bank cards are masked before
any customer text, sender name or conversation title reaches storage.

The rules, and why (a shop needs its order numbers, so the cautious side is to keep digits):

- **Phones**, found by ``phonenumbers`` (Google's libphonenumber) as valid numbers for China:
  mobiles in any spelling it reads (全角, dots, spaces, dashes, 138—1234—5678, +86, 0086) and
  landlines written with their area code's 0 or a country code (021-66778899, +86 21 6677
  8899). A bare 10-digit run that only *could* be a landline (2166778899) is kept: order and
  item numbers look like that. 400/800 and other service numbers are the shop's, not a
  person's, and stay.
- **身份证**: 18 characters (17 digits and a digit or X) or the old 15 digits, kept unless
  ``python-stdnum`` finds a real birth place, a real birth date and, for 18, the check digit.
  A random order number passes all three about once in ten thousand.
- **Bank cards**: 16–19 digits, whole or in groups of four, with a valid Luhn check digit, and
  either a 62 (银联) start or a card word just before (卡号、银行卡、账号…). Taobao order
  numbers are 16–19 digits too, and a tenth of them pass Luhn: so 4/5/3-starting numbers need
  the word.
- **Never masked**: a number labelled as an order, waybill, trade or item number right before
  it (订单号：…, 快递单号 …, 商品ID:…), and digits inside a link.

Staff names (agents, trainees) are not masked: reports match them to Telegram ids and names,
and they are the shop's own people, not its customers.

What is kept of a number: its first three digits (a landline's area code) and last four for a
phone, the first and last four for a card, the first three and last four for a 身份证; the
separators as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType
from stdnum import luhn
from stdnum.cn import ric

REGION = "CN"
MASK = "*"

#: Phone numbers that belong to a person; service numbers (400, 800, 95…) are left.
_PERSONAL = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.VOIP,
}

# Below seven digits there is nothing to mask: the regexes and the phone matcher are skipped,
# which keeps imports of names and plain chat fast.
_ENOUGH_DIGITS = re.compile(r"\d(?:\D*?\d){6}")
_ID_CARD = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")
_BANK_CARD = re.compile(r"(?<![\dA-Za-z])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?![\dA-Za-z])")
_CARD_WORD = re.compile(r"(?:卡|卡号|账号|账户|帐号|帐户|户号)\D{0,6}$")
_ORDER_LABEL = re.compile(
    r"(?:订单|单号|运单|快递|物流|交易|流水|商品|宝贝|货号|款号|order)"
    r"\s*(?:号码|编号|号|ID|id|Id|no\.?)?\s*[:：#＃]?\s*$",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_LOOK_BEHIND = 12  # characters before a number where a label counts


def mask_personal(text: str) -> str:
    """Text with phone, 身份证 and bank card numbers masked; everything else as it was.

    >>> mask_personal("电话13812345678，座机 021-66778899，订单号 1234567890123456")
    '电话138****5678，座机 021-****8899，订单号 1234567890123456'
    >>> mask_personal("身份证330102199001011234 卡号6222 0212 3456 7890 128")
    '身份证330***********1234 卡号6222 **** **** ***0 128'
    """
    if not text or _ENOUGH_DIGITS.search(text) is None:
        return text
    links = [m.span() for m in _LINK.finditer(text)]

    def kept(start: int) -> bool:
        return _ORDER_LABEL.search(text, max(0, start - _LOOK_BEHIND), start) is not None or any(
            a <= start < b for a, b in links
        )

    spans: list[tuple[int, int, Callable[[str], str]]] = []
    for m in _ID_CARD.finditer(text):
        if not kept(m.start()) and _is_id_card(m.group()):
            spans.append((m.start(), m.end(), _keep(3, 4)))
    for m in _BANK_CARD.finditer(text):
        if _overlaps(spans, m.start(), m.end()) or kept(m.start()):
            continue
        if _is_bank_card(m.group(), text[max(0, m.start() - _LOOK_BEHIND) : m.start()]):
            spans.append((m.start(), m.end(), _keep(4, 4)))
    for start, end, keep in _phones(text):
        if not _overlaps(spans, start, end) and not kept(start):
            spans.append((start, end, keep))
    for start, end, keep in sorted(spans, reverse=True):
        text = text[:start] + keep(text[start:end]) + text[end:]
    return text


def _phones(text: str) -> Iterator[tuple[int, int, Callable[[str], str]]]:
    for match in PhoneNumberMatcher(text, REGION, leniency=Leniency.VALID):
        number = match.number
        if phonenumbers.number_type(number) not in _PERSONAL:
            continue
        national = str(number.national_number)
        digits = [c for c in match.raw_string if c.isdigit()]
        area = phonenumbers.length_of_geographical_area_code(number)
        if area and number.country_code == 86:
            # a landline: only with the 0 of its area code or a country code in front, since a
            # bare run of 10 digits is as likely an order or item number
            written_prefix = len(digits) - len(national)
            if written_prefix <= 0:
                continue
        lead = len(digits) - len(national) + (area or 3)
        yield match.start, match.end, _keep(lead, 4)


def _is_id_card(candidate: str) -> bool:
    number = candidate.upper()
    if len(number) == 15:  # the old card: 2-digit year, no check digit; as an 18 it validates
        number = number[:6] + "19" + number[6:] + "0"
        number = number[:-1] + ric.calc_check_digit(number)
    if not ric.is_valid(number):
        return False
    born = ric.get_birth_date(number)
    return date(1900, 1, 1) <= born <= date.today()


def _is_bank_card(candidate: str, before: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if not (16 <= len(digits) <= 19 and digits.isascii() and luhn.is_valid(digits)):
        return False
    return digits.startswith("62") or _CARD_WORD.search(before) is not None


def _keep(lead: int, tail: int) -> Callable[[str], str]:
    """Mask every digit of a span but the first ``lead`` and the last ``tail`` characters (a
    身份证's X counts); separators stay."""

    def mask(span: str) -> str:
        positions = [i for i, c in enumerate(span) if c.isalnum()]
        hidden = set(positions[lead : max(lead, len(positions) - tail)])
        return "".join(MASK if i in hidden else c for i, c in enumerate(span))

    return mask


def _overlaps(spans: list[tuple[int, int, Callable[[str], str]]], start: int, end: int) -> bool:
    return any(start < b and a < end for a, b, _ in spans)
