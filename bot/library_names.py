"""What a phrase library may be called: the config accepts, buttons carry and storage keeps only
such names. A name travels in button data (64 bytes with its signature) and is stored per chat:
letters, digits, 汉字, _ and -, so it is never a path or markup."""

from __future__ import annotations

import re

LIBRARY_NAME = re.compile(r"[\w-]+")
LIBRARY_NAME_BYTES = 24


def library_name_ok(name: str) -> bool:
    """
    >>> library_name_ok("女装"), library_name_ok("../../etc/passwd"), library_name_ok("<b>x")
    (True, False, False)
    """
    return bool(LIBRARY_NAME.fullmatch(name)) and len(name.encode()) <= LIBRARY_NAME_BYTES
