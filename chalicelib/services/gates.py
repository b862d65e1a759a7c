"""List gates (data/gates.py): written with their parent, rewritten with its visibility, read with the list.

A list under a demand or an activity is one Query that returns the gate first; the caller is
authorized from it. A parent written before gates existed has none: the list then reads the parent
as it did before (one GetItem more), so such data stays correct without a backfill.
"""
from __future__ import annotations

from typing import Any

from chalicelib.auth.principal import Principal
from chalicelib.data.base import Transaction
from chalicelib.data.demands import Demand
from chalicelib.data.gates import (
    GATE_KEY,
    ActivitiesGate,
    ClaimsGate,
    RatingsGate,
    RosterGate,
    TimelineGate,
    activities_gate_id,
)
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import Role
from chalicelib.services.pagination import read_with_head


def demand_created(tx: Transaction, demand: Demand) -> None:
    """Every gate of a new demand (a draft: not publicly visible), in its creation's transaction."""
    tx.put(TimelineGate(demand.demand_id, org_id=demand.org_id))
    visibility_changed(tx, demand, visible=False)


def visibility_changed(tx: Transaction, demand: Demand, *, visible: bool) -> None:
    """The public lists' gates follow the demand's visibility, in the transaction that changes it (whole puts:
    the same write repairs a missing gate)."""
    demand_id, org_id = demand.demand_id, demand.org_id
    tx.put(ClaimsGate(demand_id, confirmed_demand=demand_id, org_id=org_id, visible=visible))
    tx.put(ActivitiesGate(activities_gate_id(demand_id), demand_id=demand_id, org_id=org_id, visible=visible))
    tx.put(RatingsGate(demand_id, org_id=org_id, visible=visible))


def activity_created(tx: Transaction, activity_id: str, org_id: str) -> None:
    tx.put(RosterGate(activity_id, org_id=org_id))


def may_read(caller: Principal | None, org_id: str, visible: bool) -> bool:
    """Who may read a demand (and its public lists): anyone while it is publicly visible, else its 团组织
    and operators. The one statement of the rule: services/demands.require_readable applies it to a demand,
    the lists to their gate."""
    return visible or (caller is not None and (caller.account_id == org_id or caller.role is Role.OPERATOR))


def demand_list(caller: Principal | None, query: Any, demand_id: str, *, gate: type, gate_key: tuple[str, str],
                model: type, key_names: tuple[str, ...], limit: int, start: dict | None = None,
                newest_first: bool = False, **kwargs: Any) -> tuple[list, dict | None]:
    """A public list of a demand's children, for a caller who may read the demand (else 404): one Query."""
    head, items, last = read_with_head(query, demand_id, model=model, head=gate, head_key=gate_key,
                                       key_names=key_names, limit=limit, start=start, newest_first=newest_first,
                                       **kwargs)
    if start is None:   # later pages carry no gate: their signed cursor came with an authorized first page
        if head is None:
            from chalicelib.services import demands  # not at import: demands imports this module
            demands.readable_demand(caller, demand_id)
        elif not may_read(caller, head.org_id, bool(head.visible)):
            raise AppError(ErrorCode.NOT_FOUND)
    return items, last


def owner_list(caller: Principal, query: Any, parent_id: str, *, gate: type, gate_key_name: str, model: type,
               key_names: tuple[str, ...], limit: int, start: dict | None, owner_of: Any,
               operator_may: bool = False, **kwargs: Any) -> tuple[list, dict | None]:
    """A list only the parent's owner (and, with `operator_may`, operators) reads: one Query (ascending
    range key `gate_key_name`, the gate under GATE_KEY first). `owner_of(parent_id)` reads the parent's owner when the
    gate is missing (a parent older than gates; unknown ids are 404 there)."""
    head, items, last = read_with_head(query, parent_id, model=model, head=gate, head_key=(gate_key_name, GATE_KEY),
                                       key_names=key_names, limit=limit, start=start, newest_first=False, **kwargs)
    if start is None:
        owner = head.org_id if head is not None else owner_of(parent_id)
        if owner != caller.account_id and not (operator_may and caller.role is Role.OPERATOR):
            raise AppError(ErrorCode.NOT_FOUND)
    return items, last

