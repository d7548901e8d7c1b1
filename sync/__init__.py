"""The Seamline sync protocol: its pure core (sync.core) and a Python client (sync.client).

Nothing here imports Flask or the server; see PROTOCOL.md for the rules.
"""

PROTOCOL_VERSION = 1
SCHEMA_VERSION = 1
