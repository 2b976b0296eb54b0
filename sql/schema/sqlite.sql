-- hookspool SQL sink: its three tables, SQLite (3.8.3 or later).
--
--   sqlite3 /path/to/destination.db < sql/schema/sqlite.sql
--
-- Safe to run again (IF NOT EXISTS). SQLite does not enforce VARCHAR(n),
-- so CHECK constraints give the columns the same limits as the T-SQL and
-- PostgreSQL schemas: a value too long fails the same way everywhere.
-- Times are UTC text, "YYYY-MM-DD HH:MM:SS.mmm". See the README, "SQL over
-- ODBC".

-- One row per contact (manychat_id): the payload of its contact event with
-- the latest event time (event_at, then received_at, then idem_key).
CREATE TABLE IF NOT EXISTS Contact (
	manychat_id	VARCHAR(256)	NOT NULL PRIMARY KEY
		CHECK (length(manychat_id) <= 256),
	idem_key	VARCHAR(400)	NOT NULL UNIQUE
		CHECK (length(idem_key) <= 400),
	event_at	TIMESTAMP	NOT NULL,
	received_at	TIMESTAMP	NOT NULL,
	nombre_lead	VARCHAR(255)	CHECK (length(nombre_lead) <= 255),
	first_name	VARCHAR(255)	CHECK (length(first_name) <= 255),
	last_name	VARCHAR(255)	CHECK (length(last_name) <= 255),
	subscriber_id	VARCHAR(256)	CHECK (length(subscriber_id) <= 256),
	ultimo_estado	VARCHAR(255)	CHECK (length(ultimo_estado) <= 255),
	phone		VARCHAR(64)	CHECK (length(phone) <= 64),
	email		VARCHAR(320)	CHECK (length(email) <= 320),
	payload		TEXT		NOT NULL
);

-- One row per campaign-assignment event, inserted once per idem_key.
CREATE TABLE IF NOT EXISTS Campaign_Contact (
	id		INTEGER		PRIMARY KEY,
	idem_key	VARCHAR(400)	NOT NULL UNIQUE
		CHECK (length(idem_key) <= 400),
	manychat_id	VARCHAR(256)	NOT NULL
		CHECK (length(manychat_id) <= 256),
	campaign_id	VARCHAR(256)	NOT NULL
		CHECK (length(campaign_id) <= 256),
	comercial_id	VARCHAR(256)	CHECK (length(comercial_id) <= 256),
	ultimo_estado	VARCHAR(255)	CHECK (length(ultimo_estado) <= 255),
	tipo_asignacion	VARCHAR(255)	CHECK (length(tipo_asignacion) <= 255),
	event_at	TIMESTAMP	NOT NULL,
	received_at	TIMESTAMP	NOT NULL,
	payload		TEXT		NOT NULL
);
CREATE INDEX IF NOT EXISTS campaign_contact_manychat_id
	ON Campaign_Contact (manychat_id);
CREATE INDEX IF NOT EXISTS campaign_contact_campaign_id
	ON Campaign_Contact (campaign_id);

-- One row per event of any other source or kind (signed webhooks, for
-- one), inserted once per (source, idem_key): the spool's own key, so a
-- key two sources happen to share never drops an event.
CREATE TABLE IF NOT EXISTS Webhook_Event (
	id		INTEGER		PRIMARY KEY,
	source		VARCHAR(64)	NOT NULL
		CHECK (length(source) <= 64),
	idem_key	VARCHAR(400)	NOT NULL
		CHECK (length(idem_key) <= 400),
	kind		VARCHAR(64)	NOT NULL
		CHECK (length(kind) <= 64),
	entity_key	VARCHAR(320)	CHECK (length(entity_key) <= 320),
	received_at	TIMESTAMP	NOT NULL,
	payload		TEXT		NOT NULL,
	UNIQUE (source, idem_key)
);
CREATE INDEX IF NOT EXISTS webhook_event_kind_received_at
	ON Webhook_Event (source, kind, received_at);
CREATE INDEX IF NOT EXISTS webhook_event_entity_key
	ON Webhook_Event (entity_key);
