#!/usr/bin/python3
"""Writes the golden DDL files of tests/lib/schema_test.c from SQLAlchemy.

Each case below declares, with SQLAlchemy, the same tables as the C models
of the same name in schema_test.c. This prints the DDL SQLAlchemy's
create_all would run for them on SQLite and on PostgreSQL into
<case>/sqlite.sql and <case>/postgres.sql, in the layout of
orm_metadata_create_sql(): each statement followed by ";\\n", a blank line
between statements. So the golden files are SQLAlchemy's words, not ours.

Two choices differ from a plain create_all, and the C library makes them too:
  - On SQLite an Enum gets create_constraint=True: SQLAlchemy stopped adding
    the CHECK constraint by default in 1.4; the workbook adds it (chapter 5).
  - A table's indexes come in a fixed order (its columns' indexes in column
    order, then the composite ones as declared): SQLAlchemy keeps them in a
    set, so its own order varies from run to run.

Run with Debian's python3-sqlalchemy (1.4) or SQLAlchemy 2.0:
    /usr/bin/python3 tests/lib/cases/ddl/from_sqlalchemy.py
"""
import enum
import os

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, Enum,
                        Float, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint, text)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.base import CreateEnumType
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql.ddl import sort_tables_and_constraints


class SocialStatus(enum.Enum):
    public = "public"
    private = "private"


def table(name, md, *items):
    """A Table that remembers the order its composite indexes were declared in."""
    t = Table(name, md, *items)
    t.info["declared_indexes"] = [i for i in items if isinstance(i, Index)]
    return t


def social_status(db):
    return Enum(SocialStatus, create_constraint=(db == "sqlite"))


def case_writeup(db):
    """The write-up's models, its bugs fixed."""
    md = MetaData()
    table("users", md,
          Column("id", Integer, primary_key=True),
          Column("email", String, unique=True, index=True))
    table("events", md,
          Column("id", Integer, primary_key=True),
          Column("title", String, index=True),
          Column("date_of", Date),
          Column("social_status", social_status(db)),
          Column("organizer_id", Integer, ForeignKey("users.id")))
    return md


def case_types(db):
    """Every column type and option."""
    md = MetaData()
    table("things", md,
          Column("id", BigInteger, primary_key=True),
          Column("count", Integer, nullable=False, server_default=text("0")),
          Column("big", BigInteger),
          Column("name", String(50), nullable=False),
          Column("note", String, default="none"),  # client-side: not in the DDL
          Column("body", Text),
          Column("done", Boolean, nullable=False, server_default=text("false")),
          Column("score", Float),
          Column("born", Date),
          Column("seen", DateTime, server_default=text("CURRENT_TIMESTAMP")),
          Column("code", String(8), unique=True))
    return md


def case_keys(db):
    """Which primary keys the database generates (SERIAL on PostgreSQL)."""
    md = MetaData()
    table("plain", md, Column("id", Integer, primary_key=True, autoincrement=False))
    table("server", md, Column("id", Integer, primary_key=True, server_default=text("1")))
    table("client", md, Column("id", Integer, primary_key=True, autoincrement=True, default=5))
    table("coded", md, Column("code", String(10), primary_key=True))
    table("copied", md, Column("id", Integer, ForeignKey("plain.id"), primary_key=True))
    table("forced", md, Column("id", Integer, ForeignKey("plain.id"), primary_key=True,
                               autoincrement=True))
    table("big", md, Column("id", BigInteger, primary_key=True, autoincrement=True))
    return md


def case_composite(db):
    """Composite primary key, unique constraint and indexes, a CHECK, ON DELETE."""
    md = MetaData()
    table("users", md,
          Column("id", Integer, primary_key=True),
          Column("email", String, unique=True))
    table("memberships", md,
          Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"),
                 primary_key=True),
          Column("group_name", String(40), primary_key=True),
          Column("rank", Integer, ForeignKey("users.id", ondelete="SET NULL")),
          Column("first", String),
          Column("last", String),
          UniqueConstraint("first", "last"),
          Index("ix_memberships_last_first", "last", "first"),
          Index("uix_rank_group", "rank", "group_name", unique=True),
          CheckConstraint("rank > 0"))
    return md


def case_naming(db):
    """A naming convention for every kind of constraint."""
    md = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s"})
    table("users", md,
          Column("id", Integer, primary_key=True),
          Column("email", String, unique=True),
          Column("nick", String, index=True),
          Index(None, "email"))
    table("events", md,
          Column("id", Integer, primary_key=True),
          Column("title", String, index=True),
          Column("social_status", social_status(db)),
          Column("organizer_id", Integer, ForeignKey("users.id")),
          CheckConstraint("id > 0", name="positive_id"))
    return md


def index_order(t):
    """Column indexes in column order, then composite ones as declared."""
    columns = list(t.columns.keys())
    declared = t.info["declared_indexes"]

    def key(index):
        if index._column_flag:
            return (0, columns.index(list(index.columns)[0].name))
        return (1, declared.index(index))
    return key


def ddl(md, db):
    dialect = sqlite.dialect() if db == "sqlite" else postgresql.dialect()
    out = []
    tables = [t for t, _ in sort_tables_and_constraints(list(md.tables.values())) if t is not None]
    if db == "postgres":
        seen = []
        for t in tables:
            for c in t.columns:
                if isinstance(c.type, Enum) and c.type.name not in seen:
                    seen.append(c.type.name)
                    out.append(CreateEnumType(c.type))
    for t in tables:
        out.append(CreateTable(t))
        out.extend(CreateIndex(i) for i in sorted(t.indexes, key=index_order(t)))
    return "\n".join(str(s.compile(dialect=dialect)).strip("\n") + ";\n" for s in out)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, fn in sorted(globals().items()):
        if not name.startswith("case_"):
            continue
        case = name[len("case_"):]
        os.makedirs(os.path.join(here, case), exist_ok=True)
        for db in ("sqlite", "postgres"):
            with open(os.path.join(here, case, db + ".sql"), "w") as f:
                f.write(ddl(fn(db), db))


if __name__ == "__main__":
    main()
