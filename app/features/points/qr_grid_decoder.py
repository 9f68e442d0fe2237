"""Our own QR code reader (ISO/IEC 18004), for a code OpenCV has found but not read.

OpenCV 4.10's `QRCodeDetector.detectAndDecode` returns nothing for a code whose data has a
numeric segment followed by a byte segment of non-ASCII (UTF-8) bytes, which is what a JPQR /
EMV payment code (long digit runs and a Japanese shop name) usually is. Its `detect` still
finds the code's four outer corners (the symbol without its quiet zone), and from those this
module reads the code itself:

1. the module grid: the finder patterns are measured at the corners (which gives the
   orientation, the module size and so the likely versions; when they cannot be, every
   version 1..40 and orientation is ranked by how well its fixed patterns match through the
   corners), the transform from modules to picture is fitted to the finder and alignment
   patterns, the module centres are sampled and binarised (Otsu, then locally), and the grids
   whose finder, timing and alignment patterns match best are decoded;
2. the symbol: format information (BCH(15,5), either copy, up to 3 bit errors), version
   information for version 7 and up (BCH(18,6)), unmasking, the codewords in zigzag order,
   de-interleaving into the version's blocks and Reed-Solomon error correction (syndromes,
   Berlekamp-Massey, Chien search, Forney), refusing a block with too many errors;
3. the data: numeric, alphanumeric, byte, kanji and ECI segments. Byte segments without an ECI
   are read as UTF-8 when they are valid UTF-8, else Shift-JIS, else ISO-8859-1 (what phones'
   readers do). Structured append and FNC1 (GS1) symbols are refused.

`decode_located(picture, corners)` reads a picture; `decode_matrix(dark)` reads a grid of
modules already sampled (True = dark), in reading orientation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

__all__ = ["QRDecodeError", "decode_located", "decode_matrix"]

MIN_MODULE_PX = 1.6  # a module smaller than this in the picture cannot be sampled reliably
_MIN_PATTERN_SCORE = 0.8  # share of the fixed patterns' modules that must match to decode
_MIN_RANKED_SCORE = 0.6  # ... through the corners alone, to be worth fitting
_MAX_VERSIONS = 4  # versions tried per located code
_MAX_TRIES = 4  # sampled grids decoded at most per located code


class QRDecodeError(ValueError):
    """The modules do not make a QR code this reader can read (or not without doubt)."""


# --- Tables (ISO/IEC 18004:2015, tables 7 and 9) ------------------------------------------

_LEVEL_OF_FORMAT_BITS = {1: "L", 0: "M", 3: "Q", 2: "H"}

# Error correction codewords per block, for versions 1..40 (index 0 is version 1).
_ECC_PER_BLOCK: dict[str, tuple[int, ...]] = {
    "L": (7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
          28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "M": (10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
          26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28),
    "Q": (13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
          28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "H": (17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
          30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
}
# Number of error correction blocks, for versions 1..40.
_BLOCKS: dict[str, tuple[int, ...]] = {
    "L": (1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
          8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25),
    "M": (1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
          17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49),
    "Q": (1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
          23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68),
    "H": (1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
          25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81),
}
# Misdecode protection codewords (table 9, note b): they lower the correction capacity.
_PROTECTION = {(1, "L"): 3, (1, "M"): 2, (1, "Q"): 1, (1, "H"): 1, (2, "L"): 2, (3, "L"): 1}

_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# Character count indicator lengths for versions 1-9, 10-26 and 27-40.
_COUNT_BITS = {
    0b0001: (10, 12, 14),  # numeric
    0b0010: (9, 11, 13),  # alphanumeric
    0b0100: (8, 16, 16),  # byte
    0b1000: (8, 10, 12),  # kanji
}
_ECI_CHARSETS = {
    0: "cp437", 1: "latin-1", 2: "cp437", 3: "latin-1", 4: "iso8859-2", 5: "iso8859-3",
    6: "iso8859-4", 7: "iso8859-5", 8: "iso8859-6", 9: "iso8859-7", 10: "iso8859-8",
    11: "iso8859-9", 12: "iso8859-10", 13: "iso8859-11", 15: "iso8859-13",
    16: "iso8859-14", 17: "iso8859-15", 18: "iso8859-16", 20: "shift_jis", 21: "cp1250",
    22: "cp1251", 23: "cp1252", 24: "cp1256", 25: "utf-16-be", 26: "utf-8", 27: "ascii",
    28: "big5", 29: "gb18030", 30: "euc-kr", 170: "ascii",
}


def _bch_code(data: int, data_bits: int, generator: int, check_bits: int) -> int:
    remainder = data << check_bits
    top = data_bits + check_bits - 1
    for bit in range(top, check_bits - 1, -1):
        if remainder >> bit & 1:
            remainder ^= generator << (bit - check_bits)
    return data << check_bits | remainder


_FORMAT_CODES = {_bch_code(data, 5, 0x537, 10) ^ 0x5412: data for data in range(32)}
_VERSION_CODES = {_bch_code(version, 6, 0x1F25, 12): version for version in range(7, 41)}


def _nearest(word: int, codes: dict[int, int], max_errors: int) -> list[tuple[int, int]]:
    """(errors, value) of the valid codes within `max_errors` bits of `word`."""
    return sorted((bin(word ^ code).count("1"), value) for code, value in codes.items()
                  if bin(word ^ code).count("1") <= max_errors)


def _side(version: int) -> int:
    return 17 + 4 * version


@cache
def _alignment_positions(version: int) -> tuple[int, ...]:
    """Row/column coordinates of the alignment patterns' centres (annex E)."""
    if version == 1:
        return ()
    count = version // 7 + 2
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    last = _side(version) - 7
    return (6, *sorted(last - step * i for i in range(count - 1)))


def _alignment_centres(version: int) -> list[tuple[int, int]]:
    positions = _alignment_positions(version)
    last = _side(version) - 7
    return [(row, col) for row in positions for col in positions
            if (row, col) not in ((6, 6), (6, last), (last, 6))]


@dataclass(frozen=True)
class _Layout:
    """What is fixed in a symbol of one version."""

    side: int
    function: np.ndarray  # bool: not a data module
    known: np.ndarray  # flat indices of the modules whose colour the version fixes
    known_dark: np.ndarray  # bool, their colour
    data_order: np.ndarray  # flat indices of the data modules, in reading order


@cache
def _layout(version: int) -> _Layout:
    n = _side(version)
    function = np.zeros((n, n), dtype=bool)
    known = np.zeros((n, n), dtype=bool)
    dark = np.zeros((n, n), dtype=bool)
    rows, cols = np.indices((7, 7))
    ring = np.maximum(np.abs(rows - 3), np.abs(cols - 3))
    for top, left in ((0, 0), (0, n - 7), (n - 7, 0)):
        # The finder and its (light) separator.
        r0, r1 = max(top - 1, 0), min(top + 8, n)
        c0, c1 = max(left - 1, 0), min(left + 8, n)
        known[r0:r1, c0:c1] = True
        dark[top:top + 7, left:left + 7] = ring != 2
    function[:9, :9] = True
    function[:9, n - 8:] = True
    function[n - 8:, :9] = True
    function[6, :] = function[:, 6] = True
    known[6, 8:n - 8] = known[8:n - 8, 6] = True
    dark[6, 8:n - 8:2] = dark[8:n - 8:2, 6] = True
    rows, cols = np.indices((5, 5))
    alignment = np.maximum(np.abs(rows - 2), np.abs(cols - 2)) != 1
    for row, col in _alignment_centres(version):
        function[row - 2:row + 3, col - 2:col + 3] = True
        known[row - 2:row + 3, col - 2:col + 3] = True
        dark[row - 2:row + 3, col - 2:col + 3] = alignment
    if version >= 7:
        function[:6, n - 11:n - 8] = True
        function[n - 11:n - 8, :6] = True
    known[n - 8, 8] = dark[n - 8, 8] = True  # the dark module
    order: list[int] = []
    right = n - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = (right + 1) & 2 == 0
        for vertical in range(n):
            row = n - 1 - vertical if upward else vertical
            for col in (right, right - 1):
                if not function[row, col]:
                    order.append(row * n + col)
        right -= 2
    known_flat = np.flatnonzero(known)
    return _Layout(n, function, known_flat, dark.ravel()[known_flat],
                   np.array(order, dtype=np.intp))


@cache
def _mask(version: int, pattern: int) -> np.ndarray:
    """The data mask `pattern` (0..7) as a flat bool array over the whole symbol."""
    i, j = np.indices((_side(version),) * 2)
    conditions = (
        (i + j) % 2 == 0,
        i % 2 == 0,
        j % 3 == 0,
        (i + j) % 3 == 0,
        (i // 2 + j // 3) % 2 == 0,
        (i * j) % 2 + (i * j) % 3 == 0,
        ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    )
    return conditions[pattern].ravel()


@dataclass(frozen=True)
class _Blocks:
    data_lengths: tuple[int, ...]
    ecc: int
    capacity: int  # errors a block may have and still be corrected
    order: np.ndarray  # for each block, the indices of its codewords in the symbol's stream


@cache
def _blocks(version: int, level: str) -> _Blocks:
    layout = _layout(version)
    total = layout.data_order.size // 8
    count = _BLOCKS[level][version - 1]
    ecc = _ECC_PER_BLOCK[level][version - 1]
    short = total // count
    long_blocks = total % count
    lengths = tuple(short - ecc + (block >= count - long_blocks) for block in range(count))
    positions: list[list[int]] = [[] for _ in range(count)]
    index = 0
    for column in range(max(lengths)):
        for block in range(count):
            if column < lengths[block]:
                positions[block].append(index)
                index += 1
    for _column in range(ecc):
        for block in range(count):
            positions[block].append(index)
            index += 1
    if index != total:  # the tables and the layout disagree: a bug, not a picture
        raise AssertionError(f"version {version}-{level}: {index} != {total} codewords")
    capacity = (ecc - _PROTECTION.get((version, level), 0)) // 2
    width = short + 1
    order = np.full((count, width), -1, dtype=np.intp)
    for block, where in enumerate(positions):
        order[block, :len(where)] = where
    return _Blocks(lengths, ecc, capacity, order)


# --- Reed-Solomon over GF(256), primitive polynomial 0x11D ------------------------------

_EXP = np.zeros(512, dtype=np.int64)
_LOG = np.zeros(256, dtype=np.int64)
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
_EXP[255:510] = _EXP[:255]
_EXP_LIST: list[int] = [int(v) for v in _EXP]
_LOG_LIST: list[int] = [int(v) for v in _LOG]


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP_LIST[_LOG_LIST[a] + _LOG_LIST[b]]


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(256)")
    if a == 0:
        return 0
    return _EXP_LIST[(_LOG_LIST[a] - _LOG_LIST[b]) % 255]


def _poly_eval(coefficients: list[int], x: int) -> int:
    """Value at x of the polynomial with `coefficients` lowest degree first."""
    result = 0
    for coefficient in reversed(coefficients):
        result = _mul(result, x) ^ coefficient
    return result


def _syndromes(block: np.ndarray, ecc: int) -> np.ndarray:
    """S_j = r(alpha^j) for j = 0..ecc-1; block[0] is the highest degree coefficient."""
    n = block.size
    nonzero = np.flatnonzero(block)
    if nonzero.size == 0:
        return np.zeros(ecc, dtype=np.int64)
    degrees = n - 1 - nonzero
    logs = _LOG[block[nonzero]]
    exponents = (logs[None, :] + np.arange(ecc)[:, None] * degrees[None, :]) % 255
    return np.bitwise_xor.reduce(_EXP[exponents], axis=1)


def _berlekamp_massey(syndromes: list[int]) -> list[int]:
    """The error locator polynomial, lowest degree first (its degree is the error count)."""
    locator = [1]
    previous = [1]
    length = 0
    shift = 1
    last_discrepancy = 1
    for step, syndrome in enumerate(syndromes):
        discrepancy = syndrome
        for i in range(1, min(length, len(locator) - 1) + 1):
            discrepancy ^= _mul(locator[i], syndromes[step - i])
        if discrepancy == 0:
            shift += 1
            continue
        factor = _div(discrepancy, last_discrepancy)
        updated = locator + [0] * max(0, len(previous) + shift - len(locator))
        for i, coefficient in enumerate(previous):
            updated[i + shift] ^= _mul(factor, coefficient)
        if 2 * length <= step:
            previous = locator
            length = step + 1 - length
            last_discrepancy = discrepancy
            shift = 1
        else:
            shift += 1
        locator = updated
    while len(locator) > 1 and locator[-1] == 0:
        locator.pop()
    if len(locator) - 1 != length:
        raise QRDecodeError("error locator of the wrong degree")
    return locator


def _rs_correct(block: np.ndarray, ecc: int, capacity: int) -> np.ndarray:
    """The block with its errors corrected; QRDecodeError when it has more than `capacity`."""
    syndromes = _syndromes(block, ecc)
    if not syndromes.any():
        return block
    s = [int(v) for v in syndromes]
    locator = _berlekamp_massey(s)
    errors = len(locator) - 1
    if errors > capacity:
        raise QRDecodeError("a block has too many errors")
    n = block.size
    # Chien search: an error at degree d makes alpha^-d a root of the locator.
    degrees = [d for d in range(n) if _poly_eval(locator, _EXP_LIST[(255 - d) % 255]) == 0]
    if len(degrees) != errors:
        raise QRDecodeError("the errors cannot be located")
    # Forney: e = X * Omega(X^-1) / Lambda'(X^-1), for syndromes from alpha^0.
    omega = [0] * ecc
    for i, si in enumerate(s):
        for j, lj in enumerate(locator):
            if i + j < ecc:
                omega[i + j] ^= _mul(si, lj)
    derivative = [locator[i] if i % 2 == 1 else 0 for i in range(1, len(locator))]
    corrected = block.copy()
    for degree in degrees:
        x = _EXP_LIST[degree]
        x_inverse = _EXP_LIST[(255 - degree) % 255]
        denominator = _poly_eval(derivative, x_inverse)
        if denominator == 0:
            raise QRDecodeError("the errors cannot be corrected")
        magnitude = _mul(x, _div(_poly_eval(omega, x_inverse), denominator))
        corrected[n - 1 - degree] ^= magnitude
    if _syndromes(corrected, ecc).any():
        raise QRDecodeError("the correction did not give a codeword")
    return corrected


# --- The symbol's modules to its data codewords ----------------------------------------


def _format_positions(n: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(row, col) of format bits 0..14 in the copy by the top left finder and the other."""
    first = [(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)]
    first += [(8, 14 - i) for i in range(9, 15)]
    second = [(8, n - 1 - i) for i in range(8)] + [(n - 15 + i, 8) for i in range(8, 15)]
    return first, second


def _read_word(dark: np.ndarray, positions: list[tuple[int, int]]) -> int:
    return sum(int(dark[row, col]) << bit for bit, (row, col) in enumerate(positions))


def _formats(dark: np.ndarray) -> list[tuple[str, int]]:
    """(level, mask) candidates from the format information, most likely first."""
    found: dict[int, int] = {}
    for positions in _format_positions(dark.shape[0]):
        for errors, data in _nearest(_read_word(dark, positions), _FORMAT_CODES, 3):
            found[data] = min(errors, found.get(data, errors))
    if not found:
        raise QRDecodeError("no format information")
    ranked = sorted(found, key=lambda data: found[data])
    return [(_LEVEL_OF_FORMAT_BITS[data >> 3], data & 7) for data in ranked]


def _check_version(dark: np.ndarray, version: int) -> None:
    """For version 7 and up, either copy of the version information must give `version`."""
    if version < 7:
        return
    n = dark.shape[0]
    upper = [(i // 3, n - 11 + i % 3) for i in range(18)]
    lower = [(n - 11 + i % 3, i // 3) for i in range(18)]
    read = [found for positions in (upper, lower)
            for found in _nearest(_read_word(dark, positions), _VERSION_CODES, 3)]
    if not read or min(read)[1] != version:
        raise QRDecodeError("the version information does not match the symbol's size")


def decode_matrix(dark: np.ndarray) -> str:
    """The text of a QR symbol given as its modules (True or 1 = dark), without quiet zone,
    in reading orientation. Raises QRDecodeError when it cannot be read without doubt."""
    modules = np.asarray(dark).astype(bool)
    n = modules.shape[0]
    if modules.ndim != 2 or modules.shape[1] != n or (n - 17) % 4 or not 21 <= n <= 177:
        raise QRDecodeError("not the size of a QR symbol")
    version = (n - 17) // 4
    _check_version(modules, version)
    layout = _layout(version)
    raw = modules.ravel()[layout.data_order]
    problem: QRDecodeError | None = None
    for level, pattern in _formats(modules):
        bits = raw ^ _mask(version, pattern)[layout.data_order]
        codewords = np.packbits(bits[:bits.size // 8 * 8]).astype(np.int64)
        try:
            return _parse(_correct(codewords, version, level), version)
        except QRDecodeError as error:
            problem = error
    raise problem or QRDecodeError("unreadable")


def _correct(codewords: np.ndarray, version: int, level: str) -> bytes:
    blocks = _blocks(version, level)
    data = bytearray()
    for block, length in enumerate(blocks.data_lengths):
        where = blocks.order[block]
        corrected = _rs_correct(codewords[where[where >= 0]], blocks.ecc, blocks.capacity)
        data += bytes(int(v) for v in corrected[:length])
    return bytes(data)


# --- Data codewords to text -------------------------------------------------------------


class _Bits:
    def __init__(self, data: bytes) -> None:
        self._value = int.from_bytes(data, "big")
        self._size = len(data) * 8
        self.position = 0

    def left(self) -> int:
        return self._size - self.position

    def read(self, count: int) -> int:
        if count > self.left():
            raise QRDecodeError("the data ends inside a segment")
        self.position += count
        return self._value >> (self._size - self.position) & ((1 << count) - 1)


def _parse(data: bytes, version: int) -> str:
    bits = _Bits(data)
    size_class = 0 if version <= 9 else 1 if version <= 26 else 2
    runs: list[tuple[str | None, bytearray]] = []  # (charset, bytes); None: to be guessed
    charset: str | None = None

    def add(run_charset: str | None, chunk: bytes) -> None:
        if runs and runs[-1][0] == run_charset:
            runs[-1][1].extend(chunk)
        else:
            runs.append((run_charset, bytearray(chunk)))

    while bits.left() >= 4:
        mode = bits.read(4)
        if mode == 0:
            break
        if mode == 0b0111:
            charset = _ECI_CHARSETS.get(_read_eci(bits))
            if charset is None:
                raise QRDecodeError("an ECI this reader does not know")
            continue
        if mode not in _COUNT_BITS:
            # Structured append (0011), FNC1 (0101, 1001) or no mode at all.
            raise QRDecodeError(f"a segment mode this reader refuses ({mode:04b})")
        count = bits.read(_COUNT_BITS[mode][size_class])
        if mode == 0b0001:
            add("ascii", _numeric(bits, count).encode("ascii"))
        elif mode == 0b0010:
            add("ascii", _alphanumeric(bits, count).encode("ascii"))
        elif mode == 0b0100:
            add(charset, bytes(bits.read(8) for _ in range(count)))
        else:
            add("shift_jis", _kanji(bits, count))
    return _text(runs)


def _read_eci(bits: _Bits) -> int:
    if bits.read(1) == 0:
        return bits.read(7)
    if bits.read(1) == 0:
        return bits.read(14)
    if bits.read(1) == 0:
        return bits.read(21)
    raise QRDecodeError("a malformed ECI designator")


def _numeric(bits: _Bits, count: int) -> str:
    digits: list[str] = []
    while count > 0:
        take = min(count, 3)
        value = bits.read((4, 7, 10)[take - 1])
        if value >= 10**take:
            raise QRDecodeError("a numeric group out of range")
        digits.append(str(value).zfill(take))
        count -= take
    return "".join(digits)


def _alphanumeric(bits: _Bits, count: int) -> str:
    out: list[str] = []
    while count >= 2:
        value = bits.read(11)
        if value >= 45 * 45:
            raise QRDecodeError("an alphanumeric pair out of range")
        out += [_ALPHANUMERIC[value // 45], _ALPHANUMERIC[value % 45]]
        count -= 2
    if count:
        value = bits.read(6)
        if value >= 45:
            raise QRDecodeError("an alphanumeric character out of range")
        out.append(_ALPHANUMERIC[value])
    return "".join(out)


def _kanji(bits: _Bits, count: int) -> bytes:
    out = bytearray()
    for _ in range(count):
        value = bits.read(13)
        code = (value // 0xC0) << 8 | value % 0xC0
        code += 0x8140 if code + 0x8140 <= 0x9FFC else 0xC140
        out += code.to_bytes(2, "big")
    return bytes(out)


def _decode_bytes(chunk: bytes, charset: str) -> str:
    try:
        return chunk.decode(charset)
    except UnicodeDecodeError:
        if charset == "shift_jis":  # the Windows superset phones also accept
            return chunk.decode("cp932")
        raise


def _text(runs: list[tuple[str | None, bytearray]]) -> str:
    unknown = [bytes(chunk) for charset, chunk in runs if charset is None]
    guess = "latin-1"
    for candidate in ("utf-8", "shift_jis"):
        try:
            for chunk in unknown:
                _decode_bytes(chunk, candidate)
        except UnicodeDecodeError:
            continue
        guess = candidate
        break
    try:
        return "".join(_decode_bytes(bytes(chunk), charset or guess) for charset, chunk in runs)
    except (UnicodeDecodeError, LookupError) as error:
        raise QRDecodeError("the data is not text in its character set") from error


# --- The picture to modules -------------------------------------------------------------
#
# The detector's corners are good where the code has a finder pattern; the fourth (bottom
# right) corner is its guess, often several modules off in a photo taken at an angle, which
# skews a perspective transform through the four corners everywhere. So the finder patterns
# are measured on the corners' diagonals (which gives the orientation, the finder centres and
# the module size, hence the likely versions), the bottom right alignment pattern is searched
# in a wide window, and the transform is fitted to the pattern centres found.


@dataclass(frozen=True)
class _Hypothesis:
    version: int
    quad: np.ndarray  # the corners, ordered top left, top right, bottom right, bottom left
    centres: np.ndarray | None  # the finder centres (top left, top right, bottom left)


def decode_located(picture: np.ndarray, corners: np.ndarray) -> str | None:
    """The text of the QR code whose four outer corners (of the symbol without its quiet zone,
    as `cv2.QRCodeDetector.detect` gives them) are `corners` in `picture`, or None."""
    grey = picture if picture.ndim == 2 else cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
    quad = np.asarray(corners, dtype=np.float32).reshape(-1, 2)
    if quad.shape != (4, 2) or not _plausible(quad, grey.shape[:2]):
        return None
    grey, quad = _crop(grey, quad)
    try:
        for dark in _grids(_Smoothed(grey), quad):
            try:
                return decode_matrix(dark)
            except QRDecodeError:
                continue
    except cv2.error:
        return None
    return None


def _plausible(quad: np.ndarray, shape: tuple[int, ...]) -> bool:
    if not np.isfinite(quad).all():
        return False
    area = cv2.contourArea(quad)
    sides = np.linalg.norm(quad - np.roll(quad, 1, axis=0), axis=1)
    if area < (21 * MIN_MODULE_PX) ** 2 or sides.min() < 0.25 * sides.max():
        return False
    height, width = shape
    margin = 0.25 * sides.max()
    return bool((quad[:, 0] > -margin).all() and (quad[:, 0] < width + margin).all()
                and (quad[:, 1] > -margin).all() and (quad[:, 1] < height + margin).all())


def _crop(grey: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The part of the picture around the code (less to smooth), and the corners in it."""
    margin = 0.1 * float(np.ptp(quad, axis=0).max()) + 8
    x0 = max(int(quad[:, 0].min() - margin), 0)
    y0 = max(int(quad[:, 1].min() - margin), 0)
    x1 = min(int(quad[:, 0].max() + margin) + 1, grey.shape[1])
    y1 = min(int(quad[:, 1].max() + margin) + 1, grey.shape[0])
    return grey[y0:y1, x0:x1], quad - np.array([x0, y0], dtype=np.float32)


class _Smoothed:
    """The picture box-filtered to about a third of a module, per module size."""

    def __init__(self, grey: np.ndarray) -> None:
        self.grey = grey
        self._by_kernel: dict[int, np.ndarray] = {}

    def for_module(self, module_px: float) -> np.ndarray:
        kernel = max(1, int(module_px / 3))
        if kernel not in self._by_kernel:
            self._by_kernel[kernel] = (self.grey if kernel == 1 else
                                       cv2.blur(self.grey, (kernel, kernel)))
        return self._by_kernel[kernel]


def _grids(smoothed: _Smoothed, quad: np.ndarray) -> Iterator[np.ndarray]:
    """Binarised module grids to decode, the best matching the fixed patterns first; each
    thresholded globally (Otsu), then locally."""
    sampled: list[tuple[float, int, np.ndarray, float]] = []
    for hypothesis in _hypotheses(smoothed, quad):
        n = _side(hypothesis.version)
        image = smoothed.for_module(_module_px(hypothesis.quad, n))
        for homography in _homographies(image, hypothesis):
            values = _sample(image, homography, _centres(n))
            threshold = _otsu(values)
            if threshold is None:
                continue
            score = _pattern_score(values <= threshold, hypothesis.version)
            if score >= _MIN_PATTERN_SCORE:
                sampled.append((score, hypothesis.version, values, threshold))
    sampled.sort(key=lambda item: -item[0])
    for _score, version, values, threshold in sampled[:_MAX_TRIES]:
        yield values <= threshold
        yield _local_dark(values, threshold, version)


def _hypotheses(smoothed: _Smoothed, quad: np.ndarray) -> list[_Hypothesis]:
    frame = _finder_frame(smoothed.grey, quad)
    if frame is None:
        return _ranked(smoothed, quad)
    ordered, centres, estimate = frame
    versions = sorted(range(1, 41), key=lambda version: abs(_side(version) - estimate))
    close = [version for version in versions
             if abs(_side(version) - estimate) <= max(4.5, 0.12 * estimate)
             and _module_px(ordered, _side(version)) >= MIN_MODULE_PX]
    return [_Hypothesis(version, ordered, centres) for version in close[:_MAX_VERSIONS]]


def _module_px(quad: np.ndarray, n: int) -> float:
    sides = np.linalg.norm(quad - np.roll(quad, 1, axis=0), axis=1)
    return float(sides.mean()) / n


def _homography(quad: np.ndarray, n: int) -> np.ndarray:
    square = np.array([[0, 0], [n, 0], [n, n], [0, n]], dtype=np.float32)
    return cv2.getPerspectiveTransform(square, quad.astype(np.float32))


def _sample(image: np.ndarray, homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The picture's values at `points` (module coordinates, shape (..., 2))."""
    flat = points.reshape(-1, 1, 2).astype(np.float64)
    where = cv2.perspectiveTransform(flat, homography).reshape(*points.shape[:-1], 2)
    return _sample_pixels(image, where)


def _sample_pixels(image: np.ndarray, where: np.ndarray) -> np.ndarray:
    """The picture's values (bilinear) at pixel positions `where` (shape (..., 2))."""
    width = where.shape[-2] if where.ndim >= 3 else where.shape[0]
    map_x = np.ascontiguousarray(where[..., 0].reshape(-1, width), dtype=np.float32)
    map_y = np.ascontiguousarray(where[..., 1].reshape(-1, width), dtype=np.float32)
    values = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return values.reshape(where.shape[:-1]).astype(np.float32)


@cache
def _centres(n: int) -> np.ndarray:
    rows, cols = np.indices((n, n), dtype=np.float64)
    return np.stack([cols + 0.5, rows + 0.5], axis=-1)


def _otsu(values: np.ndarray) -> float | None:
    """The Otsu threshold of grey values, or None when there is no contrast."""
    low, high = float(values.min()), float(values.max())
    if high - low < 24:
        return None
    scaled = np.clip(values, 0, 255).astype(np.uint8).reshape(1, -1)
    threshold, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(threshold)


def _pattern_score(dark: np.ndarray, version: int) -> float:
    """The share of the version's fixed modules (finders, timing, alignment) that match."""
    layout = _layout(version)
    return float(np.mean(dark.ravel()[layout.known] == layout.known_dark))


def _local_dark(values: np.ndarray, threshold: float, version: int) -> np.ndarray:
    """Each module against the mean of its neighbourhood (for uneven light), moved halfway
    to the global threshold so that even areas keep their colour."""
    window = max(7, (_side(version) // 4) | 1)
    local = cv2.blur(values, (window, window), borderType=cv2.BORDER_REPLICATE)
    return values <= (local + threshold) / 2


# --- Finder patterns on the corners' diagonals

def _finder_frame(grey: np.ndarray, quad: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(the corners in reading order, the three finder centres, the estimated side in
    modules), or None when the corners do not show exactly three finder patterns."""
    inside = np.zeros(grey.shape, dtype=np.uint8)
    cv2.fillConvexPoly(inside, np.round(quad).astype(np.int32), (1,))
    threshold = _otsu(grey[inside.astype(bool)])
    if threshold is None:
        return None
    found = [_finder_at(grey, quad, corner, threshold) for corner in range(4)]
    missing = [corner for corner, finder in enumerate(found) if finder is None]
    if len(missing) != 1:
        return None
    order = [(missing[0] + 2 + i) % 4 for i in range(4)]  # the corner without a finder third
    if _signed_area(quad[order]) < 0:  # reading order runs clockwise on the picture
        order = [order[0], order[3], order[2], order[1]]
    finders = [found[order[0]], found[order[1]], found[order[3]]]
    centres = np.array([finder[0] for finder in finders if finder is not None])
    sizes = [finder[1] for finder in finders if finder is not None]
    top = float(np.linalg.norm(centres[1] - centres[0])) / ((sizes[0] + sizes[1]) / 2)
    left = float(np.linalg.norm(centres[2] - centres[0])) / ((sizes[0] + sizes[2]) / 2)
    return quad[order], centres, (top + left) / 2 + 7


def _signed_area(quad: np.ndarray) -> float:
    x, y = quad[:, 0].astype(np.float64), quad[:, 1].astype(np.float64)
    return float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) / 2


def _finder_at(grey: np.ndarray, quad: np.ndarray, corner: int, threshold: float
               ) -> tuple[np.ndarray, float] | None:
    """(the centre, the module size in pixels) of the finder pattern at `quad[corner]`, or
    None. Found on the diagonal from the corner, then measured across on lines parallel to
    the two edges (where blur does not round the squares' corners off)."""
    origin = quad[corner].astype(np.float64)
    diagonal = quad[(corner + 2) % 4] - origin
    reach = float(np.linalg.norm(diagonal))
    profile = _Profile(grey, origin, diagonal / reach, -0.03 * reach, 0.45 * reach, threshold)
    found = profile.pattern(lambda start, length: start <= 2 * length / 7 + 2)
    if found is None:
        return None
    centre = origin + found[0] * profile.unit
    half_width = 0.75 * found[1] / np.sqrt(2) * 7  # 1.5 finder half widths, in pixels
    sizes: list[float] = []
    for neighbour in ((corner + 1) % 4, (corner + 3) % 4):
        edge = (quad[neighbour] - origin).astype(np.float64)
        across = _Profile(grey, centre, edge / float(np.linalg.norm(edge)), -half_width,
                          half_width, threshold)
        measured = across.pattern(lambda start, end: start < 0 < start + end)
        if measured is None:
            return None
        centre = centre + measured[0] * across.unit
        sizes.append(measured[1])
    return centre, float(np.mean(sizes))


class _Profile:
    """The picture along a line, dark or not, in half-pixel steps."""

    def __init__(self, grey: np.ndarray, origin: np.ndarray, unit: np.ndarray, start: float,
                 stop: float, threshold: float) -> None:
        self.unit = unit
        self.positions = np.arange(start, stop, 0.5)
        where = origin + self.positions[:, None] * unit
        self.dark = _sample_pixels(grey, where) <= threshold

    def pattern(self, accept: Callable[[float, float], bool]) -> tuple[float, float] | None:
        """(the middle, the module size) of the first dark-light-dark-light-dark run in
        1:1:3:1:1 for which `accept(position of its start, its length)`, in pixels."""
        dark = self.dark
        edges = np.flatnonzero(np.diff(dark.astype(np.int8))) + 1
        starts = np.concatenate(([0], edges))
        lengths = np.diff(np.concatenate((starts, [dark.size]))).astype(np.float64) * 0.5
        for i in range(1, len(starts) - 5):  # whole runs only: not the first nor the last
            if not dark[starts[i]]:
                continue
            runs = lengths[i:i + 5]
            unit = runs.sum() / 7
            ones = runs[[0, 1, 3, 4]]
            if not (np.all(np.abs(ones - unit) < 0.6 * unit)
                    and abs(runs[2] - 3 * unit) < 1.1 * unit):
                continue
            start = float(self.positions[starts[i]])
            if not accept(start, float(runs.sum())):
                continue
            # The light runs' middles are 4 modules apart whatever the blur does to edges.
            inner = float(self.positions[starts[i + 1]]) + runs[1] / 2
            outer = float(self.positions[starts[i + 3]]) + runs[3] / 2
            return (inner + outer) / 2, (outer - inner) / 4
        return None


# --- The fallback: versions and orientations ranked by their fixed patterns


def _orientations(dark: np.ndarray) -> Iterator[tuple[np.ndarray, list[int]]]:
    """The 8 orientations (4 turns, mirrored or not) of a sampled grid, each with the corner
    order that samples it directly."""
    for turns in range(4):
        turned = np.rot90(dark, turns)
        order = [(turns + i) % 4 for i in range(4)]
        yield turned, order
        yield turned.T, [order[0], order[3], order[2], order[1]]


def _ranked(smoothed: _Smoothed, quad: np.ndarray) -> list[_Hypothesis]:
    """(version, orientation) candidates whose fixed patterns match through the corners."""
    scored: list[tuple[float, _Hypothesis]] = []
    for version in range(1, 41):
        n = _side(version)
        module_px = _module_px(quad, n)
        if module_px < MIN_MODULE_PX:
            break
        values = _sample(smoothed.for_module(module_px), _homography(quad, n), _centres(n))
        threshold = _otsu(values)
        if threshold is None:
            return []
        layout = _layout(version)
        score, order = max(
            ((float(np.mean(grid.ravel()[layout.known] == layout.known_dark)), order)
             for grid, order in _orientations(values <= threshold)), key=lambda item: item[0])
        if score >= _MIN_RANKED_SCORE:
            scored.append((score, _Hypothesis(version, quad[order], None)))
    scored.sort(key=lambda item: -item[0])
    return [hypothesis for _score, hypothesis in scored[:_MAX_VERSIONS]]


# --- The transform fitted to the finder and alignment patterns

# A finder with its light separator, and an alignment pattern (its surroundings are data).
_FINDER_TEMPLATE = np.pad(
    np.maximum(*np.abs(np.indices((7, 7)) - 3)) != 2, 1, constant_values=False)
_ALIGNMENT_TEMPLATE = np.maximum(*np.abs(np.indices((5, 5)) - 2)) != 1
_MIN_CORRELATION = 0.6


def _homographies(image: np.ndarray, hypothesis: _Hypothesis) -> list[np.ndarray]:
    """Module-to-picture transforms to try: fitted to the patterns, then the first guesses
    (through the finder centres and the detector's fourth corner, through the corners)."""
    n = _side(hypothesis.version)
    through_corners = _homography(hypothesis.quad, n)
    options = [through_corners]
    if hypothesis.centres is not None:
        model = np.array([[3.5, 3.5], [n - 3.5, 3.5], [3.5, n - 3.5], [n, n]], np.float32)
        found = np.vstack([hypothesis.centres, hypothesis.quad[2:3]]).astype(np.float32)
        options.insert(0, cv2.getPerspectiveTransform(model, found))
    fitted = _fit(image, options[0], hypothesis.version, hypothesis.centres)
    return options if fitted is None else [fitted, *options]


def _fit(image: np.ndarray, start: np.ndarray, version: int,
         finders: np.ndarray | None) -> np.ndarray | None:
    """The transform fitted to the finder centres (searched near where `start` puts them when
    not given) and the alignment patterns found; None without the bottom right one."""
    n = _side(version)
    model = [(3.5, 3.5), (n - 3.5, 3.5), (3.5, n - 3.5)]
    if finders is None:
        located = [_locate(image, start, x, y, _FINDER_TEMPLATE, 1.5) for x, y in model]
        if any(where is None for where in located):
            return None
        finders = np.array(located)
    centres = _alignment_centres(version)
    if not centres:
        return None
    # The bottom right alignment pattern, in a wide window: the guessed corner is near it.
    far = (n - 6.5, n - 6.5)
    corner_pattern = _locate(image, start, *far, _ALIGNMENT_TEMPLATE, 6.0)
    if corner_pattern is None:
        return None
    points = [*model, far]
    found = [*(tuple(centre) for centre in finders), tuple(corner_pattern)]
    homography = cv2.getPerspectiveTransform(np.array(points, np.float32),
                                             np.array(found, np.float32))
    others = [(col + 0.5, row + 0.5) for row, col in centres if (row, col) != (n - 7, n - 7)]
    for x, y in others:
        where = _locate(image, homography, x, y, _ALIGNMENT_TEMPLATE, 1.5)
        if where is not None:
            points.append((x, y))
            found.append(tuple(where))
    if len(points) == 4:
        return homography
    module_px = float(np.linalg.norm(np.subtract(found[1], found[0]))) / (n - 7)
    refined, _ = cv2.findHomography(np.array(points, np.float64).reshape(-1, 1, 2),
                                    np.array(found, np.float64).reshape(-1, 1, 2),
                                    cv2.RANSAC, max(0.75 * module_px, 1.0))
    return homography if refined is None else np.asarray(refined)


def _locate(image: np.ndarray, homography: np.ndarray, x: float, y: float,
            template: np.ndarray, reach: float) -> np.ndarray | None:
    """Where (in the picture) `template` centred near module point (x, y) is, searched within
    `reach` modules; None when it is not clearly there."""
    coarse = _best_shift(image, homography, x, y, template,
                         np.arange(-reach, reach + 1e-9, 0.5))
    if coarse is None:
        return None
    x, y = x + coarse[0], y + coarse[1]
    fine = _best_shift(image, homography, x, y, template, np.arange(-0.5, 0.5 + 1e-9, 0.125))
    if fine is None:
        return None
    point = np.array([[[x + fine[0], y + fine[1]]]], np.float64)
    return np.asarray(cv2.perspectiveTransform(point, homography)).reshape(2)


def _best_shift(image: np.ndarray, homography: np.ndarray, x: float, y: float,
                template: np.ndarray, shifts: np.ndarray) -> tuple[float, float] | None:
    """The shift (in modules, among `shifts` on both axes) from (x, y) that best aligns
    `template` on the picture; None when no shift shows it clearly."""
    size = template.shape[0]
    offsets = np.arange(size) + 0.5 - size / 2
    grid_x, grid_y = np.meshgrid(offsets, offsets)
    shift_x, shift_y = np.meshgrid(shifts, shifts)
    points = np.stack([x + shift_x[..., None, None] + grid_x,
                       y + shift_y[..., None, None] + grid_y], axis=-1)
    values = _sample(image, homography, points).reshape(*shift_x.shape, -1)
    light = np.where(template.ravel(), -1.0, 1.0)  # dark modules have low values
    light -= light.mean()
    centred = values - values.mean(axis=-1, keepdims=True)
    norms = np.linalg.norm(centred, axis=-1) * float(np.linalg.norm(light)) + 1e-6
    correlation = centred @ light / norms
    # The best match, the nearer one when two are about as good.
    penalty = 0.01 * np.hypot(shift_x, shift_y)
    best = np.unravel_index(int(np.argmax(correlation - penalty)), correlation.shape)
    if correlation[best] < _MIN_CORRELATION:
        return None
    return float(shifts[best[1]]), float(shifts[best[0]])
