-- Runs once, when the postgres container initialises an empty data volume
-- (the image's /docker-entrypoint-initdb.d): the staff console's own database
-- beside `rasa` (POSTGRES_DB), both owned by the role `clinic`.
CREATE DATABASE console OWNER clinic;
