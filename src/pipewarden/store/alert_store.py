"""Keep and read alerts, their events and the outbox in SQL (``SqlStore`` delegates here).

Every change of an alert is one transaction: the alert row, its event and the
event's outbox rows are kept together or not at all. An alert row changes only
from the version it was read at, so two processes cannot both change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Engine as Database
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from pipewarden.errors import RecordNotFoundError, StoreError
from pipewarden.store._errors import translated
from pipewarden.store.alert_records import (
    ALERT_STATUSES,
    AlertEventRecord,
    AlertRecord,
    OutboxItem,
)
from pipewarden.store.alert_tables import AlertEventRow, AlertRow, OutboxRow

__all__ = ["SqlAlerts"]


class SqlAlerts:
    """The alert tables of one SQL store."""

    def __init__(self, database: Database, writer: Database, *, url: str) -> None:
        self._database = database
        self._writer = writer
        self._read = sessionmaker(database, expire_on_commit=False)
        self._url = url

    def save_alert(
        self,
        alert: AlertRecord,
        event: AlertEventRecord | None,
        outbox: Sequence[OutboxItem] = (),
    ) -> tuple[AlertRecord, AlertEventRecord | None]:
        """Insert (``alert.id`` None) or update an alert, with an event and its outbox
        (an update without a transition, such as one more hit, has no event).

        Raises:
            StoreError: Another process changed the alert since it was read, or
                already holds an unresolved alert of this rule and subject.
        """
        try:
            with translated(self._url), self._writer.begin() as conn:
                if alert.id is None:
                    stored = replace(alert, version=1)
                    values = AlertRow.values_of(stored)
                    new_id = conn.execute(
                        insert(AlertRow).values(values).returning(AlertRow.id)
                    ).scalar_one()
                    stored = replace(stored, id=int(new_id))
                else:
                    stored = replace(alert, version=alert.version + 1)
                    changed = conn.execute(
                        update(AlertRow)
                        .where(
                            AlertRow.id == alert.id, AlertRow.version == alert.version
                        )
                        .values(AlertRow.values_of(stored))
                    ).rowcount
                    if changed != 1:
                        raise StoreError(
                            f"Alert {alert.id} changed in the store {self._url} while "
                            "it was being updated. Retry."
                        )
                assert stored.id is not None
                if event is None:
                    return stored, None
                event_id = conn.execute(
                    insert(AlertEventRow)
                    .values(AlertEventRow.values_of(event, stored.id))
                    .returning(AlertEventRow.id)
                ).scalar_one()
                if outbox:
                    conn.execute(
                        insert(OutboxRow),
                        [
                            OutboxRow.values_of(
                                item, event_id=int(event_id), alert_id=stored.id
                            )
                            for item in outbox
                        ],
                    )
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError) and alert.id is None:
                raise StoreError(
                    f"The store {self._url} already holds an unresolved alert of rule "
                    f"'{alert.rule}' for {alert.subject} (another process opened it). "
                    "Retry to update that one."
                ) from exc
            raise
        return stored, replace(event, alert_id=stored.id, id=int(event_id))

    def get_alert(self, alert_id: int) -> AlertRecord:
        """One alert by id.

        Raises:
            RecordNotFoundError: No alert has this id.
        """
        with translated(self._url), self._read() as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                raise RecordNotFoundError(
                    f"No alert {alert_id} in the store {self._url}. "
                    "List them with: pipewarden alerts list --status all"
                )
            return row.to_domain()

    def list_alerts(
        self,
        *,
        status: Sequence[str] | None = None,
        rule: str | None = None,
        subject: str | None = None,
        limit: int | None = None,
    ) -> list[AlertRecord]:
        """Alerts, newest first, of some statuses (all when None)."""
        query = select(AlertRow).order_by(AlertRow.opened_at.desc(), AlertRow.id.desc())
        if status is not None:
            unknown = set(status) - set(ALERT_STATUSES)
            if unknown:
                raise StoreError(
                    f"Unknown alert status {sorted(unknown)[0]!r}; use one of "
                    + ", ".join(ALERT_STATUSES)
                    + "."
                )
            query = query.where(AlertRow.status.in_(list(status)))
        if rule is not None:
            query = query.where(AlertRow.rule == rule)
        if subject is not None:
            query = query.where(AlertRow.subject == subject)
        if limit is not None:
            query = query.limit(limit)
        with translated(self._url), self._read() as session:
            return [row.to_domain() for row in session.scalars(query)]

    def list_alert_events(self, alert_id: int | None = None) -> list[AlertEventRecord]:
        """The events of one alert (or of all), oldest first."""
        query = select(AlertEventRow).order_by(AlertEventRow.id)
        if alert_id is not None:
            query = query.where(AlertEventRow.alert_id == alert_id)
        with translated(self._url), self._read() as session:
            return [row.to_domain() for row in session.scalars(query)]

    def claim_outbox(
        self, now: datetime, *, lease: timedelta, limit: int = 100
    ) -> list[OutboxItem]:
        """Pending notifications due at ``now``, each leased to the caller.

        A claimed item's ``next_attempt_at`` moves to ``now + lease`` in the same
        transaction, so another deliverer skips it until the lease ends (and takes it
        over if this one crashed).
        """
        query = (
            select(OutboxRow.id, OutboxRow.next_attempt_at)
            .where(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(limit)
        )
        claimed: list[int] = []
        with translated(self._url), self._writer.begin() as conn:
            for item_id, due in conn.execute(query).all():
                changed = conn.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == item_id, OutboxRow.next_attempt_at == due)
                    .values(next_attempt_at=now + lease)
                ).rowcount
                if changed == 1:
                    claimed.append(int(item_id))
        if not claimed:
            return []
        with translated(self._url), self._read() as session:
            rows = session.scalars(
                select(OutboxRow)
                .where(OutboxRow.id.in_(claimed))
                .order_by(OutboxRow.id)
            )
            return [row.to_domain() for row in rows]

    def update_outbox(self, item: OutboxItem) -> None:
        """Keep the outcome of a delivery attempt (status, attempts, error, times)."""
        assert item.id is not None
        with translated(self._url), self._writer.begin() as conn:
            conn.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item.id)
                .values(
                    status=item.status,
                    attempts=item.attempts,
                    next_attempt_at=item.next_attempt_at,
                    last_error=item.last_error,
                    sent_at=item.sent_at,
                )
            )

    def list_outbox(self, *, status: str | None = None) -> list[OutboxItem]:
        """Notifications in the outbox, oldest first."""
        query = select(OutboxRow).order_by(OutboxRow.id)
        if status is not None:
            query = query.where(OutboxRow.status == status)
        with translated(self._url), self._read() as session:
            return [row.to_domain() for row in session.scalars(query)]
