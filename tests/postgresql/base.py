"""Django's PostgreSQL backend, with a flush that deletes rows instead of truncating tables.

Every transactional test (real threads, real commits) and the browser tests' restore end with
a flush. TRUNCATE gives each of the ~170 tables a new file: a second or more per flush on this
machine, several under load. The tables then hold only a few hundred rows, which DELETE
removes in tens of milliseconds."""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            # Restarting the id sequences, or reaching tables not listed: TRUNCATE does both.
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # Django creates every foreign key DEFERRABLE: checked at the commit of the flush, once
        # all the tables are empty, so the order of the deletions does not matter.
        return ["SET CONSTRAINTS ALL DEFERRED;"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
