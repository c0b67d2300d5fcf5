"""UUIDv7 (RFC 9562): 48 bits of Unix time in milliseconds, the version and variant, 74 random bits.

Event ids are made on the device, without coordination, and sort by the moment they were made. Within a
process they are also strictly increasing: two ids in the same millisecond (or after the clock stepped
back) continue from the previous id plus one, in its random bits (the RFC's "monotonic random"), so
the node's push order, which is id order, is the order the events were recorded in.
"""

import secrets
import threading
import time
import uuid

_RANDOM_BITS = 74
_RANDOM_LIMIT = 1 << _RANDOM_BITS
_TIME_LIMIT = 1 << 48


class _Generator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def next(self, unix_ms: int) -> uuid.UUID:
        with self._lock:
            if unix_ms > self._last_ms:
                random_bits = secrets.randbits(_RANDOM_BITS)
            else:
                # Same millisecond or a clock that went back: stay on the last time and count up. Starting
                # from a fresh random value leaves room for about 2**73 increments before the time moves on.
                unix_ms, random_bits = self._last_ms, self._last_random + 1
                if random_bits >= _RANDOM_LIMIT:
                    unix_ms, random_bits = unix_ms + 1, secrets.randbits(_RANDOM_BITS - 1)
            self._last_ms, self._last_random = unix_ms, random_bits
        return _assemble(unix_ms, random_bits)


def _assemble(unix_ms: int, random_bits: int) -> uuid.UUID:
    if not 0 <= unix_ms < _TIME_LIMIT:
        raise ValueError(f"{unix_ms} ms is outside UUIDv7's 48-bit time")
    rand_a = random_bits >> 62  # the upper 12 random bits
    rand_b = random_bits & ((1 << 62) - 1)
    value = (unix_ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)


_generator = _Generator()


def uuid7(unix_ms: int | None = None) -> uuid.UUID:
    """A new UUIDv7, greater than every one this process made before. `unix_ms` defaults to the clock."""
    return _generator.next(time.time_ns() // 1_000_000 if unix_ms is None else unix_ms)


def uuid7_time_ms(value: uuid.UUID) -> int:
    """The Unix time in milliseconds a UUIDv7 carries."""
    return value.int >> 80
