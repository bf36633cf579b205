\set VERBOSITY sqlstate
CREATE SCHEMA app;
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE p (id int PRIMARY KEY, label text UNIQUE);
CREATE TABLE q (id serial PRIMARY KEY, p_id int REFERENCES p(id) ON DELETE CASCADE, name varchar(10) NOT NULL DEFAULT 'x', m mood, amount numeric(8,2), CONSTRAINT q_name_check CHECK (length(name) > 0));
CREATE INDEX q_name_idx ON q (name);
CREATE SEQUENCE counter;
CREATE VIEW big AS SELECT id, name FROM q WHERE amount > 100;
CREATE TABLE app.t (x int);
COMMENT ON TABLE p IS 'parents';
\l
\dn
\dt+
\dt
\dt app.*
\di
\ds
\dv
\dT
\d q
\d p
\du
\df
\x
\d p
\x
CREATE TABLE fkp (id int PRIMARY KEY);
CREATE TABLE fkc (id int PRIMARY KEY, p int REFERENCES fkp ON DELETE CASCADE);
\d fkc
-- \d names the right tables after ALTERs on a table others reference.
CREATE TABLE fk_parent (id int PRIMARY KEY, name text NOT NULL, code text UNIQUE);
CREATE TABLE fk_child (id int PRIMARY KEY, parent_id int REFERENCES fk_parent (id) ON DELETE CASCADE, parent_code text REFERENCES fk_parent (code));
ALTER TABLE fk_parent ALTER COLUMN name SET DEFAULT 'x';
ALTER TABLE fk_parent ADD COLUMN extra int NOT NULL DEFAULT 0;
ALTER TABLE fk_parent ALTER COLUMN code TYPE varchar(40);
ALTER TABLE fk_parent RENAME TO fk_mother;
ALTER TABLE fk_child ALTER COLUMN parent_id SET NOT NULL;
\d fk_mother
\d fk_child
