"""Design review (issue 14): reviews of defects and their comment threads (records, synced to the
inspection's factory), the designer's review queue, and a style's defect history per tech-pack version."""

from flask_login import current_user
from marshmallow import RAISE

from server.api.blueprint import Blueprint
from server.api.resources import record_blueprint
from server.authz import allow
from server.schemas import reviews as s
from server.services import entities, reviews

REVIEW_READERS = ("designer", "manager", "admin")

defect_reviews = record_blueprint(
    "defect_reviews", "defect-reviews", entities.DEFECT_REVIEWS,
    "A review of a group of defects (one type at one severity) of a finalized inspection, for one style: "
    "root cause, status and the tech-pack version that carries the fix. Refused with 409 "
    "inspection_not_finalized before the inspection is finalized.")
review_comments = record_blueprint(
    "review_comments", "review-comments", entities.REVIEW_COMMENTS,
    "The comment thread of a defect review; append-only.")

blp = Blueprint("design_review", "design_review", url_prefix="/api/v1/design-review",
                description="The designer's review queue and a style's defect history (finalized inspections).")


@blp.route("/queue", methods=["GET"], endpoint="queue")
@allow(*REVIEW_READERS)
@blp.arguments(s.QueueArgs, location="query", unknown=RAISE, as_kwargs=False)
@blp.response(200, s.QueueSchema)
def queue(args):
    """Defects of finalized inspections by style, one row per type and severity found in an inspection, with
    its review; and the unreviewed critical and major defects per style. Unknown filters are a 400."""
    return reviews.queue(current_user, args)


@blp.route("/styles/<uuid:record_id>/history", methods=["GET"], endpoint="style_history")
@allow(*REVIEW_READERS)
@blp.response(200, s.StyleHistorySchema)
def style_history(record_id):
    """A style's defects across factories and inspections, split at each of its tech-pack versions (the
    version each inspection was made on), with units inspected and DHU on each side and the fixes each
    version carries."""
    return reviews.style_history(current_user, record_id)


BLUEPRINTS = [defect_reviews, review_comments, blp]
