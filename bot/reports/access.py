"""Who may run the CoE's reports: members (and backups) of the directory's hub group.

A refusal is polite, and the attempt is recorded in the audit log through the
one door every event uses (`bot.audit.chain.append`).
"""

from __future__ import annotations

from bot.audit.chain import Event, append
from bot.clock import Clock
from bot.directory import Directory
from bot.replies import Reply, notice
from bot.store.database import Database


def is_coe(person: str, directory: Directory) -> bool:
    """True when `person` holds the CoE role: a member or backup of the hub group. An open hub
    (the built-in default with no STEWARD_HUB_MEMBERS) grants the role to nobody: reports name
    people and departments, so a trial set-up must name its hub to see them."""
    hub = directory.group(directory.hub)
    if hub is None:
        return False
    email = person.strip().lower()
    return bool(email) and (email in hub.members or email in hub.backups)


async def refuse(db: Database, clock: Clock, person: str, command: str) -> Reply:
    """Record the refused attempt and return the polite answer to show the person."""
    async with db.transaction() as session:
        await append(session, db, Event(actor=person.strip().lower() or "unknown", action="refused",
                                        detail={"command": command, "reason": "not in the CoE role"}),
                     clock.now())
    return notice("Reports are for the CoE team",
                  "Only members of the CoE hub can run /coe commands. If you need a figure, ask the hub; "
                  "this request has been noted.")
