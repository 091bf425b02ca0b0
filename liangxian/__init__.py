"""The application shell of liangxian (两险合并经办窗口): the ``liangxian`` command and its
subcommands, wiring the layers together. Domain logic lives in ``forms/``, storage in ``localdb/``,
documents in ``printing/``, the Qt UI in ``desktop/``."""

__version__ = "0.1.0"
