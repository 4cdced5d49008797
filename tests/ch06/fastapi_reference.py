#!/usr/bin/python3
"""fastapi_reference.py - the FastAPI tutorial's sql_app over the write-up's models, for
chapter 6's tests.

This is the app chapter 6 retells in C, in one file: database.py, models.py (the write-up's
User and Event, chapter 5's SocialStatus), schemas.py, crud.py and main.py of the FastAPI
tutorial, with the collection named `events`. It runs on Debian's python3-fastapi (0.92,
pydantic 1.10) and python3-sqlalchemy, on an in-memory SQLite database.

    /usr/bin/python3 tests/ch06/fastapi_reference.py openapi   prints FastAPI's OpenAPI document
    /usr/bin/python3 tests/ch06/fastapi_reference.py cases tests/ch06/cases
                                        plays the C app's golden cases on FastAPI, compares
    /usr/bin/python3 tests/ch06/fastapi_reference.py "METHOD PATH [BODY]"...
                                        plays requests, prints answers

tests/ch06/fastapi_openapi.json is the first, kept so the test needs no Python: the C app's
GET /openapi.json must describe the same API. The second is how the golden answers in
tests/ch06/cases were checked: they differ from FastAPI's only where FastAPI fails with a 500
(an id past 64 bits), where jansson words a JSON syntax error differently from Python, and for
the two bodies jansson refuses and Python reads (an integer past 64 bits, a \u0000 in a
string: C strings end at a NUL).
"""
import datetime
import enum
import json
import sys
from typing import List, Optional

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Column, Date, Enum, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker
from sqlalchemy.pool import StaticPool

# database.py
engine = create_engine("sqlite://", connect_args={"check_same_thread": False},
                       poolclass=StaticPool)
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
Base = declarative_base()


# models.py
class SocialStatus(enum.Enum):
    public = "public"
    private = "private"


class DBUser(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String, unique=True, index=True)
    events = relationship("DBEvent", back_populates="organizer", order_by="DBEvent.id")


class DBEvent(Base):
    __tablename__ = "events"
    id = Column(Integer, primary_key=True)
    title = Column(String, index=True)
    date_of = Column(Date)
    social_status = Column(Enum(SocialStatus))
    organizer_id = Column(Integer, ForeignKey("users.id"))
    organizer = relationship("DBUser", back_populates="events")


# schemas.py
class EventBase(BaseModel):
    title: str
    date_of: datetime.date
    social_status: SocialStatus = SocialStatus.public


class EventCreate(EventBase):
    pass


class Event(EventBase):
    id: int
    organizer_id: int

    class Config:
        orm_mode = True


class UserBase(BaseModel):
    email: str


class UserCreate(UserBase):
    pass


class User(UserBase):
    id: int
    events: List[Event] = []

    class Config:
        orm_mode = True


# main.py (crud.py's queries inlined)
Base.metadata.create_all(bind=engine)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


# skip and limit are never negative: a negative LIMIT fails on PostgreSQL
Skip = Query(0, ge=0)
Limit = Query(100, ge=0)


@app.post("/users/", response_model=User)
def create_user(user: UserCreate, db: Session = Depends(get_db)):
    if db.query(DBUser).filter(DBUser.email == user.email).first():
        raise HTTPException(status_code=400, detail="Email already registered")
    db_user = DBUser(email=user.email)
    db.add(db_user)
    db.commit()
    db.refresh(db_user)
    return db_user


@app.get("/users/", response_model=List[User])
def read_users(skip: int = Skip, limit: int = Limit, db: Session = Depends(get_db)):
    return db.query(DBUser).order_by(DBUser.id).offset(skip).limit(limit).all()


@app.get("/users/{user_id}", response_model=User)
def read_user(user_id: int, db: Session = Depends(get_db)):
    db_user = db.query(DBUser).filter(DBUser.id == user_id).first()
    if db_user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return db_user


@app.post("/users/{user_id}/events/", response_model=Event)
def create_event_for_user(user_id: int, event: EventCreate, db: Session = Depends(get_db)):
    if db.query(DBUser).filter(DBUser.id == user_id).first() is None:
        raise HTTPException(status_code=404, detail="User not found")
    db_event = DBEvent(**event.dict(), organizer_id=user_id)
    db.add(db_event)
    db.commit()
    db.refresh(db_event)
    return db_event


@app.get("/events/", response_model=List[Event])
def read_events(skip: int = Skip, limit: int = Limit,
                social_status: Optional[SocialStatus] = None, db: Session = Depends(get_db)):
    query = db.query(DBEvent)
    if social_status is not None:
        query = query.filter(DBEvent.social_status == social_status)
    return query.order_by(DBEvent.id).offset(skip).limit(limit).all()


@app.get("/events/{event_id}", response_model=Event)
def read_event(event_id: int, db: Session = Depends(get_db)):
    db_event = db.query(DBEvent).filter(DBEvent.id == event_id).first()
    if db_event is None:
        raise HTTPException(status_code=404, detail="Event not found")
    return db_event


SEED = [
    ("/users/", {"email": "ada@example.com"}),
    ("/users/", {"email": "grace@example.com"}),
    ("/users/1/events/", {"title": "SQLAlchemy meetup", "date_of": "2024-06-21"}),
    ("/users/1/events/", {"title": "Tea with Grace", "date_of": "2024-07-02",
                          "social_status": "private"}),
    ("/users/2/events/", {"title": "Code review", "date_of": "2024-07-09"}),
]


def compare_cases(client, cases_dir):
    """Plays every golden case of tests/ch06/cases on this app, after the same seed as
    api_test.c, and prints SAME or DIFF (with both answers) for each."""
    import os
    for name in sorted(os.listdir(cases_dir)):
        Base.metadata.drop_all(bind=engine)
        Base.metadata.create_all(bind=engine)
        for path, body in SEED:
            client.post(path, json=body)
        with open(os.path.join(cases_dir, name, "request"), "rb") as f:
            head, _, body = f.read().partition(b"\n\n")
        lines = head.split(b"\n")
        method, path = lines[0].decode().split(" ")
        headers = {"content-type": "application/json"}
        for line in lines[1:]:
            if line.startswith(b"Content-Type: "):
                headers["content-type"] = line[14:].decode()
        body = body[:-1] if body.endswith(b"\n") else body
        answer = client.request(method, path, content=body or None,
                                headers=headers if body else {})
        with open(os.path.join(cases_dir, name, "expected")) as f:
            status, _, expected = f.read().partition("\n")
        try:
            got = answer.json()
        except ValueError:
            got = answer.text
        same = int(status) == answer.status_code and json.loads(expected) == got
        print("SAME" if same else "DIFF", name)
        if not same:
            print("    ours:   ", status, json.dumps(json.loads(expected)))
            print("    FastAPI:", answer.status_code, json.dumps(got))


def main():
    client = TestClient(app, raise_server_exceptions=False)
    if sys.argv[1:] == ["openapi"]:
        print(json.dumps(client.get("/openapi.json").json(), indent=2))
        return
    if sys.argv[1:2] == ["cases"] and len(sys.argv) == 3:
        compare_cases(client, sys.argv[2])
        return
    # "METHOD PATH [BODY]" per argument
    for arg in sys.argv[1:]:
        method, path, *body = arg.split(" ", 2)
        answer = client.request(method, path, content=body[0].encode() if body else None,
                                headers={"content-type": "application/json"})
        print(method, path, *body, "->", answer.status_code, answer.text)


if __name__ == "__main__":
    main()
