"""All API blueprints, one per resource, under /api/v1."""


def register_blueprints(api) -> None:
    from server.api import (
        analytics,
        aql,
        auth,
        bookings,
        catalog,
        corrective_actions,
        devices,
        exports,
        factories,
        health,
        inspections,
        notifications,
        order_files,
        order_risk,
        orders,
        photos,
        reports,
        reviews,
        sync,
        users,
        vocabulary,
    )

    for module in (health, auth, users, devices, factories, catalog, aql, vocabulary, orders, order_files, order_risk,
                   bookings, inspections, photos, corrective_actions, reviews, sync, analytics, exports, reports,
                   notifications):
        for blueprint in module.BLUEPRINTS:
            api.register_blueprint(blueprint)
