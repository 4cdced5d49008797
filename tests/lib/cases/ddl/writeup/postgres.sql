CREATE TYPE socialstatus AS ENUM ('public', 'private');

CREATE TABLE users (
	id SERIAL NOT NULL, 
	email VARCHAR, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_users_email ON users (email);

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
