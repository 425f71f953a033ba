"""PostgreSQL: make the audit log append-only for everyone but the database owner.

`harden(db, role)` (run by `steward db harden` as the schema's owner, after `db upgrade`):

* triggers refuse UPDATE, DELETE and TRUNCATE on `audit_event` — no retention path
  touches that table: a purge removes draft texts elsewhere and records itself as a new event;
* triggers keep `audit_head` honest: it cannot be deleted, its seq never moves back, and
  at commit it must name the last event's seq and hash (a deferred constraint trigger);
* ROLE (created NOLOGIN if missing) may SELECT and INSERT on `audit_event`, SELECT and
  UPDATE (forward only, see above) on `audit_head`, and read and write the other tables.

Steward then runs as a login role that is a member of ROLE; only the owner could drop
the triggers, and a signed checkpoint outside the database catches what the owner does.
Idempotent: running it again replaces the functions and triggers and re-grants.
"""

from __future__ import annotations

import re

from sqlalchemy import text

from bot.store.database import Database


class HardenError(RuntimeError):
    """Hardening is not possible here (e.g. on SQLite); the message says why."""


ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION steward_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'the audit log is append-only: % on audit_event is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE OR REPLACE FUNCTION steward_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit head cannot be deleted' USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NEW.seq < OLD.seq THEN
        RAISE EXCEPTION 'the audit head cannot move back (from % to %)', OLD.seq, NEW.seq
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE OR REPLACE FUNCTION steward_audit_head_matches() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE last_seq bigint; last_hash text; head_seq bigint; head_hash text;
    BEGIN
      -- Deferred to commit, and maybe queued once per append: check the head as it is now.
      SELECT seq, hash INTO head_seq, head_hash FROM audit_head WHERE id = NEW.id;
      SELECT seq, hash INTO last_seq, last_hash FROM audit_event ORDER BY seq DESC LIMIT 1;
      IF COALESCE(last_seq, 0) <> head_seq OR (last_seq IS NOT NULL AND last_hash <> head_hash) THEN
        RAISE EXCEPTION 'the audit head (#%) does not name the last event (#%)', head_seq, COALESCE(last_seq, 0)
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NULL;
    END $$""",
]

_TRIGGERS = [
    ("steward_audit_event_no_change", "audit_event",
     "CREATE TRIGGER steward_audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
     "FOR EACH ROW EXECUTE FUNCTION steward_audit_refuse()"),
    ("steward_audit_event_no_truncate", "audit_event",
     "CREATE TRIGGER steward_audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
     "FOR EACH STATEMENT EXECUTE FUNCTION steward_audit_refuse()"),
    ("steward_audit_head_forward", "audit_head",
     "CREATE TRIGGER steward_audit_head_forward BEFORE UPDATE OR DELETE ON audit_head "
     "FOR EACH ROW EXECUTE FUNCTION steward_audit_head_forward()"),
    ("steward_audit_head_matches", "audit_head",
     "CREATE CONSTRAINT TRIGGER steward_audit_head_matches AFTER UPDATE ON audit_head "
     "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION steward_audit_head_matches()"),
]

_AUDIT_TABLES = ("audit_event", "audit_head")


async def harden(db: Database, role: str = "steward_app") -> list[str]:
    """Install the triggers and the role; returns what was done, one line each."""
    if not db.is_postgres:
        raise HardenError("`db harden` is for PostgreSQL; a SQLite file is protected by file permissions "
                          "and signed checkpoints (see SECURITY.md)")
    if not ROLE_NAME.match(role):
        raise HardenError(f"--role '{role}' is not a plain role name (lower-case letters, digits, _)")
    done: list[str] = []
    async with db.engine.begin() as conn:
        for sql in _FUNCTIONS:
            await conn.execute(text(sql))
        for name, table, sql in _TRIGGERS:
            await conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            await conn.execute(text(sql))
        done.append("audit_event: UPDATE, DELETE and TRUNCATE refused by triggers")
        done.append("audit_head: cannot be deleted or moved back, must name the last event at commit")
        exists = (await conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})).first()
        if not exists:
            await conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
            done.append(f"role {role} created (NOLOGIN; grant it to Steward's login role)")
        schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
        tables = [t for (t,) in await conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))]
        await conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}'))
        for table in tables:
            await conn.execute(text(f'REVOKE ALL ON "{table}" FROM {role}'))
            if table == "audit_event":
                await conn.execute(text(f'GRANT SELECT, INSERT ON "{table}" TO {role}'))
            elif table == "audit_head":
                await conn.execute(text(f'GRANT SELECT, UPDATE ON "{table}" TO {role}'))
            elif table == "alembic_version":
                await conn.execute(text(f'GRANT SELECT ON "{table}" TO {role}'))
            else:
                await conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{table}" TO {role}'))
        await conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}'))
        done.append(f"role {role}: SELECT, INSERT on audit_event; SELECT, UPDATE on audit_head; "
                    f"read/write on the other {len([t for t in tables if t not in _AUDIT_TABLES])} tables "
                    f"of schema {schema}")
    return done
