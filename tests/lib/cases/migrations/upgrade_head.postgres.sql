BEGIN;

CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 4f2a9c1d7b3e

CREATE TABLE users (
	id SERIAL NOT NULL, 
	email VARCHAR, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_users_email ON users (email);

INSERT INTO alembic_version (version_num) VALUES ('4f2a9c1d7b3e') RETURNING alembic_version.version_num;

-- Running upgrade 4f2a9c1d7b3e -> 9c7e5b2a1f04

CREATE TYPE socialstatus AS ENUM ('public', 'private');

CREATE TABLE events (
	id SERIAL NOT NULL, 
	title VARCHAR, 
	date_of DATE, 
	social_status socialstatus, 
	organizer_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(organizer_id) REFERENCES users (id)
);

CREATE INDEX ix_events_title ON events (title);

UPDATE alembic_version SET version_num='9c7e5b2a1f04' WHERE alembic_version.version_num = '4f2a9c1d7b3e';

COMMIT;

