CREATE TABLE users (
	id INTEGER NOT NULL, 
	email VARCHAR, 
	nick VARCHAR, 
	CONSTRAINT pk_users PRIMARY KEY (id), 
	CONSTRAINT uq_users_email UNIQUE (email)
);

CREATE INDEX ix_users_nick ON users (nick);

CREATE INDEX ix_users_email ON users (email);

CREATE TABLE events (
	id INTEGER NOT NULL, 
	title VARCHAR, 
	social_status VARCHAR(7), 
	organizer_id INTEGER, 
	CONSTRAINT pk_events PRIMARY KEY (id), 
	CONSTRAINT ck_events_positive_id CHECK (id > 0), 
	CONSTRAINT ck_events_socialstatus CHECK (social_status IN ('public', 'private')), 
	CONSTRAINT fk_events_organizer_id_users FOREIGN KEY(organizer_id) REFERENCES users (id)
);

CREATE INDEX ix_events_title ON events (title);
