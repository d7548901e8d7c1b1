"""Finalizing an inspection, a named operation of the registry: the server's own verdict is the one that counts."""

from __future__ import annotations

from server.errors import ApiError
from server.models import Inspection
from server.models.base import utcnow
from server.services import changes, corrective_actions, events, rollups
from server.services.content_hash import inspection_hash
from server.services.inspections import SEVERITY_CLASSES, forget_switching_proposal, plans_as_dict, recompute_verdict


def apply_finalize(inspection: Inspection, data: dict) -> None:
    """Recompute plan and verdict from the recorded defects; refuse when the client's differ.

    The client sends the verdict it showed the inspector (and optionally its
    plan). A difference means the two sides judged different data or tables,
    so nothing is finalized and the server's figures come back in the error.
    """
    if inspection.status == "finalized":
        raise ApiError(409, "inspection_finalized", "A finalized inspection is read-only.")
    if inspection.status == "cancelled":
        raise ApiError(409, "inspection_cancelled", "A cancelled inspection cannot be finalized.")
    changes.flush()  # defects recorded earlier in this transaction count too
    plans, verdict = recompute_verdict(inspection)
    server_plan = plans_as_dict(plans)
    server_verdict = {cls: verdict.classes[cls].result for cls in SEVERITY_CLASSES} | {"overall": verdict.overall}
    claimed_verdict = data["verdict"]
    claimed_plan = data.get("plan")
    mismatched = sorted(k for k, v in server_verdict.items() if claimed_verdict.get(k) != v)
    if claimed_plan is not None:
        mismatched += sorted(f"plan.{cls}" for cls in SEVERITY_CLASSES if claimed_plan.get(cls) != server_plan[cls])
    if mismatched:
        raise ApiError(
            409, "verdict_mismatch",
            "The server's plan or verdict differs from the client's; nothing was finalized.",
            {"mismatched": mismatched, "server_verdict": server_verdict, "server_plan": server_plan,
             "counts": {cls: verdict.classes[cls].count for cls in SEVERITY_CLASSES}},
        )
    inspection.plan = server_plan
    for cls in SEVERITY_CLASSES:
        setattr(inspection, f"verdict_{cls}", server_verdict[cls])
    inspection.verdict = verdict.overall
    inspection.status = "finalized"
    forget_switching_proposal(inspection.factory_id)  # this lot moves the factory's switching state
    inspection.finished_at = data.get("finished_at") or utcnow()
    if inspection.started_at is None:
        inspection.started_at = inspection.finished_at
    for key in ("disposition", "finish_location"):
        if key in data:
            setattr(inspection, key, data[key])
    changes.flush()
    # In the same transaction: the hash printed on the reports is of exactly what was finalized.
    inspection.content_hash = inspection_hash(inspection)
    rollups.add_finalized(inspection)
    corrective_actions.after_finalize(inspection, {cls: verdict.classes[cls].count for cls in SEVERITY_CLASSES})
    announce_finalized(inspection)


def announce_finalized(inspection: Inspection) -> None:
    """Queue the notifications of a finalize in its own transaction: every finalize is announced as
    ``inspection_finalized``, and a failed lot also as ``inspection_failed`` (for those who want only those)."""
    payload = {
        "inspection_id": inspection.id,
        "factory_id": inspection.factory_id,
        "production_order_id": inspection.production_order_id,
        "inspection_type": inspection.inspection_type,
        "lot_size": inspection.lot_size,
        "verdict": inspection.verdict,
        "verdict_critical": inspection.verdict_critical,
        "verdict_major": inspection.verdict_major,
        "verdict_minor": inspection.verdict_minor,
        "disposition": inspection.disposition,
        "finished_at": inspection.finished_at,
        "content_hash": inspection.content_hash,
    }
    events.emit("inspection_finalized", payload, inspection.factory_id)
    if inspection.verdict == "fail":
        events.emit("inspection_failed", payload, inspection.factory_id)
