"""Printed documents: receipts (受理回执), approval slips (待遇核定通知单), rejection notices
(不予受理/不予支付告知书) and enrollment confirmations (参保登记回执) as PDF, with shaped Tibetan and a
signed QR code. Domain values in (``printing.model``), PDF bytes out (``printing.documents``);
imports ``forms`` and ``i18n`` only."""
