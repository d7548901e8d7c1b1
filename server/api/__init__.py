"""All API blueprints, one per resource, under /api/v1."""


def register_blueprints(api) -> None:
    from server.api import (aql, auth, catalog, devices, factories, health, inspections, orders, photos, sync,
                            users, vocabulary)

    for module in (health, auth, users, devices, factories, catalog, aql, vocabulary, orders, inspections, photos,
                   sync):
        for blueprint in module.BLUEPRINTS:
            api.register_blueprint(blueprint)
