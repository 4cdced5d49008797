CREATE TYPE socialstatus AS ENUM ('public', 'private');

CREATE TABLE users (
	id SERIAL NOT NULL, 
	email VARCHAR, 
	nick VARCHAR, 
	CONSTRAINT pk_users PRIMARY KEY (id), 
	CONSTRAINT uq_users_email UNIQUE (email)
);

CREATE INDEX ix_users_nick ON users (nick);

CREATE INDEX ix_users_email ON users (email);

CREATE TABLE events (
	id SERIAL NOT NULL, 
	title VARCHAR, 
	social_status socialstatus, 
	organizer_id INTEGER, 
	CONSTRAINT pk_events PRIMARY KEY (id), 
	CONSTRAINT ck_events_positive_id CHECK (id > 0), 
	CONSTRAINT fk_events_organizer_id_users FOREIGN KEY(organizer_id) REFERENCES users (id)
);

CREATE INDEX ix_events_title ON events (title);
