"""Sync protocol (wire schema, versioned, shared by client and server) and the client engine.

Not built yet: no issue for it has been filed. The store already records every change in its outbox
(``localdb``), which is what this package will send.
"""
