"""Notifications: webhook endpoints and their delivery log (admins), and each user's e-mail choices."""

from flask_login import current_user

from server.api.blueprint import Blueprint
from server.authz import ADMIN, EVERYONE, allow
from server.schemas.notifications import (
    DeliveryFilterSchema,
    DeliverySchema,
    EmailPreferencesSchema,
    WebhookEndpointPatchSchema,
    WebhookEndpointSchema,
    WebhookEndpointWithSecretSchema,
)
from server.services import notifications

webhooks = Blueprint(
    "webhooks", "webhooks", url_prefix="/api/v1/webhooks",
    description="Webhook endpoints and the log of their deliveries (admins). Events are POSTed as JSON, signed "
                "with the endpoint's secret (README: Notifications).")


@webhooks.route("", methods=["GET"])
@allow(*ADMIN)
@webhooks.response(200, WebhookEndpointSchema(many=True))
def list_endpoints():
    """Registered endpoints (without their secrets)."""
    return notifications.list_endpoints()


@webhooks.route("", methods=["POST"])
@allow(*ADMIN)
@webhooks.arguments(WebhookEndpointSchema)
@webhooks.response(201, WebhookEndpointWithSecretSchema)
def create_endpoint(data):
    """Register an endpoint. The answer holds its signing secret: the only time it is shown."""
    return notifications.create_endpoint(current_user, data)


@webhooks.route("/deliveries", methods=["GET"])
@allow(*ADMIN)
@webhooks.arguments(DeliveryFilterSchema, location="query")
@webhooks.response(200, DeliverySchema(many=True))
@webhooks.paginate(page_size=50, max_page_size=500)
def list_deliveries(filters, pagination_parameters):
    """Deliveries of every channel (webhook and e-mail), newest first, with each attempt."""
    items, total = notifications.list_deliveries(filters, pagination_parameters.page, pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return items


@webhooks.route("/<uuid:record_id>", methods=["GET"])
@allow(*ADMIN)
@webhooks.response(200, WebhookEndpointSchema)
def get_endpoint(record_id):
    """One endpoint (without its secret)."""
    return notifications.get_endpoint(record_id)


@webhooks.route("/<uuid:record_id>", methods=["PATCH"])
@allow(*ADMIN)
@webhooks.arguments(WebhookEndpointPatchSchema(partial=True))
@webhooks.response(200, WebhookEndpointSchema)
def update_endpoint(data, record_id):
    """Change the URL, description, events or active flag."""
    return notifications.update_endpoint(current_user, record_id, data)


@webhooks.route("/<uuid:record_id>", methods=["DELETE"])
@allow(*ADMIN)
@webhooks.response(204)
def delete_endpoint(record_id):
    """Remove the endpoint, its pending deliveries and their log."""
    notifications.delete_endpoint(current_user, record_id)


@webhooks.route("/<uuid:record_id>/rotate-secret", methods=["POST"])
@allow(*ADMIN)
@webhooks.response(200, WebhookEndpointWithSecretSchema)
def rotate_secret(record_id):
    """Replace the signing secret (a lost or leaked one); the answer shows the new one, once."""
    return notifications.rotate_secret(current_user, record_id)


@webhooks.route("/<uuid:record_id>/deliveries", methods=["GET"])
@allow(*ADMIN)
@webhooks.arguments(DeliveryFilterSchema, location="query")
@webhooks.response(200, DeliverySchema(many=True))
@webhooks.paginate(page_size=50, max_page_size=500)
def list_endpoint_deliveries(filters, record_id, pagination_parameters):
    """This endpoint's deliveries, newest first, with each attempt."""
    notifications.get_endpoint(record_id)
    items, total = notifications.list_deliveries({**filters, "endpoint_id": record_id}, pagination_parameters.page,
                                                 pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return items


preferences = Blueprint(
    "notification_preferences", "notification_preferences", url_prefix="/api/v1/notification-preferences",
    description="Which events each user gets an e-mail for: your own, or anyone's for admins.")


@preferences.route("", methods=["GET"])
@allow(*EVERYONE)
@preferences.response(200, EmailPreferencesSchema)
def get_own_preferences():
    """The events you get an e-mail for."""
    return notifications.email_preferences(current_user.id)


@preferences.route("", methods=["PUT"])
@allow(*EVERYONE)
@preferences.arguments(EmailPreferencesSchema)
@preferences.response(200, EmailPreferencesSchema)
def set_own_preferences(data):
    """Choose the events you get an e-mail for (only those of factories you may see reach you)."""
    return notifications.set_email_preferences(current_user, current_user.id, data["events"])


@preferences.route("/<uuid:user_id>", methods=["GET"])
@allow(*ADMIN)
@preferences.response(200, EmailPreferencesSchema)
def get_user_preferences(user_id):
    """A user's e-mail choices."""
    return notifications.email_preferences(user_id)


@preferences.route("/<uuid:user_id>", methods=["PUT"])
@allow(*ADMIN)
@preferences.arguments(EmailPreferencesSchema)
@preferences.response(200, EmailPreferencesSchema)
def set_user_preferences(data, user_id):
    """Set a user's e-mail choices."""
    return notifications.set_email_preferences(current_user, user_id, data["events"])


BLUEPRINTS = [webhooks, preferences]
