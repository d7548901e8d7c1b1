"""Devices (app installations that sync): listed by their users and by admins, revoked by admins."""

from flask_login import current_user

from server.api.blueprint import Blueprint
from server.authz import ADMIN, EVERYONE, allow
from server.schemas.devices import DeviceFilterSchema, DeviceSchema, RevokeDeviceSchema
from server.services import devices

blp = Blueprint("devices", "devices", url_prefix="/api/v1/devices",
                description="Devices that sync; an admin revokes a lost one (PROTOCOL.md 1.3).")


@blp.route("", methods=["GET"])
@allow(*EVERYONE)
@blp.arguments(DeviceFilterSchema, location="query")
@blp.response(200, DeviceSchema(many=True))
@blp.paginate(page_size=50, max_page_size=500)
def list_devices(filters, pagination_parameters):
    """Devices that have synced, last seen first: every user's for admins, your own for everyone else."""
    items, total = devices.list_devices(current_user, filters.get("user_id"), pagination_parameters.page,
                                        pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return items


@blp.route("/<string:client_id>/revoke", methods=["POST"])
@allow(*ADMIN)
@blp.arguments(RevokeDeviceSchema)
@blp.response(200, DeviceSchema)
def revoke_device(data, client_id):
    """Revoke a lost device: its pushes and pulls answer 403 `client_revoked` from now on."""
    return devices.revoke_device(current_user, client_id, data["end_sessions"])


@blp.route("/<string:client_id>/reinstate", methods=["POST"])
@allow(*ADMIN)
@blp.response(200, DeviceSchema)
def reinstate_device(client_id):
    """Accept a revoked device again (it was found): it syncs what waits in its outbox."""
    return devices.reinstate_device(current_user, client_id)


BLUEPRINTS = [blp]
