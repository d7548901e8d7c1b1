"""All API blueprints, one per resource, under /api/v1."""


def register_blueprints(api) -> None:
    from server.api import (
        analytics,
        aql,
        auth,
        catalog,
        devices,
        exports,
        factories,
        health,
        inspections,
        orders,
        photos,
        reports,
        reviews,
        sync,
        users,
        vocabulary,
    )

    for module in (health, auth, users, devices, factories, catalog, aql, vocabulary, orders, inspections, photos,
                   sync, analytics, exports, reports, reviews):
        for blueprint in module.BLUEPRINTS:
            api.register_blueprint(blueprint)
