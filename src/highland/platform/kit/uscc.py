"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015) validation and construction."""

from __future__ import annotations

import polars as pl

__all__ = [
    "ALPHABET",
    "USCCError",
    "is_valid",
    "make_uscc",
    "org_check_char",
    "uscc_check_char",
    "uscc_error_expr",
    "validate",
]

# GB 32100 character set: digits plus capital letters without I, O, S, V, Z, which the standard
# drops because they are easily confused with 1, 0, 5, U and 2. A character's value is its index.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_EXCLUDED = "IOSVZ"

USCC_LENGTH = 18
# Weight of character i (1-based) is 3^(i-1) mod 31, for the first 17 characters.
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(USCC_LENGTH - 1))

# GB 11714 organisation code embedded at characters 9-17 (0-based slice 8:17).
_ORG_START = 8
_ORG_BODY_LEN = 8
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 11714 values letters A=10 ... Z=35, i.e. plain base-36 digits, including the letters that
# USCC excludes.
_BASE36_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_ORG_CHECK_CHARS = {**{d: str(d) for d in range(10)}, 10: "X", 11: "0"}

_MSG_LENGTH = "a USCC has 18 characters, got {}"
_MSG_CHARSET = "character {} '{}' is not allowed ({})"
_WHY_EXCLUDED = "I, O, S, V, Z never appear in a USCC"
_WHY_OTHER = "a USCC uses only digits 0-9 and capital letters A-Y except I, O, S, V"
_MSG_ORG_CHECK = (
    "organisation code check character (character 17) is '{}', expected '{}' "
    "(one of characters 9-17 is probably wrong)"
)
_MSG_CHECK = "check character is '{}', expected '{}'"

# --- Tables for uscc_error_expr -----------------------------------------------------------
# Eager Polars queries get no common-subexpression elimination, so every checksum is computed
# exactly once: a single dot product yields a key that combines the weighted sum (mod the
# check modulus) with the value of the character holding the check, and a key -> message table
# turns it straight into the error (absent key = check passes).
_DUMMY = "0" * USCC_LENGTH


def _byte_table(value_of: dict[str, int]) -> pl.Series:
    # Indexed by byte; bytes outside ALPHABET map to 0 (such codes fail the charset check first).
    return pl.Series([value_of.get(chr(b), 0) for b in range(256)], dtype=pl.Int64)


_BYTE_TO_USCC_VALUE = _byte_table(_VALUE)
# GB 11714 (base-36) values of the ALPHABET characters.
_BYTE_TO_ORG_VALUE = _byte_table({ch: _BASE36_DIGITS.index(ch) for ch in ALPHABET})

# Key 31 * (S mod 31) + v18, where S is the weighted sum of characters 1-17 and v18 the value
# of the check character: scale the weights by 31 and give character 18 weight 1, mod 961.
_USCC_KEY_WEIGHTS = [31 * w for w in _USCC_WEIGHTS] + [1]
_USCC_KEY_MOD = 31 * 31
_USCC_KEY_MESSAGE = {
    31 * s + v: _MSG_CHECK.format(ALPHABET[v], ALPHABET[(31 - s) % 31])
    for s in range(31)
    for v in range(31)
    if v != (31 - s) % 31
}

# Key 35 * (T mod 11) + b17 with T the GB 11714 weighted sum of characters 9-16 and b17 the
# base-36 value of character 17 (at most 34: 'Y' is the largest ALPHABET letter).
_ORG_KEY_WEIGHTS = [0] * _ORG_START + [35 * w for w in _ORG_WEIGHTS] + [1, 0]
_ORG_KEY_MOD = 11 * 35
_ORG_KEY_MESSAGE = {
    35 * t + _BASE36_DIGITS.index(ch): _MSG_ORG_CHECK.format(ch, _ORG_CHECK_CHARS[11 - t])
    for t in range(11)
    for ch in ALPHABET
    if ch != _ORG_CHECK_CHARS[11 - t]
}


class USCCError(ValueError):
    """Invalid USCC; `reason` is a stable machine code, the message is for humans."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _org_value(ch: str) -> int:
    value = _BASE36_DIGITS.find(ch)
    if value < 0:
        raise ValueError(f"'{ch}' is not a GB 11714 code character (digits and A-Z only)")
    return value


def org_check_char(body8: str) -> str:
    """Return the GB 11714 check character ('0'-'9' or 'X') for an 8-character code body."""
    if len(body8) != _ORG_BODY_LEN:
        raise ValueError(f"organisation code body has 8 characters, got {len(body8)}")
    total = sum(_org_value(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    return _ORG_CHECK_CHARS[11 - total % 11]


def uscc_check_char(first17: str) -> str:
    """Return the 18th (check) character for the first 17 characters of a USCC."""
    if len(first17) != USCC_LENGTH - 1:
        raise ValueError(f"expected the first 17 USCC characters, got {len(first17)}")
    total = 0
    for ch, w in zip(first17, _USCC_WEIGHTS, strict=True):
        if ch not in _VALUE:
            raise ValueError(f"'{ch}' is not a USCC character")
        total += _VALUE[ch] * w
    return ALPHABET[(31 - total % 31) % 31]


def _charset_message(position: int, ch: str) -> str:
    why = _WHY_EXCLUDED if ch in _EXCLUDED else _WHY_OTHER
    return _MSG_CHARSET.format(position, ch, why)


def validate(code: str) -> str:
    """Normalise (strip, uppercase) a USCC and return it, or raise USCCError."""
    norm = code.strip().upper()
    if len(norm) != USCC_LENGTH:
        raise USCCError("length", _MSG_LENGTH.format(len(norm)))
    for pos, ch in enumerate(norm, start=1):
        if ch not in _VALUE:
            raise USCCError("charset", _charset_message(pos, ch))
    # The organisation check goes first: its failure localises the typo to characters 9-17,
    # whereas a failing overall check alone points at characters 1-8 or 18.
    org_expected = org_check_char(norm[_ORG_START : _ORG_START + _ORG_BODY_LEN])
    org_actual = norm[_ORG_START + _ORG_BODY_LEN]
    if org_actual != org_expected:
        raise USCCError("org_check_char", _MSG_ORG_CHECK.format(org_actual, org_expected))
    expected = uscc_check_char(norm[:-1])
    if norm[-1] != expected:
        raise USCCError("check_char", _MSG_CHECK.format(norm[-1], expected))
    return norm


def is_valid(code: str) -> bool:
    """Return True when `code` is a valid USCC after normalisation."""
    try:
        validate(code)
    except USCCError:
        return False
    return True


def _require_alphabet(value: str, length: int, what: str) -> str:
    norm = value.strip().upper()
    if len(norm) != length:
        raise ValueError(f"{what} must have {length} characters, got {value!r}")
    bad = [ch for ch in norm if ch not in _VALUE]
    if bad:
        raise ValueError(f"{what} {value!r} contains characters outside the USCC alphabet: {bad}")
    return norm


def make_uscc(region6: str, org_body8: str, reg_type: str = "91") -> str:
    """Build a valid USCC from registration type, region code and organisation code body."""
    reg = _require_alphabet(reg_type, 2, "reg_type")
    region = _require_alphabet(region6, 6, "region6")
    body = _require_alphabet(org_body8, _ORG_BODY_LEN, "org_body8")
    # The org check char is a digit or 'X', both in ALPHABET, so the result is always valid.
    first17 = reg + region + body + org_check_char(body)
    return first17 + uscc_check_char(first17)


def uscc_error_expr(col: pl.Expr) -> pl.Expr:
    """Polars expression: null for valid (stripped, uppercased) codes, else validate()'s message."""
    length = col.str.len_chars()
    # First character outside ALPHABET; every character before it is ASCII, so the byte offset
    # returned by str.find equals the character offset.
    bad_pattern = f"[^{ALPHABET}]"
    bad_char = col.str.extract(bad_pattern, 0)
    why = pl.when(bad_char.is_in(list(_EXCLUDED))).then(pl.lit(_WHY_EXCLUDED))
    charset_msg = pl.format(
        _MSG_CHARSET, col.str.find(bad_pattern) + 1, bad_char, why.otherwise(pl.lit(_WHY_OTHER))
    )

    # View each code's 18 ASCII bytes as a fixed-size array, flatten, look every byte up in a
    # 256-entry table, fold back and take the dot product with the key weights. Rows that are
    # not 18 bytes get a dummy code: they were already reported by the length or charset branch.
    padded = pl.when(col.str.len_bytes() == USCC_LENGTH).then(col).otherwise(pl.lit(_DUMMY))

    def check_message(
        table: pl.Series, weights: list[int], mod: int, messages: dict[int, str]
    ) -> pl.Expr:
        flat = (
            padded.cast(pl.Binary)
            .bin.reinterpret(dtype=pl.Array(pl.UInt8, USCC_LENGTH))
            .reshape((-1,))
        )
        values = pl.lit(table).gather(flat).reshape((-1, USCC_LENGTH))
        key = values.arr.dot(weights) % mod
        return key.replace_strict(messages, default=None, return_dtype=pl.String)

    org_msg = check_message(_BYTE_TO_ORG_VALUE, _ORG_KEY_WEIGHTS, _ORG_KEY_MOD, _ORG_KEY_MESSAGE)
    uscc_msg = check_message(
        _BYTE_TO_USCC_VALUE, _USCC_KEY_WEIGHTS, _USCC_KEY_MOD, _USCC_KEY_MESSAGE
    )

    return (
        pl.when(col.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(length != USCC_LENGTH)
        .then(pl.format(_MSG_LENGTH, length))
        .when(bad_char.is_not_null())
        .then(charset_msg)
        # Same order as validate(): the organisation check first.
        .otherwise(pl.coalesce(org_msg, uscc_msg))
        # A fixed name rather than the input's, so with_columns cannot silently replace the code.
        .alias("uscc_error")
    )
