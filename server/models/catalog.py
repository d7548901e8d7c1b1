"""Reference data: factories, styles and their tech packs, the defect library,
measurement specs, checklist templates and AQL defaults.

Phones replicate all of it, so inspectors never type a spec by hand.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import Versioned
from server.models.vocab import (
    DEFECT_CATEGORIES,
    INSPECTION_LEVELS,
    INSPECTION_TYPES,
    PRODUCT_CATEGORIES,
    SEVERITIES,
    check_in,
)


class Factory(Versioned, db.Model):
    __tablename__ = "factories"
    __entity__ = "factory"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # ISO 2859-1 allows reduced inspection only while production is steady.
    steady_production: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def factory_id(self) -> uuid.UUID:
        """A factory is in its own scope."""
        return self.id


class Style(Versioned, db.Model):
    __tablename__ = "styles"
    __entity__ = "style"
    __table_args__ = (CheckConstraint(check_in("category", PRODUCT_CATEGORIES), name="category"),)

    style_number: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    season: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    tech_packs: Mapped[list[TechPackVersion]] = relationship(back_populates="style", order_by="TechPackVersion.issued_on")


class TechPackVersion(Versioned, db.Model):
    """The one notion of tech-pack version used everywhere (specs, inspections, reviews)."""

    __tablename__ = "tech_pack_versions"
    __entity__ = "tech_pack_version"
    __table_args__ = (UniqueConstraint("style_id", "version_label"),)

    style_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("styles.id"), index=True)
    version_label: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    approved_at: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    style: Mapped[Style] = relationship(back_populates="tech_packs")


class DefectType(Versioned, db.Model):
    __tablename__ = "defect_types"
    __entity__ = "defect_type"
    __table_args__ = (
        CheckConstraint(check_in("category", DEFECT_CATEGORIES), name="category"),
        CheckConstraint(check_in("default_severity", SEVERITIES), name="default_severity"),
    )

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    default_severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str | None] = mapped_column(Text)
    # {"vi": "...", "zh": "..."}: names shown to inspectors in their language.
    names_translated: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MeasurementSpec(Versioned, db.Model):
    """One point of measure for one size in one tech-pack version."""

    __tablename__ = "measurement_specs"
    __entity__ = "measurement_spec"
    __table_args__ = (UniqueConstraint("tech_pack_version_id", "size", "point_code"),)

    style_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("styles.id"), index=True)
    tech_pack_version_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tech_pack_versions.id"), index=True)
    size: Mapped[str] = mapped_column(String(16))
    point_code: Mapped[str] = mapped_column(String(16))
    point_name: Mapped[str] = mapped_column(String(200))
    spec_value: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    tolerance_minus: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    tolerance_plus: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    unit: Mapped[str] = mapped_column(String(8), default="cm")


class ChecklistTemplate(Versioned, db.Model):
    """Checklist items for one product category and inspection type."""

    __tablename__ = "checklist_templates"
    __entity__ = "checklist_template"
    __table_args__ = (
        UniqueConstraint("product_category", "inspection_type"),
        CheckConstraint(check_in("product_category", PRODUCT_CATEGORIES), name="product_category"),
        CheckConstraint(check_in("inspection_type", INSPECTION_TYPES), name="inspection_type"),
    )

    product_category: Mapped[str] = mapped_column(String(32))
    inspection_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    # [{"code": "PK-01", "text": "Carton marks per packing list"}, ...]
    items: Mapped[list] = mapped_column(JSON, default=list)


class AqlDefault(Versioned, db.Model):
    """The inspection level and AQL per severity class to propose for new inspections."""

    __tablename__ = "aql_defaults"
    __entity__ = "aql_default"
    __table_args__ = (
        UniqueConstraint("product_category", "inspection_type"),
        CheckConstraint(check_in("product_category", PRODUCT_CATEGORIES), name="product_category"),
        CheckConstraint(check_in("inspection_type", INSPECTION_TYPES), name="inspection_type"),
        CheckConstraint(check_in("inspection_level", INSPECTION_LEVELS), name="inspection_level"),
    )

    product_category: Mapped[str] = mapped_column(String(32))
    inspection_type: Mapped[str] = mapped_column(String(20))
    inspection_level: Mapped[str] = mapped_column(String(4), default="II")
    aql_critical: Mapped[str] = mapped_column(String(8), default="0")
    aql_major: Mapped[str] = mapped_column(String(8), default="2.5")
    aql_minor: Mapped[str] = mapped_column(String(8), default="4.0")
