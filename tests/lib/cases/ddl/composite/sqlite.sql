CREATE TABLE users (
	id INTEGER NOT NULL, 
	email VARCHAR, 
	PRIMARY KEY (id), 
	UNIQUE (email)
);

CREATE TABLE memberships (
	user_id INTEGER NOT NULL, 
	group_name VARCHAR(40) NOT NULL, 
	rank INTEGER, 
	first VARCHAR, 
	last VARCHAR, 
	PRIMARY KEY (user_id, group_name), 
	UNIQUE (first, last), 
	CHECK (rank > 0), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	FOREIGN KEY(rank) REFERENCES users (id) ON DELETE SET NULL
);

CREATE INDEX ix_memberships_last_first ON memberships (last, first);

CREATE UNIQUE INDEX uix_rank_group ON memberships (rank, group_name);
