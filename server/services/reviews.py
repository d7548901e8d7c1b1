"""Design review (issue 14): the rules of a review and its comments, the designer's review queue, and a
style's defect history split at each tech-pack version.

A review names a group of defects: one defect type at one severity, found in one finalized inspection, for
one style the inspection covered (the style of its tech pack, or of its items). "Unreviewed" means that no
review names the group yet.

The queue reads the groups from their rollup (server.models.DefectGroup, kept at finalize by
server.services.rollups) and joins each group's live review by the group's key.

Figures follow the managers' definitions (server.services.analytics): finalized, not deleted inspections;
units inspected are each inspection's largest class sample size; DHU is 100 x defects / units inspected.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import and_, case, false, func, or_, select, true, union
from sqlalchemy.orm import aliased

from server.authz import factory_scope
from server.errors import ApiError, not_found, validation_error
from server.extensions import db
from server.models import (
    DefectGroup,
    DefectReview,
    DefectType,
    Factory,
    Inspection,
    InspectionDefect,
    InspectionItem,
    Photo,
    ReviewComment,
    Style,
    TechPackVersion,
    User,
)
from server.schemas.reviews import UNREVIEWED
from server.services import events
from server.services.analytics import _day_start, units_inspected
from server.services.records import lookup, value_before
from server.services.rollups import SEVERITY_RANK

# Statuses that say design changed the tech pack: the review must name the version that carries the fix.
NEEDS_FIX_VERSION = ("action_in_tech_pack",)
DEFECTS_PER_ROW = 20
PHOTOS_PER_ROW = 6


# --- the rules of a review and of a comment (registry before_write hooks) --------------------------


def styles_of(inspection: Inspection) -> set[uuid.UUID]:
    """The styles an inspection covered: its tech pack's, and its items'."""
    found = set(db.session.scalars(select(InspectionItem.style_id).where(
        InspectionItem.inspection_id == inspection.id, InspectionItem.deleted_at.is_(None))))
    if inspection.tech_pack_version_id is not None:
        pack = lookup(TechPackVersion, inspection.tech_pack_version_id)
        if pack is not None:
            found.add(pack.style_id)
    return found


def before_review_write(user: User, review: DefectReview, data: dict, is_new: bool) -> None:
    inspection = lookup(Inspection, review.inspection_id)  # the generic rules found it live and visible
    if inspection.status != "finalized":
        raise ApiError(409, "inspection_not_finalized",
                       "Only the defects of a finalized inspection can be reviewed.", {"inspection_id": [
                           "The inspection is not finalized."]})
    if is_new:
        _check_group(review, inspection)
    if review.fix_tech_pack_version_id is not None:
        pack = lookup(TechPackVersion, review.fix_tech_pack_version_id)
        if pack is not None and not pack.is_deleted and pack.style_id != review.style_id:
            raise validation_error({"fix_tech_pack_version_id": [
                "Must be a tech-pack version of the reviewed style."]})
    if review.status in NEEDS_FIX_VERSION:
        missing = {}
        if review.root_cause is None:
            missing["root_cause"] = ["Say what caused the defects before changing the tech pack."]
        if review.fix_tech_pack_version_id is None:
            missing["fix_tech_pack_version_id"] = ["Name the tech-pack version that carries the fix."]
        if missing:
            raise validation_error(missing)
    previous = None if is_new else value_before(review, "status")
    if is_new or previous != review.status:
        events.emit("review_status_changed", {
            "review_id": review.id, "inspection_id": review.inspection_id, "factory_id": review.factory_id,
            "style_id": review.style_id, "defect_type_id": review.defect_type_id, "severity": review.severity,
            "status": review.status, "previous_status": previous,
            "root_cause": review.root_cause, "fix_tech_pack_version_id": review.fix_tech_pack_version_id,
        }, review.factory_id)


def _check_group(review: DefectReview, inspection: Inspection) -> None:
    styles = styles_of(inspection)
    if review.style_id is None:
        if len(styles) != 1:
            raise validation_error({"style_id": ["Name the style: the inspection covers "
                                                 f"{'several styles' if styles else 'no style'}."]})
        review.style_id = next(iter(styles))
    elif review.style_id not in styles:
        raise validation_error({"style_id": ["Not a style of this inspection."]})
    found = db.session.scalar(select(func.count()).select_from(InspectionDefect).where(
        InspectionDefect.inspection_id == inspection.id, InspectionDefect.defect_type_id == review.defect_type_id,
        InspectionDefect.severity == review.severity, InspectionDefect.deleted_at.is_(None)))
    if not found:
        raise validation_error({"defect_type_id": ["No defect of this type and severity in the inspection."]})
    taken = db.session.scalar(select(DefectReview.id).where(
        DefectReview.inspection_id == inspection.id, DefectReview.style_id == review.style_id,
        DefectReview.defect_type_id == review.defect_type_id, DefectReview.severity == review.severity,
        DefectReview.deleted_at.is_(None), DefectReview.id != review.id).limit(1))
    if taken is not None:
        raise ApiError(409, "review_exists", "These defects already have a review: change that one.",
                       {"id": [str(taken)]})


# --- the review queue ------------------------------------------------------------------------------


def inspection_styles():
    """(inspection_id, style_id) for every style an inspection covered (see styles_of)."""
    items = select(InspectionItem.inspection_id.label("inspection_id"), InspectionItem.style_id.label("style_id")) \
        .where(InspectionItem.deleted_at.is_(None))
    packs = select(Inspection.id.label("inspection_id"), TechPackVersion.style_id.label("style_id")) \
        .join(TechPackVersion, TechPackVersion.id == Inspection.tech_pack_version_id)
    return union(items, packs).subquery("inspection_styles")


def _finalized_in_scope(user: User) -> list:
    conditions = [Inspection.status == "finalized", Inspection.deleted_at.is_(None)]
    scope = factory_scope(user)
    if scope is not None:
        conditions.append(Inspection.factory_id.in_(scope) if scope else false())
    return conditions


def _group_filters(user: User, args: dict) -> list:
    """The queue's filters but the review status, as conditions on the groups (server.models.DefectGroup)."""
    conditions = []
    scope = factory_scope(user)
    if scope is not None:
        conditions.append(DefectGroup.factory_id.in_(scope) if scope else false())
    for name, column in (("style_id", DefectGroup.style_id), ("season", DefectGroup.season),
                         ("category", DefectGroup.category), ("factory_id", DefectGroup.factory_id),
                         ("defect_type_id", DefectGroup.defect_type_id),
                         ("defect_category", DefectGroup.defect_category), ("severity", DefectGroup.severity)):
        if args.get(name):
            conditions.append(column == args[name])
    if args.get("date_from"):
        conditions.append(DefectGroup.finished_at >= _day_start(args["date_from"]))
    if args.get("date_to"):
        conditions.append(DefectGroup.finished_at < _day_start(args["date_to"] + timedelta(days=1)))
    return conditions


def _with_review(stmt):
    """The groups with their live review, if any (looked up by the review's group key)."""
    return stmt.select_from(DefectGroup).outerjoin(DefectReview, and_(
        DefectReview.inspection_id == DefectGroup.inspection_id, DefectReview.style_id == DefectGroup.style_id,
        DefectReview.defect_type_id == DefectGroup.defect_type_id, DefectReview.severity == DefectGroup.severity,
        DefectReview.deleted_at.is_(None)))


def _review_status_condition(status: str | None):
    if status == UNREVIEWED:
        return DefectReview.id.is_(None)
    if status:
        return DefectReview.status == status
    return true()


def _unreviewed_in_order():
    """No live review names the group, said for the page as a count per group rather than ``review IS NULL`` on
    the outer join, which PostgreSQL plans as a hash anti-join, whose output has no order, so it would read and
    sort every group to find one page. The count is looked up per group while reading the queue's index."""
    review = aliased(DefectReview)
    return select(func.count()).select_from(review).where(
        review.inspection_id == DefectGroup.inspection_id, review.style_id == DefectGroup.style_id,
        review.defect_type_id == DefectGroup.defect_type_id, review.severity == DefectGroup.severity,
        review.deleted_at.is_(None)).correlate(DefectGroup).scalar_subquery() == 0


def queue(user: User, args: dict) -> dict:
    """The designer's home: groups of defects of finalized inspections, by style, with their reviews.

    Read from the groups' rollup: one grouped query gives the total and the unreviewed counts per style, and
    the page is the next rows of the queue's order (an index), filtered, limited and offset in SQL."""
    filters = _group_filters(user, args)
    wanted = _review_status_condition(args.get("review_status"))
    unreviewed = DefectReview.id.is_(None)

    def unreviewed_defects(severity):
        return func.sum(case((and_(unreviewed, DefectGroup.severity == severity), DefectGroup.count), else_=0))

    per_style = db.session.execute(_with_review(select(
        DefectGroup.style_id, func.sum(case((wanted, 1), else_=0)).label("groups"),
        unreviewed_defects("critical").label("critical"), unreviewed_defects("major").label("major")))
        .where(*filters).group_by(DefectGroup.style_id)).all()
    total = sum(int(s.groups or 0) for s in per_style)
    counted = {s.style_id: (int(s.critical or 0), int(s.major or 0)) for s in per_style if s.critical or s.major}
    styles = {s.id: s for s in db.session.execute(
        select(Style.id, Style.style_number, Style.name).where(Style.id.in_(list(counted))))} if counted else {}
    unreviewed_by_style = {style_id: {"style_id": style_id, "style_number": styles[style_id].style_number,
                                      "name": styles[style_id].name, "critical": critical, "major": major}
                           for style_id, (critical, major) in counted.items()}

    page, page_size = args["page"], args["page_size"]
    in_page = _unreviewed_in_order() if args.get("review_status") == UNREVIEWED else wanted
    order = (DefectGroup.style_number, DefectGroup.style_id, DefectGroup.severity_rank,
             DefectGroup.finished_at.desc(), DefectGroup.defect_code, DefectGroup.inspection_id)
    groups = (_with_review(select(
        DefectGroup.inspection_id, DefectGroup.style_id, DefectGroup.defect_type_id, DefectGroup.severity,
        DefectGroup.count, DefectGroup.finished_at, DefectGroup.style_number, DefectGroup.severity_rank,
        DefectGroup.defect_code, DefectReview.id.label("review_id")))
        .where(*filters, in_page).order_by(*order).limit(page_size).offset((page - 1) * page_size)
        .subquery("groups"))
    fix = aliased(TechPackVersion)
    rows = db.session.execute(
        select(groups, Inspection.inspection_type, Inspection.factory_id, Factory.name.label("factory_name"),
               Style.name.label("style_name"), Style.season, Style.category, DefectType.code,
               DefectType.name.label("defect_name"), DefectType.category.label("defect_category"),
               DefectReview.status, DefectReview.root_cause, DefectReview.fix_tech_pack_version_id,
               fix.version_label.label("fix_version_label"))
        .join(Inspection, Inspection.id == groups.c.inspection_id)
        .join(Factory, Factory.id == Inspection.factory_id)
        .join(Style, Style.id == groups.c.style_id)
        .join(DefectType, DefectType.id == groups.c.defect_type_id)
        .outerjoin(DefectReview, DefectReview.id == groups.c.review_id)
        .outerjoin(fix, fix.id == DefectReview.fix_tech_pack_version_id)
        .order_by(groups.c.style_number, groups.c.style_id, groups.c.severity_rank, groups.c.finished_at.desc(),
                  groups.c.defect_code, groups.c.inspection_id)).all()
    details = _row_details(rows)
    by_style: dict = {}
    for r in rows:
        style = by_style.get(r.style_id)
        if style is None:
            critical, major = counted.get(r.style_id, (0, 0))
            style = by_style[r.style_id] = {
                "style_id": r.style_id, "style_number": r.style_number, "name": r.style_name, "season": r.season,
                "category": r.category, "rows": [], "unreviewed": {"critical": critical, "major": major}}
        style["rows"].append(_queue_row(r, details))
    listed = sorted(unreviewed_by_style.values(), key=lambda s: (-s["critical"], -s["major"], s["style_number"]))
    return {"total": total, "page": page, "page_size": page_size,
            "unreviewed": {"critical": sum(s["critical"] for s in listed), "major": sum(s["major"] for s in listed)},
            "unreviewed_by_style": listed, "styles": list(by_style.values())}


def _row_details(rows) -> dict:
    """For the page's groups: some of their defects (notes, where found), stored photos, and comment counts."""
    if not rows:
        return {"defects": {}, "photos": {}, "comments": {}}
    keys = {(r.inspection_id, r.defect_type_id, r.severity) for r in rows}
    defects: dict = defaultdict(list)
    for d in db.session.scalars(
            select(InspectionDefect).where(InspectionDefect.deleted_at.is_(None), or_(*[
                and_(InspectionDefect.inspection_id == i, InspectionDefect.defect_type_id == t,
                     InspectionDefect.severity == s) for i, t, s in keys]))
            .order_by(InspectionDefect.created_at, InspectionDefect.id)):
        defects[(d.inspection_id, d.defect_type_id, d.severity)].append(d)
    group_of = {d.id: key for key, found in defects.items() for d in found}
    photos: dict = defaultdict(list)
    if group_of:
        for p in db.session.scalars(select(Photo).where(
                Photo.defect_id.in_(list(group_of)), Photo.storage_state == "stored", Photo.deleted_at.is_(None))
                .order_by(Photo.created_at, Photo.id)):
            photos[group_of[p.defect_id]].append(p)
    review_ids = [r.review_id for r in rows if r.review_id is not None]
    comments = dict(db.session.execute(
        select(ReviewComment.review_id, func.count()).where(ReviewComment.review_id.in_(review_ids),
                                                            ReviewComment.deleted_at.is_(None))
        .group_by(ReviewComment.review_id)).all()) if review_ids else {}
    return {"defects": defects, "photos": photos, "comments": comments}


def _queue_row(r, details: dict) -> dict:
    key = (r.inspection_id, r.defect_type_id, r.severity)
    review = None
    if r.review_id is not None:
        review = {"id": r.review_id, "status": r.status, "root_cause": r.root_cause,
                  "fix_tech_pack_version_id": r.fix_tech_pack_version_id, "fix_version_label": r.fix_version_label,
                  "comments": details["comments"].get(r.review_id, 0)}
    return {
        "inspection_id": r.inspection_id, "finished_at": r.finished_at, "inspection_type": r.inspection_type,
        "factory_id": r.factory_id, "factory_name": r.factory_name, "style_id": r.style_id,
        "defect_type_id": r.defect_type_id, "defect_code": r.code, "defect_name": r.defect_name,
        "defect_category": r.defect_category, "severity": r.severity, "count": r.count,
        "defects": [{"id": d.id, "location": d.location, "note": d.note}
                    for d in details["defects"].get(key, [])[:DEFECTS_PER_ROW]],
        "photos": [{"id": p.id, "sha256": p.sha256, "defect_id": p.defect_id}
                   for p in details["photos"].get(key, [])[:PHOTOS_PER_ROW]],
        "review": review,
    }


# --- a style's history, split at each tech-pack version -----------------------------------------


def _empty() -> dict:
    return {"inspections": 0, "units_inspected": 0, "defects": 0, "critical": 0, "major": 0, "minor": 0}


def _with_dhu(figures: dict) -> dict:
    units = figures["units_inspected"]
    return {**figures, "dhu": round(100 * figures["defects"] / units, 2) if units else None}


def _add(into: dict, figures: dict) -> None:
    for key, value in figures.items():
        into[key] += value


def style_history(user: User, style_id: uuid.UUID) -> dict:
    """Defects of a style across factories and inspections, before and after each of its tech-pack versions."""
    style = db.session.get(Style, style_id)
    if style is None or style.is_deleted:
        raise not_found("style")
    versions = db.session.scalars(select(TechPackVersion).where(
        TechPackVersion.style_id == style.id, TechPackVersion.deleted_at.is_(None))
        .order_by(TechPackVersion.issued_on, TechPackVersion.version_label, TechPackVersion.id)).all()
    position = {v.id: i for i, v in enumerate(versions)}
    styles = inspection_styles()
    counted = (select(Inspection.id.label("id"), Inspection.tech_pack_version_id.label("version_id"),
                      Inspection.factory_id.label("factory_id"), units_inspected().label("units"))
               .join(styles, and_(styles.c.inspection_id == Inspection.id, styles.c.style_id == style.id))
               .where(*_finalized_in_scope(user)).subquery("counted"))
    # Key: (version position or None, factory id).
    figures: dict = defaultdict(_empty)
    names: dict = {}
    for r in db.session.execute(
            select(counted.c.version_id, counted.c.factory_id, Factory.name, func.count(),
                   func.sum(counted.c.units))
            .join(Factory, Factory.id == counted.c.factory_id)
            .group_by(counted.c.version_id, counted.c.factory_id, Factory.name)):
        names[r.factory_id] = r.name
        key = (position.get(r.version_id), r.factory_id)
        figures[key]["inspections"] += r[3]
        figures[key]["units_inspected"] += int(r[4] or 0)
    by_type: dict = defaultdict(lambda: defaultdict(int))  # version position -> (defect type, severity) -> defects
    for r in db.session.execute(
            select(counted.c.version_id, counted.c.factory_id, InspectionDefect.defect_type_id,
                   InspectionDefect.severity, func.count())
            .join(InspectionDefect, InspectionDefect.inspection_id == counted.c.id)
            .where(InspectionDefect.deleted_at.is_(None))
            .group_by(counted.c.version_id, counted.c.factory_id, InspectionDefect.defect_type_id,
                      InspectionDefect.severity)):
        at = position.get(r.version_id)
        figures[(at, r.factory_id)]["defects"] += r[4]
        figures[(at, r.factory_id)][r.severity] += r[4]
        by_type[at][(r.defect_type_id, r.severity)] += r[4]

    def over(positions) -> dict:
        total = _empty()
        for (at, _factory), f in figures.items():
            if at in positions:
                _add(total, f)
        return total

    fixes = _fixes(user, style.id)
    everything = set(range(len(versions))) | {None}
    result = []
    for i, version in enumerate(versions):
        before, after = set(range(i)), set(range(i, len(versions)))
        factories = [{"factory_id": factory, "factory_name": names[factory], **_with_dhu(f)}
                     for (at, factory), f in figures.items() if at == i]
        factories.sort(key=lambda f: f["factory_name"])
        result.append({
            "tech_pack_version_id": version.id, "version_label": version.version_label,
            "issued_on": version.issued_on, "on_version": _with_dhu(over({i})), "before": _with_dhu(over(before)),
            "after": _with_dhu(over(after)), "factories": factories,
            "fixes": [_fix(fix, over(before), over(after), before, after, by_type)
                      for fix in fixes.get(version.id, [])],
        })
    return {"style_id": style.id, "style_number": style.style_number, "name": style.name, "season": style.season,
            "category": style.category, "totals": _with_dhu(over(everything)), "unversioned": _with_dhu(over({None})),
            "versions": result}


def _fixes(user: User, style_id: uuid.UUID) -> dict:
    """The reviews of this style whose fix a tech-pack version carries, by that version."""
    stmt = (select(DefectReview, DefectType.code, DefectType.name)
            .join(DefectType, DefectType.id == DefectReview.defect_type_id)
            .where(DefectReview.style_id == style_id, DefectReview.fix_tech_pack_version_id.is_not(None),
                   DefectReview.deleted_at.is_(None))
            .order_by(DefectType.code, DefectReview.created_at, DefectReview.id))
    scope = factory_scope(user)
    if scope is not None:
        stmt = stmt.where(DefectReview.factory_id.in_(scope) if scope else false())
    found: dict = defaultdict(list)
    for review, code, name in db.session.execute(stmt):
        found[review.fix_tech_pack_version_id].append((review, code, name))
    return found


def _fix(fix, units_before: dict, units_after: dict, before: set, after: set, by_type: dict) -> dict:
    review, code, name = fix

    def of_type(positions, base) -> dict:
        """This defect type's defects, against every unit inspected on those versions."""
        counts = {cls: sum(by_type[at][(review.defect_type_id, cls)] for at in positions if at in by_type)
                  for cls in SEVERITY_RANK}
        return _with_dhu({"inspections": base["inspections"], "units_inspected": base["units_inspected"],
                          "defects": sum(counts.values()), **counts})

    return {"review_id": review.id, "inspection_id": review.inspection_id, "defect_type_id": review.defect_type_id,
            "defect_code": code, "defect_name": name, "severity": review.severity, "root_cause": review.root_cause,
            "status": review.status, "before": of_type(before, units_before), "after": of_type(after, units_after)}
