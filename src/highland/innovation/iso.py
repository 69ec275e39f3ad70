"""ISO 3166-1 alpha-2 country codes and ISO 4217 currency codes, with the names the pages show.

The codes are pycountry's copy of the standards (every officially assigned ISO 3166-1 alpha-2
code, the registry's own list; every active ISO 4217 code), with Chinese and English names for
the countries and currencies the city's cooperation names; any other valid code shows as
itself. Pure: no database, no web.
"""

from __future__ import annotations

import pycountry

from highland.enterprises.vocab import ISO_COUNTRIES

COUNTRY_CODES = ISO_COUNTRIES

CURRENCY_CODES = frozenset(c.alpha_3 for c in pycountry.currencies)

# Currencies without minor units (ISO 4217 exponent 0): amounts are stored in whole units.
NO_MINOR = frozenset({"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                      "UGX", "VND", "VUV", "XAF", "XOF", "XPF"})  # fmt: skip
THREE_MINOR = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})

COUNTRY_NAMES: dict[str, tuple[str, str]] = {
    "AE": ("阿联酋", "United Arab Emirates"), "AR": ("阿根廷", "Argentina"),
    "AT": ("奥地利", "Austria"), "AU": ("澳大利亚", "Australia"), "BE": ("比利时", "Belgium"),
    "BR": ("巴西", "Brazil"), "BY": ("白俄罗斯", "Belarus"), "CA": ("加拿大", "Canada"),
    "CH": ("瑞士", "Switzerland"), "CL": ("智利", "Chile"), "CN": ("中国", "China"),
    "CZ": ("捷克", "Czechia"), "DE": ("德国", "Germany"), "DK": ("丹麦", "Denmark"),
    "EG": ("埃及", "Egypt"), "ES": ("西班牙", "Spain"), "FI": ("芬兰", "Finland"),
    "FR": ("法国", "France"), "GB": ("英国", "United Kingdom"), "GR": ("希腊", "Greece"),
    "HK": ("中国香港", "Hong Kong, China"), "HU": ("匈牙利", "Hungary"),
    "ID": ("印度尼西亚", "Indonesia"), "IE": ("爱尔兰", "Ireland"), "IL": ("以色列", "Israel"),
    "IN": ("印度", "India"), "IT": ("意大利", "Italy"), "JP": ("日本", "Japan"),
    "KR": ("韩国", "Republic of Korea"), "KZ": ("哈萨克斯坦", "Kazakhstan"),
    "MO": ("中国澳门", "Macao, China"), "MX": ("墨西哥", "Mexico"), "MY": ("马来西亚", "Malaysia"),
    "NL": ("荷兰", "Netherlands"), "NO": ("挪威", "Norway"), "NZ": ("新西兰", "New Zealand"),
    "PL": ("波兰", "Poland"), "PT": ("葡萄牙", "Portugal"), "RS": ("塞尔维亚", "Serbia"),
    "RU": ("俄罗斯", "Russia"), "SA": ("沙特阿拉伯", "Saudi Arabia"), "SE": ("瑞典", "Sweden"),
    "SG": ("新加坡", "Singapore"), "TH": ("泰国", "Thailand"), "TR": ("土耳其", "Türkiye"),
    "TW": ("中国台湾", "Taiwan, China"), "UA": ("乌克兰", "Ukraine"),
    "US": ("美国", "United States"), "UZ": ("乌兹别克斯坦", "Uzbekistan"),
    "VN": ("越南", "Viet Nam"), "ZA": ("南非", "South Africa"),
}  # fmt: skip

CURRENCY_NAMES: dict[str, tuple[str, str]] = {
    "CNY": ("人民币", "Chinese yuan"), "EUR": ("欧元", "Euro"), "USD": ("美元", "US dollar"),
    "GBP": ("英镑", "Pound sterling"), "JPY": ("日元", "Japanese yen"),
    "KRW": ("韩元", "Korean won"), "CHF": ("瑞士法郎", "Swiss franc"),
    "SGD": ("新加坡元", "Singapore dollar"), "RUB": ("俄罗斯卢布", "Russian ruble"),
    "HKD": ("港元", "Hong Kong dollar"), "ILS": ("以色列新谢克尔", "Israeli new shekel"),
    "SEK": ("瑞典克朗", "Swedish krona"), "CAD": ("加拿大元", "Canadian dollar"),
    "AUD": ("澳大利亚元", "Australian dollar"),
}  # fmt: skip


def country(code: str | None) -> str | None:
    """The code upper-cased when it is an ISO 3166-1 alpha-2 code, else None."""
    c = (code or "").strip().upper()
    return c if c in COUNTRY_CODES else None


def currency(code: str | None) -> str | None:
    """The code upper-cased when it is an active ISO 4217 code, else None."""
    c = (code or "").strip().upper()
    return c if c in CURRENCY_CODES else None


def minor_digits(code: str) -> int:
    """How many minor-unit digits the currency has (2 for most, 0 for JPY…, 3 for KWD…)."""
    return 0 if code in NO_MINOR else 3 if code in THREE_MINOR else 2


def country_names(code: str) -> tuple[str, str | None]:
    """(Chinese name, English name) of a country; the code itself when it has no name here."""
    return COUNTRY_NAMES.get(code, (code, None))


def currency_names(code: str) -> tuple[str, str | None]:
    """(Chinese name, English name) of a currency; the code itself when it has no name here."""
    return CURRENCY_NAMES.get(code, (code, None))
