#!/usr/bin/python3
"""Parity with SQLAlchemy: does our create_all build the schema SQLAlchemy builds?

Chapters 3 and 5. The issue asks that a database built by the library's
create_all be indistinguishable, when reflected, from one built by
SQLAlchemy from the write-up's models (its bugs fixed). This checks exactly
that, on one database:

  1. SQLAlchemy's create_all builds the write-up's tables in one place: a
     SQLite file, or a PostgreSQL schema of its own;
  2. create_writeup_schema (C, the library's create_all) builds the same
     models in another;
  3. SQLAlchemy's inspector reflects both - tables; columns with their
     type, nullability and default; primary key; foreign keys; indexes and
     whether unique; unique and CHECK constraints; enum types on
     PostgreSQL; and on SQLite the CREATE TABLE text SQLite keeps - and
     any difference fails the test, shown as a diff.

One deliberate choice: on SQLite the Enum column gets
create_constraint=True. SQLAlchemy stopped adding the CHECK constraint by
default in 1.4; the workbook adds it (issue 4, chapter 5), so the
comparison is with SQLAlchemy told to add it too.

    schema_parity.py PATH/TO/create_writeup_schema sqlite|postgres

PostgreSQL comes from ORM_TEST_POSTGRES_URL (./workbook test sets it).
Exit 77 (skipped) without it, or without python3-sqlalchemy (Debian:
apt-get install python3-sqlalchemy python3-psycopg2).
"""
import difflib
import enum
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIPPED = 77


def skip(reason):
    print("skipped: " + reason)
    sys.exit(SKIPPED)


try:
    from sqlalchemy import (Column, Date, Enum, ForeignKey, Integer, String, create_engine,
                            inspect, text)
    from sqlalchemy.orm import declarative_base
except ImportError:
    skip("python3-sqlalchemy is not installed (Debian: apt-get install python3-sqlalchemy "
         "python3-psycopg2)")


class SocialStatus(enum.Enum):
    public = "public"
    private = "private"


def writeup_metadata(db):
    """The write-up's models.py, its bugs fixed."""
    Base = declarative_base()

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        email = Column(String, unique=True, index=True)

    class Event(Base):
        __tablename__ = "events"
        id = Column(Integer, primary_key=True)
        title = Column(String, index=True)
        date_of = Column(Date)
        social_status = Column(Enum(SocialStatus, create_constraint=(db == "sqlite")))
        organizer_id = Column(Integer, ForeignKey("users.id"))

    return Base.metadata


def by_name(items):
    return sorted(items, key=lambda i: json.dumps(i, sort_keys=True, default=str))


def reflect(engine, db):
    """What SQLAlchemy's inspector sees, as plain data."""
    insp = inspect(engine)
    schema = {}
    for table in sorted(insp.get_table_names()):
        schema[table] = {
            "columns": [{"name": c["name"], "type": repr(c["type"]), "nullable": c["nullable"],
                         "default": c["default"]} for c in insp.get_columns(table)],
            "primary key": insp.get_pk_constraint(table),
            "foreign keys": by_name(insp.get_foreign_keys(table)),
            "indexes": by_name({"name": i["name"], "columns": i["column_names"],
                                "unique": bool(i["unique"])} for i in insp.get_indexes(table)),
            "unique constraints": by_name(insp.get_unique_constraints(table)),
            "check constraints": by_name(insp.get_check_constraints(table)),
        }
        if db == "sqlite":
            with engine.connect() as conn:
                schema[table]["sql"] = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = :name"),
                    {"name": table}).scalar()
    if db == "postgres":
        # Each side lives in its own schema; the enum's schema is where.
        schema["(enum types)"] = by_name({k: v for k, v in e.items() if k != "schema"}
                                         for e in insp.get_enums())
    return schema


def run_ours(program, url):
    done = subprocess.run([program, url], capture_output=True, text=True)
    if done.returncode != 0:
        print("create_writeup_schema failed (exit %d):\n%s%s" %
              (done.returncode, done.stdout, done.stderr))
        sys.exit(1)


def with_query(url, param):
    return url + ("&" if "?" in url else "?") + param


def compare(theirs, ours):
    a = json.dumps(theirs, indent=2, sort_keys=True, default=str).splitlines()
    b = json.dumps(ours, indent=2, sort_keys=True, default=str).splitlines()
    if a == b:
        tables = ", ".join(t for t in sorted(theirs) if not t.startswith("("))
        print("same schema as SQLAlchemy's: %s" % tables)
        return 0
    print("the schemas differ (- SQLAlchemy's create_all, + the library's create_all):")
    for line in difflib.unified_diff(a, b, "sqlalchemy", "orm", lineterm="", n=4):
        print(line)
    return 1


def parity_sqlite(program):
    tmp = tempfile.mkdtemp(prefix="orm-parity-")
    try:
        theirs_url = "sqlite:///" + os.path.join(tmp, "sqlalchemy.db")
        ours_url = "sqlite:///" + os.path.join(tmp, "orm.db")
        theirs = create_engine(theirs_url)
        writeup_metadata("sqlite").create_all(theirs)
        run_ours(program, ours_url)
        ours = create_engine(ours_url)
        rc = compare(reflect(theirs, "sqlite"), reflect(ours, "sqlite"))
        theirs.dispose()
        ours.dispose()
        return rc
    finally:
        shutil.rmtree(tmp)


def parity_postgres(program):
    url = os.environ.get("ORM_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            print("ORM_TEST_POSTGRES_URL is not set, and CI=true skips nothing")
            return 1
        skip("ORM_TEST_POSTGRES_URL is not set (./workbook test starts a PostgreSQL server "
             "and sets it)")
    try:
        import psycopg2  # noqa: F401 (SQLAlchemy's default PostgreSQL driver)
    except ImportError:
        skip("python3-psycopg2 is not installed (Debian: apt-get install python3-psycopg2)")
    names = {"sqlalchemy": "parity_sqlalchemy", "orm": "parity_orm"}
    admin = create_engine(url)

    def reset(create):
        with admin.begin() as conn:
            for schema in names.values():
                conn.execute(text("DROP SCHEMA IF EXISTS %s CASCADE" % schema))
                if create:
                    conn.execute(text("CREATE SCHEMA %s" % schema))

    reset(True)
    try:
        # Everything each side creates, enum type included, lands in the
        # first schema of its search_path.
        theirs = create_engine(url, connect_args={
            "options": "-csearch_path=%s" % names["sqlalchemy"]})
        writeup_metadata("postgres").create_all(theirs)
        run_ours(program, with_query(url, "options=-csearch_path%%3D%s" % names["orm"]))
        ours = create_engine(url, connect_args={"options": "-csearch_path=%s" % names["orm"]})
        rc = compare(reflect(theirs, "postgres"), reflect(ours, "postgres"))
        theirs.dispose()
        ours.dispose()
        return rc
    finally:
        reset(False)
        admin.dispose()


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("sqlite", "postgres"):
        print(__doc__)
        return 2
    program, db = sys.argv[1], sys.argv[2]
    return parity_sqlite(program) if db == "sqlite" else parity_postgres(program)


if __name__ == "__main__":
    sys.exit(main())
