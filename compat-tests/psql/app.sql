-- psql as people use it: DDL, DML with RETURNING, a transaction rolled
-- back, errors with their messages, \copy, variables and \gset, and the
-- describe meta-commands. Each `## name` line starts a check.
\pset pager off
DROP TABLE IF EXISTS p_order, p_customer;
\echo '## create'
CREATE TABLE p_customer (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name varchar(40), joined date DEFAULT '2024-01-01', vip boolean DEFAULT false);
CREATE TABLE p_order (id bigserial PRIMARY KEY, customer int NOT NULL REFERENCES p_customer ON DELETE CASCADE, total numeric(12,2) CHECK (total >= 0), note text, at timestamptz DEFAULT '2024-05-01 10:00+00');
CREATE INDEX p_order_customer ON p_order (customer);
\echo '## insert_returning'
INSERT INTO p_customer (email, name) VALUES ('a@x.io', 'Ann'), ('b@x.io', 'Bob'), ('c@x.io', NULL) RETURNING id, email, joined;
INSERT INTO p_order (customer, total, note) VALUES (1, 10.50, 'first'), (1, 99.99, NULL), (2, 0, 'free') RETURNING id, total;
\echo '## describe_table'
\d p_order
\echo '## list_tables'
\dt p_*
\echo '## list_indexes'
\di p_*
\echo '## errors'
INSERT INTO p_customer (email) VALUES ('a@x.io');
INSERT INTO p_order (customer, total) VALUES (1, -1);
INSERT INTO p_order (customer, total) VALUES (42, 1);
SELECT nosuchcolumn FROM p_customer;
\echo '## rollback'
BEGIN;
DELETE FROM p_order;
SELECT count(*) FROM p_order;
ROLLBACK;
SELECT count(*) FROM p_order;
\echo '## join_aggregate'
SELECT c.name, count(o.id) AS orders, sum(o.total) AS spent, max(o.at) AS last FROM p_customer c LEFT JOIN p_order o ON o.customer = c.id GROUP BY c.id, c.name ORDER BY c.id;
\echo '## pagination'
SELECT email FROM p_customer ORDER BY email LIMIT 2 OFFSET 1;
\echo '## upsert'
INSERT INTO p_customer (email, name) VALUES ('b@x.io', 'Robert') ON CONFLICT (email) DO UPDATE SET name = excluded.name, vip = true RETURNING id, name, vip;
\echo '## variables'
SELECT count(*) AS n FROM p_order \gset
\echo orders: :n
SELECT :'n'::int * 2 AS doubled;
\echo '## copy'
\copy p_customer (email, name) FROM STDIN WITH (FORMAT csv)
d@x.io,Dee
"e@x.io","E, Esq."
\.
\copy (SELECT email, name FROM p_customer ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)
\echo '## update_delete'
UPDATE p_order SET note = coalesce(note, '') || ' (seen)' WHERE total > 5;
DELETE FROM p_customer WHERE email = 'a@x.io';
SELECT customer, note FROM p_order ORDER BY id;
\echo '## expanded'
\x on
SELECT * FROM p_customer WHERE email = 'b@x.io';
\x off
