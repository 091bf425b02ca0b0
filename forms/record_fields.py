"""What the person, enrollment, employer and application records carry that the forms check, in one
place for both ends of the sync: the server's checks of a pushed change (central/records.py) and the
counter's checks of a pulled record (localdb/pullcheck.py) read the same fields."""

from __future__ import annotations

import re

#: ``CCCCCC-NN-YYYYMMDD-SSSS``: county, counter, intake day, sequence
RECEIPT_RE = re.compile(r"^(\d{6})-(\d{2})-(\d{8})-(\d{4})$")
#: the person form's fields that are the person's own
PERSON_FIELDS = (
    "id_number",
    "name_zh",
    "name_bo",
    "sex",
    "birth_date",
    "ethnicity",
    "phone",
    "county_code",
    "category",
)
#: the person form's fields that are the enrollment's
ENROLLMENT_FIELDS = ("category", "contribution_base", "flexible_scheme", "insured_since")
#: the employer form's fields
EMPLOYER_FIELDS = (
    "uscc",
    "name_zh",
    "name_bo",
    "county_code",
    "rate_class",
    "avg_monthly_wage",
    "contact_phone",
)
#: what a decision sent by the other end must agree on with the engine's (besides its ``rule``)
DECISION_KEYS = (
    "eligible",
    "reasons",
    "leave_days",
    "allowance_days",
    "daily_rate",
    "allowance",
    "medical_paid_by",
)
