"""The vocabulary, field limits, permissions and AQL tables a client works with offline."""

from server.api.blueprint import Blueprint
from server.authz import EVERYONE, allow
from server.services.vocabulary import document

blp = Blueprint("vocabulary", "vocabulary", url_prefix="/api/v1/vocabulary",
                description="One versioned document: the domain's words, each entity's field limits and "
                            "operations, each role's permissions, and the ISO 2859-1 tables.")


@blp.route("", methods=["GET"])
@allow(*EVERYONE)
@blp.etag
@blp.response(200, headers={"Cache-Control": {"description": "private, no-cache: revalidated every time",
                                              "schema": {"type": "string"}}})
def get_vocabulary():
    """Everything the phone checks input against and builds its lists from; it keeps no copy of its own.

    The app fetches it after every sync: the ETag makes that a 304 of a few bytes until the server changes.
    """
    return document(), {"Cache-Control": "private, no-cache"}


BLUEPRINTS = [blp]
