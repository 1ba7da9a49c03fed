"""`field__any_of=values`: one array parameter instead of one parameter per value (PostgreSQL).

A bank-file batch looks up to 5,000 references, entry keys or pledge ids at once. As `field__in`, Django resolves and
psycopg splits 5,000 placeholders per query, and PostgreSQL parses them: in a profile of a 100,000-payment import that
was about a tenth of the worker's time. `field = ANY(%s)` passes the values as one array (the same plan: PostgreSQL
turns an IN list into `= ANY(ARRAY[...])` itself). Other databases get the plain `IN (...)`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.lookups import In


@models.Field.register_lookup
class AnyOf(In):
    lookup_name = "any_of"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=False) for value in self.rhs]
        return f"{lhs} = ANY(%s)", [*lhs_params, values]


# A foreign key has lookups of its own (related lookups): `pledge_id__any_of` needs it registered there too.
models.ForeignObject.register_lookup(AnyOf)
