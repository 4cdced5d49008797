BEGIN;

-- Running downgrade 9c7e5b2a1f04 -> 4f2a9c1d7b3e

DROP TABLE events;

UPDATE alembic_version SET version_num='4f2a9c1d7b3e' WHERE alembic_version.version_num = '9c7e5b2a1f04';

-- Running downgrade 4f2a9c1d7b3e -> 

DROP TABLE users;

DELETE FROM alembic_version WHERE alembic_version.version_num = '4f2a9c1d7b3e';

DROP TABLE alembic_version;

COMMIT;

