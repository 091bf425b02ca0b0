"""Put on the ``PYTHONPATH`` of the servers and sync children the tests start (never by the product):
cheap password hashing there too (``tests.support.cheap_hashing``)."""

from tests.support.cheap_hashing import install

install()
