"""HSA-id: the national identifier of care units, providers' units and staff (SE + organisation number + local part)."""

import re

# [0-9], not \d: \d also matches other scripts' digits ("٣"), which no register or catalogue writes
HSA_RE = re.compile(r"^SE[0-9]{10}-[A-Z0-9]{1,40}$")
