"""Accounts, managed by admins."""

from flask_login import current_user

from server.api.blueprint import Blueprint
from server.authz import ADMIN, allow
from server.schemas.accounts import UserSchema
from server.services import users

blp = Blueprint("users", "users", url_prefix="/api/v1/users", description="User accounts (admins only).")


class UserPatchSchema(UserSchema):
    pass


@blp.route("", methods=["GET"])
@allow(*ADMIN)
@blp.response(200, UserSchema(many=True))
@blp.paginate(page_size=50, max_page_size=500)
def list_users(pagination_parameters):
    """List users."""
    items, total = users.list_users(pagination_parameters.page, pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return items


@blp.route("", methods=["POST"])
@allow(*ADMIN)
@blp.arguments(UserSchema)
@blp.response(201, UserSchema)
def create_user(data):
    """Create a user with an initial password and, for inspectors and factory users, their factories."""
    return users.create_user(current_user, data)


@blp.route("/<uuid:user_id>", methods=["GET"])
@allow(*ADMIN)
@blp.response(200, UserSchema)
def get_user(user_id):
    """Read one user."""
    return users.get_user(user_id)


@blp.route("/<uuid:user_id>", methods=["PATCH"])
@allow(*ADMIN)
@blp.arguments(UserPatchSchema(partial=True))
@blp.response(200, UserSchema)
def update_user(data, user_id):
    """Change a user: role, factories, active flag, or reset the password (ends their sessions)."""
    return users.update_user(current_user, user_id, data)


BLUEPRINTS = [blp]
