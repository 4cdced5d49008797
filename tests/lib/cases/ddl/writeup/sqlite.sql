CREATE TABLE users (
	id INTEGER NOT NULL, 
	email VARCHAR, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_users_email ON users (email);

CREATE TABLE events (
	id INTEGER NOT NULL, 
	title VARCHAR, 
	date_of DATE, 
	social_status VARCHAR(7), 
	organizer_id INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT socialstatus CHECK (social_status IN ('public', 'private')), 
	FOREIGN KEY(organizer_id) REFERENCES users (id)
);

CREATE INDEX ix_events_title ON events (title);
