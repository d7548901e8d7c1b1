"""Inspection bookings: a planned inspection against a production order, with the order's readiness for it."""

from flask_login import current_user

from server.api.blueprint import Blueprint
from server.authz import allow
from server.schemas.bookings import BookedSchema, BookingQuery, BookingSchema
from server.services import bookings, entities

blp = Blueprint("bookings", "bookings", url_prefix="/api/v1/bookings",
                description="Book inspections against production orders; the inspector's phone receives them.")


@blp.route("", methods=["POST"])
@allow(*entities.INSPECTIONS.grant("book"))
@blp.arguments(BookingSchema)
@blp.response(201, BookedSchema)
def book(data):
    """Book an inspection. A booking before the order is ready (inline: sewing not started; final: less packed
    than BOOKING_FINAL_PACKED_PERCENT) is made and flagged in `readiness`; a second open booking of the same
    type for the same order is refused (409 already_booked, naming the first)."""
    return bookings.book(current_user, data)


@blp.route("", methods=["GET"])
@allow(*entities.INSPECTIONS.read)
@blp.arguments(BookingQuery, location="query")
@blp.response(200, BookedSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def upcoming(query, pagination_parameters):
    """Booked inspections not started yet, soonest first; an inspector sees theirs and the unassigned ones."""
    found, total = bookings.upcoming(current_user, query, pagination_parameters.page,
                                     pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return found


BLUEPRINTS = [blp]
